"""One live socket, from accept to close: what agents and visitors share.

The order is STYLE 8.4.8: the endpoint authenticates and checks the Origin, then this accepts,
registers with the hub, and serves the socket in one task group until something ends the
connection. Every idle visitor holds one of these, so it runs as few tasks as it can
(docs/benchmarks.md, "Idle connections"):
- the socket's own task, the group's body, sends: it moves frames from the connection's
  bounded queue to the socket (heartbeats among them: they, and the end of the socket's
  maximum lifetime, come from one task for all sockets, sockets.heartbeats);
- a receive task parses each client frame and hands it to the peer, one at a time, each in
  its own unit of work (the peer opens it);
- an ending task, started only when the connection must end (an overflow, a revoked
  credential, a lost event, its lifetime over): it ends the socket at once, even in the
  middle of a send to a client that reads nothing; or, when the server is stopping, lets the
  frame being handled and the sends being written finish, then queues the last frame;
- and the peer's own background work, if any (an agent's inbox counts and the re-check of
  its credential; visitors are re-checked all at once, VisitorChecks).
Whichever fails first ends the connection: the group cancels the others.
"""

import asyncio
import contextlib
import contextvars
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from helpline.core.db import is_database_busy
from helpline.core.errors import AppError, NotAuthenticated, RateLimited, ServiceUnavailable
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.realtime import protocol
from helpline.realtime.hub import Connection, Hub
from helpline.realtime.protocol import CloseCode
from helpline.sockets.heartbeats import Heartbeats

log = structlog.get_logger(__name__)

# Invalid frames tolerated before the server gives up on a client.
_MAX_BAD_FRAMES = 20
_CLOSE_TIMEOUT_S = 5.0


class Peer(Protocol):
    """What differs between an agent's socket and a visitor's."""

    async def handle(self, frame: protocol.AnyClientFrame, connection: Connection) -> None:
        """Act on one client frame; raise AppError to answer with an error frame."""
        ...

    def on_frame_sent(self, frame: str) -> None: ...

    def background(self, connection: Connection) -> list[Coroutine[Any, Any, None]]:
        """Loops of the peer's own for the connection's lifetime, each run in a task of its
        own; one that raises ends the connection. None for visitors: a task per idle
        socket costs memory."""
        ...

    async def settled(self) -> None:
        """Return once every frame the peer took is answered (sends still being written
        are); the server is stopping and takes no more."""
        ...


def ready_frame(
    runtime: Runtime, connection: Connection, online_member_ids: list[uuid.UUID] | None = None
) -> str:
    """The first frame of every socket."""
    settings = runtime.settings
    return protocol.Ready(
        connection_id=connection.id,
        heartbeat_interval_s=settings.ws_heartbeat_interval.total_seconds(),
        max_lifetime_s=settings.ws_max_lifetime.total_seconds(),
        server_time=utc_now(),
        online_member_ids=online_member_ids or [],
    ).encode()


class _Closing(Exception):
    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def run(websocket: WebSocket, connection: Connection, peer: Peer) -> None:
    """Serve an accepted socket until it closes; always unregisters."""
    # Every line the socket's tasks log names it (they copy this context when created).
    structlog.contextvars.bind_contextvars(
        workspace_id=str(connection.workspace_id), socket=connection.kind
    )
    hub: Hub = websocket.app.state.hub
    heartbeats: Heartbeats = websocket.app.state.heartbeats
    await hub.register(connection)
    heartbeats.watch(connection)
    # Held while a frame is handled: a stopping server lets that frame finish (_end).
    handling = asyncio.Lock()
    code, reason = CloseCode.NORMAL, ""
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(_receive_loop(websocket, connection, peer, handling))
            for work in peer.background(connection):
                group.create_task(work)
            connection.on_end(lambda: _start_ending(group, connection, peer, handling))
            try:
                await _send_loop(websocket, connection, peer)
            finally:
                connection.on_end(None)
    except* _Closing as closing:
        first = closing.exceptions[0]
        assert isinstance(first, _Closing)  # noqa: S101 (except* narrows to the group only)
        code, reason = first.code, first.reason
    except* WebSocketDisconnect:
        code = CloseCode.GOING_AWAY
    except* Exception as failed:
        # The socket's boundary (STYLE 9.4): a bug or an outage ends this connection, not
        # the server; the client reconnects and resumes from the database.
        log.error("socket_failed", exc_info=failed)
        code, reason = CloseCode.RESYNC, "Something went wrong on our side: resume."
    finally:
        heartbeats.unwatch(connection)
        await hub.unregister(connection)
    if websocket.application_state == WebSocketState.CONNECTED:
        # A client that reads nothing cannot receive a close frame either: give up on it
        # after a while (the server then drops the connection).
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect, TimeoutError):
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await websocket.close(code=code, reason=reason)


