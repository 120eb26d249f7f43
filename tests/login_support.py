"""Page tests that click an action: a session logged in as a user of the users file (DIGISKILLS_USERS), as the
log-in form leaves it. Every action checks the user's role in that file at the click (digiskills.app.auth.require),
so a test that only sets session_state["role"] sees its pages but may do nothing on them."""

from digiskills.app import auth

PASSWORD = "a test password"


def log_in(at, role: str, name: str | None = None) -> str:
    """Adds (or replaces) the user `name` (default: test-<role>) with `role` and logs the AppTest session in as
    them (before its first run); returns the name."""
    name = name or f"test-{role}"
    auth.add_user(name, role, PASSWORD, replace=True)
    at.session_state["role"] = role
    at.session_state["user"] = name
    at.session_state["auth__local"] = True
    return name
