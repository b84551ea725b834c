"""The job queue: every statement that reads or writes job rows.

`enqueue` is what the domains call: it adds the job row to the caller's transaction, so a job
exists exactly when the work that asked for it was committed. The rest is for the worker.
Each worker statement checks that its claim still stands, so a worker whose lease expired (and
whose job was claimed again) cannot overwrite the new holder's result.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.ids import new_id
from helpline.core.time import utc_now
from helpline.core.unit_of_work import after_commit
from helpline.jobs import registry
from helpline.jobs.models import Job, JobStatus

LEASE_EXPIRED_ERROR: Final = (
    "The worker running this job stopped renewing its lease (it crashed or hung)."
)
_MAX_ERROR_CHARS: Final = 2000

WakeListener = Callable[[], None]
# In-process workers, woken when a transaction that enqueued a job commits, so that a job
# enqueued by a request runs now rather than at the next poll.
_wake_listeners: set[WakeListener] = set()


def enqueue(
    session: AsyncSession,
    name: str,
    args: BaseModel,
    *,
    workspace_id: uuid.UUID | None = None,
    run_at: datetime | None = None,
) -> Job:
    """Add a job to the caller's transaction: it runs after the commit, and never on rollback."""
    spec = registry.get_job(name)
    if type(args) is not spec.args_model:
        raise TypeError(
            f"Job {name!r} takes {spec.args_model.__name__} arguments, not {type(args).__name__}."
        )
    now = utc_now()
    # Columns are set here rather than left to defaults so the caller can read them before flush.
    job = Job(
        id=new_id(),
        name=name,
        args=args.model_dump(mode="json"),
        workspace_id=workspace_id,
        status=JobStatus.queued,
        run_at=run_at or now,
        attempts=0,
        max_attempts=spec.max_attempts,
        created_at=now,
    )
    session.add(job)
    after_commit(session, _wake_workers)
    return job


async def has_queued(
    session: AsyncSession, name: str, *, workspace_id: uuid.UUID | None, args: dict[str, str]
) -> bool:
    """Whether a job `name` of this workspace whose arguments include `args` is waiting to
    run: lets a self-rescheduling job (a watchdog) keep one pending run instead of piling up.
    Only string-valued arguments are compared."""
    statement = select(Job.id).where(
        Job.name == name,
        Job.status == JobStatus.queued,
        Job.workspace_id == workspace_id,
        *(Job.args[key].as_string() == value for key, value in args.items()),
    )
    return (await session.execute(statement.limit(1))).first() is not None


def add_wake_listener(listener: WakeListener) -> None:
    _wake_listeners.add(listener)


def remove_wake_listener(listener: WakeListener) -> None:
    _wake_listeners.discard(listener)


async def _wake_workers() -> None:
    for listener in list(_wake_listeners):
        listener()


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: uuid.UUID
    name: str
    args: dict[str, Any]
    workspace_id: uuid.UUID | None
    # Counting this run: 1 on the first run.
    attempts: int
    max_attempts: int


async def claim(
    session: AsyncSession, *, worker_id: str, limit: int, lease: timedelta
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs: queued ones whose time has come, and running ones whose
    holder's lease expired. Commit promptly: the claim is what other workers see."""
    now = utc_now()
    due = or_(
        and_(Job.status == JobStatus.queued, Job.run_at <= now),
        and_(Job.status == JobStatus.running, Job.locked_until < now),
    )
    pick = select(Job.id).where(due).order_by(Job.run_at).limit(limit)
    # On SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE, see
    # core.db), so the subquery and the update cannot interleave with another claim.
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        update(Job)
        .where(Job.id.in_(pick))
        .values(
            status=JobStatus.running,
            locked_by=worker_id,
            locked_until=now + lease,
            attempts=Job.attempts + 1,
            last_error=case(
                (Job.status == JobStatus.running, LEASE_EXPIRED_ERROR), else_=Job.last_error
            ),
        )
        .returning(Job.id, Job.name, Job.args, Job.workspace_id, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    return [
        ClaimedJob(
            id=row.id,
            name=row.name,
            args=row.args,
            workspace_id=row.workspace_id,
            attempts=row.attempts,
            max_attempts=row.max_attempts,
        )
        for row in rows
    ]


async def renew_lease(
    session: AsyncSession, job: ClaimedJob, *, worker_id: str, lease: timedelta
) -> bool:
    """Extend this worker's claim; False when it no longer holds the job."""
    return await _update_held(session, job, worker_id, locked_until=utc_now() + lease)


async def mark_succeeded(session: AsyncSession, job: ClaimedJob, *, worker_id: str) -> bool:
    return await _update_held(
        session,
        job,
        worker_id,
        status=JobStatus.succeeded,
        finished_at=utc_now(),
        locked_until=None,
    )


async def record_failure(
    session: AsyncSession,
    job: ClaimedJob,
    *,
    worker_id: str,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """Queue the job again at `retry_at`, or dead-letter it when `retry_at` is None."""
    final: dict[str, Any] = (
        {"status": JobStatus.dead, "finished_at": utc_now()}
        if retry_at is None
        else {"status": JobStatus.queued, "run_at": retry_at}
    )
    return await _update_held(
        session, job, worker_id, last_error=error[:_MAX_ERROR_CHARS], locked_until=None, **final
    )


async def _update_held(
    session: AsyncSession, job: ClaimedJob, worker_id: str, **values: Any
) -> bool:
    # `attempts` changes with every claim, so it fences off an earlier claim even by this same
    # worker (whose stalled run's lease expired and which then claimed the job again).
    statement = (
        update(Job)
        .where(
            Job.id == job.id,
            Job.locked_by == worker_id,
            Job.attempts == job.attempts,
            Job.status == JobStatus.running,
        )
        .values(**values)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).first() is not None


# The states /metrics counts. Succeeded jobs are history: there are ever more of them, and
# counting them would cost a scan (helpline_jobs_finished_total counts them as they finish).
_COUNTED_STATUSES: Final = (JobStatus.queued, JobStatus.running, JobStatus.dead)


@dataclass(frozen=True, slots=True)
class Backlog:
    # Queued jobs whose time has come.
    due: int
    # When the longest-waiting of them became due; None when none is.
    oldest_due_at: datetime | None


async def backlog(session: AsyncSession, *, now: datetime) -> Backlog:
    """Due work not yet claimed: one range of the (status, run_at) index."""
    statement = select(func.count(), func.min(Job.run_at)).where(
        Job.status == JobStatus.queued, Job.run_at <= now
    )
    due, oldest = (await session.execute(statement)).one()
    return Backlog(due=due, oldest_due_at=oldest)


async def count_by_status(session: AsyncSession) -> dict[JobStatus, int]:
    """How many jobs are queued, running and dead (from the status index)."""
    statement = (
        select(Job.status, func.count())
        .where(Job.status.in_(_COUNTED_STATUSES))
        .group_by(Job.status)
    )
    counts = dict.fromkeys(_COUNTED_STATUSES, 0)
    for status, n in await session.execute(statement):
        counts[status] = n
    return counts
