"""What the probes answer."""

from typing import Literal

from helpline.core.schemas import Schema

CheckStatus = Literal["ok", "degraded", "down", "disabled"]


class Health(Schema):
    status: Literal["ok", "degraded"]
    version: str


class Check(Schema):
    status: CheckStatus
    # Why it is not ok, in a few words (an exception's type, never its text: the probe is
    # public and a driver's message can hold a host name).
    detail: str | None = None
    latency_ms: float | None = None


class JobsCheck(Check):
    # Queued jobs whose time has come, and how long the oldest of them has waited.
    due: int | None = None
    oldest_due_age_s: float | None = None


class ReadinessChecks(Schema):
    database: Check
    # "disabled" without HELPLINE_REDIS_URL.
    redis: Check
    jobs: JobsCheck


class Readiness(Schema):
    """ok: everything works. degraded: the service works with less (Redis is down: REST
    works, sockets catch up from the database; or jobs are late). down: it cannot serve (the
    database is unreachable), and the answer is 503."""

    status: Literal["ok", "degraded", "down"]
    checks: ReadinessChecks
