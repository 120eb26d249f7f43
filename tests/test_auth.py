"""Log-in and roles: the users file (salted argon2id hashes, roles, e-mails for OpenID Connect), the failed log-in
that tells nothing, the first start's demo admin, the `users` command, and under AppTest the pages each role
reaches, also by URL and when a restricted page is run on its own. The browser tests (tests/test_e2e.py) log in
through the form."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from digiskills import auth, ui
from digiskills.i18n import t

ROOT = Path(__file__).resolve().parent.parent
SHARED_GEO = Path(os.environ.get("DIGISKILLS_SHARED_GEO") or ROOT.parent / "shared" / "geo")


@pytest.fixture
def users(tmp_path, monkeypatch):
    """An empty users file's path, named by DIGISKILLS_USERS; failed log-ins do not wait."""
    path = tmp_path / "conf" / "users.toml"
    monkeypatch.setenv("DIGISKILLS_USERS", str(path))
    monkeypatch.setattr(auth, "FAILURE_DELAY_S", 0.0)
    auth._failures.clear()
    return path


# ---------------------------------------------------------------------------------------------- roles


def test_each_role_may_do_what_the_roles_before_it_may():
    assert [r for r in auth.ROLES if auth.at_least(r, "analyst")] == ["analyst", "data_admin"]
    assert [r for r in auth.ROLES if auth.at_least(r, "viewer")] == list(auth.ROLES)
    assert not auth.at_least(None, "viewer") and not auth.at_least("admin", "viewer")  # unknown: nothing


@pytest.mark.parametrize("role, pages", [
    ("viewer", {"overview", "map", "funnel", "projections", "teams"}),
    ("analyst", {"overview", "map", "funnel", "projections", "teams", "explore", "console"}),
    ("data_admin", {"overview", "map", "funnel", "projections", "teams", "explore", "console", "data"}),
    (None, set()),
])
def test_pages_of_each_role(role, pages):
    every = {"overview", "map", "funnel", "projections", "teams", "explore", "console", "data"}
    assert {p for p in every if auth.page_allowed(role, p)} == pages


# ---------------------------------------------------------------------------------------------- users file


def test_a_password_is_kept_as_a_salted_argon2id_hash_in_a_private_file(users):
    auth.add_user("lan", "viewer", "same-password")
    auth.add_user("minh", "analyst", "same-password")
    text = users.read_text()
    assert "same-password" not in text
    found, _ = auth.load()
    assert found["lan"].password_hash.startswith("$argon2id$")
    assert found["lan"].password_hash != found["minh"].password_hash  # a random salt per hash
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert (found["lan"].role, found["minh"].role) == ("viewer", "analyst")


def test_verify_accepts_the_right_password_only(users):
    auth.add_user("lan", "analyst", "correct horse")
    assert auth.verify("lan", "correct horse").role == "analyst"
    assert auth.verify("lan", "correct hors") is None
    assert auth.verify("lan", "") is None
    assert auth.verify("Lan", "correct horse") is None  # names are exact


def test_a_failed_log_in_waits_the_same_for_an_unknown_user_and_longer_when_repeated(users, monkeypatch):
    auth.add_user("lan", "viewer", "correct horse")
    waits = []
    monkeypatch.setattr(auth, "FAILURE_DELAY_S", 1.0)
    monkeypatch.setattr(auth.time, "sleep", waits.append)
    assert auth.verify("lan", "wrong") is None
    assert auth.verify("nobody", "wrong") is None  # the unknown name is also checked against a hash
    assert waits == [1.0, 1.0]
    for _ in range(10):
        auth.verify("lan", "wrong")
    assert waits[-1] == auth.FAILURE_DELAY_CAP_S
    assert auth.verify("lan", "correct horse") is not None and "lan" not in auth._failures


def test_add_refuses_a_taken_name_unless_replaced_and_bad_input(users):
    auth.add_user("lan", "viewer", "first-password")
    with pytest.raises(ValueError, match="exists"):
        auth.add_user("lan", "viewer", "second-password")
    auth.add_user("lan", "data_admin", "second-password", replace=True)
    assert auth.verify("lan", "second-password").role == "data_admin"
    with pytest.raises(ValueError, match="role"):
        auth.add_user("hoa", "superuser", "long-enough")
    with pytest.raises(ValueError, match="8 characters"):
        auth.add_user("hoa", "viewer", "short")
    with pytest.raises(ValueError, match="user name"):
        auth.add_user('a"] \n[users.x', "viewer", "long-enough")


def test_an_entry_with_an_unknown_role_gives_no_access(users):
    users.parent.mkdir(parents=True)
    users.write_text('[users.eve]\nrole = "root"\npassword_hash = "x"\n[emails]\n"eve@x.vn" = "owner"\n')
    assert auth.load() == ({}, {})


def test_openid_connect_users_get_their_role_by_e_mail(users):
    auth.set_email_role("Lan.Nguyen@CaMau.gov.vn", "viewer")
    assert auth.role_of_email("lan.nguyen@camau.gov.vn") == "viewer"
    assert auth.role_of_email("other@camau.gov.vn") is None and auth.role_of_email(None) is None
    assert auth.remove("lan.nguyen@camau.gov.vn") and auth.role_of_email("lan.nguyen@camau.gov.vn") is None


