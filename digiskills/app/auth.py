"""Who may see and do what: the three roles, the pages each may open, and the local users file (salted argon2
password hashes; e-mail → role for users who log in through OpenID Connect). No streamlit here: the log-in form
and the page checks are in digiskills.app.ui (docs/security.md, "Log-in and roles")."""

import json
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
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
# After LOCKOUT_FAILURES failed attempts at one user name within LOCKOUT_MINUTES, from any number of sessions,
# that name is locked for LOCKOUT_MINUTES: no password is checked, not even the right one
# (DIGISKILLS_LOGIN_FAILURES, DIGISKILLS_LOCKOUT_MINUTES over these).
LOCKOUT_FAILURES, LOCKOUT_MINUTES = 5, 15
# argon2id allocates 64 MiB per hash: at most this many hashes at once in the server process
# (DIGISKILLS_LOGIN_HASHES), an attempt that waits longer than HASH_WAIT_S for its turn is refused as busy.
MAX_HASHING, HASH_WAIT_S = 2, 10.0

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters and a random salt per hash
# Checked against when the name is unknown, so an unknown name costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# The server-wide throttle: user name -> times of recent failed attempts, shared by every session of this server
# process (Streamlit serves every browser from one process), guarded by one lock.
_failures: dict[str, list[float]] = {}
_locked_until: dict[str, float] = {}
_throttle_lock = threading.Lock()
_hashing: threading.BoundedSemaphore | None = None
_hashing_size = 0
log = logging.getLogger("digiskills")


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


class LockedOut(Exception):
    """Too many failed log-ins for this user name: no password is checked for `minutes` more."""

    def __init__(self, minutes: int):
        super().__init__(f"locked for {minutes} min")
        self.minutes = minutes


class Busy(Exception):
    """MAX_HASHING password checks were running for HASH_WAIT_S: the attempt is refused, not queued."""


def _setting(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdecimal() and int(text) > 0 else default


def _throttle_key(name: str) -> str:
    return name.strip().casefold()[:64]  # a name too long to exist still gets one bounded key


def _hash_slots() -> threading.BoundedSemaphore:
    global _hashing, _hashing_size
    size = _setting("DIGISKILLS_LOGIN_HASHES", MAX_HASHING)
    with _throttle_lock:
        if _hashing is None or size != _hashing_size:
            _hashing, _hashing_size = threading.BoundedSemaphore(size), size
        return _hashing


def locked_minutes(name: str) -> int:
    """Minutes left of the lockout of this user name (0: not locked)."""
    with _throttle_lock:
        left = _locked_until.get(_throttle_key(name), 0.0) - time.monotonic()
    return max(0, -int(-left // 60))


def verify(name: str, password: str, path: Path | None = None) -> User | None:
    """The user if the password is right, else None after a delay; the answer and its timing do not tell
    whether the name exists. Raises LockedOut while the name is locked (known or not: that tells nothing either)
    and Busy when every hashing slot stayed taken (digiskills/app/auth.py, MAX_HASHING)."""
    key = _throttle_key(name)
    if minutes := locked_minutes(name):
        time.sleep(min(FAILURE_DELAY_S * LOCKOUT_FAILURES, FAILURE_DELAY_CAP_S))  # as slow as a wrong password
        raise LockedOut(minutes)
    user = load(path)[0].get(name)
    slots = _hash_slots()
    if not slots.acquire(timeout=HASH_WAIT_S):
        log.warning("log-in refused: %d password checks already running", _hashing_size)
        raise Busy()
    try:
        if minutes := locked_minutes(name):  # locked by the guesses that hashed while this one waited
            raise LockedOut(minutes)
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    finally:
        slots.release()
    if ok and user and user.password_hash:
        with _throttle_lock:
            _failures.pop(key, None)
        return user
    window = _setting("DIGISKILLS_LOCKOUT_MINUTES", LOCKOUT_MINUTES) * 60
    allowed = _setting("DIGISKILLS_LOGIN_FAILURES", LOCKOUT_FAILURES)
    with _throttle_lock:
        now = time.monotonic()
        recent = [t for t in _failures.get(key, []) if now - t < window] + [now]
        _failures[key] = recent[-allowed:]
        if len(recent) >= allowed and _locked_until.get(key, 0.0) <= now:
            _locked_until[key] = now + window
            _failures.pop(key, None)
            log.warning("log-in locked for %d min after %d failed attempts: user name %r", window // 60,
                        len(recent), name[:64])
    time.sleep(min(FAILURE_DELAY_S * len(recent), FAILURE_DELAY_CAP_S))
    return None


def forget_failures() -> None:
    """Clears the throttle (tests; a restart does the same)."""
    with _throttle_lock:
        _failures.clear()
        _locked_until.clear()


# --- authorisation at the action (docs/security.md, "Authorisation points") ------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who a session logged in as: a local user's name, or an OpenID Connect user's e-mail."""
    name: str
    is_email: bool = False


class NotAllowed(PermissionError):
    """The user may not do this now: removed from the users file, or given a lesser role. `role` is their role
    at this moment (None: removed)."""

    def __init__(self, identity: "Identity | None", needed: str, role: str | None):
        super().__init__(f"{identity.name if identity else 'nobody'} ({role or 'no role'}) may not do what "
                         f"{needed} may")
        self.identity, self.needed, self.role = identity, needed, role


def role_now(identity: Identity | None, path: Path | None = None) -> str | None:
    """The identity's role in the users file at this moment (None: not there, or no identity)."""
    if identity is None:
        return None
    if identity.is_email:
        return role_of_email(identity.name, path)
    user = load(path)[0].get(identity.name)
    return user.role if user else None


def require(identity: Identity | None, needed: str, path: Path | None = None) -> str:
    """The one check before every state-changing or data-releasing action: the identity's role, read from the
    users file now, must be at least `needed`; returns it, else raises NotAllowed (and says so in the log)."""
    current = role_now(identity, path)
    if not at_least(current, needed):
        log.warning("refused: %s (role now: %s) needs %s", identity.name if identity else "nobody",
                    current or "none", needed)
        raise NotAllowed(identity, needed, current)
    return current


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
