"""Every statement of the reports. Each is filtered by the workspace, and counts from the
conversations' own system messages: a conversation is the bot's from its `bot_started`
message, and each hand-off is a `handed_off` message carrying its `reason`
(conversations/service/routing.py)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from helpline.conversations.models import (
    Conversation,
    Message,
    Owner,
    SenderKind,
    Status,
    SystemEvent,
)


@dataclass(frozen=True, slots=True)
class BotCounts:
    conversations: int
    handed_off: int
    with_bot: int
    resolved_by_bot: int


def started_by_bot(
    workspace_id: uuid.UUID, since: datetime, until: datetime
) -> ScalarSelect[uuid.UUID]:
    """The ids of the conversations the bot started in [since, until)."""
    return (
        select(Message.conversation_id)
        .where(
            Message.workspace_id == workspace_id,
            Message.event == SystemEvent.bot_started,
            Message.created_at >= since,
            Message.created_at < until,
        )
        .scalar_subquery()
    )


async def bot_counts(
    session: AsyncSession, workspace_id: uuid.UUID, started: ScalarSelect[uuid.UUID]
) -> BotCounts:
    """One pass over the bot's conversations: all, handed off, still open with the bot, and
    resolved with no hand-off and no message from a person (public or note)."""
    handoff = aliased(Message)
    person = aliased(Message)
    handed = exists().where(
        handoff.workspace_id == workspace_id,
        handoff.conversation_id == Conversation.id,
        handoff.event == SystemEvent.handed_off,
    )
    by_person = exists().where(
        person.workspace_id == workspace_id,
        person.conversation_id == Conversation.id,
        person.sender_kind == SenderKind.agent,
    )
    open_with_bot = and_(Conversation.owner == Owner.bot, Conversation.status != Status.resolved)
    resolved_alone = and_(Conversation.status == Status.resolved, ~handed, ~by_person)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(handed),
                func.count().filter(open_with_bot),
                func.count().filter(resolved_alone),
            ).where(Conversation.workspace_id == workspace_id, Conversation.id.in_(started))
        )
    ).one()
    return BotCounts(*row)


async def handoff_reasons(
    session: AsyncSession, workspace_id: uuid.UUID, started: ScalarSelect[uuid.UUID]
) -> list[tuple[str, int]]:
    """(reason, hand-offs) of the bot's conversations, most frequent first."""
    reason = Message.data["reason"].as_string()
    counted = await session.execute(
        select(reason, func.count())
        .where(
            Message.workspace_id == workspace_id,
            Message.event == SystemEvent.handed_off,
            Message.conversation_id.in_(started),
        )
        .group_by(reason)
        .order_by(func.count().desc(), reason)
    )
    return [(str(name), int(count)) for name, count in counted.all()]


async def questions_before_handoffs(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    started: ScalarSelect[uuid.UUID],
    reasons: Sequence[str],
    limit: int,
) -> list[str]:
    """The visitor's last message before each hand-off for one of `reasons`, newest first."""
    handoff = aliased(Message)
    asked = aliased(Message)
    question = (
        select(asked.body)
        .where(
            asked.workspace_id == workspace_id,
            asked.conversation_id == handoff.conversation_id,
            asked.sender_kind == SenderKind.contact,
            asked.seq < handoff.seq,
        )
        .order_by(asked.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.scalars(
        select(question)
        .where(
            handoff.workspace_id == workspace_id,
            handoff.event == SystemEvent.handed_off,
            handoff.conversation_id.in_(started),
            handoff.data["reason"].as_string().in_(reasons),
        )
        .order_by(handoff.created_at.desc(), handoff.seq.desc())
        .limit(limit)
    )
    return [body for body in rows.all() if body]


@dataclass(frozen=True, slots=True)
class ConversationCounts:
    opened: int
    resolved: int
    open_now: int


async def conversation_counts(
    session: AsyncSession, workspace_id: uuid.UUID, since: datetime, until: datetime
) -> ConversationCounts:
    """Conversations opened and resolved in [since, until), and those open now."""
    row = (
        await session.execute(
            select(
                func.count().filter(
                    Conversation.created_at >= since, Conversation.created_at < until
                ),
                func.count().filter(
                    Conversation.resolved_at >= since, Conversation.resolved_at < until
                ),
                func.count().filter(Conversation.status == Status.open),
            ).where(Conversation.workspace_id == workspace_id)
        )
    ).one()
    return ConversationCounts(*row)
