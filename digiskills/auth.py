"""Who may see and do what: the three roles, the pages each may open, and the local users file (salted argon2
password hashes; e-mail → role for users who log in through OpenID Connect). No streamlit here: the log-in form
and the page checks are in digiskills.ui (docs/security.md, "Log-in and roles")."""

import json
import os
import re
import secrets
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Ordered: each role may do everything the roles before it may.
ROLES = ("viewer", "analyst", "data_admin")
# The least role a page needs (every other page: viewer). Pages are named by their url path.
PAGE_ROLES = {"explore": "analyst", "console": "analyst", "data": "data_admin"}
DOWNLOAD_ROLE = "analyst"  # row-level and aggregate downloads
DEFAULT_USERS_FILE = Path(".streamlit") / "digiskills-users.toml"  # beside the config, git-ignored
DEMO_ADMIN = "admin"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# A wrong password costs at least this long, more after repeated failures for the same name (up to the cap).
FAILURE_DELAY_S, FAILURE_DELAY_CAP_S = 1.0, 5.0

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters and a random salt per hash
# Checked against when the name is unknown, so an unknown name costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_failures: dict[str, list[float]] = {}  # name -> times of recent failed attempts (this server process)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str | None = None
    is_demo: bool = False  # created on first start with a random password printed in the server log


def at_least(role: str | None, needed: str) -> bool:
    """Whether `role` may do what `needed` may (an unknown or missing role may do nothing)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def page_allowed(role: str | None, page: str) -> bool:
    """Whether `role` may open the page with this url path."""
    return at_least(role, PAGE_ROLES.get(page, "viewer"))


def users_file() -> Path:
    """The users file: $DIGISKILLS_USERS, else .streamlit/digiskills-users.toml."""
    return Path(os.environ.get("DIGISKILLS_USERS") or DEFAULT_USERS_FILE)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def load(path: Path | None = None) -> tuple[dict[str, User], dict[str, str]]:
    """The users file: ({name: User}, {e-mail (lower case): role}); both empty when the file does not exist.
    Entries with an unknown role are left out (fail closed)."""
    path = path or users_file()
    if not path.exists():
        return {}, {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    users = {name: User(name, entry["role"], entry.get("password_hash"), bool(entry.get("demo", False)))
             for name, entry in data.get("users", {}).items() if entry.get("role") in ROLES}
    emails = {email.lower(): role for email, role in data.get("emails", {}).items() if role in ROLES}
    return users, emails


def save(users: dict[str, User], emails: dict[str, str], path: Path | None = None) -> None:
    """Writes the users file atomically, readable by its owner only (it holds password hashes)."""
    path = path or users_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    q = json.dumps  # a JSON string is a valid TOML basic string
    lines = ["# digiskills users: `python -m digiskills users add|list|remove` (docs/security.md).", ""]
    for user in users.values():
        lines += [f"[users.{q(user.name)}]", f"role = {q(user.role)}"]
        if user.password_hash:
            lines.append(f"password_hash = {q(user.password_hash)}")
        if user.is_demo:
            lines.append("demo = true")
        lines.append("")
    lines += ["# Users who log in through OpenID Connect: e-mail = role.", "[emails]"]
    lines += [f"{q(email)} = {q(role)}" for email, role in emails.items()]
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(scratch, 0o600)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def add_user(name: str, role: str, password: str, path: Path | None = None, *, replace: bool = False,
             demo: bool = False) -> None:
    """Adds a local user with a salted argon2id hash of `password` (refused if the name exists, unless replace)."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"invalid user name {name!r}: letters, digits and . _ @ - (up to 64)")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    users, emails = load(path)
    if name in users and not replace:
        raise ValueError(f"user {name!r} exists (use --replace to change the password or role)")
    users[name] = User(name, _check_role(role), _hasher.hash(password), demo)
    save(users, emails, path)


def set_email_role(email: str, role: str, path: Path | None = None) -> None:
    """Gives the OpenID Connect user with this e-mail a role."""
    users, emails = load(path)
    emails[email.strip().lower()] = _check_role(role)
    save(users, emails, path)


def remove(name: str, path: Path | None = None) -> bool:
    """Removes a local user or an e-mail's role; False when there was none."""
    users, emails = load(path)
    found = users.pop(name, None) is not None or emails.pop(name.lower(), None) is not None
    if found:
        save(users, emails, path)
    return found


def verify(name: str, password: str, path: Path | None = None) -> User | None:
    """The user if the password is right, else None after a delay; the answer and its timing do not tell
    whether the name exists."""
    user = load(path)[0].get(name)
    try:
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and user and user.password_hash:
        _failures.pop(name, None)
        return user
    now = time.monotonic()
    recent = [t for t in _failures.get(name, []) if now - t < 300] + [now]
    _failures[name] = recent[-20:]
    time.sleep(min(FAILURE_DELAY_S * len(recent), FAILURE_DELAY_CAP_S))
    return None


def role_of_email(email: str | None, path: Path | None = None) -> str | None:
    """The role given to an OpenID Connect user's e-mail in the users file (None: no access)."""
    return load(path)[1].get((email or "").strip().lower()) if email else None


def ensure_demo_admin(path: Path | None = None) -> str | None:
    """On the first start of a fresh clone (no users file and no identity provider, checked by the caller):
    creates the local data admin 'admin' with a random password, returns it and prints it to the server log
    (stderr). None when the users file exists."""
    path = path or users_file()
    if path.exists():
        return None
    password = secrets.token_urlsafe(12)
    add_user(DEMO_ADMIN, "data_admin", password, path, demo=True)
    print(f"\n[digiskills] Local demo log-in created in {path}: user '{DEMO_ADMIN}', password '{password}' "
          f"(role data_admin). Add your own users with `python -m digiskills users add NAME --role ROLE`.\n",
          file=sys.stderr, flush=True)
    return password
