"""Conversations for website visitors, through the widget: their own conversations only,
in the narrow visitor shapes (VisitorConversationRead, VisitorMessageRead), never notes,
and the files they may see.

Every route takes the visitor token (VisitorAuth). Another contact's conversation or file,
even in the same workspace, is a 404 identical to a missing id.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from helpline.auth.dependencies import Visitor
from helpline.auth.principals import VisitorPrincipal
from helpline.contacts import service as contacts
from helpline.conversations import service as conversations
from helpline.conversations.access import (
    access_attachment_for_contact,
    access_visitor_conversation,
)
from helpline.conversations.models import Channel
from helpline.conversations.schemas import (
    DEFAULT_MESSAGES_PAGE,
    MAX_MESSAGES_PAGE,
    AttachmentRead,
    CsatCreate,
    CsatRead,
    OfflineMessageCreate,
    ReadCursorRead,
    ReadRequest,
    VisitorConversationCreate,
    VisitorConversationRead,
    VisitorConversationSummary,
    VisitorMessageCreate,
    VisitorMessagePage,
    VisitorMessageRead,
)
from helpline.core.deps import RateLimiterDep, RuntimeDep, SessionDep, SettingsDep
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
from helpline.storage import CHUNK_BYTES
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
) -> Page[VisitorConversationSummary]:
    """Your conversations, newest first, each with its newest message, whether the team
    wrote since you last read it, and your rating."""
    rows, next_cursor = await conversations.list_for_visitor(session, _actor(principal), page)
    items = await conversations.describe_for_visitor(session, principal.contact_id, rows)
    return Page(items=items, next_cursor=next_cursor)


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


# A conversation left outside business hours waits under this label for an answer by email.
OFFLINE_LABEL = "offline"


@router.post(
    "/offline-messages",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        NotAuthenticated, RateLimited, conversations.InvalidMessage, contacts.InvalidContact
    ),
)
async def leave_offline_message(
    body: OfflineMessageCreate,
    principal: Visitor,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> VisitorConversationRead:
    """Leave a message while the team is away: your email is kept on you, and the
    conversation waits, labelled `offline`, for an answer by email."""
    await visitors.enforce_message_limit(limiter, settings, principal)
    profile: dict[str, str | None] = {"email": body.email}
    if body.name:
        profile["name"] = body.name
    contact = await visitors.update_visitor(session, principal, changes=profile)
    actor = _actor(principal)
    conversation = await conversations.start_conversation(
        session, actor, contact, channel=Channel.widget, subject="", body=body.body
    )
    await conversations.set_labels(session, actor, conversation, [OFFLINE_LABEL])
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
    items = await conversations.describe_visitor_messages(session, messages)
    return VisitorMessagePage(items=items, has_more=has_more)


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
    """Send a message, with files uploaded to this conversation in `attachment_ids` (then
    the body may be empty); a retry with the same client_message_id returns the original
    message with 200 instead of 201."""
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
        attachment_ids=body.attachment_ids,
    )
    if not posted.created:
        response.status_code = status.HTTP_200_OK
    # The visitor's own message: always one they see.
    [view] = await conversations.describe_visitor_messages(session, [posted.message])
    return view


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


@router.post(
    f"{BY_ID}/rating",
    responses=responses(
        NotAuthenticated, NotFound, conversations.ConversationNotResolved, conversations.RatingFinal
    ),
)
async def rate_conversation(
    conversation_id: uuid.UUID, body: CsatCreate, principal: Visitor, session: SessionDep
) -> CsatRead:
    """Rate one of your resolved conversations from 1 to 5, with an optional comment; you
    may change your rating for 7 days."""
    conversation = await access_visitor_conversation(session, principal, conversation_id)
    rated = await conversations.rate(
        session, _actor(principal), conversation, rating=body.rating, comment=body.comment
    )
    return CsatRead.model_validate(
        {
            "rating": rated.csat_rating,
            "comment": rated.csat_comment,
            "rated_at": rated.csat_rated_at,
        }
    )


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK_BYTES):
        yield chunk


@router.post(
    f"{BY_ID}/attachments",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        NotAuthenticated,
        NotFound,
        Conflict,
        RateLimited,
        conversations.AttachmentTooLarge,
        conversations.AttachmentTypeNotAllowed,
    ),
)
async def upload_attachment(
    conversation_id: uuid.UUID,
    file: Annotated[
        UploadFile, File(description="The file, as a multipart/form-data part named `file`.")
    ],
    principal: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    limiter: RateLimiterDep,
) -> AttachmentRead:
    """Upload a file to send in one of your conversations: pass its id in a message's
    `attachment_ids`. The limits and accepted types are the agents' (docs/attachments.md)."""
    conversation = await access_visitor_conversation(session, principal, conversation_id)
    await visitors.enforce_upload_limit(limiter, runtime.settings, principal)
    attachment = await conversations.upload(
        session,
        runtime.storage,
        _actor(principal),
        conversation,
        filename=file.filename or "",
        content_type=file.content_type or "",
        stream=_chunks(file),
        settings=runtime.settings,
    )
    return conversations.describe_attachment(
        attachment, url_base=conversations.WIDGET_DOWNLOAD_BASE
    )


@router.get(
    "/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The file's bytes.", "content": {"application/octet-stream": {}}},
        **responses(NotAuthenticated, NotFound),
    },
)
async def download_attachment(
    attachment_id: uuid.UUID, principal: Visitor, session: SessionDep, runtime: RuntimeDep
) -> StreamingResponse:
    """Download a file of a message you can see, or one you uploaded and have not sent yet.
    Raster images may be shown inline; every other type is sent as a download."""
    attachment = await access_attachment_for_contact(
        session, principal.workspace_id, principal.contact_id, attachment_id
    )
    chunks = await conversations.open_attachment(runtime.storage, attachment)
    return StreamingResponse(chunks, headers=conversations.serving_headers(attachment))
