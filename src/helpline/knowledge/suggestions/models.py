"""A suggested FAQ entry, mined from a resolved conversation."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped


class SuggestionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    dismissed = "dismissed"


class FaqSuggestion(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "faq_suggestions"
    # One suggestion per conversation, however often it is resolved.
    __table_args__ = (UniqueConstraint("workspace_id", "conversation_id"),)

    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    # What the contact asked and what the agent answered, as they wrote them.
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[SuggestionStatus] = mapped_column(default=SuggestionStatus.pending)
    # The entry an approval created (None while pending, when dismissed, or once deleted).
    faq_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
