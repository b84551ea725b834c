"""The unit of work: one session, one transaction, and what happens after it commits.

Rules:
- A request, a job, a CLI command (and later one WebSocket message) each runs in exactly
  one unit of work. Services receive its session and never commit or roll back.
- On success the transaction commits; on any exception it rolls back and the exception
  propagates.
- `before_commit(session, hook)` registers work to do inside the transaction, after the
  service code and before the commit (building real-time event payloads from the final
  state of the rows). A failing hook rolls everything back, like any failure.
- `after_commit(session, hook)` registers work that must only happen once the data is
  durable (waking the job dispatcher, publishing real-time events). Hooks run in order after
  the commit, and are discarded on rollback. A failing hook is logged, never raised: the
  commit already happened and the caller's answer must reflect it.
- Once the commit starts, it and the after-commit hooks finish even if the caller is
  cancelled meanwhile (a socket dropped mid-send cancels the task handling it): a change
  must never be durable and yet unannounced. The cancellation is honoured right after.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.core.db import READ_ONLY_OPTION

AfterCommitHook = Callable[[], Awaitable[None]]

_HOOKS_KEY = "helpline.after_commit"
_BEFORE_KEY = "helpline.before_commit"
log = structlog.get_logger(__name__)


def before_commit(session: AsyncSession, hook: AfterCommitHook) -> None:
    session.info.setdefault(_BEFORE_KEY, []).append(hook)


def after_commit(session: AsyncSession, hook: AfterCommitHook) -> None:
    session.info.setdefault(_HOOKS_KEY, []).append(hook)


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession], *, read_only: bool = False
) -> AsyncIterator[AsyncSession]:
    """`read_only`: the work only reads. On SQLite it then neither waits for nor blocks the
    writer (core/db.py); a write inside it may fail as busy instead of waiting."""
    async with sessionmaker() as session:
        try:
            if read_only:
                # Procured now, so the option is set before the transaction begins.
                _ = await session.connection(execution_options={READ_ONLY_OPTION: True})
            yield session
            await _run_before_commit(session)
        except BaseException:
            await _roll_back(session)
            raise
        await _finish_regardless(_commit_then_run_hooks(session))


async def _roll_back(session: AsyncSession) -> None:
    session.info.pop(_HOOKS_KEY, None)
    session.info.pop(_BEFORE_KEY, None)
    await session.rollback()


async def _commit_then_run_hooks(session: AsyncSession) -> None:
    try:
        await session.commit()
    except BaseException:
        await _roll_back(session)
        raise
    await _run_hooks(session)


async def _finish_regardless(work: Awaitable[None]) -> None:
    """Run `work` to its end even if this task is cancelled meanwhile, then re-raise the
    cancellation (or the work's own error)."""
    task = asyncio.ensure_future(work)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            # Unlike awaiting the task, waiting for it does not pass a cancellation on.
            await asyncio.wait({task})
        except asyncio.CancelledError as error:
            cancelled = error
    if cancelled is not None:
        if not task.cancelled() and task.exception() is not None:
            log.error("unit_of_work_failed_while_cancelled", exc_info=task.exception())
        raise cancelled
    task.result()


async def _run_before_commit(session: AsyncSession) -> None:
    # A hook may register another (an event built by one hook); run until none is left.
    while hooks := session.info.pop(_BEFORE_KEY, []):
        for hook in hooks:
            await hook()


async def _run_hooks(session: AsyncSession) -> None:
    hooks: list[AfterCommitHook] = session.info.pop(_HOOKS_KEY, [])
    for hook in hooks:
        try:
            await hook()
        except Exception:
            log.exception(
                "after_commit_hook_failed", hook=getattr(hook, "__qualname__", repr(hook))
            )
