"""Outgoing email: written to the outbox in the caller's transaction, delivered by a job."""

import uuid

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.ids import new_id
from helpline.core.time import utc_now
from helpline.jobs import queue
from helpline.mail.models import EmailStatus, OutboxEmail

SEND_EMAIL_JOB = "mail.send_email"


class SendEmailArgs(BaseModel):
    email_id: uuid.UUID


async def queue_email(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body: str,
    workspace_id: uuid.UUID | None = None,
) -> OutboxEmail:
    """Keep the email in the outbox and enqueue its delivery; both vanish on rollback."""
    # A line break in a header would let text inject headers; it is a bug in the caller.
    if any(char in value for value in (to, subject) for char in "\r\n"):
        raise ValueError("An email address or subject must not contain line breaks.")
    email = OutboxEmail(
        id=new_id(),
        workspace_id=workspace_id,
        to_address=to,
        subject=subject,
        body_text=body,
        status=EmailStatus.queued,
        created_at=utc_now(),
    )
    session.add(email)
    queue.enqueue(
        session, SEND_EMAIL_JOB, SendEmailArgs(email_id=email.id), workspace_id=workspace_id
    )
    return email


async def list_outbox(session: AsyncSession, *, limit: int = 20) -> list[OutboxEmail]:
    """The most recent emails of every workspace, newest first (an operator's view)."""
    statement = (
        select(OutboxEmail)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())
