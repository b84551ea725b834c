"""One SQLite writer at a time in a process, queued in asyncio rather than in SQLite.

SQLite has one write lock per database. Without this gate, every pooled connection that wants
to write runs BEGIN IMMEDIATE and, finding the lock taken, sleeps in SQLite's busy handler
(1, 2, 5, 10 ... 100 ms between tries) on the driver's thread: a little contention turns
into latencies of a second, and the first writer in line is not the first served. Here a
write transaction first takes an asyncio lock (FIFO, woken the moment the previous writer's
connection goes back to the pool), so writers of one process never meet in SQLite at all.
Another process (a CLI command, a separate worker) still meets them there, and the busy
timeout still covers that.

The gate is taken when the transaction begins, not when a unit of work opens: a job that
calls a language model before its first statement holds nothing meanwhile. It is released
when the connection returns to the pool, which is after the COMMIT or ROLLBACK has finished.
A task that already holds the gate and begins a second write transaction (which SQLite could
never grant either) waits for the busy timeout and fails as busy, as it would without it.
"""

import asyncio
import sqlite3
import weakref
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.util.concurrency import await_, in_greenlet

_HOLDS_GATE = "helpline.sqlite_writer"


class WriterGate:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        # One lock per event loop: an asyncio.Lock belongs to the loop it first waited in,
        # and tests run engines under more than one loop.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _acquire(self) -> None:
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._lock().acquire()
        except TimeoutError:
            # What SQLite itself raises when its busy timeout runs out: callers already
            # answer it as "busy, retry" (core.db.is_database_busy).
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            ) from None

    def enter(self, connection: Any) -> None:
        """A write transaction begins on `connection` (a sync Connection, inside
        SQLAlchemy's greenlet): wait for this process's other writers. The connection keeps
        the gate until it goes back to the pool, so a second transaction on it does not wait
        for itself."""
        if connection.info.get(_HOLDS_GATE) or not in_greenlet():
            return
        await_(self._acquire())
        connection.info[_HOLDS_GATE] = True

    def leave(self, record: Any) -> None:
        """A connection went back to the pool (its transaction is over): the next writer's
        turn."""
        if record is None or not record.info.pop(_HOLDS_GATE, False):
            return
        try:
            lock = self._lock()
        except RuntimeError:
            return  # no loop left to wake anyone in (a connection collected at exit)
        lock.release()
