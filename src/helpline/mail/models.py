"""The outbox: every email Helpline sends is kept here, sent or not.

Without SMTP configured, an email is written to the log and stays in the outbox with status
`logged`, so a developer can read invitation and reset links (`helpline outbox`).
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin
from helpline.core.time import utc_now


class EmailStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    # No SMTP server configured: written to the log instead.
    logged = "logged"
    failed = "failed"


class OutboxEmail(IdMixin, Base):
    __tablename__ = "outbox_emails"

    workspace_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(default=EmailStatus.queued)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None]
