"""Request and response shapes for workspaces, members, teams and invitations."""

import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, EmailStr, Field, field_validator

from helpline.core.schemas import IDSchema, InputSchema, Schema, TimestampedSchema
from helpline.tenancy.models import Availability, Role, WorkspaceStatus
from helpline.visitors.origins import normalize_origin

Name = Annotated[str, Field(min_length=1, max_length=120)]
Slug = Annotated[
    str, Field(min_length=2, max_length=63, pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])$")
]
Password = Annotated[str, Field(min_length=1, max_length=256)]


class WorkspaceSettings(InputSchema):
    """Workspace-wide preferences; each later capability adds its own."""

    timezone: str = "UTC"
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    # Websites (origins such as https://www.example.com) allowed to run the chat widget.
    widget_origins: list[str] = Field(default_factory=list, max_length=50)
    # Refuse visitors who claim an identity without HMAC-SHA256(user id, identity secret).
    identity_verification: bool = False
    # Give conversations that need a person to an online agent by round-robin.
    auto_assignment: bool = True
    # The bot answers new widget conversations first, from the knowledge base (docs/bot.md).
    bot_enabled: bool = False
    # The retrieval confidence (0 to 1) below which the bot hands off instead of answering.
    bot_confidence_threshold: float = Field(default=0.5, ge=0, le=1)
    # What the bot says when it hands a conversation to a person.
    bot_handoff_message: str = Field(
        default="Let me connect you with a member of our team.", min_length=1, max_length=500
    )
    # The chat widget's look (docs/widget.md). An empty name shows the workspace's name.
    widget_name: str = Field(default="", max_length=60)
    widget_color: str = Field(default="#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    widget_greeting: str = Field(default="", max_length=280)
    widget_position: Literal["right", "left"] = "right"
    widget_theme: Literal["auto", "light", "dark"] = "auto"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"{value!r} is not a known time zone, such as Europe/Paris")
        return value

    @field_validator("widget_origins")
    @classmethod
    def _normalized_origins(cls, values: list[str]) -> list[str]:
        # Stored as browsers send them (scheme://host[:port]), so matching is exact.
        return list(dict.fromkeys(normalize_origin(value) for value in values))


class WorkspaceRead(TimestampedSchema):
    name: str
    slug: str
    status: WorkspaceStatus
    public_key: str
    domains: list[str]
    settings: WorkspaceSettings


class WorkspaceUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Acme Support"}]})

    name: Name | None = None
    domains: list[str] | None = Field(default=None, max_length=50)
    settings: WorkspaceSettings | None = None


class WorkspaceDiscovery(Schema):
    public_key: str
    workspace_name: str


class MemberRead(IDSchema):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    availability: Availability
    capacity: int
    created_at: datetime


class MemberUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"capacity": 8}]})

    role: Role | None = None
    capacity: int | None = Field(default=None, ge=0, le=1000)


class AvailabilityUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"availability": "online"}]})

    availability: Availability


class TeamCreate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Billing"}]})

    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: Annotated[str, Field(max_length=500)] = ""


class TeamUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"description": "Invoices"}]})

    name: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None


class TeamRead(TimestampedSchema):
    name: str
    description: str
    member_ids: list[uuid.UUID]


class TeamMemberAdd(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"member_id": "01900000-0000-7000-8000-000000000000"}]}
    )

    member_id: uuid.UUID


class InvitationCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "new.agent@example.com", "role": "agent"}]}
    )

    email: EmailStr
    role: Role = Role.agent


class InvitationRead(TimestampedSchema):
    email: str
    role: Role
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationPreview(Schema):
    workspace_name: str
    email: str
    role: Role
    expires_at: datetime
    has_account: bool


class InvitationToken(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "secret-from-the-email"}]})

    token: Annotated[str, Field(min_length=10, max_length=200)]


class InvitationAccept(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "secret-from-the-email", "name": "Ada", "password": "a long password"}
            ]
        }
    )

    token: Annotated[str, Field(min_length=10, max_length=200)]
    # For a new account: the name and password to create it with. For an existing account:
    # its current password, which proves the invitee owns it.
    name: Name | None = None
    password: Password
