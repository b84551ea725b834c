"""Response shapes built from rows: what REST answers and real-time events carry alike."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal, WorkspacePrincipal
from helpline.conversations.models import Attachment, Conversation, Message, SenderKind
from helpline.conversations.repository import (
    AttachmentRepository,
    ConversationRepository,
    MessageRepository,
    ReadCursorRepository,
)
from helpline.conversations.schemas import (
    AttachmentRead,
    ConversationDetail,
    ConversationListItem,
    ConversationRead,
    CsatRead,
    MessageRead,
    VisitorConversationRead,
    VisitorConversationSummary,
    VisitorMessageRead,
)

AGENT_DOWNLOAD_BASE: Final = "/api/v1/attachments"
WIDGET_DOWNLOAD_BASE: Final = "/api/v1/widget/attachments"

# The files of messages, by message id, in upload order (see files_of).
MessageFiles = Mapping[uuid.UUID, Sequence[Attachment]]


async def describe(
    session: AsyncSession, conversations: Sequence[Conversation]
) -> list[ConversationRead]:
    """Response shapes for conversations of one workspace, with their contacts and labels:
    two queries whatever the number of conversations."""
    if not conversations:
        return []
    repository = ConversationRepository(session, workspace_id=conversations[0].workspace_id)
    contacts = await repository.contacts_of(conversations)
    labels = await repository.labels_of([c.id for c in conversations])
    return [ConversationRead.build(c, contacts[c.contact_id], labels[c.id]) for c in conversations]


def describe_attachment(
    attachment: Attachment, *, url_base: str = AGENT_DOWNLOAD_BASE
) -> AttachmentRead:
    return AttachmentRead(
        id=attachment.id,
        created_at=attachment.created_at,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        url=f"{url_base}/{attachment.id}",
    )


async def files_of(session: AsyncSession, messages: Sequence[Message]) -> MessageFiles:
    """The attachments of messages of one workspace: one query for them all. Pass the result
    to describe_messages and describe_visitor_messages to build both views of the same
    messages without asking again (real-time events do)."""
    files: dict[uuid.UUID, list[Attachment]] = {m.id: [] for m in messages}
    if not messages:
        return files
    repository = AttachmentRepository(session, workspace_id=messages[0].workspace_id)
    for attachment in await repository.of_messages(list(files)):
        if attachment.message_id in files:
            files[attachment.message_id].append(attachment)
    return files


async def describe_messages(
    session: AsyncSession,
    messages: Sequence[Message],
    *,
    url_base: str = AGENT_DOWNLOAD_BASE,
    files: MessageFiles | None = None,
) -> list[MessageRead]:
    """Response shapes for messages of one workspace with their attachments: one query for
    the whole page (none when `files` come from files_of). Every response (and event)
    carrying messages to members is built here."""
    if not messages:
        return []
    if files is None:
        files = await files_of(session, messages)
    return [
        MessageRead.model_validate(m).model_copy(
            update={
                "attachments": [
                    describe_attachment(a, url_base=url_base) for a in files.get(m.id, ())
                ]
            }
        )
        for m in messages
    ]


async def describe_visitor_messages(
    session: AsyncSession, messages: Sequence[Message], *, files: MessageFiles | None = None
) -> list[VisitorMessageRead]:
    """The visitor's view of messages of one workspace, with their attachments pointing at
    the widget's download route: one query for the page (none when `files` come from
    files_of). Every response and event carrying messages to a visitor is built here.

    Messages the visitor may not see (VisitorMessageRead.visible: notes, internal events)
    are left out of the result, and so are their files: a note's attachment never reaches
    a visitor, even when a caller passes one by mistake (RELIABILITY.md, Isolation 3)."""
    shown = [m for m in messages if VisitorMessageRead.visible(m)]
    if not shown:
        return []
    if files is None:
        files = await files_of(session, shown)
    return [
        VisitorMessageRead.of(
            m,
            [describe_attachment(a, url_base=WIDGET_DOWNLOAD_BASE) for a in files.get(m.id, ())],
        )
        for m in shown
    ]


async def describe_list(
    session: AsyncSession, principal: WorkspacePrincipal, conversations: Sequence[Conversation]
) -> list[ConversationListItem]:
    """Conversations as `principal`'s list shows them: each with its newest message someone
    wrote and, for a member, how much of it they have not read. Two more queries than
    describe (three with files), whatever the number of conversations."""
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    messages = MessageRepository(session, workspace_id=principal.workspace_id)
    newest = await messages.newest_said(ids)
    unread = (
        await messages.unread_counts(conversations, principal.membership_id)
        if isinstance(principal, MemberPrincipal)
        else None
    )
    views = {m.id: m for m in await describe_messages(session, list(newest.values()))}
    return [
        ConversationListItem(
            **read.model_dump(),
            last_message=views[newest[read.id].id] if read.id in newest else None,
            unread_count=None if unread is None else unread.get(read.id, 0),
        )
        for read in await describe(session, conversations)
    ]


async def describe_one(session: AsyncSession, conversation: Conversation) -> ConversationDetail:
    """A member's view of one conversation, with how far its contact has read."""
    [read] = await describe(session, [conversation])
    cursors = ReadCursorRepository(session, workspace_id=conversation.workspace_id)
    seen = await cursors.of_contact(conversation.contact_id, [conversation.id])
    return ConversationDetail(**read.model_dump(), contact_read_seq=seen.get(conversation.id, 0))


async def describe_for_visitor(
    session: AsyncSession, contact_id: uuid.UUID, conversations: Sequence[Conversation]
) -> list[VisitorConversationSummary]:
    """The contact's conversations of one workspace as their list shows them: each with its
    newest message they see, whether someone else wrote after what they read, and their
    rating. Three queries (four with files) whatever the number of conversations."""
    if not conversations:
        return []
    workspace_id = conversations[0].workspace_id
    ids = [c.id for c in conversations]
    newest = await MessageRepository(session, workspace_id=workspace_id).newest_visible(ids)
    read = await ReadCursorRepository(session, workspace_id=workspace_id).of_contact(
        contact_id, ids
    )
    last = {
        view.conversation_id: view
        for view in await describe_visitor_messages(session, list(newest.values()))
    }
    return [
        VisitorConversationSummary(
            **VisitorConversationRead.of(c).model_dump(),
            last_message=last.get(c.id),
            unread=_unread(last.get(c.id), read.get(c.id, 0)),
            csat=CsatRead.of(c),
        )
        for c in conversations
    ]


def _unread(last: VisitorMessageRead | None, read_seq: int) -> bool:
    return last is not None and last.sender_kind != SenderKind.contact and last.seq > read_seq