async def _receive_loop(
    websocket: WebSocket, connection: Connection, peer: Peer, handling: asyncio.Lock
) -> None:
    bad_frames = 0
    while True:
        text = await websocket.receive_text()
        frame = _parse(text)
        if isinstance(frame, AppError):
            bad_frames += 1
            if bad_frames > _MAX_BAD_FRAMES:
                raise _Closing(CloseCode.PROTOCOL_ERROR, "Too many invalid frames.")
            await connection.reply(error_frame(None, frame))
            continue
        async with handling:
            await _handle(frame, connection, peer)


async def _handle(frame: protocol.AnyClientFrame, connection: Connection, peer: Peer) -> None:
    conversation_id = getattr(frame, "conversation_id", None)
    context = {"conversation_id": str(conversation_id)} if conversation_id else {}
    with structlog.contextvars.bound_contextvars(**context):
        try:
            await peer.handle(frame, connection)
        except NotAuthenticated as error:
            raise _Closing(CloseCode.UNAUTHORIZED, error.detail) from error
        except OperationalError as error:
            if not is_database_busy(error):
                raise
            await connection.reply(failure_frame(frame, error))
        except Exception as error:
            await connection.reply(failure_frame(frame, error))


def failure_frame(frame: protocol.AnyClientFrame, error: Exception) -> str:
    """The error frame answering `frame`, whose handling raised `error`."""
    if isinstance(error, AppError):
        return error_frame(frame.ref, error)
    if isinstance(error, OperationalError) and is_database_busy(error):
        return error_frame(frame.ref, ServiceUnavailable())
    # The socket's boundary (STYLE 9.4): one failed frame must not end the connection.
    log.error("socket_frame_failed", frame_type=frame.type, exc_info=error)
    return error_frame(frame.ref, InternalError())


class BadFrame(AppError):
    status_code = 400
    default_detail = "The frame is not valid."


class InternalError(AppError):
    status_code = 500
    default_detail = "Something went wrong on our side."


def _parse(text: str) -> protocol.AnyClientFrame | AppError:
    if len(text.encode()) > protocol.MAX_FRAME_BYTES:
        return BadFrame(f"A frame has at most {protocol.MAX_FRAME_BYTES:,} bytes.")
    try:
        data = json.loads(text)
    except ValueError:
        return BadFrame("A frame is one JSON object.")
    try:
        return protocol.client_frame.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "frame"
        return BadFrame(f"The frame is not valid: {location}: {first['msg']}.")


def error_frame(ref: str | None, error: AppError) -> str:
    return protocol.ErrorFrame(
        ref=ref,
        error=error.code,
        detail=error.detail,
        status=error.status_code,
        retry_after_s=error.retry_after_s if isinstance(error, RateLimited) else None,
    ).encode()


# Queued behind everything the socket owes its client when the server stops; no real frame
# is empty.
_LAST_FRAME = ""


async def _send_loop(websocket: WebSocket, connection: Connection, peer: Peer) -> None:
    """Send what is queued. The end of the socket comes from the outside (_end fails the
    group, which cancels this), but for the server's restart, which comes in order."""
    while True:
        frame = connection.take()
        if frame is None:
            await connection.wait()
        elif frame == _LAST_FRAME:
            raise _Closing(CloseCode.SERVICE_RESTART, "The server is restarting: reconnect.")
        else:
            await websocket.send_text(frame)
            peer.on_frame_sent(frame)


