"""The hub: this process's live connections, and the fan-out of published events to them.

An event travels as an envelope on its workspace's broker channel: the audience (keys such as
`team:<id>` or `contact:<id>`, chosen by the publishing service), optionally keys to leave
out, and the frame, encoded once. The hub hands the frame to every local connection of that
workspace whose keys meet the audience and none of the excluded keys, each connection at
most once. It never reads the database and never decides who
may see what; it only matches keys.

Every connection's outbound queue is bounded (STYLE 8.4.6). A connection that falls behind
is marked must_resync and closed by its socket with the `resync` code; the client reconnects
and catches up from the database. The server keeps no replay buffer.
"""

import asyncio
import contextlib
import math
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable

import structlog

from helpline.realtime.broker import Broker

log = structlog.get_logger(__name__)


def workspace_channel(workspace_id: uuid.UUID) -> str:
    return f"helpline:ws:{workspace_id}"


def encode_envelope(audience: Iterable[str], frame: str, exclude: Iterable[str] = ()) -> str:
    """The audience line, then the frame. Excluded keys are written `!key`: a connection
    holding any of them is skipped even if it meets the audience."""
    # Keys never hold spaces or newlines; the frame is JSON and may hold anything after them.
    keys = [*audience, *(f"!{key}" for key in exclude)]
    return " ".join(keys) + "\n" + frame


def decode_envelope(data: str) -> tuple[set[str], set[str], str]:
    line, _, frame = data.partition("\n")
    audience, excluded = set(), set()
    for key in line.split(" "):
        if key.startswith("!"):
            excluded.add(key[1:])
        else:
            audience.add(key)
    return audience, excluded, frame


class Connection:
    """One socket's mailbox. `keys` say which audiences it belongs to.

    Kept small, since every idle socket holds one: frames wait in a plain deque, which exists
    only while frames wait; the socket's loop awaits one bare future at a time (`wait`), with
    no timer: heartbeats and the lifetime come from one task for all sockets
    (sockets.heartbeats); the event that holds back replies exists only while the queue is
    more than half full; and the socket is called back when it must end (`on_end`) instead of
    keeping a task waiting for it.
    """

    __slots__ = (
        "_frames",
        "_on_end",
        "_room",
        "_waiter",
        "closes_at",
        "draining",
        "expired",
        "heartbeat_at",
        "id",
        "keys",
        "kind",
        "limit",
        "must_resync",
        "revoked",
        "workspace_id",
    )

    def __init__(
        self, workspace_id: uuid.UUID, keys: frozenset[str], limit: int, kind: str = "agent"
    ) -> None:
        self.workspace_id = workspace_id
        self.keys = keys
        self.limit = limit
        # "agent" or "widget": what /metrics counts open sockets by.
        self.kind = kind
        self.id = uuid.uuid4().hex
        # Set when the client must resync: it fell behind, or events may have been lost. The
        # socket closes with the resync code at once, even while a send is stuck (resync()).
        self.must_resync = False
        # Set with must_resync when the server is stopping: the socket finishes the frame it
        # is handling, sends what is queued, and closes with the restart code
        # (Hub.close_all).
        self.draining = False
        # Set with must_resync when the credential behind the socket was found no longer
        # valid (checked in bulk elsewhere): the socket closes as unauthorized, with this
        # reason.
        self.revoked: str | None = None
        # Set with must_resync at the end of the socket's maximum lifetime: it closes with
        # the reconnect code (sockets.heartbeats, which also sets the two times below, in
        # time.monotonic() seconds).
        self.expired = False
        self.heartbeat_at = math.inf
        self.closes_at = math.inf
        # None while empty (an empty deque alone is most of an idle Connection).
        self._frames: deque[str] | None = None
        # The socket's loop, waiting for something to do (wait()).
        self._waiter: asyncio.Future[None] | None = None
        # Cleared while the queue is above half the limit: replies wait for it
        # (backpressure). None, the usual case, means there is room.
        self._room: asyncio.Event | None = None
        # What the socket does when it must end (on_end()), once.
        self._on_end: Callable[[], None] | None = None

    def revoke(self, reason: str) -> None:
        """Close the socket at once as unauthorized (its session was revoked or expired)."""
        self.revoked = reason
        self.resync()

    def expire(self) -> None:
        """The socket has lived its maximum lifetime: it closes at once, and the client
        reconnects."""
        self.expired = True
        self.resync()

    def resync(self) -> None:
        """The client must resume from the database: the socket closes at once."""
        self.must_resync = True
        self._end()

    def drain(self) -> None:
        """The server is stopping: the socket finishes what it owes and closes."""
        self.draining = True
        self.must_resync = True
        self._end()

    def on_end(self, callback: Callable[[], None] | None) -> None:
        """Call `callback` once the socket must end: resync(), revoke(), expire() or drain()
        is called (at once if it was). None stops listening. One listener: the socket
        (sockets.session), which reads why from the flags."""
        self._on_end = callback
        if callback is not None and self.must_resync:
            self._end()

    def _end(self) -> None:
        callback, self._on_end = self._on_end, None
        if callback is not None:
            callback()

    def offer(self, frame: str) -> None:
        """Queue an event; past the limit, give up on this client instead (it resyncs)."""
        if self.must_resync:
            return
        if self.pending() >= self.limit:
            self.resync()
            return
        self.answer(frame)

    async def reply(self, frame: str) -> None:
        """Queue an answer to the client's own request, waiting while the queue is full: a
        client that asks faster than it reads slows itself down, never the server."""
        while self._room is not None:
            await self._room.wait()
        self.answer(frame)

    def answer(self, frame: str) -> None:
        """Queue an answer now, past the backpressure of `reply`: for answers that come back
        later (a pipelined send's ack), whose number the sender already bounds."""
        if self._frames is None:
            self._frames = deque()
        self._frames.append(frame)
        if len(self._frames) > self.limit // 2 and self._room is None:
            self._room = asyncio.Event()
        self.wake()

    def take(self) -> str | None:
        """The next frame to send, if any."""
        frames = self._frames
        if not frames:
            return None
        frame = frames.popleft()
        if not frames:
            self._frames = None
        if self._room is not None and len(frames) <= self.limit // 2:
            self._room.set()
            self._room = None
        return frame

    def pending(self) -> int:
        return len(self._frames) if self._frames is not None else 0

    def wait(self) -> "asyncio.Future[None]":
        """A future done once a frame is queued or wake() is called (at once if a frame
        waits). A bare future, not a coroutine: an idle socket holds no frame for it. One
        waiter at a time: the socket's send loop."""
        waiter = asyncio.get_running_loop().create_future()
        if self._frames:
            waiter.set_result(None)
        else:
            self._waiter = waiter
        return waiter

    def wake(self) -> None:
        """Wake the socket's loop if it waits."""
        waiter, self._waiter = self._waiter, None
        # Done already if the send loop was cancelled while it waited.
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _Local:
    """This process's sockets of one workspace, indexed by key: an event costs what its
    audience holds, not what the workspace holds (10,000 idle visitors are never scanned)."""

    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        self.by_key: dict[str, set[Connection]] = defaultdict(set)

    def add(self, connection: Connection) -> None:
        self.connections.add(connection)
        for key in connection.keys:
            self.by_key[key].add(connection)

    def remove(self, connection: Connection) -> None:
        self.connections.discard(connection)
        for key in connection.keys:
            holders = self.by_key.get(key)
            if holders is not None:
                holders.discard(connection)
                if not holders:
                    del self.by_key[key]

    def audience(self, keys: set[str], excluded: set[str]) -> set[Connection]:
        found: set[Connection] = set()
        for key in keys:
            found |= self.by_key.get(key, set())
        for key in excluded:
            found -= self.by_key.get(key, set())
        return found


