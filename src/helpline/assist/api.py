"""Agent assist over REST: a suggested reply and a summary of one conversation, for whoever
may read it (members by team visibility, API keys with conversations:read)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.assist import service as assist
from helpline.assist.llm import summariser
from helpline.assist.schemas import SuggestionRead, SummaryRead
from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import ALL_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.bot.llm import llm_client
from helpline.conversations.access import access_conversation
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import NotFound, responses
from helpline.knowledge import embeddings
from helpline.llm import service as llm_config

router = APIRouter(prefix="/api/v1", tags=["agent assist"])

ConversationsReader = Annotated[
    MemberPrincipal | ApiKeyPrincipal,
    Depends(WorkspaceAuth(ALL_ROLES, Scope.conversations_read)),
]
BY_ID = "/conversations/{conversation_id}"
ERRORS = responses(NotFound, assist.AssistUnavailable)


async def _end_reading(session: AsyncSession) -> None:
    # The request's transaction (the credential check and the reads) ends before the model
    # is called: a slow model must hold no transaction, nor on SQLite the write lock
    # (docs/bot.md, Transactions). Nothing here wrote but an API key's last use, which is as
    # good committed now as when the request ends.
    await session.commit()


@router.post(f"{BY_ID}/suggested-reply", responses=ERRORS)
async def suggest_reply(
    conversation_id: uuid.UUID,
    principal: ConversationsReader,
    session: SessionDep,
    runtime: RuntimeDep,
) -> SuggestionRead:
    """A reply to the contact's latest messages drafted from the knowledge base, with its
    sources, for you to edit and send (nothing is sent); or why there is none."""
    conversation = await access_conversation(session, principal, conversation_id)
    settings = runtime.settings
    context = await assist.prepare_reply(
        session, conversation, principal, embedder=embeddings.for_answers(settings)
    )
    endpoint = await llm_config.endpoint_for(session, settings, principal.workspace_id)
    await _end_reading(session)
    return await assist.draft_reply(context, None if endpoint is None else llm_client(endpoint))


@router.post(f"{BY_ID}/summary", responses=ERRORS)
async def summarise(
    conversation_id: uuid.UUID,
    principal: ConversationsReader,
    session: SessionDep,
    runtime: RuntimeDep,
) -> SummaryRead:
    """A short summary of the conversation, notes included: written by the configured
    language model, or else quoted from the conversation itself."""
    conversation = await access_conversation(session, principal, conversation_id)
    context = await assist.prepare_summary(session, conversation, principal)
    endpoint = await llm_config.endpoint_for(session, runtime.settings, principal.workspace_id)
    await _end_reading(session)
    return await assist.write_summary(context, summariser(endpoint))
