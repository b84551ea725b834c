"""The WebSocket routes, /ws/agent and /ws/widget.

They are in the app's route table with the REST routers (helpline.api), but a socket never
reaches the router, nor the middleware: the app hands it to `serve` first (app.HelplineApp).
Every layer a request passes through keeps its frame alive for as long as the request lasts,
and FastAPI's WebSocket route adds two exit stacks and its dependency results; a socket
lasts hours and 10,000 idle visitors pay that 10,000 times (docs/benchmarks.md, "Idle
connections"). The endpoints use none of it: they take no dependencies and answer their own
errors (handshake.deny, session.run).
"""

from collections.abc import Awaitable, Callable
from typing import Final

import structlog
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send
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


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve a WebSocket to one of ENDPOINTS. A handshake that fails is answered as the app's
    error handlers would answer it (core/error_handlers.py)."""
    endpoint = ENDPOINTS[scope["path"]]
    websocket = WebSocket(scope, receive=receive, send=send)
    try:
        await endpoint(websocket)
    except Exception as error:
        if websocket.application_state != WebSocketState.CONNECTING:
            raise
        await handshake.deny(websocket, _refusal(error))


def _refusal(error: Exception) -> AppError:
    """The answer to a handshake that raised: a busy database is a retryable 503 (the
    endpoints answer their own AppErrors; this covers what escapes them)."""
    if isinstance(error, AppError):
        return error
    if isinstance(error, OperationalError) and is_database_busy(error):
        return ServiceUnavailable(headers={"Retry-After": "1"})
    log.error("unhandled_exception", exc_info=error)
    return InternalError()
