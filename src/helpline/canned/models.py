"""Canned responses: saved replies that agents insert in the composer by typing /shortcut."""

import uuid

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped


class CannedResponse(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "shortcut"),)

    # What the agent types after "/": lowercase a-z, digits, "-" and "_" (service.SHORTCUT).
    shortcut: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    # Plain text inserted into the composer as it is; nothing in it is ever rendered live.
    body: Mapped[str] = mapped_column(Text)
    # The member who wrote it; None when an API key or the system did, or the member left.
    created_by_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
