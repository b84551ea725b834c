"""Readiness checks, and the figures /metrics reads at scrape time.

Both are cheap enough to run every few seconds: the database answers one trivial query and
two ranges of the jobs' (status, run_at) index, Redis one PING, the hub a counter it keeps.
Each check has a deadline, so a hung dependency makes the probe say so instead of hanging it.
"""

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from typing_extensions import override

from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import JobStatus
from helpline.operations.schemas import Check, JobsCheck, Readiness, ReadinessChecks
from helpline.realtime.hub import Hub

log = structlog.get_logger(__name__)

# A database that has not answered within this long cannot serve requests either.
CHECK_TIMEOUT_S: Final = 3.0
SOCKET_KINDS: Final = ("agent", "widget")


@dataclass(frozen=True, slots=True)
class _DatabaseState:
    latency_ms: float
    jobs: dict[JobStatus, int]
    backlog: queue.Backlog


async def _database(runtime: Runtime) -> _DatabaseState:
    started = time.perf_counter()
    async with asyncio.timeout(CHECK_TIMEOUT_S), unit_of_work(runtime.sessionmaker) as session:
        await session.execute(text("SELECT 1"))
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        jobs = await queue.count_by_status(session)
        backlog = await queue.backlog(session, now=utc_now())
    return _DatabaseState(latency_ms, jobs, backlog)


async def _redis_up(runtime: Runtime) -> bool | None:
    """None without Redis; the broker pings the Redis that rate limits share too."""
    if not runtime.settings.redis_url:
        return None
    return await runtime.broker.healthy()


async def readiness(runtime: Runtime) -> Readiness:
    state: _DatabaseState | None = None
    try:
        state = await _database(runtime)
    except Exception as error:  # boundary: whatever the failure, the answer is "down"
        log.warning("ready_database_failed", error=repr(error))
        database = Check(status="down", detail=type(error).__name__)
        jobs = JobsCheck(status="down", detail="The database is unreachable.")
    else:
        database = Check(status="ok", latency_ms=state.latency_ms)
        jobs = _jobs_check(runtime, state.backlog)
    redis = _redis_check(await _redis_up(runtime))
    checks = ReadinessChecks(database=database, redis=redis, jobs=jobs)
    if state is None:
        return Readiness(status="down", checks=checks)
    degraded = redis.status == "down" or jobs.status != "ok"
    return Readiness(status="degraded" if degraded else "ok", checks=checks)


def _jobs_check(runtime: Runtime, backlog: queue.Backlog) -> JobsCheck:
    age_s = 0.0
    if backlog.oldest_due_at is not None:
        age_s = max(0.0, (utc_now() - backlog.oldest_due_at).total_seconds())
    late = age_s > runtime.settings.ready_max_job_delay.total_seconds()
    return JobsCheck(
        status="degraded" if late else "ok",
        detail="Due jobs are waiting: are the workers running?" if late else None,
        due=backlog.due,
        oldest_due_age_s=round(age_s, 3),
    )


def _redis_check(up: bool | None) -> Check:
    if up is None:
        return Check(status="disabled")
    if up:
        return Check(status="ok")
    # REST works without Redis; sockets resync once it is back (RELIABILITY, Delivery 7).
    return Check(status="down", detail="Redis is unreachable.")


# --- /metrics ------------------------------------------------------------------------


class _Snapshot(Collector):
    """Figures read once, before rendering: collect() cannot wait for the database."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    @override
    def collect(self) -> Iterable[Metric]:
        return self._families


async def scrape(runtime: Runtime, hub: Hub) -> bytes:
    """The Prometheus text: this process's counters and histograms, then gauges of the
    moment (sockets, jobs, dependencies)."""
    families: list[Metric] = []
    sockets = GaugeMetricFamily(
        "helpline_open_sockets", "WebSockets open on this process, by kind.", labels=["kind"]
    )
    counts = hub.count_by_kind()
    for kind in sorted({*SOCKET_KINDS, *counts}):
        sockets.add_metric([kind], counts.get(kind, 0))
    families.append(sockets)
    up = GaugeMetricFamily(
        "helpline_dependency_up",
        "Whether a dependency answered this scrape (1) or not (0).",
        labels=["dependency"],
    )
    try:
        state = await _database(runtime)
    except Exception as error:  # boundary: the scrape still reports what it can
        log.warning("metrics_database_failed", error=repr(error))
        up.add_metric(["database"], 0)
    else:
        up.add_metric(["database"], 1)
        families.extend(_job_families(state))
    redis_up = await _redis_up(runtime)
    if redis_up is not None:
        up.add_metric(["redis"], int(redis_up))
    families.append(up)
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(families))
    return generate_latest(REGISTRY) + generate_latest(snapshot)


def _job_families(state: _DatabaseState) -> list[Metric]:
    jobs = GaugeMetricFamily(
        "helpline_jobs",
        "Jobs in the queue by state (succeeded ones are counted by helpline_jobs_finished).",
        labels=["state"],
    )
    for status, n in sorted(state.jobs.items()):
        jobs.add_metric([status.value], n)
    depth = GaugeMetricFamily(
        "helpline_job_queue_depth", "Queued jobs whose time has come, not yet claimed."
    )
    depth.add_metric([], state.backlog.due)
    age = GaugeMetricFamily(
        "helpline_job_oldest_due_age_seconds",
        "How long the longest-waiting due job has waited (0 when none is due).",
    )
    oldest = state.backlog.oldest_due_at
    age.add_metric([], max(0.0, (utc_now() - oldest).total_seconds()) if oldest else 0.0)
    return [jobs, depth, age]
