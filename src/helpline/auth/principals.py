"""Who is calling. A principal is resolved once per request from its credential, and it is
the only place the workspace (the tenant) of a request comes from."""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from helpline.tenancy.models import Role


class Scope(StrEnum):
    """What an API key may do. Human members are governed by their role instead."""

    workspace_read = "workspace:read"
    workspace_write = "workspace:write"
    members_read = "members:read"
    members_write = "members:write"
    teams_read = "teams:read"
    teams_write = "teams:write"
    audit_read = "audit:read"
    contacts_read = "contacts:read"
    contacts_write = "contacts:write"
    conversations_read = "conversations:read"
    conversations_write = "conversations:write"
    knowledge_read = "knowledge:read"
    knowledge_write = "knowledge:write"
    canned_read = "canned:read"
    canned_write = "canned:write"
    reports_read = "reports:read"


@dataclass(frozen=True, slots=True)
class MemberPrincipal:
    """A person acting in one workspace through a login session."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID
    membership_id: uuid.UUID
    role: Role
    session_id: uuid.UUID
    label: str  # the member's email, for the audit log

    @property
    def kind(self) -> str:
        return "member"


@dataclass(frozen=True, slots=True)
class ApiKeyPrincipal:
    """A workspace's backend calling with an API key."""

    api_key_id: uuid.UUID
    workspace_id: uuid.UUID
    scopes: frozenset[Scope]
    label: str  # the key's name

    @property
    def kind(self) -> str:
        return "api_key"


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """A platform operator. Staff act through the platform API only, never as a member."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    label: str

    @property
    def kind(self) -> str:
        return "staff"


@dataclass(frozen=True, slots=True)
class VisitorPrincipal:
    """A website visitor, through the widget: one contact of one workspace, nothing more.
    Resolved from a visitor token; see helpline.visitors."""

    workspace_id: uuid.UUID
    contact_id: uuid.UUID
    visitor_session_id: uuid.UUID

    @property
    def kind(self) -> str:
        return "visitor"


WorkspacePrincipal = MemberPrincipal | ApiKeyPrincipal
Principal = MemberPrincipal | ApiKeyPrincipal | StaffPrincipal

ALL_ROLES = frozenset(Role)
MANAGER_ROLES = frozenset({Role.owner, Role.admin})
