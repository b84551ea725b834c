"""What every dashboard route shares: HTML errors, the login redirect, strict headers and the
Origin check on writes.

Dashboard routers use `PageRoute` as their route class, so errors raised anywhere in a page
(its guard included) become an HTML page (or JSON for the page's own scripts), and every
answer carries the security headers.
"""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from typing_extensions import override

from helpline.core.errors import AppError, NotAuthenticated, PermissionDenied
from helpline.dashboard.templating import render

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(NotAuthenticated):
    """No live dashboard session: the person is sent to the login page."""

    default_detail = "Log in to continue."


# A page that shows images from elsewhere says so with `allow_https_images(request)`: the
# widget's settings preview the workspace's logo, which lives on the workspace's own host.
_HTTPS_IMAGES = "https_images"


def allow_https_images(request: Request) -> None:
    setattr(request.state, _HTTPS_IMAGES, True)


def content_security_policy(request: Request) -> str:
    host = request.headers.get("host", "")
    sockets = f"ws://{host} wss://{host}" if host else ""
    images = "'self' data: blob:"
    if getattr(request.state, _HTTPS_IMAGES, False):
        images += " https:"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            f"connect-src 'self' {sockets}".strip(),
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def secure(response: Response, request: Request) -> Response:
    # nosniff, X-Frame-Options and Referrer-Policy come with every answer (core/middleware.py).
    response.headers["Content-Security-Policy"] = content_security_policy(request)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def login_redirect(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = "/app"
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def error_page(request: Request, error: AppError) -> Response:
    if _wants_json(request):
        return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)
    return render(
        request,
        "errors/error.html",
        {"status": error.status_code, "detail": error.detail},
        status_code=error.status_code,
    )


class CrossSiteWrite(PermissionDenied):
    default_detail = "This request came from another site, so it was refused."


def check_origin(request: Request) -> None:
    """Writes must come from our own pages. Browsers send Origin on every POST; a request
    without one (not a browser) still needs its CSRF token."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    ours = {
        request.headers.get("host"),
        urlsplit(request.app.state.runtime.settings.public_url).netloc,
    }
    if urlsplit(origin).netloc not in ours:
        raise CrossSiteWrite()


class InvalidForm(AppError):
    status_code = 422

    @classmethod
    def of(cls, invalid: RequestValidationError) -> "InvalidForm":
        first = invalid.errors()[0]
        field = str(first["loc"][-1]) if first.get("loc") else "form"
        return cls(f"The field {field!r} is not valid: {first['msg']}.")


class PageRoute(APIRoute):
    @override
    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                if request.method in UNSAFE_METHODS:
                    check_origin(request)
                response = await handle(request)
            except LoginRequired:
                response = (
                    error_page(request, LoginRequired())
                    if _wants_json(request)
                    else login_redirect(request)
                )
            except AppError as error:
                response = error_page(request, error)
            except RequestValidationError as invalid:
                response = error_page(request, InvalidForm.of(invalid))
            return secure(response, request)

        return page
