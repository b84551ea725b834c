"""Agent assist: a suggested reply drafted from the knowledge base, and a conversation summary,
for a member who sees the conversation (the caller checked that with access_conversation).

Both only read. Each comes in two steps, so that no transaction is open while a model thinks
(docs/bot.md, Transactions): `prepare_*` reads in the caller's session; `draft_reply` and
`write_summary` call the model with no database at all. `suggest_reply` and `summarise` run
both for callers that have no transaction to end in between (tests, the CLI).

What is read is fixed by the conversation row: its workspace for retrieval, its messages for
the summary. Nothing the contact or a model writes can choose another workspace's data
(STYLE 8.6, RELIABILITY Isolation 11); the model's text is made inert like the bot's.
"""

import uuid
from dataclasses import dataclass
from typing import Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.assist import transcript
from helpline.assist.llm import Summariser
from helpline.assist.schemas import (
    NoSuggestion,
    SourceRead,
    SuggestionRead,
    SummaryPoint,
    SummaryRead,
)
from helpline.auth.principals import WorkspacePrincipal
from helpline.bot.llm import ExtractiveLLM, LLMClient
from helpline.bot.text import inert
from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation, Message
from helpline.conversations.schemas import MessageRead
from helpline.core.errors import AppError, NotFound
from helpline.knowledge import retrieval
from helpline.knowledge.embeddings import Embedder
from helpline.knowledge.models import SourceKind
from helpline.knowledge.retrieval import Passage
from helpline.llm.endpoint import LLMError
from helpline.tenancy import service as tenancy
from helpline.tenancy.schemas import WorkspaceSettings

log = structlog.get_logger(__name__)

MAX_SOURCES: Final = 3
SEARCHED: Final = 5
# The newest messages a suggestion looks back through for the contact's question.
QUESTION_WINDOW: Final = 50
# The newest messages a summary reads, and the oldest ones it adds (for the first question)
# when the conversation is longer than that.
SUMMARY_NEWEST: Final = 300
SUMMARY_OLDEST: Final = 10
EXCERPT_CHARS: Final = 600


class AssistUnavailable(AppError):
    status_code = 503
    default_detail = (
        "The language model did not answer. Try again in a moment, or write it yourself."
    )


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a suggestion is drafted from, read before any model is called."""

    question: str
    sources: tuple[Passage, ...] = ()
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class SummaryContext:
    facts: transcript.Facts
    lines: tuple[transcript.Line, ...]
    # Older messages between the first ones and the newest were not read.
    truncated: bool = False


def _check_workspace(conversation: Conversation, member: WorkspacePrincipal) -> None:
    # The caller resolved the conversation for `member`; this guards against a caller that
    # did not (the same answer as a missing conversation).
    if conversation.workspace_id != member.workspace_id:
        raise NotFound("Conversation not found.")


# --- the suggested reply --------------------------------------------------------------------


async def prepare_reply(
    session: AsyncSession,
    conversation: Conversation,
    member: WorkspacePrincipal,
    *,
    embedder: Embedder | None,
) -> ReplyContext:
    """The contact's open question and the knowledge that answers it, searched in the
    conversation's own workspace and kept above the bot's confidence threshold."""
    _check_workspace(conversation, member)
    messages, _ = await conversations.list_messages(
        session, conversation, after_seq=None, before_seq=None, limit=QUESTION_WINDOW
    )
    question = transcript.open_question([_line(m, {}) for m in messages])
    if not question:
        return ReplyContext(question="")
    workspace = await tenancy.get_workspace(session, conversation.workspace_id)
    threshold = WorkspaceSettings.model_validate(workspace.settings).bot_confidence_threshold
    passages = await retrieval.search(
        session, conversation.workspace_id, question, k=SEARCHED, embedder=embedder
    )
    sources = tuple(p for p in passages if p.confidence >= threshold)[:MAX_SOURCES]
    best = passages[0].confidence if passages else 0.0
    return ReplyContext(question=question, sources=sources, confidence=best)


async def draft_reply(context: ReplyContext, llm: LLMClient | None) -> SuggestionRead:
    """The reply, written by `llm` from the sources (None: the best source as it stands).
    No database here. Raises AssistUnavailable when the model fails or times out."""
    if not context.question:
        return _none(
            context,
            NoSuggestion.nothing_to_answer,
            "The customer has not written since the last reply: there is nothing to answer.",
        )
    if not context.sources:
        return _none(
            context,
            NoSuggestion.not_relevant,
            "Nothing in the knowledge base is relevant enough to suggest a reply "
            f"(best match {context.confidence:.0%}).",
        )
    try:
        draft = await (llm or ExtractiveLLM()).answer(context.question, context.sources)
    except LLMError as exc:
        log.warning("assist_llm_failed", error=str(exc), what="suggestion")
        raise AssistUnavailable(
            f"The language model could not draft a reply ({exc}) "
            "Try again in a moment, or write it yourself."
        ) from exc
    body = inert(draft.text)
    if not draft.grounded or not body:
        return _none(
            context,
            NoSuggestion.not_supported,
            "The knowledge base has related sources, but none that answers this question.",
        )
    cited = [context.sources[n - 1] for n in draft.cited]
    return SuggestionRead(
        body=body,
        sources=[_source(p) for p in cited],
        confidence=round(context.confidence, 3),
        drafted_by="knowledge_base" if llm is None else "model",
        question=context.question,
        reason=None,
        detail="A draft from the knowledge base: check it, edit it, then send it.",
    )


async def suggest_reply(
    session: AsyncSession,
    conversation: Conversation,
    member: WorkspacePrincipal,
    llm: LLMClient | None,
    embedder: Embedder | None,
) -> SuggestionRead:
    """Both steps in one session (see the module docstring)."""
    context = await prepare_reply(session, conversation, member, embedder=embedder)
    return await draft_reply(context, llm)


def _none(context: ReplyContext, reason: NoSuggestion, detail: str) -> SuggestionRead:
    return SuggestionRead(
        body="",
        sources=[],
        confidence=round(context.confidence, 3),
        drafted_by=None,
        question=context.question,
        reason=reason,
        detail=detail,
    )


def _source(passage: Passage) -> SourceRead:
    # An article's chunk starts with "Title — Heading" on a line of its own (chunking.py).
    text = passage.text
    if passage.source_kind == SourceKind.article and "\n" in text:
        text = text.split("\n", 1)[1]
    text = text.strip()
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rstrip() + "…"
    return SourceRead(
        source_kind=passage.source_kind,
        source_id=passage.source_id,
        title=passage.title,
        excerpt=text,
    )


# --- the summary ----------------------------------------------------------------------------


async def prepare_summary(
    session: AsyncSession, conversation: Conversation, member: WorkspacePrincipal
) -> SummaryContext:
    """The conversation's messages (notes included: the member sees them) with their
    authors' names, and what its row says now."""
    _check_workspace(conversation, member)
    newest, more = await conversations.list_messages(
        session, conversation, after_seq=None, before_seq=None, limit=SUMMARY_NEWEST
    )
    oldest: list[MessageRead] = []
    if more:
        first, _ = await conversations.list_messages(
            session, conversation, after_seq=0, before_seq=None, limit=SUMMARY_OLDEST
        )
        oldest = await conversations.describe_messages(session, first)
    read = await conversations.describe_messages(session, newest)
    names = {m.id: u.name for m, u in await tenancy.list_members(session, member)}
    [described] = await conversations.describe(session, [conversation])
    contact = described.contact.name or described.contact.email or "An anonymous visitor"
    known = {m.seq for m in read}
    messages = [m for m in oldest if m.seq not in known] + read
    facts = transcript.Facts(
        contact=contact,
        contact_email=described.contact.email if described.contact.name else None,
        channel=conversation.channel.value,
        status=conversation.status.value,
        owner=conversation.owner.value,
        subject=conversation.subject,
        assignee=names.get(conversation.assignee_id) if conversation.assignee_id else None,
    )
    lines = tuple(_line(m, names, contact) for m in messages)
    truncated = bool(oldest) and oldest[-1].seq + 1 < read[0].seq
    return SummaryContext(facts=facts, lines=lines, truncated=truncated)


