"""The one real-time job: publishing events that their node could not deliver itself."""

from typing import Final

from pydantic import BaseModel

from helpline.jobs.registry import JobContext, job

REPUBLISH_JOB: Final = "realtime.republish"


class RepublishArgs(BaseModel):
    # (broker channel, encoded envelope), as publish_on_commit queued them.
    messages: list[tuple[str, str]]


class BrokerUnavailable(Exception):
    """The broker did not confirm; the job is retried with backoff."""


# Many attempts, short backoff: clients wait on these events; the broker is usually back
# within seconds.
@job(REPUBLISH_JOB, max_attempts=50, backoff_base_s=1, backoff_max_s=60)
async def republish(ctx: JobContext, args: RepublishArgs) -> None:
    if not await ctx.runtime.broker.publish_confirmed(args.messages):
        raise BrokerUnavailable("The broker did not confirm the events; retrying.")
