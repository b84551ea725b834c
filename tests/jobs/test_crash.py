"""Jobs survive a worker that is killed mid-run: real `helpline worker` processes, SIGKILL."""

import json
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO

import anyio
from anyio.abc import Process
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import Job, JobStatus
from helpline.mail import service as mail
from helpline.mail.models import EmailStatus, OutboxEmail
from tests.fixtures import jobs as test_jobs
from tests.fixtures.jobs import RecordArgs, effects, eventually, jobs_with_status


def worker_env(runtime: Runtime, data_dir: Path) -> dict[str, str]:
    # The worker imports the test jobs by module name, from wherever pytest imported them.
    module = test_jobs.__name__
    import_root = Path(test_jobs.__file__).resolve().parents[module.count(".")]
    return {
        "PYTHONPATH": str(import_root),
        "HELPLINE_ENVIRONMENT": "testing",
        "HELPLINE_DATA_DIR": str(data_dir),
        "HELPLINE_DATABASE_URL": runtime.settings.resolved_database_url,
        "HELPLINE_EXTRA_TASK_MODULES": json.dumps([module]),
        "HELPLINE_JOB_CONCURRENCY": "2",
        "HELPLINE_JOB_LEASE": "1",
        "HELPLINE_JOB_POLL_INTERVAL": "0.1",
        "HELPLINE_LOG_LEVEL": "INFO",
    }


@contextmanager
def log_file(path: Path) -> Iterator[IO[bytes]]:
    with path.open("ab") as handle:
        yield handle


@asynccontextmanager
async def worker_process(env: dict[str, str], log_path: Path) -> AsyncIterator[Process]:
    with log_file(log_path) as log:
        process = await anyio.open_process(
            [sys.executable, "-m", "helpline", "worker"],
            env=env,
            cwd=log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def statuses(runtime: Runtime) -> dict[uuid.UUID, JobStatus]:
    async with unit_of_work(runtime.sessionmaker) as session:
        return {row.id: row.status for row in await session.execute(select(Job.id, Job.status))}


async def test_killed_worker_loses_no_job(runtime: Runtime, tmp_path: Path) -> None:
    marker = tmp_path / "finished.txt"
    keys = [f"slow-{n}" for n in range(3)] + [f"quick-{n}" for n in range(3)]
    async with unit_of_work(runtime.sessionmaker) as session:
        for key in keys:
            # The slow jobs come first (earliest run_at), so the first claims take them.
            sleep_s = 1.0 if key.startswith("slow") else 0
            args = RecordArgs(key=key, sleep_s=sleep_s, marker_file=str(marker))
            queue.enqueue(session, "tests.record_run", args)
        email = await mail.queue_email(session, to="ada@example.test", subject="Hi", body="Hello")
    env = worker_env(runtime, tmp_path / "data")
    log_path = tmp_path / "workers.log"

    async def some_running() -> bool:
        return await jobs_with_status(runtime, JobStatus.running) > 0

    async with worker_process(env, log_path) as first:
        await eventually(some_running, timeout_s=30, what=f"a claim; see {log_path}")
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL

    before = await statuses(runtime)
    interrupted = {job_id for job_id, status in before.items() if status == JobStatus.running}
    assert interrupted  # the kill really left claimed, unfinished jobs behind
    assert len(before) == len(keys) + 1

    async def all_succeeded() -> bool:
        return set((await statuses(runtime)).values()) == {JobStatus.succeeded}

    async with worker_process(env, log_path) as second:
        await eventually(all_succeeded, timeout_s=30, what=f"every job done; see {log_path}")
        second.send_signal(signal.SIGTERM)
        with anyio.fail_after(15):
            assert await second.wait() == 0, log_path.read_text()

    # At least once: every job finished; a run cut short may have finished twice.
    assert set(marker.read_text().split()) == set(keys)
    # Exactly once for database effects: a killed run's transaction never committed.
    assert Counter(await effects(runtime)) == Counter(keys)
    async with unit_of_work(runtime.sessionmaker) as session:
        attempts = {r.id: r.attempts for r in await session.execute(select(Job.id, Job.attempts))}
        delivered = await session.get(OutboxEmail, email.id)
    assert all(attempts[job_id] == 2 for job_id in interrupted)  # the lost run counted
    assert delivered is not None
    assert delivered.status == EmailStatus.logged
