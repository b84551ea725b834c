"""What this process counts for `/metrics` (Prometheus), and the calls that feed it.

Code outside this module counts through the functions below, never through prometheus_client,
so domains stay free of the exporter. Every figure is per process: each `helpline serve`
exposes its own, and Prometheus adds them up across nodes (sum by route, and so on). Gauges
that describe shared state (open sockets, jobs by state) are read at scrape time by
`helpline.operations`, not kept here.

Labels never hold a raw path or an id, only route templates and small fixed sets, so that the
number of series stays bounded whatever clients send.
"""

from collections import Counter as Tally
from typing import Final

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.unit_of_work import after_commit

# The route label of a request that matched no route (a 404 for an unknown path).
UNMATCHED_ROUTE: Final = "<unmatched>"

HTTP_REQUESTS: Final = Counter(
    "helpline_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY: Final = Histogram(
    "helpline_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
MESSAGES_CREATED: Final = Counter(
    "helpline_messages_created",
    "Messages committed to a conversation, by sender kind (contact, agent, bot, system).",
    ["sender_kind"],
)
JOBS_FINISHED: Final = Counter(
    "helpline_jobs_finished",
    "Job runs this process finished, by outcome (succeeded, retry, dead).",
    ["outcome"],
)
BOT_ANSWERS: Final = Counter("helpline_bot_answers", "Answers the AI bot sent to visitors.")
BOT_HANDOFFS: Final = Counter(
    "helpline_bot_handoffs", "Conversations the AI bot handed over to a person."
)

_PENDING_MESSAGES_KEY: Final = "helpline.metrics.messages"

# Fixed label sets start at zero, so a rate() over them works from the first scrape.
for _outcome in ("succeeded", "retry", "dead"):
    JOBS_FINISHED.labels(_outcome)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def message_created(session: AsyncSession, sender_kind: str) -> None:
    """Count a message appended in `session`'s transaction, once the transaction commits (a
    rolled-back message was never created)."""
    pending: Tally[str] | None = session.info.get(_PENDING_MESSAGES_KEY)
    if pending is None:
        pending = session.info[_PENDING_MESSAGES_KEY] = Tally()

        async def count() -> None:
            for kind, n in session.info.pop(_PENDING_MESSAGES_KEY, Tally()).items():
                MESSAGES_CREATED.labels(kind).inc(n)

        after_commit(session, count)
    pending[sender_kind] += 1


def job_finished(outcome: str) -> None:
    JOBS_FINISHED.labels(outcome).inc()


def bot_answered() -> None:
    BOT_ANSWERS.inc()


def bot_handed_off() -> None:
    BOT_HANDOFFS.inc()