def test_the_first_start_creates_a_demo_admin_with_a_random_password_once(users, capsys):
    password = auth.ensure_demo_admin()
    printed = capsys.readouterr().err
    assert password and password in printed and str(users) in printed  # in the server log
    assert auth.verify(auth.DEMO_ADMIN, password).role == "data_admin"
    assert auth.load()[0][auth.DEMO_ADMIN].is_demo
    assert auth.ensure_demo_admin() is None and capsys.readouterr().err == ""  # never again, never reprinted
    users.unlink()
    assert auth.ensure_demo_admin() != password  # random, not in the repository


def test_no_password_is_written_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ".streamlit/secrets.toml" not in tracked and ".streamlit/digiskills-users.toml" not in tracked
    ignored = subprocess.run(["git", "check-ignore", ".streamlit/secrets.toml", ".streamlit/digiskills-users.toml"],
                             cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ignored == [".streamlit/secrets.toml", ".streamlit/digiskills-users.toml"]


# ---------------------------------------------------------------------------------------------- command line


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digiskills", "users", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, env=os.environ.copy(), timeout=120)


def test_users_command_adds_lists_and_removes(users):
    added = cli("add", "lan", "--role", "analyst", "--password-stdin", stdin="a long password\n")
    assert added.returncode == 0, added.stderr
    assert auth.verify("lan", "a long password").role == "analyst"
    assert cli("add", "lan", "--role", "viewer", "--password-stdin", stdin="another one\n").returncode == 2
    assert cli("email", "Boss@CaMau.gov.vn", "--role", "viewer").returncode == 0
    listed = cli("list")
    assert listed.stdout.splitlines() == ["lan\tanalyst", "boss@camau.gov.vn\tviewer\t(OpenID Connect)"]
    assert "a long password" not in listed.stdout + users.read_text()
    assert cli("add", "hoa", "--role", "superuser", "--password-stdin", stdin="long enough\n").returncode == 2
    assert cli("remove", "lan").returncode == 0
    assert cli("remove", "lan").returncode == 1
    assert cli("list").stdout.splitlines() == ["boss@camau.gov.vn\tviewer\t(OpenID Connect)"]


# ---------------------------------------------------------------------------------------------- pages (AppTest)


@pytest.fixture
def app(demo_small, users, monkeypatch):
    """dashboard.py (or a page file run on its own) under AppTest, logged in with `role` (None: nobody).
    The log-in keeps the role in session_state, where only server code can put it."""
    monkeypatch.setenv("DIGISKILLS_DB", str(demo_small.db))
    monkeypatch.setenv("DIGISKILLS_BOUNDARIES", str(SHARED_GEO))
    ui.live_warehouse.clear()

    def app(role: str | None, page: str | None = None, script: str = "dashboard.py") -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=120)
        if role:
            at.session_state["role"] = role
        if page:
            at.switch_page(f"pages/{page}.py")
        return at.run()

    yield app
    ui.live_warehouse.clear()


def titles(at: AppTest) -> list[str]:
    return [x.value for x in at.title]


def test_nobody_logged_in_sees_the_form_and_nothing_else(app, users):
    at = app(None, "explore")
    assert titles(at) == [t("login_title", "vi")]
    assert [x.label for x in at.text_input] == [t("login_user", "vi"), t("login_password", "vi")]
    assert not at.dataframe and not at.get("plotly_chart") and not at.get("file_uploader")
    # A fresh clone: the demo admin was created and the page says where its password is.
    assert auth.load()[0][auth.DEMO_ADMIN].is_demo
    assert str(users) in at.info[0].value


@pytest.mark.parametrize("role, reachable", [("viewer", set()), ("analyst", {"explore"}),
                                             ("data_admin", {"explore", "data"})])
def test_each_role_reaches_exactly_its_restricted_pages(app, role, reachable):
    """A page the role may not open is not in its navigation: the link (or typed URL) opens the overview."""
    for page in ("explore", "data"):
        at = app(role, page)
        assert not at.exception, [e.value for e in at.exception]
        expected = t(f"page_{page}", "vi") if page in reachable else t("page_overview", "vi") + ":"
        assert titles(at)[0].startswith(expected), (role, page, titles(at))
        assert bool(at.get("file_uploader")) == (page == "data" and page in reachable)
        # Row-level downloads are Explore's; the overview it falls back to has the charts' (aggregate) data.
        rows = [b for b in at.get("download_button") if b.key.startswith("explore__")]
        assert bool(rows) == (page == "explore" and page in reachable)


@pytest.mark.parametrize("role, page", [("viewer", "explore"), ("viewer", "data"), ("analyst", "data"),
                                        (None, "explore")])
def test_a_restricted_page_run_on_its_own_refuses_before_any_data(app, role, page):
    """The page checks the role itself (a first deep link to a fresh server runs the page file alone): a refusal,
    no title, no table, no download, no upload."""
    at = app(role, script=f"pages/{page}.py")
    assert [w.value for w in at.warning] == [t("not_allowed", "vi")]
    assert not at.title and not at.dataframe and not at.get("download_button") and not at.get("file_uploader")
