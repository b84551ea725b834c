"""Suggested FAQ entries over REST: owners and admins review what agents answered in resolved
conversations (API keys: knowledge:read to list, knowledge:write to decide)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import MANAGER_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.core.deps import SessionDep
from helpline.core.errors import BadRequest, Conflict, NotFound, responses
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page
from helpline.knowledge.suggestions import service as suggestions
from helpline.knowledge.suggestions.access import access_suggestion
from helpline.knowledge.suggestions.models import SuggestionStatus
from helpline.knowledge.suggestions.schemas import SuggestionApproval, SuggestionRead

router = APIRouter(prefix="/api/v1/knowledge/suggestions", tags=["knowledge"])

Principal = MemberPrincipal | ApiKeyPrincipal
# What agents wrote to customers is reviewed by those who edit the knowledge base.
Reviewer = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.knowledge_read))]
Decider = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.knowledge_write))]
DECIDE_ERRORS = responses(NotFound, Conflict)


@router.get("", responses=responses(BadRequest))
async def list_suggestions(
    principal: Reviewer,
    session: SessionDep,
    page: PageParamsDep,
    status: Annotated[SuggestionStatus | None, Query()] = SuggestionStatus.pending,
) -> Page[SuggestionRead]:
    """Suggestions, oldest first, pending ones unless `status` says otherwise."""
    found, next_cursor = await suggestions.list_suggestions(session, principal, page, status)
    return Page(items=[SuggestionRead.model_validate(s) for s in found], next_cursor=next_cursor)


@router.post("/{suggestion_id}/approve", responses=DECIDE_ERRORS)
async def approve_suggestion(
    suggestion_id: uuid.UUID,
    body: SuggestionApproval,
    principal: Decider,
    session: SessionDep,
) -> SuggestionRead:
    """Add the suggestion to the FAQ (published), with the edits sent; its `faq_id` is the new
    entry. 409 if it was already approved or dismissed."""
    suggestion = await access_suggestion(session, principal, suggestion_id)
    await suggestions.approve(session, principal, suggestion, body)
    return SuggestionRead.model_validate(suggestion)


@router.post("/{suggestion_id}/dismiss", responses=DECIDE_ERRORS)
async def dismiss_suggestion(
    suggestion_id: uuid.UUID, principal: Decider, session: SessionDep
) -> SuggestionRead:
    """Not a FAQ entry: it leaves the pending list. 409 if already decided."""
    suggestion = await access_suggestion(session, principal, suggestion_id)
    await suggestions.dismiss(session, principal, suggestion)
    return SuggestionRead.model_validate(suggestion)
