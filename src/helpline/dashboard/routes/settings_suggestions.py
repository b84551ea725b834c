"""Suggested FAQ entries (owners and admins): what agents answered in resolved conversations,
to approve into the knowledge base (edited first if need be) or dismiss, through the same
service as knowledge/suggestions/api.py."""

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.core.pagination import PageParams, decode_cursor
from helpline.dashboard.guards import Manager, ManagerWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    refuse,
    saved,
    settings_page,
    validated,
)
from helpline.knowledge.suggestions import service as suggestions
from helpline.knowledge.suggestions.access import access_suggestion
from helpline.knowledge.suggestions.models import SuggestionStatus
from helpline.knowledge.suggestions.schemas import SuggestionApproval

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SUGGESTIONS: Final = "/app/settings/knowledge/suggestions"
PAGE_SIZE: Final = 20
FIELD_LABELS: Final = {
    "question": "The question",
    "answer": "The answer",
    "phrasings": "A phrasing",
}
Cursor = Annotated[str | None, Query(max_length=100)]


async def _list(
    request: Request,
    session: SessionDep,
    viewer: Manager,
    *,
    cursor: str | None = None,
    refusal: Refusal | None = None,
) -> Response:
    page = PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=PAGE_SIZE)
    found, next_cursor = await suggestions.list_suggestions(
        session, viewer.principal, page, SuggestionStatus.pending
    )
    context = {"suggestions": found, "next_cursor": next_cursor, "paged": bool(cursor)}
    return await settings_page(
        request,
        session,
        viewer,
        "settings/suggestions.html",
        context,
        active="suggestions",
        refusal=refusal,
    )


@router.get(SUGGESTIONS)
async def suggestions_page(
    request: Request, session: SessionDep, viewer: Manager, cursor: Cursor = None
) -> Response:
    return await _list(request, session, viewer, cursor=cursor)


@router.post(SUGGESTIONS + "/{suggestion_id}/approve")
async def approve_suggestion(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    suggestion_id: uuid.UUID,
    question: Text = "",
    answer: Text = "",
    phrasings: Text = "",
) -> Response:
    suggestion = await access_suggestion(session, viewer.principal, suggestion_id)
    typed = {"question": question, "answer": answer, "phrasings": phrasings}
    lines = [line.strip() for line in phrasings.splitlines() if line.strip()]
    try:
        approval = validated(
            SuggestionApproval,
            {"question": question.strip(), "answer": answer.strip(), "phrasings": lines},
            FIELD_LABELS,
        )
        await suggestions.approve(session, viewer.principal, suggestion, approval)
    except AppError as error:
        refusal = await refuse(session, error, str(suggestion_id), typed)
        return await _list(request, session, viewer, refusal=refusal)
    return saved(SUGGESTIONS, "approved")


@router.post(SUGGESTIONS + "/{suggestion_id}/dismiss")
async def dismiss_suggestion(
    request: Request, session: SessionDep, viewer: ManagerWrite, suggestion_id: uuid.UUID
) -> Response:
    suggestion = await access_suggestion(session, viewer.principal, suggestion_id)
    try:
        await suggestions.dismiss(session, viewer.principal, suggestion)
    except AppError as error:
        refusal = await refuse(session, error, str(suggestion_id), {})
        return await _list(request, session, viewer, refusal=refusal)
    return saved(SUGGESTIONS, "dismissed")
