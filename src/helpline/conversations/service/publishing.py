"""From changed rows to real-time events, once per transaction.

Operations do not publish one by one. Every conversation an operation locks (common.lock) or
creates, and every message the timeline appends, is noted on the session here; just before
the commit, one hook compares each conversation with its state when it was locked and
publishes what happened: conversation.created, message.created (one per new message, in seq
order), conversation.removed for members who lost sight of it, then its new state
(conversation.assigned / status_changed / updated). An operation added later is covered as
long as it locks the conversation first, which every operation must do anyway.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations import events
from helpline.conversations.models import Conversation, Message, SystemEvent
from helpline.conversations.schemas import (
    ConversationRead,
    MessageRead,
    VisitorConversationRead,
    VisitorMessageRead,
)
from helpline.conversations.service.mentions import mentioned_in
from helpline.conversations.service.views import (
    describe,
    describe_messages,
    describe_visitor_messages,
    files_of,
)
from helpline.core.unit_of_work import before_commit
from helpline.realtime.publish import publish_on_commit

_KEY: Final = "helpline.conversations.changes"
_VIEWS_KEY: Final = "helpline.conversations.published_views"
# The fields whose change is news to people watching the inbox.
_WATCHED: Final = (
    "status",
    "assignee_id",
    "team_id",
    "owner",
    "priority",
    "subject",
    "snoozed_until",
    "waiting_since",
    "merged_into_id",
    "csat_rating",
    "csat_comment",
)
# Fields that clients know under one name: a rating is one change, "csat".
_CHANGE_NAMES: Final = {"csat_rating": "csat", "csat_comment": "csat"}
# Of those, what a visitor's widget shows.
_VISITOR_WATCHED: Final = frozenset({"status", "subject", "assignee_id", "merged_into_id"})


@dataclass(frozen=True, slots=True)
class PublishedViews:
    """The views of the messages a transaction published, by message id: what the members
    and (for what the visitor sees) the contact were sent. A socket acknowledges a send
    with the same view, instead of building it again."""

    for_members: dict[uuid.UUID, MessageRead] = field(default_factory=dict)
    for_visitor: dict[uuid.UUID, VisitorMessageRead] = field(default_factory=dict)


def published_views(session: AsyncSession) -> PublishedViews:
    """What the session's last transaction published (empty before it published any)."""
    views: PublishedViews = session.info.get(_VIEWS_KEY) or PublishedViews()
    return views


@dataclass
class _Changes:
    created: dict[uuid.UUID, Conversation] = field(default_factory=dict)
    # The conversation, and its watched fields when it was locked.
    touched: dict[uuid.UUID, tuple[Conversation, dict[str, Any]]] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    # Messages that may carry files: only these cost a query for their attachments.
    with_files: set[uuid.UUID] = field(default_factory=set)


def _state(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in _WATCHED}


def _changes(session: AsyncSession) -> _Changes:
    changes: _Changes | None = session.info.get(_KEY)
    if changes is None:
        changes = session.info[_KEY] = _Changes()
        before_commit(session, lambda: _publish(session))
    return changes


def conversation_created(session: AsyncSession, conversation: Conversation) -> None:
    _changes(session).created[conversation.id] = conversation


def conversation_locked(session: AsyncSession, conversation: Conversation) -> None:
    """Called with the freshly locked row: what follows in this transaction is the change."""
    changes = _changes(session)
    if conversation.id not in changes.touched and conversation.id not in changes.created:
        changes.touched[conversation.id] = (conversation, _state(conversation))


def message_appended(session: AsyncSession, message: Message, *, may_have_files: bool) -> None:
    """A message joined the timeline in this transaction (or, a retry, is published again).
    `may_have_files`: whether attachments may point at it (a new message says so when it
    takes uploads; a republished one is looked up)."""
    changes = _changes(session)
    changes.messages.append(message)
    if may_have_files:
        changes.with_files.add(message.id)


def files_attached(session: AsyncSession, message: Message) -> None:
    _changes(session).with_files.add(message.id)


async def _publish(session: AsyncSession) -> None:
    changes: _Changes = session.info.pop(_KEY)
    await session.flush()
    conversations = {**{c.id: c for c, _ in changes.touched.values()}, **changes.created}
    changed = {
        conversation.id: _changed_fields(conversation, before, changes.messages)
        for conversation, before in changes.touched.values()
    }
    # Only conversations with a frame to send are described (two queries per workspace).
    shown = [c for c in conversations.values() if c.id in changes.created or changed.get(c.id)]
    views = {read.id: read for read in await _describe(session, shown)}
    for conversation in changes.created.values():
        _publish_change(session, conversation, views[conversation.id], "conversation.created", [])
    for conversation, before in changes.touched.values():
        _publish_removed(session, conversation, before)
    messages = sorted(changes.messages, key=lambda m: (str(m.conversation_id), m.seq))
    agent_views, visitor_views = await _describe_messages(session, messages, changes.with_files)
    session.info[_VIEWS_KEY] = PublishedViews(agent_views, visitor_views)
    for message in messages:
        _publish_message(
            session,
            conversations.get(message.conversation_id),
            agent_views[message.id],
            visitor_views.get(message.id),
        )
    for conversation, _ in changes.touched.values():
        if fields := changed[conversation.id]:
            kind = _change_kind(fields)
            _publish_change(session, conversation, views[conversation.id], kind, fields)


