"""The audit log: who did what to which object, when, and from where."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, WorkspaceScoped
from helpline.core.time import utc_now


class AuditEvent(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_workspace_id_id", "workspace_id", "id"),)

    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # "member", "api_key", "staff" or "system" (CLI and jobs).
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None]
    # A readable name that survives the actor's deletion (an email, an API key's name).
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[uuid.UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
