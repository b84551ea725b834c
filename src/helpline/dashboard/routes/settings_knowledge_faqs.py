"""FAQ entries on the knowledge base's settings pages (owners and admins): list, create, edit,
delete, through the knowledge service as knowledge/api.py does. Phrasings are typed one per
line, tags separated by commas."""

import uuid
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.core.pagination import PageParams, decode_cursor
from helpline.dashboard.guards import Manager, ManagerWrite, Viewer
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    refuse,
    saved,
    settings_page,
    validated,
)
from helpline.dashboard.routes.settings_knowledge_support import KNOWLEDGE
from helpline.knowledge import service as knowledge
from helpline.knowledge.access import access_faq
from helpline.knowledge.models import FaqEntry
from helpline.knowledge.repository import FaqRepository
from helpline.knowledge.schemas import FaqCreate, FaqUpdate

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FAQS: Final = KNOWLEDGE + "/faqs"
PAGE_SIZE: Final = 50
FIELD_LABELS: Final = {
    "question": "The question",
    "answer": "The answer",
    "phrasings": "Other phrasings",
    "tags": "Tags",
}
Search = Annotated[str | None, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=100)]
# Up to 500 phrasings of up to 500 characters each (FaqCreate): room for them, explained
# by the page (validated) when they are too many or too long.
Lines = Annotated[str, Form(max_length=300_000)]
Checkbox = Annotated[str | None, Form(max_length=10)]


@router.get(FAQS)
async def faqs_page(
    request: Request, session: SessionDep, viewer: Manager, q: Search = None, cursor: Cursor = None
) -> Response:
    return await _list(request, session, viewer, q=q, cursor=cursor)


async def _list(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    *,
    q: str | None = None,
    cursor: str | None = None,
    refusal: Refusal | None = None,
) -> Response:
    faqs = FaqRepository(session, workspace_id=viewer.principal.workspace_id)
    page = PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=PAGE_SIZE)
    found, next_cursor = await faqs.newest_asking(q, page)
    context = {
        "faqs": found,
        "next_cursor": next_cursor,
        "q": q or "",
        "paged": bool(cursor),
        "tab": "faqs",
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/knowledge_faqs.html",
        context,
        active="knowledge",
        refusal=refusal,
    )


def _values(
    question: str, answer: str, phrasings: str, tags: str, published: str | None
) -> dict[str, Any]:
    return {
        "question": question,
        "answer": answer,
        "phrasings": [line.strip() for line in phrasings.splitlines() if line.strip()],
        "tags": [tag.strip() for tag in tags.split(",") if tag.strip()],
        "published": published is not None,
    }


def _typed(
    question: str, answer: str, phrasings: str, tags: str, published: str | None
) -> dict[str, Any]:
    return {
        "question": question,
        "answer": answer,
        "phrasings": phrasings,
        "tags": tags,
        "published": published is not None,
    }


@router.post(FAQS)
async def create_faq(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    question: Text = "",
    answer: Text = "",
    phrasings: Lines = "",
    tags: Text = "",
    published: Checkbox = None,
) -> Response:
    typed = _typed(question, answer, phrasings, tags, published)
    try:
        values = validated(
            FaqCreate, _values(question, answer, phrasings, tags, published), FIELD_LABELS
        )
        workspace_id = viewer.principal.workspace_id
        await knowledge.create_faq(session, viewer.principal, workspace_id, **values.model_dump())
    except AppError as error:
        refusal = await refuse(session, error, "faq", typed)
        return await _list(request, session, viewer, refusal=refusal)
    return saved(FAQS, "created")


async def _edit(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    faq: FaqEntry,
    refusal: Refusal | None = None,
) -> Response:
    context: dict[str, Any] = {"faq": faq, "tab": "faqs"}
    return await settings_page(
        request,
        session,
        viewer,
        "settings/knowledge_faq.html",
        context,
        active="knowledge",
        refusal=refusal,
    )


@router.get(FAQS + "/{faq_id}")
async def edit_faq_page(
    request: Request, session: SessionDep, viewer: Manager, faq_id: uuid.UUID
) -> Response:
    return await _edit(
        request, session, viewer, await access_faq(session, viewer.principal, faq_id)
    )


@router.post(FAQS + "/{faq_id}")
async def update_faq(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    faq_id: uuid.UUID,
    question: Text = "",
    answer: Text = "",
    phrasings: Lines = "",
    tags: Text = "",
    published: Checkbox = None,
) -> Response:
    faq = await access_faq(session, viewer.principal, faq_id)
    typed = _typed(question, answer, phrasings, tags, published)
    try:
        values = validated(
            FaqUpdate, _values(question, answer, phrasings, tags, published), FIELD_LABELS
        )
        changes = values.model_dump(exclude_unset=True)
        await knowledge.update_faq(session, viewer.principal, faq, changes=changes)
    except AppError as error:
        refusal = await refuse(session, error, "faq", typed)
        # The rollback expired the entry: read it again for the page.
        again = await access_faq(session, viewer.principal, faq_id)
        return await _edit(request, session, viewer, again, refusal)
    return saved(f"{FAQS}/{faq.id}")


@router.get(FAQS + "/{faq_id}/delete")
async def confirm_faq_deletion(
    request: Request, session: SessionDep, viewer: Manager, faq_id: uuid.UUID
) -> Response:
    faq = await access_faq(session, viewer.principal, faq_id)
    context = {
        "heading": "Delete a FAQ entry",
        "question": f"Delete the FAQ entry “{faq.question}”?",
        "consequence": "The bot stops answering with it at once.",
        "action": f"{FAQS}/{faq.id}/delete",
        "button": "Delete",
        "back": f"{FAQS}/{faq.id}",
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="knowledge"
    )


@router.post(FAQS + "/{faq_id}/delete")
async def delete_faq(session: SessionDep, viewer: ManagerWrite, faq_id: uuid.UUID) -> Response:
    faq = await access_faq(session, viewer.principal, faq_id)
    await knowledge.delete_faq(session, viewer.principal, faq)
    return saved(FAQS, "deleted")
