"""Heartbeats and the maximum lifetime of every open socket of the process, from one task.

Each socket must hear a heartbeat every `ws_heartbeat_interval` (the client's watchdog closes
a silent one) and must close after `ws_max_lifetime` (clients reconnect, so load rebalances
and credentials are looked at afresh). Each socket used to keep a timer for them, armed anew
at every wait of its send loop: with uvloop about 1.4 KB per idle socket, the largest thing
Helpline itself held for one (docs/benchmarks.md, "Idle connections"). Here one task, started
with the app, ticks and, each tick, queues a heartbeat to the sockets whose turn has come and
ends those past their lifetime (Connection.expire). A socket's heartbeats keep the phase of
its opening, so 10,000 sockets opened over a minute never all send in the same tick.
"""

import asyncio
import contextlib
import contextvars
import time
from typing import Final

from helpline.core.time import utc_now
from helpline.realtime import protocol
from helpline.realtime.hub import Connection
from helpline.settings import Settings

# A heartbeat is late by at most a tick: well within the client's watchdog (two intervals).
_MAX_TICK_S: Final = 1.0


class Heartbeats:
    def __init__(self, settings: Settings) -> None:
        self.interval_s = settings.ws_heartbeat_interval.total_seconds()
        self.lifetime_s = settings.ws_max_lifetime.total_seconds()
        self.tick_s = min(_MAX_TICK_S, self.interval_s / 4, self.lifetime_s / 4)
        self._open: set[Connection] = set()
        self._ticker: asyncio.Task[None] | None = None

    def watch(self, connection: Connection) -> None:
        """A socket opened: its first heartbeat is an interval away, its end a lifetime."""
        now = time.monotonic()
        connection.heartbeat_at = now + self.interval_s
        connection.closes_at = now + self.lifetime_s
        self._open.add(connection)

    def unwatch(self, connection: Connection) -> None:
        self._open.discard(connection)

    def start(self) -> None:
        """Tick in the background of the running event loop (the web app's lifespan, where a
        task group cannot span the `yield`); `stop()` ends it."""
        self._ticker = asyncio.create_task(  # noqa: TID251
            self._run(), name="socket-heartbeats", context=contextvars.Context()
        )

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.tick(time.monotonic())

    def tick(self, now: float) -> None:
        """Heartbeat the sockets whose turn it is at `now` (time.monotonic()); end those past
        their lifetime."""
        heartbeat: str | None = None
        for connection in self._open:
            if now >= connection.closes_at:
                connection.expire()
            elif now >= connection.heartbeat_at:
                heartbeat = heartbeat or protocol.Heartbeat(server_time=utc_now()).encode()
                connection.heartbeat_at = now + self.interval_s
                connection.answer(heartbeat)
