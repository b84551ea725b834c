"""Workspaces (the tenant), their website domains, members, teams and invitations."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped


class WorkspaceStatus(StrEnum):
    active = "active"
    suspended = "suspended"


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    supervisor = "supervisor"
    agent = "agent"


class Availability(StrEnum):
    online = "online"
    busy = "busy"
    away = "away"
    offline = "offline"


class Workspace(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[WorkspaceStatus] = mapped_column(default=WorkspaceStatus.active)
    # The widget's public key: safe to publish on a website, grants nothing but a visitor session.
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Free-form workspace preferences (time zone, locale, ...), validated by WorkspaceSettings.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Signs identified visitors: a website proves "this visitor is customer X" with
    # HMAC-SHA256(X, identity_secret), computed on its server. Never sent to browsers.
    identity_secret: Mapped[str] = mapped_column(String(64), default="")


class WorkspaceDomain(IdMixin, WorkspaceScoped, Base):
    """A website domain a workspace's widget runs on; one domain belongs to one workspace."""

    __tablename__ = "workspace_domains"

    domain: Mapped[str] = mapped_column(String(253), unique=True)


class Membership(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role]
    availability: Mapped[Availability] = mapped_column(default=Availability.offline)
    # Most conversations this member works on at once; assignment skips members at capacity.
    capacity: Mapped[int] = mapped_column(default=10)
    # Round-robin: automatic assignment picks the eligible member assigned longest ago.
    last_assigned_at: Mapped[datetime | None]
    # When one of the member's sockets was last known alive; the presence watchdog sets
    # members offline whose sockets have been gone past the grace period.
    presence_seen_at: Mapped[datetime | None]


class Team(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")


class TeamMember(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "membership_id"),)

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    membership_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )


class Invitation(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "invitations"

    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
