"""Conversations and their messages, for agents and API keys.

Every role may work conversations; team visibility (access_conversation) decides which.
"""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import ALL_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.contacts.access import access_contact
from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.models import Conversation, Status
from helpline.conversations.schemas import (
    DEFAULT_MESSAGES_PAGE,
    MAX_MESSAGES_PAGE,
    AssignRequest,
    ConversationCreate,
    ConversationDetail,
    ConversationListItem,
    ConversationRead,
    ConversationUpdate,
    LabelsRequest,
    MergeRequest,
    MessageCreate,
    MessagePage,
    MessageRead,
    ReadCursorRead,
    ReadRequest,
    SnoozeRequest,
    TeamRequest,
)
from helpline.core.deps import SessionDep
from helpline.core.errors import BadRequest, Conflict, NotFound, PermissionDenied, responses
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page
from helpline.tenancy.access import access_member, access_team

router = APIRouter(prefix="/api/v1", tags=["conversations"])

Principal = MemberPrincipal | ApiKeyPrincipal
ConversationsReader = Annotated[
    Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.conversations_read))
]
ConversationsWriter = Annotated[
    Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.conversations_write))
]

BY_ID = "/conversations/{conversation_id}"
NOT_FOUND = responses(NotFound)
WRITE_ERRORS = responses(NotFound, Conflict)


async def _read(session: AsyncSession, conversation: Conversation) -> ConversationRead:
    [read] = await conversations.describe(session, [conversation])
    return read


@router.get("/conversations", responses=responses(BadRequest, NotFound))
async def list_conversations(
    principal: ConversationsReader,
    session: SessionDep,
    page: PageParamsDep,
    status: Status | None = None,
    assignee: Annotated[
        Literal["me", "unassigned"] | uuid.UUID | None,
        Query(description="me, unassigned, or a member id"),
    ] = None,
    team_id: uuid.UUID | None = None,
    label: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="text in subject, contact or messages"),
    ] = None,
) -> Page[ConversationListItem]:
    """The conversations you can see, newest first, filtered."""
    if isinstance(assignee, uuid.UUID):
        await access_member(session, principal, assignee)
    team = await access_team(session, principal, team_id) if team_id is not None else None
    rows, next_cursor = await conversations.list_conversations(
        session, principal, page, status=status, assignee=assignee, team=team, label=label, text=q
    )
    items = await conversations.describe_list(session, principal, rows)
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/conversations",
    status_code=status.HTTP_201_CREATED,
    responses=responses(NotFound, conversations.InvalidMessage),
)
async def start_conversation(
    body: ConversationCreate, principal: ConversationsWriter, session: SessionDep
) -> ConversationRead:
    """Start a conversation with a contact, optionally with a first message from you."""
    contact = await access_contact(session, principal, body.contact_id)
    conversation = await conversations.start_conversation(
        session, principal, contact, channel=body.channel, subject=body.subject, body=body.body
    )
    return await _read(session, conversation)


@router.get(BY_ID, responses=NOT_FOUND)
async def get_conversation(
    conversation_id: uuid.UUID, principal: ConversationsReader, session: SessionDep
) -> ConversationDetail:
    """One conversation, with how far its contact has read (`contact_read_seq`)."""
    conversation = await access_conversation(session, principal, conversation_id)
    return await conversations.describe_one(session, conversation)


