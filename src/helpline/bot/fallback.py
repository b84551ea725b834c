"""What the bot says when a rule wants a person but none can take over (hand-off is not an
allowed action, or it is outside business hours), and the email address it asks for then.

The fallback message carries `{"fallback": reason, "asks_email": bool}` in its data, which
is how the next turn knows the visitor may be answering it (rules.situation).
"""

from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot.reasons import HandoffReason
from helpline.bot.rules import ASKS_EMAIL_KEY, FALLBACK_KEY
from helpline.bot.settings import BotAction
from helpline.contacts import service as contacts
from helpline.contacts.repository import ContactRepository
from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation, Message
from helpline.conversations.schemas import MAX_BODY_CHARS
from helpline.tenancy.schemas import WorkspaceSettings

OUTSIDE_HOURS: Final = "Our team is away right now: it is outside our business hours."
EMAIL_OFFER: Final = "Leave your email address here and we will write back to you."


async def offer(
    session: AsyncSession,
    conversation: Conversation,
    config: WorkspaceSettings,
    reason: HandoffReason,
    client_message_id: str,
    *,
    outside_hours: bool,
) -> Message:
    """Post the fallback: outside hours it says so first; with email capture allowed, it
    asks for the visitor's email address."""
    asks_email = config.bot.allows(BotAction.capture_email)
    parts = [OUTSIDE_HOURS] if outside_hours else []
    parts.append(config.bot.fallback_text())
    if asks_email:
        parts.append(EMAIL_OFFER)
    data = {FALLBACK_KEY: reason.value, ASKS_EMAIL_KEY: asks_email, "outside_hours": outside_hours}
    return await say(session, conversation, " ".join(parts), client_message_id, data)


def thanks(email: str) -> str:
    return f"Thank you: the team will write to you at {email}."


async def say(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    client_message_id: str,
    data: dict[str, Any],
) -> Message:
    bot = conversations.BotActor(workspace_id=conversation.workspace_id)
    posted = await conversations.post_message(
        session,
        bot,
        conversation,
        body=text[:MAX_BODY_CHARS],
        # One message per contact message, however often the job runs.
        client_message_id=client_message_id,
        data=data,
    )
    return posted.message


async def keep_email(session: AsyncSession, conversation: Conversation, email: str) -> None:
    """Keep the address on the conversation's contact, unless they already have one (what a
    visitor types never replaces an address the workspace knows)."""
    # The conversation's own contact, in its own workspace: the ids come from the row.
    repository = ContactRepository(session, workspace_id=conversation.workspace_id)
    contact = await repository.get_for_update(conversation.contact_id)
    if contact is not None and contact.email is None:
        await contacts.update_contact(session, contact, changes={"email": email})
