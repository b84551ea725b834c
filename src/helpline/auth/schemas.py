"""Request and response shapes for login, tokens, passwords, the current user and API keys."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, EmailStr, Field

from helpline.auth.principals import Scope
from helpline.auth.service.sessions import TokenPair
from helpline.core.schemas import InputSchema, Schema, TimestampedSchema
from helpline.tenancy.models import Availability, Role

Password = Annotated[str, Field(min_length=1, max_length=256)]
Secret = Annotated[str, Field(min_length=10, max_length=200)]


class LoginRequest(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "owner@example.com", "password": "a long password"}]
        }
    )

    email: EmailStr
    password: Password
    # The workspace's slug; needed only by people who belong to several workspaces.
    workspace: str | None = Field(default=None, max_length=63)


class TokenResponse(Schema):
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    workspace_id: uuid.UUID | None

    @classmethod
    def from_pair(cls, pair: TokenPair) -> "TokenResponse":
        return cls(
            access_token=pair.access_token,
            access_token_expires_at=pair.access_token_expires_at,
            refresh_token=pair.refresh_token,
            refresh_token_expires_at=pair.refresh_token_expires_at,
            workspace_id=pair.workspace_id,
        )


class RefreshRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "hlr_..."}]})

    refresh_token: Secret


class PasswordChange(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": "the old password", "new_password": "a new long password"}
            ]
        }
    )

    current_password: Password
    new_password: Password


class PasswordResetRequest(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "agent@example.com"}]})

    email: EmailStr


class PasswordResetConfirm(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"token": "secret-from-the-email", "new_password": "a long password"}]
        }
    )

    token: Secret
    new_password: Password


class SwitchWorkspace(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"workspace": "acme"}]})

    workspace: Annotated[str, Field(min_length=1, max_length=63)]


class SignupRequest(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "workspace_name": "Acme",
                    "name": "Ada Lovelace",
                    "email": "ada@example.com",
                    "password": "a long password",
                }
            ]
        }
    )

    workspace_name: Annotated[str, Field(min_length=1, max_length=120)]
    name: Annotated[str, Field(min_length=1, max_length=120)]
    email: EmailStr
    password: Password


class MembershipSummary(Schema):
    workspace_id: uuid.UUID
    workspace_name: str
    workspace_slug: str
    member_id: uuid.UUID
    role: Role
    availability: Availability


class MeRead(Schema):
    id: uuid.UUID
    email: str
    name: str
    is_staff: bool
    # The workspace this session acts in (None for a staff session).
    workspace_id: uuid.UUID | None
    memberships: list[MembershipSummary]


class ApiKeyCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "CRM sync", "scopes": ["members:read"]}]}
    )

    name: Annotated[str, Field(min_length=1, max_length=80)]
    scopes: list[Scope] = Field(min_length=1)


class ApiKeyRead(TimestampedSchema):
    name: str
    prefix: str
    scopes: list[str]
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    # Shown once, at creation; Helpline keeps only its hash.
    secret: str
