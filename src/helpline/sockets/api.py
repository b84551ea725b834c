"""The WebSocket routes, /ws/agent and /ws/widget.

They are in the app's route table with the REST routers (helpline.api), but in the app a
socket never reaches the router: `SocketRoutes`, a small ASGI layer just inside the request
context middleware, hands it to its endpoint first. Every layer a request passes through
keeps its frame alive for as long as the request lasts, and FastAPI's WebSocket route adds
two exit stacks and its dependency results; a socket lasts hours and 10,000 idle visitors
pay that 10,000 times (docs/benchmarks.md, "Idle connections"). The endpoints use none of it:
they take no dependencies and answer their own errors (handshake.deny, session.run).
"""

from collections.abc import Awaitable, Callable
from typing import Final

import structlog
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from helpline.core.db import is_database_busy
from helpline.core.errors import AppError, ServiceUnavailable
from helpline.sockets import handshake
from helpline.sockets.agent import agent_socket
from helpline.sockets.session import InternalError
from helpline.sockets.widget import widget_socket

log = structlog.get_logger(__name__)

ENDPOINTS: Final[dict[str, Callable[[WebSocket], Awaitable[None]]]] = {
    "/ws/agent": agent_socket,
    "/ws/widget": widget_socket,
}

router = APIRouter()
for path, endpoint in ENDPOINTS.items():
    router.add_api_websocket_route(path, endpoint)


class SocketRoutes:
    """Pure ASGI: a WebSocket to one of ENDPOINTS goes straight to it; anything else to the
    app. Installed inside RequestContextMiddleware, which binds the request id and the
    client's address for sockets too; a handshake that fails is answered here as the app's
    error handlers would answer it (core/error_handlers.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            endpoint = ENDPOINTS.get(scope["path"])
            if endpoint is not None:
                websocket = WebSocket(scope, receive=receive, send=send)
                try:
                    await endpoint(websocket)
                except Exception as error:
                    if websocket.application_state != WebSocketState.CONNECTING:
                        raise
                    await handshake.deny(websocket, _refusal(error))
                return
        await self.app(scope, receive, send)


def _refusal(error: Exception) -> AppError:
    """The answer to a handshake that raised: a busy database is a retryable 503 (the
    endpoints answer their own AppErrors; this covers what escapes them)."""
    if isinstance(error, AppError):
        return error
    if isinstance(error, OperationalError) and is_database_busy(error):
        return ServiceUnavailable(headers={"Retry-After": "1"})
    log.error("unhandled_exception", exc_info=error)
    return InternalError()
