"""Request and response shapes for conversations, their messages and read cursors."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from helpline.contacts.models import Contact
from helpline.conversations.models import (
    VISITOR_SYSTEM_EVENTS,
    Channel,
    Conversation,
    Message,
    Owner,
    Priority,
    SenderKind,
    Status,
)
from helpline.core.schemas import IDSchema, InputSchema, Schema, TimestampedSchema

MAX_BODY_CHARS = 10_000
MAX_MESSAGES_PAGE = 200
DEFAULT_MESSAGES_PAGE = 50
MAX_ATTACHMENTS_PER_MESSAGE = 10

_EXAMPLE_ID = "01900000-0000-7000-8000-000000000000"

# Bodies are stripped (InputSchema) before their length is checked, as the service does.
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS)]
Subject = Annotated[str, Field(max_length=300)]
ClientMessageId = Annotated[str, Field(min_length=1, max_length=64)]


class ContactSummary(IDSchema):
    name: str | None
    email: str | None


class CsatRead(Schema):
    """The contact's rating of a resolved conversation (docs/widget-api.md, Rating)."""

    rating: int
    comment: str | None
    # When the contact first rated; a change within a week keeps this time.
    rated_at: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> "CsatRead | None":
        if conversation.csat_rating is None or conversation.csat_rated_at is None:
            return None
        return cls(
            rating=conversation.csat_rating,
            comment=conversation.csat_comment,
            rated_at=conversation.csat_rated_at,
        )


class ConversationRead(TimestampedSchema):
    number: int
    public_id: str
    contact: ContactSummary
    channel: Channel
    status: Status
    owner: Owner
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None
    priority: Priority
    subject: str
    labels: list[str]
    # The seq of the newest message; a client holding every seq up to it is in sync.
    last_seq: int
    first_response_at: datetime | None
    waiting_since: datetime | None
    last_activity_at: datetime
    resolved_at: datetime | None
    snoozed_until: datetime | None
    merged_into_id: uuid.UUID | None
    updated_at: datetime
    # The contact's rating, once they rated the resolved conversation.
    csat: CsatRead | None

    @classmethod
    def build(
        cls, conversation: Conversation, contact: Contact, labels: Sequence[str]
    ) -> "ConversationRead":
        fields: dict[str, Any] = {
            name: getattr(conversation, name)
            for name in cls.model_fields
            if name not in {"contact", "labels", "csat"}
        }
        fields.update(
            contact=ContactSummary.model_validate(contact),
            labels=list(labels),
            csat=CsatRead.of(conversation),
        )
        return cls.model_validate(fields)


class ConversationCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contact_id": _EXAMPLE_ID,
                    "subject": "Your invoice",
                    "body": "Hello! Your invoice for March is attached to your account.",
                }
            ]
        }
    )

    contact_id: uuid.UUID
    subject: Subject = ""
    # The first message, written by the caller (an agent starting an outbound conversation).
    body: Body | None = None
    channel: Channel = Channel.api


class ConversationUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "resolved"}]})

    # Snoozing has its own endpoint, since it needs a time.
    status: Literal[Status.open, Status.pending, Status.resolved] | None = None
    priority: Priority | None = None
    subject: Subject | None = None


class AssignRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": _EXAMPLE_ID}]})

    # None unassigns.
    member_id: uuid.UUID | None


class TeamRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"team_id": _EXAMPLE_ID}]})

    # None takes the conversation out of any team.
    team_id: uuid.UUID | None


class LabelsRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"labels": ["billing", "vip"]}]})

    # Normalised and checked by the service (lowercase, 1-50 of [a-z0-9-_ ], at most 20);
    # the bounds here only cap the payload.
    labels: list[Annotated[str, Field(max_length=200)]] = Field(max_length=100)


class SnoozeRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"until": "2030-01-07T09:00:00Z"}]})

    until: AwareDatetime


class MergeRequest(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"into_conversation_id": _EXAMPLE_ID}]}
    )

    into_conversation_id: uuid.UUID


class ConversationDetail(ConversationRead):
    """One conversation, as `GET /conversations/{id}` shows it: with how far its contact has
    read (0: nothing yet), so a client opening it can say "Seen" at once."""

    contact_read_seq: int


class MessageCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "body": "Thanks, I have refunded the duplicate charge.",
                    "client_message_id": "9b2f6c1e-5d4a-4c1b-8f0e-2a7d3c9e1b40",
                    "attachment_ids": [],
                }
            ]
        }
    )

    # May be empty when the message carries attachments.
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS)] = ""
    # Chosen by the client and reused when it retries: the same id returns the same message.
    client_message_id: ClientMessageId | None = None
    # A note for colleagues; the contact never sees it.
    private: bool = False
    # Files uploaded by the sender to this conversation (POST .../attachments), not yet sent.
    attachment_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_ATTACHMENTS_PER_MESSAGE)
    # Members a private note mentions (member ids); each gets a `mention` event.
    mentions: list[uuid.UUID] = Field(default=[], max_length=20)


class AttachmentRead(TimestampedSchema):
    filename: str
    content_type: str
    size_bytes: int
    # Where to download the bytes, relative to the server (the caller's own download route).
    url: str


class MessageRead(IDSchema):
    conversation_id: uuid.UUID
    seq: int
    sender_kind: SenderKind
    sender_member_id: uuid.UUID | None
    sender_contact_id: uuid.UUID | None
    private: bool
    body: str
    # System messages: what happened (see docs/conversations.md) and its details.
    event: str | None
    data: dict[str, Any]
    client_message_id: str | None
    created_at: datetime
    attachments: list[AttachmentRead] = Field(default_factory=list)


