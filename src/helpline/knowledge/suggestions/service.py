"""Suggested FAQ entries: mined from resolved conversations by a job, approved into the
knowledge base or dismissed by owners and admins.

A conversation is mined once (one suggestion per conversation), and only when the knowledge
base does not already answer its question: retrieval, in the conversation's own workspace,
finds nothing at or above the bot's confidence threshold."""

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import MemberPrincipal, WorkspacePrincipal
from helpline.conversations import service as conversations
from helpline.conversations.models import Status
from helpline.conversations.repository import ConversationRepository
from helpline.core.errors import Conflict
from helpline.core.ids import new_id
from helpline.core.pagination import PageParams
from helpline.core.time import utc_now
from helpline.knowledge import embeddings, retrieval
from helpline.knowledge import service as knowledge
from helpline.knowledge.suggestions import mining
from helpline.knowledge.suggestions.jobs import SuggestFaqArgs
from helpline.knowledge.suggestions.models import FaqSuggestion, SuggestionStatus
from helpline.knowledge.suggestions.repository import SuggestionRepository
from helpline.knowledge.suggestions.schemas import SuggestionApproval
from helpline.settings import Settings
from helpline.tenancy.repository import WorkspaceLookup
from helpline.tenancy.schemas import WorkspaceSettings

# The first messages of a conversation hold its first question and the team's first answer.
MINED_MESSAGES: Final = 50


class AlreadyDecided(Conflict):
    default_detail = "This suggestion was already approved or dismissed."


async def suggest_from_conversation(
    session: AsyncSession, settings: Settings, args: SuggestFaqArgs
) -> FaqSuggestion | None:
    """The job: a pending suggestion from the resolved conversation, or None (mined before,
    reopened since, nothing to suggest, or already answered by the knowledge base)."""
    suggestions = SuggestionRepository(session, workspace_id=args.workspace_id)
    if await suggestions.for_conversation(args.conversation_id) is not None:
        return None
    found = ConversationRepository(session, workspace_id=args.workspace_id)
    conversation = await found.get(args.conversation_id)
    if conversation is None or conversation.status != Status.resolved:
        return None
    messages, _ = await conversations.list_messages(
        session, conversation, after_seq=0, before_seq=None, limit=MINED_MESSAGES
    )
    said = [mining.Said(m.sender_kind.value, m.body, m.private) for m in messages]
    pair = mining.question_and_answer(said)
    if pair is None or await _answered_already(session, settings, args.workspace_id, pair):
        return None
    suggestion = FaqSuggestion(
        id=new_id(),
        workspace_id=args.workspace_id,
        conversation_id=conversation.id,
        question=pair.question,
        answer=pair.answer,
    )
    suggestions.add(suggestion)
    await session.flush()
    return suggestion


async def _answered_already(
    session: AsyncSession, settings: Settings, workspace_id: uuid.UUID, pair: mining.Pair
) -> bool:
    workspace = await WorkspaceLookup(session).get(workspace_id)
    if workspace is None:
        return True
    threshold = WorkspaceSettings.model_validate(workspace.settings).bot_confidence_threshold
    embedder = embeddings.for_answers(settings)
    passages = await retrieval.search(session, workspace_id, pair.question, 1, embedder=embedder)
    return bool(passages) and passages[0].confidence >= threshold


async def list_suggestions(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    page: PageParams,
    status: SuggestionStatus | None,
) -> tuple[Sequence[FaqSuggestion], str | None]:
    repository = SuggestionRepository(session, workspace_id=principal.workspace_id)
    return await repository.page(page, status)


async def approve(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    suggestion: FaqSuggestion,
    approval: SuggestionApproval,
) -> FaqSuggestion:
    """Create the FAQ entry (published, searchable at once) from the suggestion, edited by
    `approval` where it says so."""
    _pending(suggestion)
    faq = await knowledge.create_faq(
        session,
        principal,
        suggestion.workspace_id,
        question=approval.question or suggestion.question,
        answer=approval.answer or suggestion.answer,
        phrasings=approval.phrasings,
        tags=approval.tags,
    )
    suggestion.faq_id = faq.id
    _decide(session, principal, suggestion, SuggestionStatus.approved)
    await session.flush()
    return suggestion


async def dismiss(
    session: AsyncSession, principal: WorkspacePrincipal, suggestion: FaqSuggestion
) -> FaqSuggestion:
    _pending(suggestion)
    _decide(session, principal, suggestion, SuggestionStatus.dismissed)
    await session.flush()
    return suggestion


def _pending(suggestion: FaqSuggestion) -> None:
    if suggestion.status != SuggestionStatus.pending:
        raise AlreadyDecided(
            f"This suggestion was already {suggestion.status.value}: nothing was changed."
        )


def _decide(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    suggestion: FaqSuggestion,
    status: SuggestionStatus,
) -> None:
    suggestion.status = status
    suggestion.decided_at = utc_now()
    if isinstance(principal, MemberPrincipal):
        suggestion.decided_by_id = principal.membership_id
    audit.record(
        session,
        principal,
        workspace_id=suggestion.workspace_id,
        action=f"knowledge.suggestion_{status.value}",
        target_type="faq_suggestion",
        target_id=suggestion.id,
    )
