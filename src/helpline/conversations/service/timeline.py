"""The timeline: the one path by which anything gets a seq in a conversation.

Every function here expects the caller to hold the conversation's row lock (common.lock):
`_append` reads and bumps `last_seq`, and only the lock makes that gap-free and unique.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal
from helpline.conversations.models import (
    Conversation,
    Message,
    SenderKind,
    Status,
    SystemEvent,
)
from helpline.conversations.service import publishing
from helpline.conversations.service.common import (
    Actor,
    BotActor,
    ContactActor,
    request_drain,
    routing_changed,
)
from helpline.core import metrics
from helpline.core.ids import new_id
from helpline.core.time import utc_now
from helpline.knowledge.suggestions.jobs import request_suggestion

_STATUS_EVENTS = {
    Status.open: SystemEvent.reopened,
    Status.pending: SystemEvent.pending,
    Status.snoozed: SystemEvent.snoozed,
    Status.resolved: SystemEvent.resolved,
}


@dataclass(frozen=True, slots=True)
class _Author:
    kind: SenderKind
    member_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _author(actor: Actor | None, *, system: bool) -> _Author:
    kind = SenderKind.system if system else SenderKind.agent
    if isinstance(actor, MemberPrincipal):
        return _Author(kind, member_id=actor.membership_id)
    if isinstance(actor, ApiKeyPrincipal):
        # A workspace's backend speaks as an agent with no member behind it; its key's name
        # says which integration it was.
        return _Author(kind, data={"api_key": actor.label})
    if isinstance(actor, ContactActor):
        return _Author(
            SenderKind.system if system else SenderKind.contact, contact_id=actor.contact_id
        )
    if isinstance(actor, BotActor):
        return _Author(SenderKind.system if system else SenderKind.bot)
    return _Author(SenderKind.system)


def is_author(message: Message, actor: Actor) -> bool:
    """Whether `actor` wrote `message` (what makes a retry a retry, not a stranger's guess)."""
    author = _author(actor, system=False)
    return (
        message.sender_kind == author.kind
        and message.sender_member_id == author.member_id
        and message.sender_contact_id == author.contact_id
        and message.data.get("api_key") == author.data.get("api_key")
    )


def _append(
    session: AsyncSession,
    conversation: Conversation,
    author: _Author,
    *,
    body: str = "",
    private: bool = False,
    event: SystemEvent | None = None,
    data: dict[str, Any] | None = None,
    client_message_id: str | None = None,
) -> Message:
    now = utc_now()
    conversation.last_seq += 1
    message = Message(
        id=new_id(),
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        seq=conversation.last_seq,
        sender_kind=author.kind,
        sender_member_id=author.member_id,
        sender_contact_id=author.contact_id,
        private=private,
        body=body,
        event=event.value if event is not None else None,
        data={**author.data, **(data or {})},
        client_message_id=client_message_id,
        created_at=now,
    )
    session.add(message)
    # A new message has no files yet; attach() says when it takes some.
    publishing.message_appended(session, message, may_have_files=False)
    metrics.message_created(session, author.kind.value)
    # System messages record what people did; they are not activity of their own.
    if author.kind != SenderKind.system:
        conversation.last_activity_at = now
    return message


def post_system(
    session: AsyncSession,
    conversation: Conversation,
    actor: Actor | None,
    event: SystemEvent,
    data: dict[str, Any],
) -> Message:
    """A typed system message; the actor (if any) is recorded as the one who caused it."""
    return _append(session, conversation, _author(actor, system=True), event=event, data=data)


def post_authored(
    session: AsyncSession,
    conversation: Conversation,
    actor: Actor,
    body: str,
    *,
    private: bool,
    client_message_id: str | None,
    data: dict[str, Any] | None = None,
) -> Message:
    """A message written by the contact, an agent or the bot, with its effects on the
    conversation (`data`: what the author attaches, such as the bot's citations)."""
    author = _author(actor, system=False)
    if author.kind == SenderKind.contact:
        if conversation.status != Status.open:
            change_status(session, conversation, actor, Status.open, reason="contact_replied")
        message = _append(
            session, conversation, author, body=body, client_message_id=client_message_id
        )
        if conversation.waiting_since is None:
            conversation.waiting_since = message.created_at
        return message
    message = _append(
        session,
        conversation,
        author,
        body=body,
        private=private,
        data=data,
        client_message_id=client_message_id,
    )
    if not private:
        # A first response answers a waiting contact: an agent opening a conversation is not one.
        if conversation.waiting_since is not None and conversation.first_response_at is None:
            conversation.first_response_at = message.created_at
        conversation.waiting_since = None
    return message


def apply_status(
    conversation: Conversation, status: Status, *, until: datetime | None = None
) -> None:
    """Set the status and the timestamps that go with it, without a system message."""
    now = utc_now()
    conversation.status = status
    conversation.snoozed_until = until if status == Status.snoozed else None
    conversation.resolved_at = now if status == Status.resolved else None
    if status == Status.resolved:
        # Nobody waits on a resolved conversation; the contact's next message starts anew.
        conversation.waiting_since = None


def change_status(
    session: AsyncSession,
    conversation: Conversation,
    actor: Actor | None,
    status: Status,
    *,
    until: datetime | None = None,
    reason: str | None = None,
) -> Message:
    previous = conversation.status
    data: dict[str, Any] = {"previous_status": previous.value}
    if until is not None:
        data["until"] = until.isoformat()
    if reason is not None:
        data["reason"] = reason
    apply_status(conversation, status, until=until)
    if status == Status.resolved and previous != Status.resolved:
        # What the team answered may be worth a FAQ entry (knowledge/suggestions/).
        request_suggestion(session, conversation.workspace_id, conversation.id)
    if routing_changed(conversation, previous):
        request_drain(session, conversation.workspace_id)
    return post_system(session, conversation, actor, _STATUS_EVENTS[status], data)
