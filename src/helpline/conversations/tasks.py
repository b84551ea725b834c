"""Conversation jobs: waking snoozed conversations, draining the assignment queue, and the
presence watchdog."""

import structlog

from helpline.conversations import service as conversations
from helpline.jobs.registry import JobContext, job

log = structlog.get_logger(__name__)


@job(conversations.WAKE_SNOOZED_JOB, max_attempts=10, backoff_base_s=5, backoff_max_s=600)
async def wake_snoozed(ctx: JobContext, args: conversations.WakeSnoozedArgs) -> None:
    woke = await conversations.wake_snoozed(ctx.session, args)
    # Not waking is an expected outcome: snoozed again, reopened, or deleted since.
    log.info("conversation_wake_checked", conversation_id=str(args.conversation_id), woke=woke)


@job(conversations.DRAIN_BACKLOG_JOB, max_attempts=10, backoff_base_s=2, backoff_max_s=300)
async def drain_backlog(ctx: JobContext, args: conversations.DrainBacklogArgs) -> None:
    routed = await conversations.drain_backlog(ctx.session, args.workspace_id)
    log.info("assignment_queue_drained", workspace_id=str(args.workspace_id), routed=routed)


# Many attempts: while it fails nobody is watched (a connect or heartbeat after it dies
# starts a new watch).
@job(conversations.CHECK_PRESENCE_JOB, max_attempts=20, backoff_base_s=5, backoff_max_s=60)
async def check_presence(ctx: JobContext, args: conversations.CheckPresenceArgs) -> None:
    outcome = await conversations.check_presence(
        ctx.session, args, grace=ctx.runtime.settings.presence_grace
    )
    log.info("presence_checked", membership_id=str(args.membership_id), outcome=outcome.value)
