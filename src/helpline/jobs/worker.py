"""The job worker: claims due jobs, runs each in its own unit of work, retries, dead-letters.

Delivery is at least once. A claimed job carries a lease that a heartbeat renews while it runs;
if the worker dies (killed, crashed, host lost) the lease runs out and any worker claims the job
again, counting the lost run as an attempt. A job's success is marked in the same transaction
as its handler's writes, so its database effects commit exactly when the job is recorded done.
"""

import asyncio
import os
import secrets
import socket
from typing import Final

import anyio
import structlog
from anyio.abc import TaskGroup
from pydantic import BaseModel, ValidationError

from helpline.core import metrics
from helpline.core.context import Origin, set_origin
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue, registry
from helpline.jobs.queue import ClaimedJob
from helpline.jobs.registry import JobContext, JobSpec

log = structlog.get_logger(__name__)

_WORKER_LABEL_MAX_CHARS: Final = 80


class JobTimeoutError(TimeoutError):
    pass


class _LeaseLostError(Exception):
    """Another worker took the job over; this run's effects must not commit."""


class Worker:
    def __init__(self, runtime: Runtime, *, worker_id: str | None = None) -> None:
        self._runtime = runtime
        self._settings = runtime.settings
        # A unique suffix even when a label is given: two processes sharing an id could each
        # believe they hold the other's jobs.
        label = (worker_id or socket.gethostname())[:_WORKER_LABEL_MAX_CHARS]
        self.worker_id = f"{label}:{os.getpid()}:{secrets.token_hex(3)}"
        registry.load_task_modules(self._settings.extra_task_modules)
        self._stop_requested = False
        self._active = 0
        self._wakeup: anyio.Event | None = None
        self._finished: anyio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def request_stop(self) -> None:
        """Stop claiming; `run()` returns once the running jobs finish. Safe in a signal handler."""
        self._stop_requested = True
        self.wake()

    def wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def start(self) -> None:
        """Run `run()` in the background of the running event loop (the web app's lifespan,
        where a task group cannot span the `yield`); `stop()` ends it."""
        self._task = asyncio.create_task(self.run(), name=f"job-worker {self.worker_id}")
        self._task.add_done_callback(_log_crash)

    async def stop(self) -> None:
        """Request a stop and wait until `run()` has returned."""
        self.request_stop()
        if self._task is not None:
            await self._task
        elif self._finished is not None:
            await self._finished.wait()

    async def run(self) -> None:
        self._finished = anyio.Event()
        queue.add_wake_listener(self.wake)
        log.info(
            "worker_started",
            worker_id=self.worker_id,
            concurrency=self._settings.job_concurrency,
        )
        try:
            async with anyio.create_task_group() as tasks:
                while not self._stop_requested:
                    # A fresh event before claiming, so a wake-up during the claim is not lost.
                    self._wakeup = anyio.Event()
                    await self._claim_into(tasks)
                    with anyio.move_on_after(self._settings.job_poll_interval.total_seconds()):
                        await self._wakeup.wait()
        finally:
            queue.remove_wake_listener(self.wake)
            self._finished.set()
        log.info("worker_stopped", worker_id=self.worker_id)

    async def run_until_idle(self, max_jobs: int = 1000) -> int:
        """Run the jobs due now, one at a time, until none is left; return how many ran."""
        ran = 0
        while ran < max_jobs:
            claimed = await self._claim(1)
            if not claimed:
                break
            # A child task, so the job's logging and origin context stay out of the caller's.
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._process, claimed[0])
            ran += 1
        return ran

    async def _claim_into(self, tasks: TaskGroup) -> None:
        free = self._settings.job_concurrency - self._active
        if free <= 0:
            return
        try:
            claimed = await self._claim(free)
        except Exception:  # boundary: the database may be down for a moment; the next poll retries
            log.exception("job_claim_failed", worker_id=self.worker_id)
            return
        for job in claimed:
            self._active += 1
            tasks.start_soon(self._process_in_slot, job)

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        async with unit_of_work(self._runtime.sessionmaker) as session:
            return await queue.claim(
                session, worker_id=self.worker_id, limit=limit, lease=self._settings.job_lease
            )

    async def _process_in_slot(self, job: ClaimedJob) -> None:
        try:
            await self._process(job)
        except Exception:  # boundary: a bug here must not stop the other jobs; the lease expires
            log.exception("job_processing_failed", job_id=str(job.id), job_name=job.name)
        finally:
            self._active -= 1
            self.wake()

    async def _process(self, job: ClaimedJob) -> None:
        context = {
            "job_id": str(job.id),
            "job_name": job.name,
            "workspace_id": str(job.workspace_id) if job.workspace_id else None,
            "attempt": job.attempts,
        }
        # A job about one conversation names it in every line it logs, as a request does.
        if isinstance(conversation_id := job.args.get("conversation_id"), str):
            context["conversation_id"] = conversation_id
        set_origin(Origin(request_id=f"job:{job.id}", ip="worker", user_agent=self.worker_id))
        with structlog.contextvars.bound_contextvars(**context):
            jlog = log.bind(**context)
            prepared = _prepare(job)
            if isinstance(prepared, str):
                await self._record_failure(job, None, prepared, jlog)
                return
            spec, args = prepared
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._heartbeat, job, jlog)
                error = await self._execute(job, spec, args, jlog)
                tasks.cancel_scope.cancel()
            if error is not None:
                await self._record_failure(job, spec, error, jlog)

    async def _execute(
        self,
        job: ClaimedJob,
        spec: JobSpec,
        args: BaseModel,
        jlog: structlog.typing.FilteringBoundLogger,
    ) -> Exception | None:
        """Run the handler and mark success in one unit of work; return what it raised."""
        try:
            async with unit_of_work(self._runtime.sessionmaker) as session:
                ctx = JobContext(
                    session=session,
                    runtime=self._runtime,
                    job_id=job.id,
                    name=job.name,
                    workspace_id=job.workspace_id,
                    attempt=job.attempts,
                    max_attempts=job.max_attempts,
                )
                with anyio.move_on_after(spec.timeout_s) as deadline:
                    await spec.handler(ctx, args)
                if deadline.cancelled_caught:
                    raise JobTimeoutError(f"The job did not finish within {spec.timeout_s:g} s.")
                if not await queue.mark_succeeded(session, job, worker_id=self.worker_id):
                    raise _LeaseLostError
        except _LeaseLostError:
            jlog.warning("job_lease_lost", detail="Another worker took this job over; rolled back.")
            return None
        except Exception as exc:  # boundary: any failure of a handler is recorded and retried
            return exc
        jlog.info("job_succeeded")
        metrics.job_finished("succeeded")
        return None

    async def _heartbeat(
        self, job: ClaimedJob, jlog: structlog.typing.FilteringBoundLogger
    ) -> None:
        lease = self._settings.job_lease
        while True:
            await anyio.sleep(lease.total_seconds() / 3)
            try:
                async with unit_of_work(self._runtime.sessionmaker) as session:
                    held = await queue.renew_lease(
                        session, job, worker_id=self.worker_id, lease=lease
                    )
            except Exception:  # boundary: a missed beat is retried; the lease has slack for two
                jlog.warning("job_heartbeat_failed", exc_info=True)
                continue
            if not held:
                jlog.warning("job_lease_lost", detail="The lease expired before the heartbeat.")
                return

    async def _record_failure(
        self,
        job: ClaimedJob,
        spec: JobSpec | None,
        error: Exception | str,
        jlog: structlog.typing.FilteringBoundLogger,
    ) -> None:
        retry_at = None
        if spec is not None and job.attempts < job.max_attempts:
            retry_at = utc_now() + spec.backoff(job.attempts)
        message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        exc_info = error if isinstance(error, Exception) else False
        try:
            async with unit_of_work(self._runtime.sessionmaker) as session:
                held = await queue.record_failure(
                    session, job, worker_id=self.worker_id, error=message, retry_at=retry_at
                )
        except Exception:  # boundary: the lease will expire and the job will be claimed again
            jlog.exception("job_failure_not_recorded", error=message)
            return
        if not held:
            jlog.warning("job_lease_lost", detail="Failed after another worker took it over.")
        elif retry_at is not None:
            metrics.job_finished("retry")
            jlog.warning(
                "job_failed_will_retry",
                error=message,
                retry_at=retry_at.isoformat(),
                exc_info=exc_info,
            )
        else:
            metrics.job_finished("dead")
            jlog.error("job_dead", error=message, exc_info=exc_info)


def _prepare(job: ClaimedJob) -> tuple[JobSpec, BaseModel] | str:
    """The job's spec and parsed arguments, or why it cannot run at all (so it is not retried)."""
    spec = registry.find_job(job.name)
    if spec is None:
        return f"UnknownJob: no handler is registered for {job.name!r} (was its code removed?)."
    if job.attempts > job.max_attempts:
        return f"{queue.LEASE_EXPIRED_ERROR} That was the last of {job.max_attempts} attempts."
    try:
        return spec, spec.args_model.model_validate(job.args)
    except ValidationError as exc:
        return f"InvalidArguments: {exc}"


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("worker_crashed", exc_info=error)
