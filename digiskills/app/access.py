"""Who may do what, in the app: the log-in (local users or an identity provider), the account in the sidebar, and
the guards that read the users file again at every action, so that a removed or downgraded user stops at once
(digiskills.app.auth holds the roles and the users file; docs/security.md)."""

import hashlib
import logging
from pathlib import Path

import streamlit as st

from digiskills.app import auth
from digiskills.i18n import t

log = logging.getLogger("digiskills")


# --- log-in and roles -----------------------------------------------------------
# st.session_state["role"] is set only here, on the server, by a log-in (a browser cannot set a session_state key
# that is not a widget's). AppTest tests log in by setting it directly: at.session_state["role"] = "viewer".


def role() -> str | None:
    """The logged-in user's role, or None."""
    current = st.session_state.get("role")
    return current if current in auth.ROLES else None


def may(needed: str) -> bool:
    """Whether the logged-in user may do what role `needed` may (e.g. may("analyst") for downloads)."""
    return auth.at_least(role(), needed)


def require(needed: str, lang: str) -> None:
    """At the top of a restricted page: stops it with a refusal, before any data or widget, unless the user's role
    is at least `needed`. Hiding the page's link is not enough: a URL reaches any page."""
    if not may(needed):
        st.warning(t("not_allowed", lang), icon="🔒")
        st.stop()


def identity() -> auth.Identity | None:
    """Who this session logged in as (digiskills.app.auth.Identity), or None: a local user's name, or the e-mail
    the identity provider vouches for."""
    if st.session_state.get("auth__local") and st.session_state.get("user"):
        return auth.Identity(st.session_state["user"])
    if _identity_provider() and st.user.is_logged_in and st.user.get("email_verified", True) is not False:
        email = st.user.get("email")
        return auth.Identity(email, is_email=True) if email else None
    return None


def allowed(needed: str, lang: str) -> bool:
    """The check before every action that changes data or releases it (publish, discard, rollback, import, a
    console query or saved query, clearing the caches; downloads use guarded()): the user's role read from the users file now
    (digiskills.app.auth.require). A removed user is logged out, a downgraded one gets the new role, and both see why
    (refusal_notice, on the next run).
    Works in a callback (which runs before the page's own role check) as in the page."""
    try:
        current = auth.require(identity(), needed)
    except auth.NotAllowed as refusal:
        _refuse(refusal, lang)
        return False
    st.session_state["role"] = current
    return True


def _refuse(refusal: auth.NotAllowed, lang: str) -> None:
    if refusal.role is None:
        _log_out()
    else:
        st.session_state["role"] = refusal.role
    # Shown by the log-in form or above the page (refusal_notice): a callback's own output is lost when the
    # run it belongs to is rerun.
    st.session_state["auth__refusal"] = "action_refused_removed" if refusal.role is None else "action_refused_role"


def refusal_notice(lang: str) -> None:
    """The message of an action refused since the last run, once."""
    if key := st.session_state.pop("auth__refusal", None):
        st.error(t(key, lang), icon="🔒")


def guarded(needed: str, make):
    """A download's data made on the click (Streamlit runs the callable outside the page, with no session to
    read): `make` runs only if the user who saw the button still has role `needed` in the users file at the
    click; otherwise auth.NotAllowed is raised, nothing is made and the browser's download fails."""
    who = identity()

    def checked(*args, **kwargs):
        auth.require(who, needed)
        return make(*args, **kwargs)

    return checked


def download_button(column, label: str, make, file_name: str, mime: str, *, key: str, needed: str | None = None,
                    lang: str, **options) -> None:
    """A download button whose file is made on the click (`make`: a callable) for a user who may still download
    it: the callable is guarded(), and the click also reruns the page through allowed(), which logs a removed
    user out with a message."""
    needed = needed or auth.DOWNLOAD_ROLE
    column.download_button(label, guarded(needed, make), file_name, mime, key=key,
                           on_click=lambda: allowed(needed, lang), **options)


