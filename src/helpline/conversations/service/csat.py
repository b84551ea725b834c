"""CSAT: the contact rates a resolved conversation, 1 to 5 with an optional comment.

A rating may be replaced for a week after the first one, then it stands. Rating changes
nothing in the timeline: it is stored on the conversation, and agents learn of it through
conversation.updated with changes ["csat"] (publishing.py, as for any locked change).
"""

from datetime import timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations.models import Conversation, Status
from helpline.conversations.service.common import ContactActor, lock
from helpline.core.errors import Conflict, NotFound
from helpline.core.time import utc_now

RATING_CHANGE_WINDOW: Final = timedelta(days=7)
MAX_COMMENT_CHARS: Final = 1000


class ConversationNotResolved(Conflict):
    default_detail = "Only a resolved conversation can be rated: rate it once it is resolved."


class RatingFinal(Conflict):
    default_detail = (
        "This conversation was rated more than 7 days ago, and its rating can no longer change."
    )


async def rate(
    session: AsyncSession,
    actor: ContactActor,
    conversation: Conversation,
    *,
    rating: int,
    comment: str | None,
) -> Conversation:
    """The contact's rating of their resolved conversation (ConversationNotResolved
    otherwise), replacing an earlier one for a week after it (RatingFinal after that)."""
    if actor.contact_id != conversation.contact_id:
        raise NotFound("Conversation not found.")
    if not 1 <= rating <= 5:
        raise ValueError("A rating is 1 to 5.")
    conversation = await lock(session, conversation)
    if conversation.status != Status.resolved:
        raise ConversationNotResolved()
    now = utc_now()
    first = conversation.csat_rated_at
    if first is not None and now - first > RATING_CHANGE_WINDOW:
        raise RatingFinal()
    text = (comment or "").strip()[:MAX_COMMENT_CHARS]
    conversation.csat_rating = rating
    conversation.csat_comment = text or None
    conversation.csat_rated_at = first or now
    await session.flush()
    return conversation