async def write_summary(context: SummaryContext, model: Summariser | None) -> SummaryRead:
    """The summary, written by `model` (None: extracted). No database here. Raises
    AssistUnavailable when the model fails, times out or says nothing."""
    count = len(context.lines)
    if model is None or not context.lines:
        points = transcript.extractive_summary(context.facts, context.lines)
        if context.truncated:
            points.append(
                (
                    "Note",
                    f"A long conversation: its first {SUMMARY_OLDEST} and newest "
                    f"{SUMMARY_NEWEST} messages were read.",
                )
            )
        return SummaryRead(
            text="\n".join(f"{label}: {text}" for label, text in points),
            points=[SummaryPoint(label=label, text=text) for label, text in points],
            written_by="extract",
            messages_read=count,
        )
    try:
        written = inert(await model.summarise(transcript.transcript(context.lines)))
    except LLMError as exc:
        log.warning("assist_llm_failed", error=str(exc), what="summary")
        raise AssistUnavailable(
            f"The language model could not summarise this conversation ({exc}) "
            "Try again in a moment."
        ) from exc
    if not written:
        raise AssistUnavailable("The language model returned an empty summary. Try again.")
    return SummaryRead(text=written, points=[], written_by="model", messages_read=count)


async def summarise(
    session: AsyncSession,
    conversation: Conversation,
    member: WorkspacePrincipal,
    model: Summariser | None,
) -> SummaryRead:
    """Both steps in one session (see the module docstring)."""
    return await write_summary(await prepare_summary(session, conversation, member), model)


def _line(
    message: Message | MessageRead, names: dict[uuid.UUID, str], contact: str = ""
) -> transcript.Line:
    kind = message.sender_kind.value
    data = message.data or {}
    if kind == "contact":
        author = contact
    elif kind == "bot":
        author = "Bot"
    elif message.sender_member_id is not None:
        author = names.get(message.sender_member_id, "A colleague")
    elif data.get("api_key"):
        author = f"API: {data['api_key']}"
    else:
        author = ""
    reason = data.get("reason")
    files = message.attachments if isinstance(message, MessageRead) else ()
    return transcript.Line(
        kind=kind,
        author=author,
        text=message.body,
        private=message.private,
        event=message.event,
        reason=str(reason) if reason else None,
        files=len(files),
    )
