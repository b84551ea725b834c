import uuid
from datetime import timedelta

import anyio
import pytest
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import Job, JobStatus
from helpline.jobs.registry import UnknownJobError
from tests.fixtures.jobs import RecordArgs, get_job, run_jobs


class BoomError(Exception):
    pass


@pytest.fixture
def wakeups() -> list[str]:
    calls: list[str] = []

    def listener() -> None:
        calls.append("woken")

    queue.add_wake_listener(listener)
    yield calls
    queue.remove_wake_listener(listener)


async def count_jobs(runtime: Runtime) -> int:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await session.scalar(select(func.count()).select_from(Job)) or 0


class TestEnqueue:
    async def test_rolled_back_job_never_exists_and_never_runs(
        self, runtime: Runtime, wakeups: list[str], recorded: list[str]
    ) -> None:
        async def enqueue_then_fail() -> None:
            async with unit_of_work(runtime.sessionmaker) as session:
                queue.enqueue(session, "tests.record_run", RecordArgs(key="ghost"))
                await session.flush()  # the row reached the database before the rollback
                raise BoomError

        with pytest.raises(BoomError):
            await enqueue_then_fail()

        assert await count_jobs(runtime) == 0
        assert wakeups == []
        assert await run_jobs(runtime) == 0
        assert recorded == []

    async def test_committed_job_wakes_workers_and_runs(
        self, runtime: Runtime, wakeups: list[str], recorded: list[str]
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            job = queue.enqueue(
                session, "tests.record_run", RecordArgs(key="real"), workspace_id=None
            )
            assert wakeups == []  # not before the commit
        assert wakeups == ["woken"]

        row = await get_job(runtime, job.id)
        assert (row.status, row.attempts, row.max_attempts) == (JobStatus.queued, 0, 3)
        assert row.args == {"key": "real", "fail_times": 0, "sleep_s": 0, "marker_file": None}
        assert await run_jobs(runtime) == 1
        assert recorded == ["real"]

    async def test_future_job_waits_for_its_time(
        self, runtime: Runtime, session: AsyncSession, recorded: list[str]
    ) -> None:
        queue.enqueue(
            session,
            "tests.record_run",
            RecordArgs(key="later"),
            run_at=utc_now() + timedelta(hours=1),
        )
        await session.commit()

        assert await run_jobs(runtime) == 0
        assert recorded == []

    async def test_unknown_name_and_wrong_args_are_refused(self, session: AsyncSession) -> None:
        class OtherArgs(BaseModel):
            key: str

        with pytest.raises(UnknownJobError):
            queue.enqueue(session, "tests.no_such_job", RecordArgs(key="x"))
        with pytest.raises(TypeError, match="RecordArgs"):
            queue.enqueue(session, "tests.record_run", OtherArgs(key="x"))
        assert not session.new


class TestClaim:
    async def test_concurrent_claims_never_share_a_job(self, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            ids = {
                queue.enqueue(session, "tests.record_run", RecordArgs(key=str(n))).id
                for n in range(30)
            }
        claims: dict[str, list[uuid.UUID]] = {}

        async def claim(worker_id: str) -> None:
            async with unit_of_work(runtime.sessionmaker) as session:
                claimed = await queue.claim(
                    session, worker_id=worker_id, limit=12, lease=timedelta(minutes=1)
                )
            claims[worker_id] = [job.id for job in claimed]

        async with anyio.create_task_group() as tasks:
            for n in range(3):
                tasks.start_soon(claim, f"claimer-{n}")

        everything = [job_id for claimed in claims.values() for job_id in claimed]
        assert len(everything) == len(set(everything)) == 30  # disjoint, and all taken
        assert set(everything) == ids

    async def test_expired_lease_is_claimed_again_and_counts_the_attempt(
        self, runtime: Runtime, session: AsyncSession
    ) -> None:
        job = queue.enqueue(session, "tests.record_run", RecordArgs(key="k"))
        await session.commit()
        async with unit_of_work(runtime.sessionmaker) as session:
            [first] = await queue.claim(session, worker_id="a", limit=5, lease=timedelta(0))

        async with unit_of_work(runtime.sessionmaker) as session:
            [second] = await queue.claim(
                session, worker_id="b", limit=5, lease=timedelta(minutes=1)
            )
            # A live lease is not taken over.
            assert await queue.claim(session, worker_id="c", limit=5, lease=timedelta(0)) == []

        assert (first.id, first.attempts, second.id, second.attempts) == (job.id, 1, job.id, 2)
        row = await get_job(runtime, job.id)
        assert row.locked_by == "b"
        assert row.last_error == queue.LEASE_EXPIRED_ERROR

    @pytest.mark.parametrize("new_holder", ["other-worker", "same-worker"])
    async def test_claim_that_lost_its_lease_cannot_overwrite_the_new_one(
        self, runtime: Runtime, session: AsyncSession, new_holder: str
    ) -> None:
        job = queue.enqueue(session, "tests.record_run", RecordArgs(key="k"))
        await session.commit()
        lease = timedelta(minutes=1)
        async with unit_of_work(runtime.sessionmaker) as session:
            [stale] = await queue.claim(
                session, worker_id="same-worker", limit=1, lease=timedelta(0)
            )
        async with unit_of_work(runtime.sessionmaker) as session:
            [current] = await queue.claim(session, worker_id=new_holder, limit=1, lease=lease)

        async with unit_of_work(runtime.sessionmaker) as session:
            assert not await queue.renew_lease(session, stale, worker_id="same-worker", lease=lease)
            assert not await queue.mark_succeeded(session, stale, worker_id="same-worker")
            assert not await queue.record_failure(
                session, stale, worker_id="same-worker", error="stale", retry_at=None
            )
            assert await queue.renew_lease(session, current, worker_id=new_holder, lease=lease)

        row = await get_job(runtime, job.id)
        assert (row.status, row.locked_by, row.attempts) == (JobStatus.running, new_holder, 2)
        assert row.last_error == queue.LEASE_EXPIRED_ERROR
