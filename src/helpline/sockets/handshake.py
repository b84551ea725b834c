"""Before accept: finding the credential, checking the Origin, refusing with a clear answer.

A refused handshake gets an HTTP response (401 or 403, with the API's JSON error body) when
the server supports the WebSocket denial extension, as uvicorn does; otherwise a bare close.
"""

from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from starlette.websockets import WebSocket

from helpline.core.errors import AppError, NotAuthenticated, PermissionDenied
from helpline.realtime.protocol import BEARER_PREFIX, PROTOCOL, CloseCode


def offered_subprotocols(websocket: WebSocket) -> list[str]:
    header = websocket.headers.get("sec-websocket-protocol", "")
    return [part.strip() for part in header.split(",") if part.strip()]


def token_of(websocket: WebSocket) -> str:
    """The bearer token: from the `bearer.<token>` subprotocol (browsers), or from an
    Authorization header (other clients)."""
    for offered in offered_subprotocols(websocket):
        if offered.startswith(BEARER_PREFIX) and len(offered) > len(BEARER_PREFIX):
            return offered[len(BEARER_PREFIX) :]
    scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    raise NotAuthenticated(
        "Send your token as the subprotocol 'bearer.<token>' (with 'helpline.v1'), "
        "or in an Authorization header."
    )


def chosen_subprotocol(websocket: WebSocket) -> str | None:
    """`helpline.v1` when the client offered it (the token subprotocol is never echoed)."""
    return PROTOCOL if PROTOCOL in offered_subprotocols(websocket) else None


def origin_of(websocket: WebSocket) -> str | None:
    origin = websocket.headers.get("origin")
    return origin.rstrip("/").lower() if origin else None


def _origin_of_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(websocket: WebSocket, public_url: str) -> None:
    """The dashboard's socket: a browser must be on Helpline's own site. Cross-site
    WebSocket hijacking needs a browser, and browsers always send Origin; clients that send
    none (servers, scripts) hold a bearer token, which a hijacking page cannot read."""
    origin = origin_of(websocket)
    if origin is None:
        return
    host = websocket.headers.get("host", "").lower()
    allowed = {_origin_of_url(public_url), f"http://{host}", f"https://{host}"}
    if origin not in allowed:
        raise PermissionDenied(f"WebSocket connections from {origin} are not allowed.")


async def deny(websocket: WebSocket, error: AppError) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        response = JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)
        await websocket.send_denial_response(response)
        return
    await websocket.close(code=CloseCode.UNAUTHORIZED if error.status_code == 401 else 1008)
