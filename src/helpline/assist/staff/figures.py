"""Workspace figures for the staff assistant: the conversations of a period, and the bot's
rates from the bot's report (reports.service.bot_report), both read by reports/."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.reports import repository
from helpline.reports import service as reports


@dataclass(frozen=True, slots=True)
class Figures:
    days: int
    opened: int
    resolved: int
    open_now: int
    bot_conversations: int
    bot_resolution_rate: float | None
    bot_handoff_rate: float | None


async def workspace_figures(
    session: AsyncSession, workspace_id: uuid.UUID, *, days: int, since: datetime, until: datetime
) -> Figures:
    """Conversations opened and resolved in [since, until), open now, and the bot's rates."""
    counts = await repository.conversation_counts(session, workspace_id, since, until)
    bot = await reports.bot_report(session, workspace_id, since, until)
    return Figures(
        days=days,
        opened=counts.opened,
        resolved=counts.resolved,
        open_now=counts.open_now,
        bot_conversations=bot.conversations,
        bot_resolution_rate=bot.resolution_rate,
        bot_handoff_rate=bot.handoff_rate,
    )


def _rate(rate: float | None) -> str:
    return f"{rate or 0.0:.0%}"


def in_words(figures: Figures) -> str:
    period = "day" if figures.days == 1 else f"{figures.days} days"
    said = (
        f"In the last {period}: {figures.opened} conversations opened and "
        f"{figures.resolved} resolved; {figures.open_now} open now."
    )
    if not figures.bot_conversations:
        return f"{said} The bot started no conversations."
    return (
        f"{said} The bot started {figures.bot_conversations}: it resolved "
        f"{_rate(figures.bot_resolution_rate)} of them alone (resolution rate) and handed "
        f"{_rate(figures.bot_handoff_rate)} to people (hand-off rate)."
    )
