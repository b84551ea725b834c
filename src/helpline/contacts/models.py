"""Contacts: the workspace's end customers, from anonymous visitors to identified people."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped
from helpline.core.time import utc_now


class Contact(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        # The workspace's own id for this customer (from `identify`): one contact per id.
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_contacts_workspace_id_email", "workspace_id", "email"),
    )

    name: Mapped[str | None] = mapped_column(String(200))
    # Stored lower-cased.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(200))
    # Custom attributes set by the workspace (plan, company, ...): flat JSON values.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the widget reports: browser, language, current page, referrer, time zone.
    browser: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
