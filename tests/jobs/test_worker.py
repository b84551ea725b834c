import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from helpline.app import create_app
from helpline.core.ids import new_id
from helpline.core.runtime import Runtime, create_runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import Job, JobStatus
from helpline.jobs.worker import Worker
from helpline.settings import Settings
from tests.fixtures.jobs import (
    RecordArgs,
    SleepArgs,
    effects,
    eventually,
    get_job,
    jobs_with_status,
    make_due,
    run_jobs,
    with_settings,
)


async def enqueue(runtime: Runtime, *args: RecordArgs) -> list[uuid.UUID]:
    async with unit_of_work(runtime.sessionmaker) as session:
        return [queue.enqueue(session, "tests.record_run", a).id for a in args]


async def insert_job(runtime: Runtime, name: str, args: dict[str, object]) -> uuid.UUID:
    """A job row as old code (or a bad deploy) might have left it."""
    async with unit_of_work(runtime.sessionmaker) as session:
        job = Job(id=new_id(), name=name, args=args, max_attempts=5, run_at=utc_now())
        session.add(job)
    return job.id


@asynccontextmanager
async def running(*workers: Worker) -> AsyncIterator[None]:
    """Run workers in the background; on exit stop them, and fail if they hang."""
    async with anyio.create_task_group() as tasks:
        for worker in workers:
            tasks.start_soon(worker.run)
        yield
        with anyio.fail_after(15):
            for worker in workers:
                await worker.stop()


def status_is(runtime: Runtime, job_id: uuid.UUID, status: JobStatus) -> Callable[[], object]:
    async def check() -> bool:
        return (await get_job(runtime, job_id)).status == status

    return check


