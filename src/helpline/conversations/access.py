"""Conversation ids from clients become conversations only here, inside the caller's
workspace and within team visibility: owners, admins, supervisors and API keys see every
conversation of the workspace; agents see those in no team, those of their teams, and those
assigned to them. Anything else raises the same NotFound as a missing id (RELIABILITY.md,
Isolation 2)."""

import uuid
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import ApiKeyPrincipal, WorkspacePrincipal
from helpline.conversations.models import Conversation
from helpline.conversations.repository import ConversationRepository
from helpline.core.errors import NotFound
from helpline.tenancy.models import Role

# Roles that oversee the whole inbox; agents are limited by their teams.
SEE_ALL_ROLES: Final = frozenset({Role.owner, Role.admin, Role.supervisor})


def viewer_of(principal: WorkspacePrincipal) -> uuid.UUID | None:
    """The membership whose team visibility limits what `principal` sees; None: everything."""
    if isinstance(principal, ApiKeyPrincipal):
        return None
    if principal.role in SEE_ALL_ROLES:
        return None
    return principal.membership_id


async def access_conversation(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    conversation_id: uuid.UUID,
    *,
    for_write: bool = False,
) -> Conversation:
    """The conversation, if `principal` may see it. `for_write` also takes its row lock, so
    the visibility check and the change that follows see the same row."""
    conversations = ConversationRepository(session, workspace_id=principal.workspace_id)
    conversation = await conversations.get_visible(
        conversation_id, viewer_of(principal), lock=for_write
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    return conversation
