"""The unit of work commits on success, rolls back on error, and runs after-commit hooks only
when the data is durable."""

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from helpline.core.runtime import Runtime, create_runtime
from helpline.core.unit_of_work import after_commit, unit_of_work
from helpline.settings import Settings
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Workspace


async def _count(runtime: Runtime) -> int:
    async with unit_of_work(runtime.sessionmaker) as session:
        return int(
            (await session.execute(select(func.count()).select_from(Workspace))).scalar_one()
        )


async def test_commit_then_hooks_in_order(runtime: Runtime) -> None:
    calls: list[str] = []

    async def first() -> None:
        calls.append(f"first saw {await _count(runtime)}")

    async def second() -> None:
        calls.append("second")

    async with unit_of_work(runtime.sessionmaker) as session:
        await tenancy.create_workspace(session, None, name="Kept")
        after_commit(session, first)
        after_commit(session, second)
        assert calls == []
    # The hook ran after the commit: another session already sees the row.
    assert calls == ["first saw 1", "second"]


async def test_rollback_discards_rows_and_hooks(runtime: Runtime) -> None:
    calls: list[str] = []

    async def hook() -> None:
        calls.append("ran")

    async def failing_work() -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await tenancy.create_workspace(session, None, name="Lost")
            after_commit(session, hook)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_work()
    assert calls == []
    assert await _count(runtime) == 0


async def test_a_failing_hook_does_not_undo_or_hide_the_commit(runtime: Runtime) -> None:
    calls: list[str] = []

    async def broken() -> None:
        raise ValueError("hook failed")

    async def after() -> None:
        calls.append("still ran")

    async with unit_of_work(runtime.sessionmaker) as session:
        await tenancy.create_workspace(session, None, name="Kept")
        after_commit(session, broken)
        after_commit(session, after)
    assert calls == ["still ran"]
    assert await _count(runtime) == 1


async def test_a_read_only_unit_of_work_reads_while_a_writer_holds_the_lock(
    settings: Settings, runtime: Runtime
) -> None:
    """A reader neither waits for nor blocks the writer (on SQLite, where every other
    transaction takes the one write lock up front); it sees the last committed state."""
    impatient = create_runtime(settings.model_copy(update={"sqlite_busy_timeout_ms": 100}))
    try:
        async with unit_of_work(impatient.sessionmaker) as writer:
            await tenancy.create_workspace(writer, None, name="Not committed yet")
            await writer.flush()
            async with asyncio.timeout(5):
                async with unit_of_work(impatient.sessionmaker, read_only=True) as reader:
                    seen = (
                        await reader.execute(select(func.count()).select_from(Workspace))
                    ).scalar_one()
            assert seen == 0
            if settings.is_sqlite:
                # An ordinary unit of work waits for the write lock, and gives up busy.
                with pytest.raises(OperationalError, match="locked"):
                    async with unit_of_work(impatient.sessionmaker) as other:
                        await other.execute(select(func.count()).select_from(Workspace))
    finally:
        await impatient.close()


async def test_a_cancelled_caller_still_gets_its_commit_announced(runtime: Runtime) -> None:
    """A socket dropped mid-send cancels the task handling the send: once the commit has
    started, the commit and its after-commit hooks (the real-time events) still finish, and
    only then is the cancellation honoured."""
    hook_started, release_hook = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def slow_publish() -> None:
        hook_started.set()
        await release_hook.wait()
        calls.append(f"published, {await _count(runtime)} committed")

    async def handle_send() -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await tenancy.create_workspace(session, None, name="Committed")
            after_commit(session, slow_publish)

    handling = asyncio.create_task(handle_send())
    await hook_started.wait()
    handling.cancel()
    # The cancellation waits for the hook instead of interrupting it.
    await asyncio.sleep(0)
    assert not handling.done()
    release_hook.set()
    with pytest.raises(asyncio.CancelledError):
        await handling
    assert calls == ["published, 1 committed"]


async def test_a_caller_cancelled_before_the_commit_rolls_back(runtime: Runtime) -> None:
    inside, never = asyncio.Event(), asyncio.Event()

    async def handle_send() -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await tenancy.create_workspace(session, None, name="Never committed")
            inside.set()
            await never.wait()

    handling = asyncio.create_task(handle_send())
    await inside.wait()
    handling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handling
    assert await _count(runtime) == 0
