"""The job table: one row per unit of background work, written in the caller's transaction."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin
from helpline.core.time import utc_now


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    # Failed on its last attempt; kept for a person to inspect and retry.
    dead = "dead"


class Job(IdMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)

    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The workspace the job works for, when it has one (for logs and per-workspace views).
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[JobStatus] = mapped_column(default=JobStatus.queued)
    run_at: Mapped[datetime] = mapped_column(default=utc_now)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    # Which worker holds the job (or last held it), and until when its claim lasts without a
    # heartbeat.
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
