"""The package's shape (issue 18): no import circles, and imports only in the allowed direction.

The imports are read with `ast` from the source, not by importing, so a circle that Python tolerates at run time
(a late import inside a function) still counts: a reader following the code meets it all the same."""
import ast
from pathlib import Path

import pytest

from digiskills import ROOT

PACKAGE = ROOT / "digiskills"

# Which sub-package may import which (besides itself and the standard and third-party libraries). The flow is
# export → ingest → warehouse → analytics → display/brief → app → pages, never back; docs/architecture.md.
# The foundations import nothing of the package but ROOT, and every part may import them: the package itself
# (ROOT), text normalisation and the message catalogue.
FOUNDATIONS = {"": set(), "text": set(), "i18n": set(), "i18n_keys": set()}
ALLOWED = FOUNDATIONS | {
    "reference": set(),
    "privacy": set(),
    "warehouse": {"reference", "privacy"},
    "ingest": {"reference", "privacy", "warehouse"},
    "analytics": {"reference", "warehouse"},
    "geo": {"reference"},
    "display": {"reference", "analytics", "ingest", "geo"},
    "brief": {"reference", "warehouse", "analytics", "geo", "display"},
    "console": {"warehouse", "ingest", "display"},
    "demo": {"reference", "privacy", "warehouse", "ingest"},
    "app": {"reference", "privacy", "warehouse", "ingest", "analytics", "geo", "display", "brief", "console", "demo"},
    "cli": {"reference", "privacy", "warehouse", "ingest", "analytics", "geo", "display", "brief", "console", "demo",
            "app"},
    "__main__": {"cli"},
}
# Only the app's glue and the pages talk to streamlit; the data layer never imports the UI.
STREAMLIT_ALLOWED = {"app"}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports (absolute dotted names), at any depth of the file (late imports count)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            # `from digiskills.x import y` imports the module digiskills.x.y when y is one.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imported(path) if m in modules and m != name} for name, path in modules.items()}


def concern(module: str) -> str:
    """The sub-package (or top-level module) a module belongs to: digiskills.ingest.readers -> ingest."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_imports_of_every_kind(tmp_path):
    """A negative control for the walker: absolute, relative and late imports all count."""
    package = tmp_path / "digiskills" / "brief"
    package.mkdir(parents=True)
    source = package / "content.py"
    source.write_text("from . import documents\nfrom ..display import charts\ndef f():\n    import streamlit\n")
    assert imported(source, tmp_path) == {"digiskills" + ".brief", "digiskills.brief.documents",
                                          "digiskills.display", "digiskills.display.charts", "streamlit"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_between_modules():
    assert cycles(graph()) == []


def test_no_import_circles_between_sub_packages():
    edges: dict[str, set[str]] = {}
    for source, targets in graph().items():
        edges.setdefault(concern(source), set()).update(concern(t) for t in targets if concern(t) != concern(source))
    assert cycles(edges) == []


def test_imports_follow_the_allowed_direction():
    wrong = sorted(f"{source} imports {target}" for source, targets in graph().items() for target in targets
                   if concern(target) not in ALLOWED[concern(source)] | FOUNDATIONS.keys() | {concern(source)})
    assert wrong == []


def test_every_sub_package_has_an_allowed_entry_and_a_docstring():
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert packages | modules | {""} == set(ALLOWED)
    undocumented = [name for name in packages if not ast.get_docstring(ast.parse(
        (PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))]
    assert undocumented == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_only_the_app_imports_streamlit(path):
    if concern(module_name(path)) in STREAMLIT_ALLOWED:
        pytest.skip("the app's glue talks to streamlit")
    assert not {m for m in imported(path) if m.split(".")[0] == "streamlit"}


# Modules still over the limit, with the most lines each may have until it is split (issue 18's closing note says
# why each waits); the list may only shrink.
LONG_MODULES = {
    "digiskills.ingest.readers": 532,  # one reader per format with its limits
    "digiskills.ingest.load": 484,
    "digiskills.demo.world": 476,
    "digiskills.analytics.disclosure": 470,
    "digiskills.analytics.projections": 431,
}


def test_modules_stay_small():
    """STYLE.md: a module is read in one sitting, about 400 lines at most."""
    lines = {module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    too_long = {name: n for name, n in lines.items() if n > LONG_MODULES.get(name, 400)}
    assert too_long == {}
    assert {name for name in LONG_MODULES if lines.get(name, 0) <= 400} == set(), "split: drop it from LONG_MODULES"


def test_a_streamlit_deprecation_fails_the_test():
    """The negative control of conftest's no_streamlit_deprecations: Streamlit's own deprecation call is seen."""
    from conftest import STREAMLIT_DEPRECATIONS
    from streamlit import deprecation_util

    deprecation_util.show_deprecation_warning("st.example is deprecated", show_in_browser=False)
    assert STREAMLIT_DEPRECATIONS.messages == ["st.example is deprecated"]
    STREAMLIT_DEPRECATIONS.messages.clear()
