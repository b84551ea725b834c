"""Email delivery: SMTP when configured, otherwise the log (the outbox keeps every email)."""

import structlog
from anyio import to_thread

from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs.registry import JobContext, job
from helpline.mail import smtp
from helpline.mail.models import EmailStatus, OutboxEmail
from helpline.mail.service import SEND_EMAIL_JOB, SendEmailArgs
from helpline.settings import Environment

log = structlog.get_logger(__name__)

_DELIVERED = frozenset({EmailStatus.sent, EmailStatus.logged})


# Ten attempts spread over 20 to 40 minutes ride out an SMTP relay restart or a short outage.
@job(SEND_EMAIL_JOB, max_attempts=10, timeout_s=120, backoff_base_s=5, backoff_max_s=900)
async def send_email(ctx: JobContext, args: SendEmailArgs) -> None:
    # Read in a short transaction of its own, leaving ctx.session untouched until the final
    # write: no transaction (on SQLite, the database's write lock) stays open during the send.
    async with unit_of_work(ctx.runtime.sessionmaker) as read:
        email = await read.get(OutboxEmail, args.email_id)
    if email is None:
        log.info("email_missing", email_id=str(args.email_id))
        return
    if email.status in _DELIVERED:
        log.info("email_already_delivered", email_id=str(email.id), status=email.status.value)
        return
    settings = ctx.runtime.settings
    if settings.smtp_host:
        try:
            await to_thread.run_sync(smtp.send, settings, smtp.build_message(settings, email))
        except Exception as exc:  # re-raised: the job retries; the outbox only shows the end
            if ctx.is_last_attempt:
                await _mark_failed(ctx, email, exc)
            raise
        status = EmailStatus.sent
    else:
        _log_email(ctx, email)
        status = EmailStatus.logged
    delivered = await ctx.session.get(OutboxEmail, email.id)
    if delivered is not None:
        delivered.status = status
        delivered.sent_at = utc_now()
        delivered.error = None


def _log_email(ctx: JobContext, email: OutboxEmail) -> None:
    if ctx.runtime.settings.environment == Environment.production:
        log.warning("smtp_not_configured", detail="Emails, with their links, go to the log.")
    # The body is how a developer without SMTP reads invitation and password-reset links.
    log.info(
        "email_logged",
        email_id=str(email.id),
        to=email.to_address,
        subject=email.subject,
        body=email.body_text,
    )


async def _mark_failed(ctx: JobContext, email: OutboxEmail, exc: Exception) -> None:
    # Its own unit of work: the job's is rolled back by the exception being re-raised.
    async with unit_of_work(ctx.runtime.sessionmaker) as session:
        failed = await session.get(OutboxEmail, email.id)
        if failed is not None:
            failed.status = EmailStatus.failed
            failed.error = f"{type(exc).__name__}: {exc}"[:2000]
