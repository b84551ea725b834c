"""@mentions in private notes: whom a note may mention, and how they hear of it.

The author names members by id (the dashboard's `@` menu picks them). Each must be a member
of the workspace who can see the conversation (access.py's rule): a mention must never show
a conversation to someone who may not open it. The ids are kept in the note's `data`, and
each mentioned member's sockets get a `mention` frame (publishing.py).
"""

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations.access import SEE_ALL_ROLES
from helpline.conversations.models import Conversation
from helpline.conversations.repository import ConversationRepository
from helpline.core.errors import Unprocessable
from helpline.tenancy.repository import MembershipRepository

MAX_MENTIONS: Final = 20
MENTIONS_KEY: Final = "mentions"


class InvalidMentions(Unprocessable):
    default_detail = "Mention members of this workspace who can see the conversation."


async def checked_mentions(
    session: AsyncSession,
    conversation: Conversation,
    member_ids: Sequence[uuid.UUID],
    *,
    private: bool,
) -> list[uuid.UUID]:
    """The distinct members a message mentions, each checked; raises InvalidMentions."""
    if not member_ids:
        return []
    if not private:
        raise InvalidMentions("Mention colleagues in private notes only.")
    unique = list(dict.fromkeys(member_ids))
    if len(unique) > MAX_MENTIONS:
        raise InvalidMentions(f"A note mentions at most {MAX_MENTIONS} members.")
    for member_id in unique:
        if not await _sees(session, conversation, member_id):
            raise InvalidMentions()
    return unique


async def _sees(session: AsyncSession, conversation: Conversation, member_id: uuid.UUID) -> bool:
    workspace = conversation.workspace_id
    membership = await MembershipRepository(session, workspace_id=workspace).get(member_id)
    if membership is None:
        return False
    # The visibility rule of access.py, in the same SQL (repository.visible_to).
    viewer = None if membership.role in SEE_ALL_ROLES else member_id
    conversations = ConversationRepository(session, workspace_id=workspace)
    return await conversations.get_visible(conversation.id, viewer, lock=False) is not None


def mentioned_in(data: dict[str, object]) -> list[uuid.UUID]:
    """The members a message's data says it mentions."""
    found = data.get(MENTIONS_KEY)
    if not isinstance(found, list):
        return []
    return [uuid.UUID(str(value)) for value in found]
