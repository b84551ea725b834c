"""Access tokens (JWT, short-lived) and the opaque secrets behind refresh tokens and API keys.

An access token names its login session (`sid`); every request checks that the session is
still live, so logout, password changes and member removal take effect at once rather than
when the token expires.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt

from helpline.core.errors import NotAuthenticated
from helpline.core.time import utc_now
from helpline.settings import Settings

ALGORITHM = "HS256"
ISSUER = "helpline"
API_KEY_PREFIX = "hlk_"
REFRESH_TOKEN_PREFIX = "hlr_"  # noqa: S105 (a prefix, not a secret)
VISITOR_TOKEN_PREFIX = "hlv_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    workspace_id: uuid.UUID | None


def issue_access_token(
    settings: Settings, *, user_id: uuid.UUID, session_id: uuid.UUID, workspace_id: uuid.UUID | None
) -> tuple[str, datetime]:
    now = utc_now()
    expires_at = now + settings.access_token_ttl
    claims = {
        "iss": ISSUER,
        "typ": "access",
        "sub": str(user_id),
        "sid": str(session_id),
        "wid": str(workspace_id) if workspace_id else None,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)
    return token, expires_at


def read_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        return _read(settings, token, "access", "The access token is not valid.")
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("The access token has expired: refresh it.") from exc


def _read(settings: Settings, token: str, kind: str, invalid: str) -> AccessClaims:
    """Claims of a token of `kind`; NotAuthenticated(`invalid`) when it is not one. An
    expired one raises jwt.ExpiredSignatureError for the caller to word."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "iss"]},
        )
        if claims.get("typ") != kind:
            raise NotAuthenticated(invalid)
        wid = claims.get("wid")
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            workspace_id=uuid.UUID(wid) if wid else None,
        )
    except jwt.ExpiredSignatureError:
        raise
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise NotAuthenticated(invalid) from exc


# The dashboard's cookie: names a login session like an access token does, but lives as long
# as the session (every request still checks the session row), and is no bearer token: the
# `typ` keeps each kind of token to its own door.
WEB_TOKEN_TYPE = "web"  # noqa: S105 (a token kind, not a secret)


def issue_web_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    workspace_id: uuid.UUID | None,
    expires_at: datetime,
) -> str:
    claims = {
        "iss": ISSUER,
        "typ": WEB_TOKEN_TYPE,
        "sub": str(user_id),
        "sid": str(session_id),
        "wid": str(workspace_id) if workspace_id else None,
        "iat": int(utc_now().timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def read_web_token(settings: Settings, token: str) -> AccessClaims:
    """The claims of a dashboard cookie; NotAuthenticated when it is not one, or expired."""
    ended = "The session has ended: log in again."
    try:
        return _read(settings, token, WEB_TOKEN_TYPE, ended)
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated(ended) from exc
