"""The reports: figures for those who run the team, read-only.

The bot's report (PRODUCT capability 6): how many conversations it resolved alone, how many it
handed to people and why, and the questions the knowledge base could not answer, grouped so
that an admin sees which article to write next. The period is when the bot started."""

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot.reasons import REASON_WORDS, HandoffReason
from helpline.reports import repository
from helpline.reports.grouping import group_questions
from helpline.reports.schemas import BotReport, HandoffReasonCount, UnansweredGroup

# The reasons that mean "the knowledge base had no answer": the questions behind them are the
# articles to write. (A visitor asking for a person, or upset, says nothing about it.)
UNANSWERED_REASONS: Final = (HandoffReason.low_confidence, HandoffReason.not_supported)
# The newest unanswered questions are grouped; older ones fall out of the report.
MAX_UNANSWERED: Final = 500
MAX_GROUPS: Final = 20


async def bot_report(
    session: AsyncSession, workspace_id: uuid.UUID, since: datetime, until: datetime
) -> BotReport:
    started = repository.started_by_bot(workspace_id, since, until)
    counts = await repository.bot_counts(session, workspace_id, started)
    reasons = await repository.handoff_reasons(session, workspace_id, started)
    questions = await repository.questions_before_handoffs(
        session, workspace_id, started, [r.value for r in UNANSWERED_REASONS], MAX_UNANSWERED
    )
    return BotReport(
        since=since,
        until=until,
        conversations=counts.conversations,
        resolved_by_bot=counts.resolved_by_bot,
        handed_off=counts.handed_off,
        with_bot=counts.with_bot,
        resolution_rate=_share(counts.resolved_by_bot, counts.conversations),
        handoff_rate=_share(counts.handed_off, counts.conversations),
        reasons=[
            HandoffReasonCount(reason=reason, label=_words(reason), count=count)
            for reason, count in reasons
        ],
        unanswered=[
            UnansweredGroup(question=g.question, count=g.count, examples=g.examples)
            for g in group_questions(questions, limit=MAX_GROUPS)
        ],
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _words(reason: str) -> str:
    try:
        return REASON_WORDS[HandoffReason(reason)]
    except ValueError:
        # A reason written by another release of Helpline: shown as stored.
        return reason.replace("_", " ")
