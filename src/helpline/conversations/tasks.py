"""Conversation jobs: waking snoozed conversations."""

import structlog

from helpline.conversations import service as conversations
from helpline.jobs.registry import JobContext, job

log = structlog.get_logger(__name__)


@job(conversations.WAKE_SNOOZED_JOB, max_attempts=10, backoff_base_s=5, backoff_max_s=600)
async def wake_snoozed(ctx: JobContext, args: conversations.WakeSnoozedArgs) -> None:
    woke = await conversations.wake_snoozed(ctx.session, args)
    # Not waking is an expected outcome: snoozed again, reopened, or deleted since.
    log.info("conversation_wake_checked", conversation_id=str(args.conversation_id), woke=woke)
