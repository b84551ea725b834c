"""Group commit for messages sent over sockets: many sends, one transaction.

A `send` frame used to be one unit of work: BEGIN, an access check, the idempotency lookup,
INSERT, UPDATE, the reads that describe the change for the real-time events, COMMIT. Most of
that cost is per transaction, not per message, and on SQLite every transaction also waits
its turn for the one write lock. Here the sends that arrive while a transaction is being
written queue up, and the next transaction takes them all (no timer: an idle server writes a
lone message at once; a busy one writes bigger batches). Each message goes through the same
access function and `post_message` as before, and its ack still leaves only after the commit
that made it durable (RELIABILITY.md; PERFORMANCE.md, lesson 5).

If anything in a batch fails (a conversation not found, a merged one, a busy database), the
batch rolls back and each of its sends is written again on its own, so one client's mistake
is that client's error frame and nobody else's. Sends are written in conversation-id order:
two batches in flight on PostgreSQL take their row locks in the same order and cannot
deadlock. A client has at most one send in flight per socket (the receive loop waits for the
ack), so the order of one socket's messages is kept.
"""

import asyncio
import contextvars
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations.service.messages import Posted
from helpline.conversations.service.publishing import PublishedViews, published_views
from helpline.core.errors import ServiceUnavailable
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work

log = structlog.get_logger(__name__)

# At most this many sends per transaction: bounds how long one commit keeps the others
# waiting, and the size of a batch written again one by one after a failure.
MAX_BATCH: Final = 100
# Transactions in flight at once. SQLite writes one at a time whatever we do (the writer
# gate, core/sqlite_writer.py), so one writer batches best; PostgreSQL overlaps a few
# commits (each waits for its WAL flush).
_SQLITE_WRITERS: Final = 1
_POSTGRES_WRITERS: Final = 4

# What a peer does with one send inside the batch's transaction: check access and post.
Post = Callable[[AsyncSession], Awaitable[Posted]]
# How the peer acknowledges the committed message, from the views the events were built of.
Acknowledge = Callable[[Posted, PublishedViews], str]


@dataclass(eq=False)
class _Send:
    conversation_id: uuid.UUID
    post: Post
    acknowledge: Acknowledge
    # The encoded ack, or the error to answer with.
    done: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def settle(self, ack: str | None = None, error: BaseException | None = None) -> None:
        # The sender may have gone (its socket closed): its future was cancelled then.
        if self.done.done():
            return
        if error is not None:
            self.done.set_exception(error)
        else:
            self.done.set_result(ack or "")


class SendBatcher:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.max_writers = _SQLITE_WRITERS if runtime.settings.is_sqlite else _POSTGRES_WRITERS
        self._queue: list[_Send] = []
        self._writers: set[asyncio.Task[None]] = set()
        # Conversations in a batch being written: their next sends wait for it, so that one
        # conversation's sends commit in the order they came (several writers on PostgreSQL).
        self._writing: set[uuid.UUID] = set()

    def submit(
        self, conversation_id: uuid.UUID, post: Post, acknowledge: Acknowledge
    ) -> asyncio.Future[str]:
        """Queue one message for the next batch: the future settles once it is committed
        (with its encoded ack) or has failed on its own (with the error)."""
        item = _Send(conversation_id, post, acknowledge)
        self._queue.append(item)
        if len(self._writers) < self.max_writers:
            # Not in the sender's task group: the writer outlives any one sender (a socket
            # that closes mid-send must not cancel the others' batch), and it lives only while
            # sends are queued. A clean context: it writes for every socket and logs as none.
            writer = asyncio.create_task(self._drain(), context=contextvars.Context())  # noqa: TID251
            self._writers.add(writer)
        return item.done

    def _take(self) -> list[_Send]:
        """The next batch: queued sends in order, leaving those of a conversation another
        writer is writing (and every later one of that conversation) for later."""
        batch: list[_Send] = []
        left: list[_Send] = []
        waiting = set(self._writing)
        for item in self._queue:
            if len(batch) < MAX_BATCH and item.conversation_id not in waiting:
                batch.append(item)
            else:
                left.append(item)
                waiting.add(item.conversation_id)
        self._queue = left
        self._writing.update(item.conversation_id for item in batch)
        return batch

    async def _drain(self) -> None:
        batch: list[_Send] = []
        try:
            while batch := self._take():
                try:
                    await self._write(batch)
                finally:
                    self._writing.difference_update(item.conversation_id for item in batch)
        finally:
            # Gone from the count in the same step that found nothing to take: a send queued
            # from now on starts a writer of its own (or waits for the writer of its
            # conversation, which takes it next).
            if (current := asyncio.current_task()) is not None:
                self._writers.discard(current)
            # Unsettled only if this writer was cancelled (the server is stopping) mid-batch.
            for item in batch:
                item.settle(error=ServiceUnavailable())

    async def _write(self, batch: list[_Send]) -> None:
        try:
            acks = await self._write_together(batch)
        except Exception as error:
            if len(batch) == 1:
                batch[0].settle(error=error)
                return
            log.info("send_batch_split", sends=len(batch), error=type(error).__name__)
            for item in batch:
                await self._write(batch=[item])
            return
        for item, ack in zip(batch, acks, strict=True):
            item.settle(ack)

    async def _write_together(self, batch: list[_Send]) -> list[str]:
        ordered = sorted(range(len(batch)), key=lambda i: batch[i].conversation_id)
        posted: dict[int, Posted] = {}
        async with unit_of_work(self.runtime.sessionmaker) as session:
            for i in ordered:
                with structlog.contextvars.bound_contextvars(
                    conversation_id=str(batch[i].conversation_id)
                ):
                    posted[i] = await batch[i].post(session)
        # Committed, and its events handed to the broker: only now may the clients count on it.
        views = published_views(session)
        return [item.acknowledge(posted[i], views) for i, item in enumerate(batch)]
