"""One turn of the bot: retrieve → decide → answer with citations, or hand off.

The workspace and the conversation come from the job's arguments, which the server wrote
(BotActor is built from the conversation's own workspace): nothing the visitor or the model
writes can choose them (STYLE 8.6, RELIABILITY Isolation 11). The model's answer is
untrusted text: links and images in it are reduced to their words before it is posted, and
its citations only ever point at the sources retrieval gave it. While the model writes, the
answer streams to the conversation's watchers (streaming.py), through the same `inert()`.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot import fallback, prompts, rules
from helpline.bot.escalation import asks_for_human as asks_for_human  # re-exported, as before
from helpline.bot.llm import Draft, LLMClient
from helpline.bot.reasons import HandoffReason as HandoffReason  # re-exported, as before
from helpline.bot.settings import BotAction
from helpline.bot.streaming import AnswerStream
from helpline.bot.text import inert as inert  # re-exported: callers know agent.inert
from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation, Message, Owner
from helpline.conversations.schemas import MAX_BODY_CHARS
from helpline.core import metrics
from helpline.helpcentre import service as helpcentre
from helpline.knowledge import retrieval
from helpline.knowledge.embeddings import Embedder
from helpline.knowledge.models import SourceKind
from helpline.knowledge.retrieval import Passage
from helpline.llm.endpoint import LLMError
from helpline.tenancy.schemas import WorkspaceSettings

log = structlog.get_logger(__name__)

MAX_SOURCES: Final = 3


class Outcome(StrEnum):
    answered = "answered"
    handed_off = "handed_off"
    # A rule wanted a person but none could take over: the bot said so (its fallback), or
    # took the visitor's email address after saying it.
    fell_back = "fell_back"
    # Nothing to do: the bot no longer owns the conversation, or already answered.
    skipped = "skipped"


@dataclass(frozen=True, slots=True)
class Turn:
    outcome: Outcome
    reason: HandoffReason | None = None
    message: Message | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What a turn will do, decided from the database and before any model is called: hand
    off (`handoff`), answer from `sources`, or nothing (`skip`)."""

    confidence: float = 0.0
    sources: tuple[Passage, ...] = ()
    handoff: HandoffReason | None = None
    skip: bool = False
    # Whether a person can take over now (an allowed action, within business hours); when
    # not, a hand-off becomes the bot's fallback message.
    may_hand_off: bool = True
    outside_hours: bool = False
    # The visitor's email address, given after the bot's fallback asked for it (`handoff`
    # is then that fallback's reason).
    email: str | None = None
    # Filled by compose(): the answer to post, and what it cites.
    text: str = ""
    citations: tuple[dict[str, Any], ...] = ()


async def decide(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    *,
    config: WorkspaceSettings,
    embedder: Embedder | None = None,
) -> Decision:
    """Read-only: is the bot still in charge, does an escalation rule of the workspace's
    bot settings fire, and which sources are relevant enough (retrieval, in the
    conversation's own workspace)."""
    if conversation.owner != Owner.bot:
        return Decision(skip=True)
    if not config.bot_enabled:
        return Decision(handoff=HandoffReason.bot_disabled)
    found = await rules.situation(session, conversation, message, config)
    base = Decision(
        may_hand_off=rules.may_hand_off(config, found), outside_hours=not found.open_now
    )
    if found.awaiting_email is not None and config.bot.allows(BotAction.capture_email):
        email = rules.email_in(message.body)
        if email is not None:
            return replace(base, handoff=found.awaiting_email, email=email)
    reason = rules.escalation_reason(message.body, found, config)
    if reason is not None:
        return replace(base, handoff=reason)
    passages = await retrieval.search(
        session, conversation.workspace_id, message.body, k=5, embedder=embedder
    )
    threshold = config.bot_confidence_threshold
    sources = tuple(p for p in passages if p.confidence >= threshold)[:MAX_SOURCES]
    best = passages[0].confidence if passages else 0.0
    if not sources:
        return replace(base, confidence=best, handoff=HandoffReason.low_confidence)
    return replace(base, confidence=best, sources=sources)


async def compose(
    decision: Decision, question: str, llm: LLMClient, *, stream: AnswerStream | None = None
) -> Decision:
    """Have the model write the answer; no database here, so that a slow model holds no
    transaction (and on SQLite, no write lock) while it thinks. With `stream`, the answer
    streams as it is written, and a turn that hands off discards it at once."""
    if decision.skip or decision.handoff is not None:
        return decision
    try:
        if stream is None:
            draft = await llm.answer(question, decision.sources)
        else:
            draft = await llm.answer(question, decision.sources, stream.update)
    except LLMError as exc:
        log.warning("bot_llm_failed", error=str(exc))
        return _discarded(replace(decision, handoff=HandoffReason.llm_failed), stream)
    text = inert(draft.text)
    if not draft.grounded or not text or prompts.echoes_rules(text):
        return _discarded(replace(decision, handoff=HandoffReason.not_supported), stream)
    return replace(decision, text=text, citations=_citations(draft, decision.sources))


def _discarded(decision: Decision, stream: AnswerStream | None) -> Decision:
    # Before the hand-off is even written: its messages come after the bubble is gone.
    if stream is not None:
        stream.discard()
    return decision


async def carry_out(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    decision: Decision,
    *,
    config: WorkspaceSettings,
    stream: AnswerStream | None = None,
) -> Turn:
    """Post the answer or hand off, through the conversations service (which locks the
    conversation and re-checks that the bot still owns it). `stream`, the turn's streamed
    answer, ends with the posted message (after the commit), or is discarded."""
    turn = await _carry_out(session, conversation, message, decision, config=config)
    if stream is not None:
        if turn.outcome == Outcome.answered and turn.message is not None:
            stream.publish_end(turn.message.id, turn.message.body)
        else:
            stream.discard()
    return turn


