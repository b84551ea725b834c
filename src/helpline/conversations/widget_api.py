"""Conversations for website visitors, through the widget: their own conversations only,
in the narrow visitor shapes (VisitorConversationRead, VisitorMessageRead), never notes.

Every route takes the visitor token (VisitorAuth). Another contact's conversation, even in
the same workspace, is a 404 identical to a missing id.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from helpline.auth.dependencies import Visitor
from helpline.auth.principals import VisitorPrincipal
from helpline.conversations import service as conversations
from helpline.conversations.access import access_visitor_conversation
from helpline.conversations.models import Channel
from helpline.conversations.schemas import (
    DEFAULT_MESSAGES_PAGE,
    MAX_MESSAGES_PAGE,
    ReadCursorRead,
    ReadRequest,
    VisitorConversationCreate,
    VisitorConversationRead,
    VisitorMessageCreate,
    VisitorMessagePage,
    VisitorMessageRead,
)
from helpline.core.deps import RateLimiterDep, SessionDep, SettingsDep
from helpline.core.errors import (
    BadRequest,
    Conflict,
    NotAuthenticated,
    NotFound,
    RateLimited,
    responses,
)
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page
from helpline.visitors import service as visitors

router = APIRouter(prefix="/api/v1/widget", tags=["widget"])

BY_ID = "/conversations/{conversation_id}"
NOT_FOUND = responses(NotAuthenticated, NotFound)


def _actor(principal: VisitorPrincipal) -> conversations.ContactActor:
    return conversations.ContactActor(
        workspace_id=principal.workspace_id, contact_id=principal.contact_id
    )


@router.get("/conversations", responses=responses(NotAuthenticated, BadRequest))
async def list_conversations(
    principal: Visitor, session: SessionDep, page: PageParamsDep
) -> Page[VisitorConversationRead]:
    """Your conversations, newest first."""
    rows, next_cursor = await conversations.list_for_visitor(session, _actor(principal), page)
    return Page(items=[VisitorConversationRead.of(c) for c in rows], next_cursor=next_cursor)


@router.post(
    "/conversations",
    status_code=status.HTTP_201_CREATED,
    responses=responses(NotAuthenticated, RateLimited, conversations.InvalidMessage),
)
async def start_conversation(
    body: VisitorConversationCreate,
    principal: Visitor,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> VisitorConversationRead:
    """Start a conversation, optionally with your first message."""
    if body.body is not None:
        await visitors.enforce_message_limit(limiter, settings, principal)
    contact = await visitors.get_visitor(session, principal)
    conversation = await conversations.start_conversation(
        session,
        _actor(principal),
        contact,
        channel=Channel.widget,
        subject=body.subject,
        body=body.body,
    )
    return VisitorConversationRead.of(conversation)


@router.get(BY_ID, responses=NOT_FOUND)
async def get_conversation(
    conversation_id: uuid.UUID, principal: Visitor, session: SessionDep
) -> VisitorConversationRead:
    """One of your conversations."""
    conversation = await access_visitor_conversation(session, principal, conversation_id)
    return VisitorConversationRead.of(conversation)


@router.get(f"{BY_ID}/messages", responses=NOT_FOUND)
async def list_messages(
    conversation_id: uuid.UUID,
    principal: Visitor,
    session: SessionDep,
    after_seq: Annotated[int | None, Query(ge=0, description="read forwards from here")] = None,
    before_seq: Annotated[int | None, Query(ge=1, description="read backwards from here")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MESSAGES_PAGE)] = DEFAULT_MESSAGES_PAGE,
) -> VisitorMessagePage:
    """Messages you can see, in ascending seq: after `after_seq`, or else the newest (before
    `before_seq` if given); `has_more` says whether more lie in that direction."""
    conversation = await access_visitor_conversation(session, principal, conversation_id)
    messages, has_more = await conversations.list_messages(
        session,
        conversation,
        after_seq=after_seq,
        before_seq=before_seq,
        limit=limit,
        include_private=False,
    )
    return VisitorMessagePage(items=[VisitorMessageRead.of(m) for m in messages], has_more=has_more)


_REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"model": VisitorMessageRead, "description": "A retry: the message first sent."}
}


@router.post(
    f"{BY_ID}/messages",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_REPLAYED,
        **responses(NotAuthenticated, NotFound, Conflict, RateLimited),
        **responses(conversations.InvalidMessage),
    },
)
async def post_message(
    conversation_id: uuid.UUID,
    body: VisitorMessageCreate,
    principal: Visitor,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    response: Response,
) -> VisitorMessageRead:
    """Send a message; a retry with the same client_message_id returns the original message
    with 200 instead of 201."""
    conversation = await access_visitor_conversation(
        session, principal, conversation_id, for_write=True
    )
    await visitors.enforce_message_limit(limiter, settings, principal)
    posted = await conversations.post_message(
        session,
        _actor(principal),
        conversation,
        body=body.body,
        client_message_id=body.client_message_id,
    )
    if not posted.created:
        response.status_code = status.HTTP_200_OK
    return VisitorMessageRead.of(posted.message)


@router.post(
    f"{BY_ID}/read",
    responses=responses(NotAuthenticated, NotFound, conversations.InvalidReadPosition),
)
async def mark_read(
    conversation_id: uuid.UUID, body: ReadRequest, principal: Visitor, session: SessionDep
) -> ReadCursorRead:
    """Mark the conversation read up to `seq`; the position never moves back."""
    conversation = await access_visitor_conversation(session, principal, conversation_id)
    last_read = await conversations.mark_read(session, _actor(principal), conversation, body.seq)
    return ReadCursorRead(conversation_id=conversation.id, last_read_seq=last_read)
