"""Who may see and change what: users with roles, their API tokens, sign-in sessions, and the identity
of a request.

Auth is configured once API_TOKEN is set or the record holds a user; from then on every request but
/healthz and the sign-in page needs it. A password is kept as an argon2id hash (argon2-cffi); a token
or a session secret only as its SHA-256 (they are long random strings, shown once). API_TOKEN is an
admin's bearer token, as before users existed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from schemas.database import sessions
from schemas.models import ROLES, ApiToken, LoginSession, User, utcnow
from worker.settings import Settings

TOKEN_PREFIX = "tsk_"  # a user's API token starts so, to be recognised in a script or a leak
SESSION_COOKIE = "tablescan_session"
_hasher = PasswordHasher()
_NOT_A_HASH = _hasher.hash(secrets.token_urlsafe(16))  # verified against when the name is unknown


class AuthError(ValueError):
    """A user, role, password or token that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class Identity:
    """Who makes a request. `name` is what the correction trail records; None when the name must come
    from the request itself (the open service, or the shared API_TOKEN)."""

    name: str | None
    role: str
    via: str  # open | api_token | token | session
    csrf_token: str | None = None  # a session's: the dashboard sends it back on every change

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


OPEN = Identity(name=None, role="admin", via="open")  # no auth configured: loopback only (tablescan serve)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def auth_configured(s: Session, api_token: str | None) -> bool:
    return bool(api_token) or s.scalar(select(User.id).limit(1)) is not None


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_refused(settings: Settings) -> str | None:
    """Why the API must not listen on API_HOST: beyond loopback, with no auth configured, anyone on the
    network could read and change every record. None when it may (or --insecure says so)."""
    if settings.insecure or is_loopback(settings.api_host):
        return None
    with sessions(settings.database_url)() as s:
        if auth_configured(s, settings.api_token):
            return None
    return (
        f"refusing to listen on {settings.api_host}: no auth is configured, so anyone who reaches it "
        "could read and change every record. Add a user (tablescan user add NAME --role admin) or set "
        "API_TOKEN, listen on 127.0.0.1, or pass --insecure to do it anyway."
    )


# -- users and tokens (the CLI) ---------------------------------------------------------------------------


def check_password(password: str) -> None:
    if len(password) < 10:
        raise AuthError("a password needs at least 10 characters")


def add_user(s: Session, name: str, role: str, password: str | None, update: bool = False) -> User:
    """A new user (or, with update, the same name's role and password set anew)."""
    name = name.strip()
    if not name or len(name) > 128 or not name.isprintable():
        raise AuthError("a user name is 1 to 128 printable characters")
    if role not in ROLES:
        raise AuthError(f"a role is one of {', '.join(ROLES)}")
    if password is not None:
        check_password(password)
    user = s.scalar(select(User).where(User.name == name))
    if user is not None and not update:
        raise AuthError(f"user {name!r} exists already")
    if user is None:
        user = User(name=name, role=role)
        s.add(user)
    user.role = role
    user.password_hash = _hasher.hash(password) if password is not None else user.password_hash
    s.flush()
    return user


def _existing(s: Session, name: str) -> User:
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise AuthError(f"no user {name!r}")
    return user


def remove_user(s: Session, name: str) -> None:
    """The user goes, and with them their tokens and sessions."""
    s.delete(_existing(s, name))


def issue_token(s: Session, name: str, label: str = "") -> str:
    """A new API token for the user: returned once, kept only as its SHA-256."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=_existing(s, name).id, label=label[:128], token_sha256=_sha256(token)))
    s.flush()
    return token


def revoke_tokens(s: Session, name: str) -> int:
    gone = s.scalars(delete(ApiToken).where(ApiToken.user_id == _existing(s, name).id).returning(ApiToken.id))
    return len(gone.all())


# -- sign-in ------------------------------------------------------------------------------------------------


def sign_in(s: Session, name: str, password: str, api_token: str | None, hours: float) -> str | None:
    """A new session's cookie secret for a right name and password, else None. With API_TOKEN set, the
    token as the password signs in an admin under the name given (as a change with it names itself)."""
    name = name.strip()
    if not name or len(name) > 128:
        return None
    user = s.scalar(select(User).where(User.name == name))
    if user is not None and user.password_hash:
        try:
            _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
    elif api_token and secrets.compare_digest(password.encode(), api_token.encode()):
        user = None
    else:
        try:  # as long as for a known name: how long it takes tells nothing
            _hasher.verify(_NOT_A_HASH, password)
        except VerifyMismatchError:
            pass
        return None
    secret = secrets.token_urlsafe(32)
    s.add(
        LoginSession(
            user_id=user.id if user else None,
            name=user.name if user else name,
            secret_sha256=_sha256(secret),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    s.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))
    return secret


def sign_out(s: Session, secret: str) -> None:
    s.execute(delete(LoginSession).where(LoginSession.secret_sha256 == _sha256(secret)))


# -- the identity of a request ---------------------------------------------------------------------------


def identify(s: Session, api_token: str | None, bearer: str | None, cookie: str | None) -> Identity | None:
    """Who sends a request with this bearer token or session cookie; OPEN when no auth is configured;
    None when auth is configured and neither is valid."""
    if not auth_configured(s, api_token):
        return OPEN
    if bearer:
        if api_token and secrets.compare_digest(bearer.encode(), api_token.encode()):
            return Identity(name=None, role="admin", via="api_token")
        user = s.scalar(select(User).join(ApiToken).where(ApiToken.token_sha256 == _sha256(bearer)))
        return Identity(name=user.name, role=user.role, via="token") if user else None
    if cookie:
        session = s.scalar(select(LoginSession).where(LoginSession.secret_sha256 == _sha256(cookie)))
        if session is None or _aware(session.expires_at) < utcnow():
            return None
        if session.user_id is None:  # signed in with API_TOKEN, which must still be set
            return (
                Identity(name=session.name, role="admin", via="session", csrf_token=session.csrf_token)
                if api_token
                else None
            )
        user = session.user
        assert user is not None  # user_id is set
        return Identity(name=user.name, role=user.role, via="session", csrf_token=session.csrf_token)
    return None