async def _carry_out(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    decision: Decision,
    *,
    config: WorkspaceSettings,
) -> Turn:
    if decision.skip:
        return Turn(Outcome.skipped)
    if decision.email is not None:
        return await _take_email(session, conversation, message, decision.email, decision, config)
    if decision.handoff is not None:
        if decision.handoff != HandoffReason.bot_disabled and not decision.may_hand_off:
            # Nobody can take over: the bot says so rather than leave the visitor waiting.
            said = await fallback.offer(
                session,
                conversation,
                config,
                decision.handoff,
                answer_id(message),
                outside_hours=decision.outside_hours,
            )
            return Turn(Outcome.fell_back, reason=decision.handoff, message=said)
        retrieved = decision.handoff not in _NOT_RETRIEVED
        confidence = decision.confidence if retrieved else None
        return await _hand_off(session, conversation, config, decision.handoff, confidence)
    return await _answer(session, conversation, message, decision)


# Reasons decided before retrieval: their hand-off carries no confidence.
_NOT_RETRIEVED: Final = frozenset(
    {
        HandoffReason.asked_for_human,
        HandoffReason.bot_disabled,
        HandoffReason.keyword,
        HandoffReason.unhelpful_answers,
        HandoffReason.negative_sentiment,
    }
)


async def _take_email(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    email: str,
    decision: Decision,
    config: WorkspaceSettings,
) -> Turn:
    """The visitor gave the email address the fallback asked for: keep it on the contact, then
    give the conversation to the team's queue (a person writes back, even if later), or,
    where hand-off is not allowed, only thank them."""
    reason = decision.handoff or HandoffReason.asked_for_human
    await fallback.keep_email(session, conversation, email)
    thanks = fallback.thanks(email)
    if config.bot.allows(BotAction.hand_off):
        handed = await conversations.hand_off(
            session,
            conversation,
            reason=reason.value,
            farewell=thanks,
            data={"email_captured": True, "outside_hours": decision.outside_hours},
        )
        if handed is None:
            return Turn(Outcome.skipped)
        metrics.bot_handed_off()
        return Turn(Outcome.handed_off, reason=reason, message=handed)
    said = await fallback.say(session, conversation, thanks, answer_id(message), {})
    return Turn(Outcome.fell_back, reason=reason, message=said)


async def run_turn(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    *,
    llm: LLMClient,
    config: WorkspaceSettings,
    embedder: Embedder | None = None,
) -> Turn:
    """Answer the contact's `message` in `conversation`, which the bot owns, or hand it to
    a person, in one session. Idempotent: a retried turn finds its earlier answer or
    hand-off. (The bot.reply job runs the three steps in their own transactions.)"""
    decision = await decide(session, conversation, message, config=config, embedder=embedder)
    decision = await compose(decision, message.body, llm)
    return await carry_out(session, conversation, message, decision, config=config)


def answer_id(message: Message) -> str:
    """The client_message_id of the answer to the contact's `message` (and its stream's id)."""
    return f"bot:{message.id}"


def _citations(draft: Draft, sources: Sequence[Passage]) -> tuple[dict[str, Any], ...]:
    # Numbers outside the sources were already dropped (llm.py); this maps the rest to ids
    # retrieval produced, so a citation can only name this workspace's published knowledge.
    return tuple(
        {
            "source_kind": sources[n - 1].source_kind.value,
            "source_id": str(sources[n - 1].source_id),
            "title": sources[n - 1].title,
        }
        for n in draft.cited
    )


async def _linked(
    session: AsyncSession, workspace_id: uuid.UUID, citations: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The citations, each article's with its help-centre `path` (relative: the widget and the
    dashboard resolve it on the Helpline they talk to). A FAQ entry has no page of its own."""
    article_ids = [
        uuid.UUID(c["source_id"]) for c in citations if c["source_kind"] == SourceKind.article
    ]
    paths = await helpcentre.article_paths(session, workspace_id, article_ids)
    linked = []
    for citation in citations:
        path = paths.get(uuid.UUID(citation["source_id"]))
        linked.append({**citation, "path": path} if path else dict(citation))
    return linked


async def _answer(
    session: AsyncSession, conversation: Conversation, message: Message, decision: Decision
) -> Turn:
    bot = conversations.BotActor(workspace_id=conversation.workspace_id)
    citations = await _linked(session, conversation.workspace_id, decision.citations)
    posted = await conversations.post_message(
        session,
        bot,
        conversation,
        body=decision.text[:MAX_BODY_CHARS],
        # One answer per contact message, however often the job runs.
        client_message_id=answer_id(message),
        data={
            "citations": citations,
            "confidence": round(decision.confidence, 3),
        },
    )
    if posted.created:
        metrics.bot_answered()
    return Turn(Outcome.answered, message=posted.message)


async def _hand_off(
    session: AsyncSession,
    conversation: Conversation,
    config: WorkspaceSettings,
    reason: HandoffReason,
    confidence: float | None,
) -> Turn:
    data: dict[str, object] = {} if confidence is None else {"confidence": round(confidence, 3)}
    handed = await conversations.hand_off(
        session, conversation, reason=reason.value, farewell=config.bot_handoff_message, data=data
    )
    if handed is None:
        return Turn(Outcome.skipped)
    metrics.bot_handed_off()
    log.info("bot_handed_off", reason=reason.value)
    return Turn(Outcome.handed_off, reason=reason, message=handed)