class TestRetries:
    async def test_failures_back_off_then_dead_letter(
        self, runtime: Runtime, recorded: list[str], logs: list[dict[str, Any]]
    ) -> None:
        workspace_id = uuid.uuid4()
        async with unit_of_work(runtime.sessionmaker) as session:
            job_id = queue.enqueue(
                session,
                "tests.record_run",
                RecordArgs(key="doomed", fail_times=99),
                workspace_id=workspace_id,
            ).id
        enqueued_at = (await get_job(runtime, job_id)).run_at

        for attempt, ceiling_s in [(1, 100), (2, 200)]:
            before = utc_now()
            assert await run_jobs(runtime) == 1
            row = await get_job(runtime, job_id)
            assert (row.status, row.attempts) == (JobStatus.queued, attempt)
            assert row.last_error == f"RuntimeError: Planned failure on attempt {attempt}."
            delay_s = (row.run_at - before).total_seconds()
            assert ceiling_s / 2 - 1 <= delay_s <= ceiling_s + 1
            assert row.run_at > enqueued_at
            assert row.finished_at is None
            assert await run_jobs(runtime) == 0  # not due until its backoff is over
            await make_due(runtime, job_id)

        assert await run_jobs(runtime) == 1
        row = await get_job(runtime, job_id)
        assert (row.status, row.attempts) == (JobStatus.dead, 3)
        assert row.last_error == "RuntimeError: Planned failure on attempt 3."
        assert row.finished_at is not None
        await make_due(runtime, job_id)
        assert await run_jobs(runtime) == 0  # dead stays dead
        # Each failed run's writes were rolled back with it.
        assert recorded == []
        assert await effects(runtime) == []
        failures = [e for e in logs if e["event"] in ("job_failed_will_retry", "job_dead")]
        assert [(e["event"], e["attempt"]) for e in failures] == [
            ("job_failed_will_retry", 1),
            ("job_failed_will_retry", 2),
            ("job_dead", 3),
        ]
        for entry in failures:
            assert entry["job_id"] == str(job_id)
            assert entry["job_name"] == "tests.record_run"
            assert entry["workspace_id"] == str(workspace_id)
            assert isinstance(entry["exc_info"], RuntimeError)

    @pytest.mark.usefixtures("logs")
    async def test_failure_then_success_ends_succeeded_with_one_effect(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        [job_id] = await enqueue(runtime, RecordArgs(key="flaky", fail_times=1))

        assert await run_jobs(runtime) == 1
        assert (await get_job(runtime, job_id)).status == JobStatus.queued
        await make_due(runtime, job_id)
        assert await run_jobs(runtime) == 1

        row = await get_job(runtime, job_id)
        assert (row.status, row.attempts) == (JobStatus.succeeded, 2)
        assert row.finished_at is not None
        assert row.locked_until is None
        assert recorded == ["flaky"]
        assert await effects(runtime) == ["flaky"]

    @pytest.mark.usefixtures("logs")
    async def test_timeout_counts_as_a_failure(self, runtime: Runtime) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            job = queue.enqueue(session, "tests.sleep_past_timeout", SleepArgs(seconds=30))

        with anyio.fail_after(10):
            assert await run_jobs(runtime) == 2  # backoff_base_s=0: due again at once

        row = await get_job(runtime, job.id)
        assert (row.status, row.attempts) == (JobStatus.dead, 2)
        assert row.last_error == "JobTimeoutError: The job did not finish within 0.2 s."

    async def test_unknown_job_name_is_dead_lettered(
        self, runtime: Runtime, logs: list[dict[str, Any]]
    ) -> None:
        job_id = await insert_job(runtime, "billing.removed_long_ago", {})

        assert await run_jobs(runtime) == 1

        row = await get_job(runtime, job_id)
        assert (row.status, row.attempts) == (JobStatus.dead, 1)
        assert row.last_error is not None
        assert "no handler is registered for 'billing.removed_long_ago'" in row.last_error
        [dead] = [e for e in logs if e["event"] == "job_dead"]
        assert (dead["job_id"], dead["job_name"]) == (str(job_id), "billing.removed_long_ago")

    @pytest.mark.usefixtures("logs")
    async def test_invalid_arguments_are_dead_lettered_at_once(self, runtime: Runtime) -> None:
        job_id = await insert_job(runtime, "tests.record_run", {"key": ["not", "a", "string"]})

        assert await run_jobs(runtime) == 1

        row = await get_job(runtime, job_id)
        assert (row.status, row.attempts) == (JobStatus.dead, 1)
        assert row.last_error is not None
        assert row.last_error.startswith("InvalidArguments")


class TestCrashRecovery:
    async def test_job_of_a_dead_worker_runs_again_after_its_lease(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        [job_id] = await enqueue(runtime, RecordArgs(key="orphan"))
        async with unit_of_work(runtime.sessionmaker) as session:
            # A worker claims the job and dies: its lease is never renewed.
            await queue.claim(session, worker_id="dead", limit=1, lease=timedelta(0))

        assert await run_jobs(runtime) == 1

        row = await get_job(runtime, job_id)
        assert (row.status, row.attempts) == (JobStatus.succeeded, 2)
        assert recorded == ["orphan"]

    async def test_worker_lost_on_the_last_attempt_dead_letters_the_job(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        [job_id] = await enqueue(runtime, RecordArgs(key="poison"))
        for _ in range(3):  # max_attempts of tests.record_run
            async with unit_of_work(runtime.sessionmaker) as session:
                await queue.claim(session, worker_id="dead", limit=1, lease=timedelta(0))

        assert await run_jobs(runtime) == 1

        row = await get_job(runtime, job_id)
        assert row.status == JobStatus.dead
        assert row.last_error is not None
        assert "last of 3 attempts" in row.last_error
        assert recorded == []

    async def test_heartbeat_keeps_a_long_job_claimed(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        short_lease = with_settings(runtime, job_lease=timedelta(seconds=0.3))
        [job_id] = await enqueue(runtime, RecordArgs(key="long", sleep_s=1.0))
        other = Worker(short_lease, worker_id="other")

        async def done_without_a_takeover() -> bool:
            # Without the heartbeat the lease would lapse within 0.3 s and `other` would take
            # the job over (and run it a second time).
            assert await other.run_until_idle() == 0
            return (await get_job(runtime, job_id)).status == JobStatus.succeeded

        async with running(Worker(short_lease)):
            await eventually(status_is(runtime, job_id, JobStatus.running), what="job claimed")
            await eventually(done_without_a_takeover, what="job done")

        assert recorded == ["long"]
        assert (await get_job(runtime, job_id)).attempts == 1


class TestRun:
    async def test_graceful_stop_finishes_the_running_job(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        [slow, waiting] = await enqueue(
            runtime, RecordArgs(key="slow", sleep_s=0.5), RecordArgs(key="waiting")
        )
        worker = Worker(with_settings(runtime, job_concurrency=1))

        with anyio.fail_after(15):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(worker.run)
                await eventually(
                    status_is(runtime, slow, JobStatus.running), what="slow job running"
                )
                worker.request_stop()
            # run() returned, so the task group could exit.

        assert (await get_job(runtime, slow)).status == JobStatus.succeeded
        assert (await get_job(runtime, waiting)).status == JobStatus.queued
        assert recorded == ["slow"]

    async def test_commit_wakes_an_idle_worker_before_its_poll(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        slow_poll = with_settings(runtime, job_poll_interval=timedelta(hours=1))
        worker = Worker(slow_poll)
        async with running(worker):
            [first] = await enqueue(runtime, RecordArgs(key="first"))
            await eventually(status_is(runtime, first, JobStatus.succeeded), what="first job")
            [second] = await enqueue(runtime, RecordArgs(key="second"))
            await eventually(
                status_is(runtime, second, JobStatus.succeeded), timeout_s=5, what="woken"
            )
        assert recorded == ["first", "second"]

    async def test_workers_share_jobs_and_run_each_exactly_once(
        self, settings: Settings, runtime: Runtime, recorded: list[str]
    ) -> None:
        ids = await enqueue(runtime, *(RecordArgs(key=str(n), sleep_s=0.01) for n in range(50)))
        runtimes = [create_runtime(settings) for _ in range(3)]
        try:
            workers = [Worker(r, worker_id=f"w{n}") for n, r in enumerate(runtimes)]
            async with running(*workers):

                async def all_done() -> bool:
                    return await jobs_with_status(runtime, JobStatus.succeeded) == len(ids)

                await eventually(all_done, timeout_s=30, what="50 jobs done")
        finally:
            for r in runtimes:
                await r.close()

        assert Counter(recorded) == Counter(str(n) for n in range(50))
        assert sorted(await effects(runtime)) == sorted(str(n) for n in range(50))
        async with unit_of_work(runtime.sessionmaker) as session:
            holders = Counter(await session.scalars(select(Job.locked_by)))
        assert len(holders) >= 2, holders  # the work really was shared
        assert all(holder.startswith(("w0:", "w1:", "w2:")) for holder in holders)

    async def test_stop_before_run_returns_at_once(self, runtime: Runtime) -> None:
        worker = Worker(runtime)
        await worker.stop()
        with anyio.fail_after(5):
            await worker.run()

    @pytest.mark.parametrize("concurrency", [1, 4])
    async def test_runs_at_most_concurrency_jobs_at_once(
        self, runtime: Runtime, recorded: list[str], concurrency: int
    ) -> None:
        limited = with_settings(runtime, job_concurrency=concurrency)
        ids = await enqueue(runtime, *(RecordArgs(key=str(n), sleep_s=0.15) for n in range(5)))
        peak = 0

        async def all_done() -> bool:
            nonlocal peak
            peak = max(peak, await jobs_with_status(runtime, JobStatus.running))
            return await jobs_with_status(runtime, JobStatus.succeeded) == len(ids)

        async with running(Worker(limited)):
            await eventually(all_done, timeout_s=20, what="jobs done")

        # One claim takes `concurrency` jobs at once, and each runs for a while: the peak is seen.
        assert peak == concurrency
        assert len(recorded) == 5


class TestInWebProcess:
    async def test_web_app_runs_jobs_as_soon_as_they_commit(
        self, runtime: Runtime, recorded: list[str]
    ) -> None:
        settings = runtime.settings.model_copy(
            update={"run_jobs_in_web": True, "job_poll_interval": timedelta(hours=1)}
        )
        app = create_app(settings)
        with anyio.fail_after(20):
            async with app.router.lifespan_context(app):
                [job_id] = await enqueue(runtime, RecordArgs(key="from-web"))
                await eventually(
                    status_is(runtime, job_id, JobStatus.succeeded), timeout_s=5, what="job run"
                )
            # Leaving the lifespan stopped the worker (or the deadline above fails the test).
        assert recorded == ["from-web"]
