"""The bot's settings applied to one turn: which escalation rule fires, whether a person can
take over now, and whether the visitor is answering the bot's request for an email address.

Reads the conversation's visible messages through the conversations service; the words
themselves are judged by the pure functions of escalation.py.
"""

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot import escalation
from helpline.bot.escalation import Said
from helpline.bot.reasons import HandoffReason
from helpline.bot.settings import BotAction
from helpline.contacts.service import InvalidContact, normalize_email
from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation, Message, SenderKind
from helpline.core.time import utc_now
from helpline.tenancy.schemas import WorkspaceSettings
from helpline.widget.hours import opening

# Enough to see a run of MAX_UNHELPFUL_LIMIT answers and their follow-ups.
HISTORY_MESSAGES: Final = 40
# The keys of the bot's messages' data that the rules read back.
FALLBACK_KEY: Final = "fallback"
ASKS_EMAIL_KEY: Final = "asks_email"
_EMAIL: Final = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")


@dataclass(frozen=True, slots=True)
class Situation:
    """What the rules need to know besides the message itself."""

    said: tuple[Said, ...]
    # The reason of the bot's last message when it was a fallback asking for an email.
    awaiting_email: HandoffReason | None
    open_now: bool


async def situation(
    session: AsyncSession, conversation: Conversation, message: Message, config: WorkspaceSettings
) -> Situation:
    hours = opening(config.business_hours, config.timezone, utc_now())
    if not _reads_history(config):
        # The hot path of the default settings (and of `helpline bot eval`): no query.
        return Situation((), None, hours.open_now)
    visible, _ = await conversations.list_messages(
        session,
        conversation,
        after_seq=None,
        before_seq=message.seq + 1,
        limit=HISTORY_MESSAGES,
        include_private=False,
    )
    said = tuple(
        Said(m.sender_kind == SenderKind.contact, m.body, answer="citations" in m.data)
        for m in visible
        if m.sender_kind in (SenderKind.contact, SenderKind.bot)
    )
    return Situation(said, _awaiting_email(visible), hours.open_now)


def _reads_history(config: WorkspaceSettings) -> bool:
    """Whether a rule needs the conversation so far: the unhelpful-answers count, or an email
    address answering a fallback, which only the settings that make fallbacks can bring."""
    bot = config.bot
    fallbacks = not bot.allows(BotAction.hand_off) or config.business_hours.enabled
    return bot.unhelpful_limit > 0 or (bot.allows(BotAction.capture_email) and fallbacks)


def _awaiting_email(visible: list[Message]) -> HandoffReason | None:
    last_bot = next((m for m in reversed(visible) if m.sender_kind == SenderKind.bot), None)
    if last_bot is None or not last_bot.data.get(ASKS_EMAIL_KEY):
        return None
    reason = last_bot.data.get(FALLBACK_KEY)
    return HandoffReason(reason) if reason in set(HandoffReason) else None


def escalation_reason(
    text: str, situation: Situation, config: WorkspaceSettings
) -> HandoffReason | None:
    """The first escalation rule the visitor's message sets off, in the order the settings
    page lists them (low confidence comes later: it needs retrieval)."""
    bot = config.bot
    if escalation.keyword_in(text, bot.escalation_keywords) is not None:
        return HandoffReason.keyword
    if bot.handoff_on_request and escalation.asks_for_human(text):
        return HandoffReason.asked_for_human
    if bot.unhelpful_limit and escalation.unhelpful_streak(situation.said) >= bot.unhelpful_limit:
        return HandoffReason.unhelpful_answers
    if bot.negative_sentiment and escalation.is_negative(text, bot.sentiment_threshold):
        return HandoffReason.negative_sentiment
    return None


def may_hand_off(config: WorkspaceSettings, situation: Situation) -> bool:
    """Whether a person can take over: hand-off is an allowed action, and the team is within
    its business hours (handing off outside them would leave the visitor with nobody)."""
    return config.bot.allows(BotAction.hand_off) and situation.open_now


def email_in(text: str) -> str | None:
    """The first valid email address in `text`, normalised, else None."""
    for candidate in _EMAIL.findall(text):
        try:
            email = normalize_email(candidate.rstrip("."))
        except InvalidContact:
            continue
        if email is not None:
            return email
    return None
