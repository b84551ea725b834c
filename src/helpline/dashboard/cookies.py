"""The dashboard's cookies: the login session, and the CSRF tokens that go with forms.

The session cookie holds a web token (auth/tokens.py) naming the login session; it is
HttpOnly, so page scripts never see it, and SameSite=Lax. Every state-changing request also
carries a CSRF token: for a logged-in person, an HMAC of their session id (nothing to store,
and it dies with the session); before login, a random value in a cookie of its own that the
form must repeat (double submit).
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime
from typing import Final

from fastapi import Request, Response

from helpline.settings import Settings

SESSION_COOKIE: Final = "helpline_session"
ANONYMOUS_CSRF_COOKIE: Final = "helpline_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"


def _is_secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def set_session(response: Response, settings: Settings, token: str, expires_at: datetime) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        expires=expires_at,
        httponly=True,
        secure=_is_secure(settings),
        samesite="lax",
        path="/",
    )


def clear_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, secure=_is_secure(settings), samesite="lax", path="/"
    )


def session_csrf(settings: Settings, session_id: uuid.UUID) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, b"csrf:" + session_id.bytes, hashlib.sha256).hexdigest()


def anonymous_csrf(request: Request) -> str:
    """The pre-login CSRF token: the one already in the browser's cookie, or a new one (the
    page that shows it must also set it: `remember_anonymous_csrf`)."""
    return request.cookies.get(ANONYMOUS_CSRF_COOKIE) or secrets.token_urlsafe(32)


def remember_anonymous_csrf(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        ANONYMOUS_CSRF_COOKIE,
        token,
        httponly=True,
        secure=_is_secure(settings),
        samesite="strict",
        path="/",
    )


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