def _identity_provider() -> bool:
    """Whether .streamlit/secrets.toml configures OpenID Connect ([auth])."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


@st.cache_resource(show_spinner=False)
def _first_start(users_path: str) -> None:
    """Once per server process: a fresh clone with no users file and no identity provider gets the demo admin."""
    if not _identity_provider():
        auth.ensure_demo_admin(Path(users_path))


def logged_in_role() -> str | None:
    """The logged-in user's role, checked again against the users file at every run (a user removed, or given
    another role, is logged out or changed at once); None when nobody is logged in. Shows nothing."""
    path = auth.users_file()
    if _identity_provider() and st.user.is_logged_in:
        # An e-mail the provider says it has not verified names nobody: no role.
        email = st.user.get("email") if st.user.get("email_verified", True) is not False else None
        granted = auth.role_of_email(email, path)
        if granted is None:
            st.session_state.pop("role", None)
        else:
            st.session_state.update(role=granted, user=email)
        return granted
    if st.session_state.get("auth__local"):
        user = auth.load(path)[0].get(st.session_state.get("user"))
        if user is None:
            _log_out()
        elif st.session_state.setdefault("auth__client", _client_fingerprint()) != _client_fingerprint():
            # Another connection resumed this session with its id (Streamlit lets any connection that presents a
            # session id resume it): the log-in stays with the browser that made it (docs/security.md).
            log.warning("log-in of %s dropped: the session was resumed from another client", user.name)
            _log_out()
        else:
            st.session_state["role"] = user.role
    return role()


def _client_fingerprint() -> str:
    """What a second connection with a copied session id does not bring along: the client's address, its
    User-Agent and Streamlit's XSRF cookie (set once per browser), hashed. Read from the current connection
    (st.context follows the websocket that resumed the session). Empty parts outside a server (AppTest)."""
    def part(read) -> str:
        try:
            value = read()
        except Exception:  # no connection at all (a bare script run)
            return ""
        return value if isinstance(value, str) else ""  # AppTest's runtime answers with stand-in objects

    parts = [part(lambda: st.context.ip_address), part(lambda: st.context.headers.get("User-Agent")),
             part(lambda: st.context.cookies.get("_streamlit_xsrf"))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def log_in(lang: str) -> None:
    """The log-in form, and the identity provider's button when configured. Called after st.navigation: a widget
    created before it changes its id between runs and would lose what was typed."""
    path = auth.users_file()
    oidc = _identity_provider()
    if oidc and st.user.is_logged_in:  # known to the identity provider, but given no role here
        st.warning(t("login_no_role", lang, email=st.user.get("email") or "?"), icon="🔒")
        st.button(t("logout", lang), on_click=st.logout, key="auth__oidc_logout")
        return
    _first_start(str(path))
    refusal_notice(lang)
    st.title(t("login_title", lang))
    with st.form("auth__login", clear_on_submit=True):  # the password does not stay in the session
        name = st.text_input(t("login_user", lang), autocomplete="username")
        password = st.text_input(t("login_password", lang), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("login_submit", lang), type="primary")
    if submitted:
        try:
            user = auth.verify(name.strip(), password, path)
        except auth.LockedOut as locked:
            st.error(t("login_locked", lang, minutes=locked.minutes))
        except auth.Busy:
            st.warning(t("login_busy", lang))
        else:
            if user is not None:
                log.info("log-in: %s (%s)", user.name, user.role)
                st.session_state.update(role=user.role, user=user.name, auth__local=True,
                                        auth__client=_client_fingerprint())
                st.rerun()
            log.warning("failed log-in")
            st.error(t("login_failed", lang))
    if oidc:
        st.button(t("login_oidc", lang), on_click=st.login, key="auth__oidc_login")
    demo = [u for u in auth.load(path)[0].values() if u.is_demo]
    if demo:
        st.info(t("login_demo_hint", lang, user=demo[0].name, path=path))


def _log_out() -> None:
    for key in ("role", "user", "auth__local", "auth__client"):
        st.session_state.pop(key, None)


def account_sidebar(lang: str) -> None:
    """Who is logged in, and the log-out button, at the bottom of the sidebar; above the page, the message of an
    action refused since the last run."""
    refusal_notice(lang)
    with st.sidebar:
        st.divider()
        st.caption(t("logged_in_as", lang, user=st.session_state.get("user", "?"), role=t(f"role_{role()}", lang)))
        if st.button(t("logout", lang), key="auth__logout"):
            _log_out()
            if _identity_provider() and st.user.is_logged_in:
                st.logout()
            st.rerun()
