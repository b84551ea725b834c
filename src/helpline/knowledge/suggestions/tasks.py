"""The job `knowledge.suggest_faq` (service.py), asked for when a conversation is resolved."""

from helpline.jobs.registry import JobContext, job
from helpline.knowledge.suggestions import service
from helpline.knowledge.suggestions.jobs import SUGGEST_FAQ_JOB, SuggestFaqArgs


@job(SUGGEST_FAQ_JOB, max_attempts=3, timeout_s=120, backoff_base_s=10)
async def suggest_faq(ctx: JobContext, args: SuggestFaqArgs) -> None:
    await service.suggest_from_conversation(ctx.session, ctx.runtime.settings, args)