def _start_ending(
    group: asyncio.TaskGroup, connection: Connection, peer: Peer, handling: asyncio.Lock
) -> None:
    """Called back by whoever ends the socket (the hub, the visitor checks, the heartbeats,
    the shutdown): the socket's ending task joins its group. In a clean context: the
    caller's is another socket's or the broker's."""
    ending = _end(connection, peer, handling)
    try:
        group.create_task(ending, context=contextvars.Context())
    except RuntimeError:
        # The group is already ending the socket (another task failed).
        ending.close()


async def _end(connection: Connection, peer: Peer, handling: asyncio.Lock) -> None:
    if connection.expired:
        raise _Closing(CloseCode.RECONNECT, "Maximum connection lifetime: reconnect.")
    if connection.revoked is not None:
        raise _Closing(CloseCode.UNAUTHORIZED, connection.revoked)
    if not connection.draining:
        raise _Closing(CloseCode.RESYNC, "Events may have been missed: resume.")
    # The server is stopping: let the frame being handled and the sends being written
    # finish (an ack is what tells the client a message was committed), then take no
    # other; the send loop closes once it has sent everything queued before the last frame.
    await handling.acquire()
    await peer.settled()
    connection.answer(_LAST_FRAME)


async def recheck_loop(
    runtime: Runtime,
    connection: Connection,
    recheck: Callable[[Connection], Awaitable[None]],
    on_heartbeat: Callable[[Connection], Awaitable[None]],
) -> None:
    """For a peer whose credential is re-checked socket by socket (a member's): `recheck`
    every `ws_auth_recheck` (it raises NotAuthenticated when the credential is no longer
    valid, and may change the connection's keys through Hub.rekey), and `on_heartbeat`
    (presence) every heartbeat interval; a task of its own, so a slow database never holds
    back the socket's sends."""
    settings = runtime.settings
    recheck_s = settings.ws_auth_recheck.total_seconds()
    heartbeat_s = settings.ws_heartbeat_interval.total_seconds()
    last_heartbeat = last_check = time.monotonic()
    while True:
        await asyncio.sleep(min(heartbeat_s, recheck_s))
        now = time.monotonic()
        try:
            if now - last_check >= recheck_s:
                await recheck(connection)
                last_check = now
            if now - last_heartbeat >= heartbeat_s:
                last_heartbeat = now
                await on_heartbeat(connection)
        except NotAuthenticated as error:
            raise _Closing(CloseCode.UNAUTHORIZED, error.detail) from error
        except OperationalError as error:
            if not is_database_busy(error):
                raise
            # A busy database: the re-check (or presence) happens at the next tick.
            log.info("socket_tick_deferred", reason="database_busy")


@dataclass(frozen=True, slots=True)
class Backlog:
    """What a client missed in one conversation, as this peer may see it."""

    conversation_id: uuid.UUID
    # Encoded message.created frames, in seq order.
    frames: list[str]
    # More than the resume limit was missed: the client must refetch over REST.
    truncated: bool
    last_seq: int
    conversation: Any


async def resume(
    connection: Connection,
    ref: str | None,
    conversation_id: uuid.UUID,
    missed: Callable[[], Awaitable[Backlog]],
) -> None:
    """Send what the client missed in one conversation, then `resumed`; or `resync_required`
    when it is too much; or an error frame (NotFound alike for missing and forbidden). The
    connection was registered before this runs, so whatever commits meanwhile arrives as a
    live event too: duplicates are possible, gaps are not."""
    try:
        backlog = await missed()
    except AppError as error:
        await connection.reply(error_frame(ref, error))
        return
    if backlog.truncated:
        frame = protocol.ResyncRequired(conversation_id=conversation_id, reason="too_far_behind")
        await connection.reply(frame.encode())
        return
    for message_frame in backlog.frames:
        await connection.reply(message_frame)
    resumed = protocol.Resumed(
        conversation_id=conversation_id,
        last_seq=backlog.last_seq,
        conversation=backlog.conversation,
    )
    await connection.reply(resumed.encode())
