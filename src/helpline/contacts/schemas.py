"""Request and response shapes for contacts.

The schemas check shapes and lengths; what a value means (a valid email, a phone number,
attribute keys and values) is checked by the service, so that the widget, the CLI and the
REST API all apply the same rules with the same messages.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import ConfigDict, Field

from helpline.conversations.models import Status
from helpline.core.schemas import IDSchema, InputSchema, Schema

MAX_NAME_CHARS: Final = 200
MAX_EMAIL_CHARS: Final = 254
# Before normalising: room for spaces, dashes and parentheses around 15 digits.
MAX_PHONE_INPUT_CHARS: Final = 40
MAX_EXTERNAL_ID_CHARS: Final = 200

Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
Email = Annotated[str, Field(max_length=MAX_EMAIL_CHARS)]
Phone = Annotated[
    str,
    Field(
        max_length=MAX_PHONE_INPUT_CHARS,
        description="International format: + and 6 to 15 digits; spaces, dashes, dots and "
        "parentheses are removed.",
    ),
]
ExternalId = Annotated[
    str,
    Field(
        max_length=MAX_EXTERNAL_ID_CHARS,
        description="Your own id for this customer; unique in the workspace.",
    ),
]
Attributes = Annotated[
    dict[str, Any],
    Field(
        description="A flat object of at most 50 keys matching ^[a-z][a-z0-9_]{0,49}$; values "
        "are strings (up to 1,000 characters), numbers or booleans. On update, keys are merged "
        "into the existing attributes and a null value deletes its key."
    ),
]


class ContactCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Grace Hopper",
                    "email": "grace@example.com",
                    "phone": "+1 (555) 010-0199",
                    "external_id": "user-1042",
                    "attributes": {"plan": "pro", "seats": 12},
                }
            ]
        }
    )

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    external_id: ExternalId | None = None
    attributes: Attributes = Field(default_factory=dict)


class ContactUpdate(InputSchema):
    """Only the fields sent change; null clears a field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "+44 20 7946 0000", "attributes": {"seats": 15}}]}
    )

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    external_id: ExternalId | None = None
    # Not nullable: to remove attributes, send each key with a null value.
    attributes: Attributes = Field(default_factory=dict)


class ContactRead(IDSchema):
    name: str | None
    email: str | None
    phone: str | None
    external_id: str | None
    attributes: dict[str, Any]
    browser: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    created_at: datetime


class ContactConversationSummary(Schema):
    """One of a contact's conversations, as listed on the contact."""

    id: uuid.UUID
    number: int
    public_id: str
    status: Status
    subject: str
    last_activity_at: datetime
    created_at: datetime
