"""Conversations, their messages, labels, read cursors, and the per-workspace numbering."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped
from helpline.core.time import utc_now


class Channel(StrEnum):
    widget = "widget"
    email = "email"
    api = "api"
    whatsapp = "whatsapp"
    sms = "sms"


class Status(StrEnum):
    open = "open"
    pending = "pending"
    snoozed = "snoozed"
    resolved = "resolved"


class Owner(StrEnum):
    """Who is answering, kept apart from the status: the bot, a person, or nobody yet."""

    bot = "bot"
    human = "human"
    nobody = "nobody"


class Priority(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class SenderKind(StrEnum):
    contact = "contact"
    agent = "agent"
    bot = "bot"
    system = "system"


class SystemEvent(StrEnum):
    """What a system message records (Message.event). Clients render the timeline from the
    event and its data; the body of a system message is empty."""

    assigned = "assigned"
    unassigned = "unassigned"
    # The bot took a new conversation, and handed one to a person.
    bot_started = "bot_started"
    handed_off = "handed_off"
    team_changed = "team_changed"
    reopened = "reopened"
    pending = "pending"
    snoozed = "snoozed"
    resolved = "resolved"
    priority_changed = "priority_changed"
    labels_changed = "labels_changed"
    merged_into = "merged_into"
    merged_from = "merged_from"


# The system messages a visitor sees in their timeline (docs/widget-api.md); the others
# (assignment details, teams, labels, priority, snoozes, merges) are internal.
VISITOR_SYSTEM_EVENTS: Final = frozenset(
    {SystemEvent.assigned, SystemEvent.handed_off, SystemEvent.reopened, SystemEvent.resolved}
)


class ConversationCounter(Base):
    """The last display number (#1042) given in a workspace; its row is the lock that keeps
    numbers gap-free and unique under concurrent creation."""

    __tablename__ = "conversation_counters"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(default=0)


class Conversation(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_conversations_inbox", "workspace_id", "status", "last_activity_at"),
        Index("ix_conversations_assignee", "workspace_id", "assignee_id", "status"),
    )

    number: Mapped[int]
    # Shown to visitors and in links instead of the internal id.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(default=Channel.widget)
    status: Mapped[Status] = mapped_column(default=Status.open)
    owner: Mapped[Owner] = mapped_column(default=Owner.nobody)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    priority: Mapped[Priority] = mapped_column(default=Priority.none)
    subject: Mapped[str] = mapped_column(String(300), default="")
    # The seq of the newest message; the next message gets last_seq + 1 under a row lock.
    last_seq: Mapped[int] = mapped_column(default=0)
    first_response_at: Mapped[datetime | None]
    # Since when the contact has been waiting for an answer (None: nobody is waiting).
    waiting_since: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utc_now)
    resolved_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    # The contact's rating once resolved (service/csat.py): 1 to 5, an optional comment, and
    # when they first rated (a change within a week keeps that time).
    csat_rating: Mapped[int | None]
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_rated_at: Mapped[datetime | None]


class ConversationLabel(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "conversation_labels"
    __table_args__ = (
        UniqueConstraint("conversation_id", "label"),
        Index("ix_conversation_labels_workspace_id_label", "workspace_id", "label"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(50))


class Message(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # Idempotent sending: a retried send with the same client id finds the first message.
        UniqueConstraint("conversation_id", "client_message_id"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    seq: Mapped[int]
    sender_kind: Mapped[SenderKind]
    sender_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    sender_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    # A private note: agents see it, the contact never does.
    private: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    # For system messages: what happened (assigned, resolved, ...) and its details.
    event: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ReadCursor(IdMixin, WorkspaceScoped, Base):
    """How far a member, or the contact, has read a conversation."""

    __tablename__ = "read_cursors"
    __table_args__ = (
        UniqueConstraint("conversation_id", "member_id"),
        UniqueConstraint("conversation_id", "contact_id"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE")
    )
    last_read_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class Attachment(WorkspaceScoped, Base):
    """A file sent in a conversation. Uploaded first (message_id None), then attached to the
    message that carries it. Its id is random (uuid4), never guessable from another's."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    uploader_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    uploader_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Where the storage backend keeps the bytes; never shown to clients.
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