@router.patch(BY_ID, responses=WRITE_ERRORS)
async def update_conversation(
    conversation_id: uuid.UUID,
    body: ConversationUpdate,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ConversationRead:
    """Change the status (open, pending, resolved), priority or subject."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    await conversations.update_conversation(
        session,
        principal,
        conversation,
        status=body.status,
        priority=body.priority,
        subject=body.subject,
    )
    return await _read(session, conversation)


@router.post(f"{BY_ID}/assign", responses=WRITE_ERRORS)
async def assign_conversation(
    conversation_id: uuid.UUID,
    body: AssignRequest,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ConversationRead:
    """Assign to a member of the workspace, or unassign with null."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    member = None
    if body.member_id is not None:
        member, _ = await access_member(session, principal, body.member_id)
    await conversations.assign(session, principal, conversation, member)
    return await _read(session, conversation)


@router.post(f"{BY_ID}/claim", responses=responses(NotFound, PermissionDenied, Conflict))
async def claim_conversation(
    conversation_id: uuid.UUID, principal: ConversationsWriter, session: SessionDep
) -> ConversationRead:
    """Take an unassigned conversation (members only); 409 if someone else already has it."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    await conversations.claim(session, principal, conversation)
    return await _read(session, conversation)


@router.post(f"{BY_ID}/team", responses=WRITE_ERRORS)
async def set_conversation_team(
    conversation_id: uuid.UUID,
    body: TeamRequest,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ConversationRead:
    """Route to a team, or to no team with null."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    team = None
    if body.team_id is not None:
        team = await access_team(session, principal, body.team_id)
    await conversations.set_team(session, principal, conversation, team)
    return await _read(session, conversation)


@router.put(f"{BY_ID}/labels", responses=responses(NotFound, Conflict, conversations.InvalidLabels))
async def set_conversation_labels(
    conversation_id: uuid.UUID,
    body: LabelsRequest,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ConversationRead:
    """Replace the labels (lowercase; 1-50 of a-z, 0-9, space, - and _; at most 20)."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    await conversations.set_labels(session, principal, conversation, body.labels)
    return await _read(session, conversation)


@router.post(
    f"{BY_ID}/snooze", responses=responses(NotFound, Conflict, conversations.InvalidSnooze)
)
async def snooze_conversation(
    conversation_id: uuid.UUID,
    body: SnoozeRequest,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ConversationRead:
    """Snooze until a future time; the conversation reopens by itself then."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    await conversations.snooze(session, principal, conversation, until=body.until)
    return await _read(session, conversation)


@router.post(f"{BY_ID}/merge", responses=WRITE_ERRORS)
async def merge_conversation(
    conversation_id: uuid.UUID,
    body: MergeRequest,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ConversationRead:
    """Merge this conversation into another one; this one is resolved and points there."""
    # Not locked here: the service locks both rows in a fixed order, which avoids deadlocks.
    source = await access_conversation(session, principal, conversation_id)
    target = await access_conversation(session, principal, body.into_conversation_id)
    await conversations.merge(session, principal, source, target)
    return await _read(session, source)


@router.get(f"{BY_ID}/messages", responses=NOT_FOUND)
async def list_messages(
    conversation_id: uuid.UUID,
    principal: ConversationsReader,
    session: SessionDep,
    after_seq: Annotated[int | None, Query(ge=0, description="read forwards from here")] = None,
    before_seq: Annotated[int | None, Query(ge=1, description="read backwards from here")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MESSAGES_PAGE)] = DEFAULT_MESSAGES_PAGE,
) -> MessagePage:
    """Messages in ascending seq, notes included: after `after_seq`, or else the newest
    (before `before_seq` if given); `has_more` says whether more lie in that direction."""
    conversation = await access_conversation(session, principal, conversation_id)
    messages, has_more = await conversations.list_messages(
        session, conversation, after_seq=after_seq, before_seq=before_seq, limit=limit
    )
    items = await conversations.describe_messages(session, messages)
    return MessagePage(items=items, has_more=has_more)


_REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"model": MessageRead, "description": "A retry: the message first sent with this id."}
}


@router.post(
    f"{BY_ID}/messages",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_REPLAYED,
        **responses(NotFound, PermissionDenied, Conflict, conversations.InvalidMessage),
    },
)
async def post_message(
    conversation_id: uuid.UUID,
    body: MessageCreate,
    principal: ConversationsWriter,
    session: SessionDep,
    response: Response,
) -> MessageRead:
    """Send a message, or a private note, with files uploaded first to
    `…/attachments` (then the body may be empty); a retry with the same client_message_id
    returns the original message with 200 instead of 201."""
    conversation = await access_conversation(session, principal, conversation_id, for_write=True)
    posted = await conversations.post_message(
        session,
        principal,
        conversation,
        body=body.body,
        client_message_id=body.client_message_id,
        private=body.private,
        attachment_ids=body.attachment_ids,
        mentions=body.mentions,
    )
    if not posted.created:
        response.status_code = status.HTTP_200_OK
    [read] = await conversations.describe_messages(session, [posted.message])
    return read


@router.post(
    f"{BY_ID}/read",
    responses=responses(NotFound, PermissionDenied, conversations.InvalidReadPosition),
)
async def mark_read(
    conversation_id: uuid.UUID,
    body: ReadRequest,
    principal: ConversationsWriter,
    session: SessionDep,
) -> ReadCursorRead:
    """Mark the conversation read up to `seq` (members only); the cursor never moves back."""
    conversation = await access_conversation(session, principal, conversation_id)
    last_read = await conversations.mark_read(session, principal, conversation, body.seq)
    return ReadCursorRead(conversation_id=conversation.id, last_read_seq=last_read)
