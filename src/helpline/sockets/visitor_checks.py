"""Re-checking the visitor sessions behind open widget sockets, all of them in one query.

A revoked or expired visitor session, or a suspended workspace, must close the visitor's open
sockets within `ws_auth_recheck` (RELIABILITY.md), as a member's logout closes theirs. Each
widget socket used to re-check its token in a transaction of its own every interval: 10,000
idle visitors cost 1,000 transactions a second (most of a core) and slowed every handshake
behind them. Here the process keeps the session ids of its open widget sockets and, every
interval, asks the database which of them are still valid, a few hundred ids per query; the
sockets of the others close as unauthorized at once (Connection.revoke). The checker runs
only while widget sockets are open.
"""

import asyncio
import contextvars
import uuid
from typing import Final

import structlog

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.realtime.hub import Connection
from helpline.visitors import service as visitors

log = structlog.get_logger(__name__)

# Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters.
_CHUNK: Final = 500


class VisitorChecks:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._open: dict[uuid.UUID, set[Connection]] = {}
        self._checker: asyncio.Task[None] | None = None

    def watch(self, session_id: uuid.UUID, connection: Connection) -> None:
        """A widget socket of this visitor session opened."""
        self._open.setdefault(session_id, set()).add(connection)
        if self._checker is None:
            # Not in a socket's task group: it checks every socket and must outlive each of
            # them; it ends by itself once none is open.
            self._checker = asyncio.create_task(  # noqa: TID251
                self._run(), context=contextvars.Context()
            )

    def unwatch(self, session_id: uuid.UUID, connection: Connection) -> None:
        connections = self._open.get(session_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._open[session_id]

    async def _run(self) -> None:
        interval_s = self.runtime.settings.ws_auth_recheck.total_seconds()
        try:
            while self._open:
                await asyncio.sleep(interval_s)
                await self.check_now()
        finally:
            # In the same step that found nothing open: the next socket starts a checker.
            self._checker = None

    async def check_now(self) -> None:
        """Close the open sockets whose session is no longer valid."""
        ids = list(self._open)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            try:
                async with unit_of_work(self.runtime.sessionmaker) as session:
                    valid = await visitors.still_valid_sessions(session, chunk)
            except Exception:
                # A database that fails now is asked again next interval; the sockets stay.
                log.exception("visitor_checks_failed", sessions=len(chunk))
                continue
            for session_id in chunk:
                if session_id not in valid:
                    for connection in list(self._open.get(session_id, ())):
                        connection.revoke(visitors.SESSION_NOT_VALID)
