"""Request and response shapes for conversations, their messages and read cursors."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from helpline.contacts.models import Contact
from helpline.conversations.models import (
    Channel,
    Conversation,
    Owner,
    Priority,
    SenderKind,
    Status,
)
from helpline.core.schemas import IDSchema, InputSchema, Schema, TimestampedSchema

MAX_BODY_CHARS = 10_000
MAX_MESSAGES_PAGE = 200
DEFAULT_MESSAGES_PAGE = 50

_EXAMPLE_ID = "01900000-0000-7000-8000-000000000000"

# Bodies are stripped (InputSchema) before their length is checked, as the service does.
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS)]
Subject = Annotated[str, Field(max_length=300)]
ClientMessageId = Annotated[str, Field(min_length=1, max_length=64)]


class ContactSummary(IDSchema):
    name: str | None
    email: str | None


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

    @classmethod
    def build(
        cls, conversation: Conversation, contact: Contact, labels: Sequence[str]
    ) -> "ConversationRead":
        fields: dict[str, Any] = {
            name: getattr(conversation, name)
            for name in cls.model_fields
            if name not in {"contact", "labels"}
        }
        fields.update(contact=ContactSummary.model_validate(contact), labels=list(labels))
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


class MessageCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "body": "Thanks, I have refunded the duplicate charge.",
                    "client_message_id": "9b2f6c1e-5d4a-4c1b-8f0e-2a7d3c9e1b40",
                }
            ]
        }
    )

    body: Body
    # Chosen by the client and reused when it retries: the same id returns the same message.
    client_message_id: ClientMessageId | None = None
    # A note for colleagues; the contact never sees it.
    private: bool = False


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
