"""Request middleware: request ids, the client's address, logging context, secure headers,
and for each HTTP request its metrics and one log line."""

import ipaddress
import secrets
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpline.core import metrics
from helpline.core.context import Origin, set_origin

log = structlog.get_logger(__name__)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PROBE_ROUTES = frozenset({"/api/v1/health", "/api/v1/ready", "/metrics"})

SECURE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


class RequestContext:
    """Binds a request's id and origin (the client's address, its user agent) to its logging
    context: for every HTTP request (RequestContextMiddleware) and every socket (app.py)."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.trusted_proxies = {ipaddress.ip_address(p) for p in trusted_proxies}

    def bind(self, scope: Scope) -> str:
        """The request's id, bound to its logging context with its origin."""
        headers = dict(scope.get("headers", []))
        request_id = _clean_request_id(headers.get(b"x-request-id")) or secrets.token_hex(8)
        ip = self._client_ip(scope, headers)
        user_agent = headers.get(b"user-agent", b"").decode("latin-1")[:300]
        set_origin(Origin(request_id=request_id, ip=ip, user_agent=user_agent))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        return request_id

    def _client_ip(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        peer = (scope.get("client") or ("", 0))[0]
        forwarded = headers.get(b"x-forwarded-for")
        if forwarded and _is_trusted(peer, self.trusted_proxies):
            # The right-most address is the one our trusted proxy saw; the rest is client-made.
            return forwarded.decode("latin-1").split(",")[-1].strip()[:64]
        return str(peer)[:64]


class RequestContextMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so it costs little and keeps contextvars intact."""

    def __init__(self, app: ASGIApp, *, context: RequestContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = self.context.bind(scope)
        if scope["type"] == "websocket":
            # A socket to no endpoint of ours (the app refuses it): unwrapped, since only an
            # HTTP response has headers to add.
            await self.app(scope, receive, send)
            return

        status = 500  # unless a response starts: an exception escaped the app

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"x-request-id", request_id.encode()), *SECURE_HEADERS]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _record(scope, status, time.perf_counter() - started)


def _record(scope: Scope, status: int, seconds: float) -> None:
    """Metrics and the request's log line; it carries the context bound while the request
    ran (request id, and the workspace and conversation once known)."""
    # The router leaves the matched route in the scope: its template, never the raw path
    # (ids in paths would make a series per object).
    route = getattr(scope.get("route"), "path", None) or metrics.UNMATCHED_ROUTE
    # Clients choose the method too: anything unusual is one label value, not one each.
    method = scope["method"] if scope["method"] in _METHODS else "other"
    metrics.observe_request(method, route, status, seconds)
    # Probes and scrapes come every few seconds: their lines would drown the others.
    logger = log.debug if route in _PROBE_ROUTES else log.info
    logger(
        "request_finished",
        method=method,
        route=route,
        status=status,
        duration_ms=round(seconds * 1000, 2),
    )


def _is_trusted(peer: str, trusted: set[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        return ipaddress.ip_address(peer) in trusted
    except ValueError:
        return False


def _clean_request_id(raw: bytes | None) -> str:
    if not raw:
        return ""
    value = raw.decode("latin-1")[:64]
    return value if value.replace("-", "").isalnum() else ""
