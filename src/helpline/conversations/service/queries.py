"""Reading conversations: the inbox list and a contact's conversations."""

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal, WorkspacePrincipal
from helpline.contacts.models import Contact
from helpline.conversations.access import viewer_of
from helpline.conversations.models import Conversation, Status
from helpline.conversations.repository import ConversationFilter, ConversationRepository
from helpline.conversations.service.common import ContactActor
from helpline.conversations.service.labels import normalize_label
from helpline.core.errors import BadRequest
from helpline.core.pagination import PageParams
from helpline.tenancy.models import Team

Assignee = uuid.UUID | Literal["me", "unassigned"]


def _assignee(
    principal: WorkspacePrincipal, assignee: Assignee | None
) -> uuid.UUID | Literal["unassigned"] | None:
    if assignee != "me":
        return assignee
    if not isinstance(principal, MemberPrincipal):
        raise BadRequest("assignee=me needs a member: an API key has no conversations of its own.")
    return principal.membership_id


async def list_conversations(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    params: PageParams,
    *,
    status: Status | None = None,
    assignee: Assignee | None = None,
    team: Team | None = None,
    label: str | None = None,
    text: str | None = None,
) -> tuple[Sequence[Conversation], str | None]:
    """The conversations `principal` may see, newest first, filtered. `assignee` is a member
    id (resolved by the caller with access_member), "me" or "unassigned"."""
    filters = ConversationFilter(
        status=status,
        assignee=_assignee(principal, assignee),
        team_id=team.id if team is not None else None,
        label=normalize_label(label) if label is not None else None,
        text=text.strip() if text else None,
    )
    conversations = ConversationRepository(session, workspace_id=principal.workspace_id)
    return await conversations.page(viewer_of(principal), filters, params)


async def list_for_contact(
    session: AsyncSession, principal: WorkspacePrincipal, contact: Contact, params: PageParams
) -> tuple[Sequence[Conversation], str | None]:
    """The contact's conversations that `principal` may see (team visibility), newest first,
    a page at a time. `contact` comes from access_contact."""
    conversations = ConversationRepository(session, workspace_id=principal.workspace_id)
    return await conversations.for_contact(contact.id, viewer_of(principal), params)


async def list_for_visitor(
    session: AsyncSession, actor: ContactActor, params: PageParams
) -> tuple[Sequence[Conversation], str | None]:
    """The contact's own conversations, newest first (for the visitor API)."""
    conversations = ConversationRepository(session, workspace_id=actor.workspace_id)
    return await conversations.page_of_contact(actor.contact_id, params)