def _changed_fields(
    conversation: Conversation, before: dict[str, Any], messages: Sequence[Message]
) -> list[str]:
    changed = (name for name, value in before.items() if getattr(conversation, name) != value)
    fields = list(dict.fromkeys(_CHANGE_NAMES.get(name, name) for name in changed))
    if _labels_changed(messages, conversation):
        fields.append("labels")
    return fields


async def _describe(
    session: AsyncSession, conversations: Sequence[Conversation]
) -> list[ConversationRead]:
    by_workspace: dict[uuid.UUID, list[Conversation]] = {}
    for conversation in conversations:
        by_workspace.setdefault(conversation.workspace_id, []).append(conversation)
    return [read for group in by_workspace.values() for read in await describe(session, group)]


def _labels_changed(messages: Sequence[Message], conversation: Conversation) -> bool:
    return any(
        m.conversation_id == conversation.id and m.event == SystemEvent.labels_changed
        for m in messages
    )


def _change_kind(changed: Sequence[str]) -> events.ConversationChange:
    if "assignee_id" in changed:
        return "conversation.assigned"
    if "status" in changed:
        return "conversation.status_changed"
    return "conversation.updated"


def _publish_change(
    session: AsyncSession,
    conversation: Conversation,
    view: ConversationRead,
    kind: events.ConversationChange,
    changed: list[str],
) -> None:
    workspace = conversation.workspace_id
    frame = events.ConversationChanged(type=kind, conversation=view, changes=changed)
    publish_on_commit(session, workspace, events.agents_of(conversation), frame.encode())
    visitor_changes = [name for name in changed if name in _VISITOR_WATCHED]
    if kind == "conversation.created" or visitor_changes:
        visitor_frame = events.VisitorConversationChanged(
            type=kind,
            conversation=VisitorConversationRead.of(conversation),
            changes=visitor_changes,
        )
        publish_on_commit(
            session, workspace, events.contact_of(conversation), visitor_frame.encode()
        )


def _publish_removed(
    session: AsyncSession, conversation: Conversation, before: dict[str, Any]
) -> None:
    """Members who saw the conversation before the change and no longer do: those who met
    its old audience and meet none of its new one."""
    then = events.agents_for(before["team_id"], before["assignee_id"])
    now = events.agents_of(conversation)
    if set(then) != set(now):
        frame = events.ConversationRemoved(conversation_id=conversation.id)
        publish_on_commit(session, conversation.workspace_id, then, frame.encode(), exclude=now)


async def _describe_messages(
    session: AsyncSession, messages: Sequence[Message], with_files: set[uuid.UUID]
) -> tuple[dict[uuid.UUID, MessageRead], dict[uuid.UUID, VisitorMessageRead]]:
    """The members' view of every message, and the visitor's view of those the visitor sees
    (describe_visitor_messages leaves out the rest): at most one query per workspace for the
    files of all of them, shared by both views, and none when no message takes files."""
    by_workspace: dict[uuid.UUID, list[Message]] = {}
    for message in messages:
        by_workspace.setdefault(message.workspace_id, []).append(message)
    agent_views: dict[uuid.UUID, MessageRead] = {}
    visitor_views: dict[uuid.UUID, VisitorMessageRead] = {}
    for group in by_workspace.values():
        found = await files_of(session, [m for m in group if m.id in with_files])
        files = {m.id: found.get(m.id, ()) for m in group}
        for view in await describe_messages(session, group, files=files):
            agent_views[view.id] = view
        for visitor_view in await describe_visitor_messages(session, group, files=files):
            visitor_views[visitor_view.id] = visitor_view
    return agent_views, visitor_views


def _publish_message(
    session: AsyncSession,
    conversation: Conversation | None,
    view: MessageRead,
    visitor_view: VisitorMessageRead | None,
) -> None:
    """message.created to the members who see the conversation, and to its contact when
    `visitor_view` says the visitor sees the message (None: a note or an internal event)."""
    if conversation is None:  # every path appends through a locked or new conversation
        return
    workspace = conversation.workspace_id
    frame = events.MessageCreated(conversation_id=conversation.id, message=view)
    publish_on_commit(session, workspace, events.agents_of(conversation), frame.encode())
    if mentioned := mentioned_in(view.data):
        mention = events.MemberMentioned(
            conversation_id=conversation.id, message=view, by_member_id=view.sender_member_id
        )
        audience = [events.member_key(member_id) for member_id in mentioned]
        publish_on_commit(session, workspace, audience, mention.encode())
    if visitor_view is not None:
        visitor_frame = events.VisitorMessageCreated(
            conversation_id=conversation.id, message=visitor_view
        )
        publish_on_commit(
            session, workspace, events.contact_of(conversation), visitor_frame.encode()
        )


def read_moved(
    session: AsyncSession, conversation: Conversation, member_id: uuid.UUID | None, seq: int
) -> None:
    """A read cursor moved: `member_id` read up to `seq`, or the contact did (None). The
    contact learns that the workspace read their messages, never who."""
    workspace = conversation.workspace_id
    reader: Literal["member", "contact"] = "member" if member_id is not None else "contact"
    frame = events.ReadMoved(
        conversation_id=conversation.id, reader_kind=reader, member_id=member_id, seq=seq
    )
    publish_on_commit(session, workspace, events.agents_of(conversation), frame.encode())
    for_contact = frame.model_copy(update={"member_id": None})
    publish_on_commit(session, workspace, events.contact_of(conversation), for_contact.encode())
