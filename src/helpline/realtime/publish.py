"""Publishing: the only way an event leaves a service (STYLE 8.4.1).

`publish_on_commit` queues an encoded frame on the session; it reaches the broker only after
the transaction commits, and is dropped if it rolls back, so no client ever hears of a change
that did not happen. The unit of work waits for the broker to confirm before the request or
socket answers, so an acknowledged write has left the process. `publish_now` is for ephemeral signals with nothing to commit (typing).

The broker comes from the session itself (`session.info`, set by the runtime's sessionmaker),
so services need no extra argument. A session without one (a bare test session) publishes
nothing.
"""

import uuid
from collections.abc import Iterable
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.core.unit_of_work import after_commit, unit_of_work
from helpline.jobs import queue
from helpline.realtime.broker import BROKER_KEY, Broker
from helpline.realtime.hub import encode_envelope, workspace_channel
from helpline.realtime.tasks import REPUBLISH_JOB, RepublishArgs

_PENDING_KEY: Final = "helpline.realtime.pending"
log = structlog.get_logger(__name__)


def broker_of(session: AsyncSession) -> Broker | None:
    broker: Broker | None = session.info.get(BROKER_KEY)
    return broker


def publish_on_commit(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    audience: Iterable[str],
    frame: str,
    *,
    exclude: Iterable[str] = (),
) -> None:
    """Publish `frame` (encoded JSON) to the connections of `workspace_id` whose keys meet
    `audience` and none of `exclude`, once the session's transaction has committed."""
    broker = broker_of(session)
    keys = list(audience)
    if broker is None or not keys:
        return
    pending: list[tuple[str, str]] | None = session.info.get(_PENDING_KEY)
    if pending is None:
        pending = session.info[_PENDING_KEY] = []
        after_commit(session, lambda: _flush(session, broker))
    pending.append((workspace_channel(workspace_id), encode_envelope(keys, frame, exclude)))


async def _flush(session: AsyncSession, broker: Broker) -> None:
    # Awaited before the caller answers: once a write is acknowledged, its events are in
    # the broker, or in the database to be republished by whichever node can, so the
    # process dying cannot take them along (docs/realtime.md, Delivery).
    messages: list[tuple[str, str]] = session.info.pop(_PENDING_KEY, [])
    if messages and not await broker.publish_confirmed(messages):
        await _republish_later(session, messages)


async def _republish_later(session: AsyncSession, messages: list[tuple[str, str]]) -> None:
    """This node cannot reach the broker: hand the events to the job queue, in the
    database, where any worker publishes them once its broker answers. They may arrive
    late and twice; clients deduplicate (docs/realtime.md)."""
    log.warning("realtime_events_deferred", events=len(messages))
    # The caller's transaction is over; this is a new one.
    sessions = async_sessionmaker(session.bind, expire_on_commit=False)
    async with unit_of_work(sessions) as deferred:
        queue.enqueue(deferred, REPUBLISH_JOB, RepublishArgs(messages=messages))


def publish_now(
    session: AsyncSession, workspace_id: uuid.UUID, audience: Iterable[str], frame: str
) -> None:
    """Publish at once, outside any transaction: only for signals that change no row."""
    broker = broker_of(session)
    keys = list(audience)
    if broker is not None and keys:
        broker.publish(workspace_channel(workspace_id), encode_envelope(keys, frame))
