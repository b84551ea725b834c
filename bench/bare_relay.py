"""The baseline: a bare WebSocket relay that speaks just enough of Helpline's protocol for the
same load generator to drive it, with no authentication and no persistence.

- `/ws/widget`: a visitor; its conversation id travels where Helpline's token does (the
  `bearer.<id>` subprotocol). A `send` is answered with an `ack`, and a `message.created` goes
  to every agent and back to the visitor, as Helpline does.
- `/ws/agent`: an agent; a `send` is answered with an `ack`, and a `message.created` goes to
  every agent and to the conversation's visitor.

Frames are parsed (the relay must route by conversation) and each event is encoded once and
sent sequentially (PERFORMANCE.md, lesson 2). It runs on the uvicorn settings `helpline serve`
uses: `python -m bench.bare_relay --port 8765`.
"""

import argparse
import itertools
import json
import time
import uuid

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

PROTOCOL = "helpline.v1"
BEARER = "bearer."
MAX_FRAME_BYTES = 64 * 1024

_agents: set[WebSocket] = set()
_visitors: dict[str, WebSocket] = {}
_seqs: "dict[str, itertools.count[int]]" = {}


def _subprotocols(websocket: WebSocket) -> list[str]:
    header = websocket.headers.get("sec-websocket-protocol", "")
    return [part.strip() for part in header.split(",") if part.strip()]


def _message(frame: dict[str, object], conversation_id: str, sender_kind: str) -> dict[str, object]:
    counter = _seqs.setdefault(conversation_id, itertools.count(1))
    return {
        "id": str(uuid.uuid4()),
        "conversation_id": conversation_id,
        "seq": next(counter),
        "sender_kind": sender_kind,
        "body": frame.get("body", ""),
        "client_message_id": frame.get("client_message_id"),
        "created_at": time.time(),
    }


async def _deliver(message: dict[str, object], ack_to: WebSocket, ref: object) -> None:
    await ack_to.send_text(json.dumps({"type": "ack", "ref": ref, "message": message}))
    event = json.dumps(
        {
            "type": "message.created",
            "conversation_id": message["conversation_id"],
            "message": message,
        }
    )
    for agent in list(_agents):
        await agent.send_text(event)
    visitor = _visitors.get(str(message["conversation_id"]))
    if visitor is not None:
        await visitor.send_text(event)


async def widget(websocket: WebSocket) -> None:
    offered = _subprotocols(websocket)
    conversation_id = next(
        (p[len(BEARER) :] for p in offered if p.startswith(BEARER)), str(uuid.uuid4())
    )
    await websocket.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
    _visitors[conversation_id] = websocket
    await websocket.send_text(json.dumps({"type": "ready", "protocol": PROTOCOL}))
    try:
        while True:
            frame = json.loads(await websocket.receive_text())
            if frame.get("type") == "send":
                message = _message(frame, conversation_id, "contact")
                await _deliver(message, websocket, frame.get("ref"))
    except WebSocketDisconnect:
        pass
    finally:
        if _visitors.get(conversation_id) is websocket:
            del _visitors[conversation_id]


async def agent(websocket: WebSocket) -> None:
    offered = _subprotocols(websocket)
    await websocket.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
    _agents.add(websocket)
    await websocket.send_text(json.dumps({"type": "ready", "protocol": PROTOCOL}))
    try:
        while True:
            frame = json.loads(await websocket.receive_text())
            if frame.get("type") == "send":
                message = _message(frame, str(frame["conversation_id"]), "agent")
                await _deliver(message, websocket, frame.get("ref"))
    except WebSocketDisconnect:
        pass
    finally:
        _agents.discard(websocket)


async def health(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/health", health),
        WebSocketRoute("/ws/widget", widget),
        WebSocketRoute("/ws/agent", agent),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    # The settings of `helpline serve` (src/helpline/cli/serve.py).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        ws_max_size=MAX_FRAME_BYTES,
        log_level="warning",
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