class Hub:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._by_workspace: dict[uuid.UUID, _Local] = {}
        # Serialises subscribe/unsubscribe per process, so a channel is never left half-open.
        self._lock = asyncio.Lock()
        # Open sockets by Connection.kind, kept as they come and go: /metrics reads it.
        self._kinds: Counter[str] = Counter()
        self._empty = asyncio.Event()
        self._empty.set()
        self._stopping = False

    async def start(self) -> None:
        await self.broker.start(self._deliver, self._resync_everyone)

    async def register(self, connection: Connection) -> None:
        async with self._lock:
            local = self._by_workspace.get(connection.workspace_id)
            if local is None:
                local = self._by_workspace[connection.workspace_id] = _Local()
                await self.broker.subscribe(workspace_channel(connection.workspace_id))
            local.add(connection)
            self._kinds[connection.kind] += 1
            self._empty.clear()
        if self._stopping:
            connection.drain()

    async def unregister(self, connection: Connection) -> None:
        async with self._lock:
            local = self._by_workspace.get(connection.workspace_id)
            if local is None or connection not in local.connections:
                return
            local.remove(connection)
            self._kinds[connection.kind] -= 1
            if not self._kinds.total():
                self._empty.set()
            if not local.connections:
                del self._by_workspace[connection.workspace_id]
                await self.broker.unsubscribe(workspace_channel(connection.workspace_id))

    def rekey(self, connection: Connection, keys: frozenset[str]) -> None:
        """Change a registered connection's keys (a member's teams or role changed)."""
        local = self._by_workspace.get(connection.workspace_id)
        if local is None or connection not in local.connections or connection.keys == keys:
            connection.keys = keys
            return
        local.remove(connection)
        connection.keys = keys
        local.add(connection)

    @property
    def connection_count(self) -> int:
        return sum(len(local.connections) for local in self._by_workspace.values())

    def count_by_kind(self) -> dict[str, int]:
        return dict(self._kinds)

    async def close_all(self, timeout_s: float) -> int:
        """The server is stopping: every socket, and any that registers from now on, finishes
        the frame it is handling, sends what it has queued and closes with the restart code.
        Returns once all are gone, or after `timeout_s` with how many are left."""
        self._stopping = True
        for local in self._by_workspace.values():
            for connection in local.connections:
                connection.drain()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._empty.wait()
        return self._kinds.total()

    def _deliver(self, channel: str, data: str) -> None:
        workspace = channel.rpartition(":")[2]
        try:
            local = self._by_workspace.get(uuid.UUID(workspace))
        except ValueError:
            log.warning("hub_unknown_channel", channel=channel)
            return
        if local is None:
            return
        audience, excluded, frame = decode_envelope(data)
        for connection in local.audience(audience, excluded):
            connection.offer(frame)

    def _resync_everyone(self) -> None:
        """The broker may have lost events: every local client must catch up from the
        database. Closing with the resync code says exactly that."""
        for local in self._by_workspace.values():
            for connection in local.connections:
                connection.resync()