class ConversationListItem(ConversationRead):
    """A conversation as a member's list shows it: its newest message someone wrote (notes
    included; None when there is none yet), and how many messages others wrote after your
    read position (None for API keys, which have none)."""

    last_message: MessageRead | None
    unread_count: int | None


class MessagePage(Schema):
    items: list[MessageRead]
    # More messages exist beyond this page in the direction being read.
    has_more: bool


class ReadRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"seq": 3}]})

    seq: int = Field(ge=0)


class ReadCursorRead(Schema):
    conversation_id: uuid.UUID
    last_read_seq: int


# --- The visitor's view (widget) ---------------------------------------------------------
# Narrower than the agents' shapes: no notes, member ids, API key names, teams, labels,
# priority, display numbers or system message details. REST and real-time events to visitors
# use exactly these (RELIABILITY.md, Isolation 3); messages are built by
# service.views.describe_visitor_messages. See docs/widget-api.md.


class VisitorConversationRead(IDSchema):
    public_id: str
    # Visitors see open or resolved: pending and snoozed are the workspace's own bookkeeping.
    status: Literal["open", "resolved"]
    subject: str
    # Whether a person of the workspace is on the conversation (never who).
    agent_assigned: bool
    # Merged into another conversation: this one is read-only now.
    merged: bool
    created_at: datetime
    last_activity_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, conversation: Conversation) -> "VisitorConversationRead":
        return cls(
            id=conversation.id,
            public_id=conversation.public_id,
            status="resolved" if conversation.status == Status.resolved else "open",
            subject=conversation.subject,
            agent_assigned=conversation.assignee_id is not None,
            merged=conversation.merged_into_id is not None,
            created_at=conversation.created_at,
            last_activity_at=conversation.last_activity_at,
            resolved_at=conversation.resolved_at,
        )


class CitationRead(Schema):
    """A source a bot answer cites, as the visitor sees it: its title, and the path of its page
    in the workspace's help centre (relative to Helpline's address; None for a FAQ entry)."""

    title: str
    path: str | None = None


class VisitorMessageRead(IDSchema):
    conversation_id: uuid.UUID
    # Seqs of what visitors see have gaps (notes and internal events are left out): resume
    # with after_seq = the last seq received.
    seq: int
    sender_kind: SenderKind
    body: str
    # System messages: one of VISITOR_SYSTEM_EVENTS, rendered by the widget in its own words.
    event: str | None
    # The visitor's own messages only: how the widget matches a sent message to its answer.
    client_message_id: str | None
    created_at: datetime
    # Urls point at the widget's download route (GET /api/v1/widget/attachments/{id}).
    attachments: list[AttachmentRead]
    # A bot answer's sources, numbered as in its text ([1] is the first).
    citations: list[CitationRead] = Field(default_factory=list)

    @staticmethod
    def visible(message: Message) -> bool:
        """Whether the conversation's contact sees `message` (the rule of
        repository.visible_to_contact, which applies it in SQL)."""
        if message.private:
            return False
        return message.sender_kind != SenderKind.system or message.event in {
            event.value for event in VISITOR_SYSTEM_EVENTS
        }

    @classmethod
    def of(cls, message: Message, attachments: Sequence[AttachmentRead]) -> "VisitorMessageRead":
        """The visitor's view of a message that visible() admits, carrying `attachments`.
        Build it through views.describe_visitor_messages, which checks visible() and finds
        the files."""
        own = message.sender_kind == SenderKind.contact
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            seq=message.seq,
            sender_kind=message.sender_kind,
            body=message.body,
            event=message.event,
            client_message_id=message.client_message_id if own else None,
            created_at=message.created_at,
            attachments=list(attachments),
            citations=_citations_of(message),
        )


def _citations_of(message: Message) -> list[CitationRead]:
    if message.sender_kind != SenderKind.bot:
        return []
    return [
        CitationRead(title=str(c.get("title", "")), path=c.get("path"))
        for c in message.data.get("citations", [])
    ]


class VisitorMessagePage(Schema):
    items: list[VisitorMessageRead]
    has_more: bool


class VisitorConversationCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"subject": "Delivery", "body": "Hello, where is my parcel?"}]
        }
    )

    subject: Subject = ""
    # The visitor's first message.
    body: Body | None = None


class VisitorMessageCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "body": "It was order 1042.",
                    "client_message_id": "5f1d0c2a-8b7e-4e3a-9c61-0d2f4b8a7e15",
                    "attachment_ids": [],
                }
            ]
        }
    )

    # May be empty when the message carries attachments.
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS)] = ""
    client_message_id: ClientMessageId | None = None
    # Files the visitor uploaded to this conversation (POST .../attachments), not yet sent.
    attachment_ids: list[uuid.UUID] = Field(default=[], max_length=MAX_ATTACHMENTS_PER_MESSAGE)


class VisitorConversationSummary(VisitorConversationRead):
    """A conversation in the visitor's list: with its newest message they can see, whether
    the team wrote since they last read it, and their rating."""

    last_message: VisitorMessageRead | None
    unread: bool
    csat: CsatRead | None


class CsatCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rating": 5, "comment": "Quick and kind, thank you."}]}
    )

    rating: int = Field(ge=1, le=5)
    comment: Annotated[str, Field(max_length=1000)] | None = None


class OfflineMessageCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "name": "Ada",
                    "body": "Can I change the delivery address of order 1042?",
                }
            ]
        }
    )

    # Where the team answers; checked like any contact email (422 InvalidContact).
    email: Annotated[str, Field(min_length=1, max_length=254)]
    name: Annotated[str, Field(max_length=200)] | None = None
    body: Body
