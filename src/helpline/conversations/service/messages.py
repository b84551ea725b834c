"""Posting messages and notes, reading the history, and read cursors."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import ApiKeyPrincipal, MemberPrincipal
from helpline.conversations.models import Conversation, Message, Owner
from helpline.conversations.repository import MessageRepository, ReadCursorRepository
from helpline.conversations.schemas import MAX_BODY_CHARS
from helpline.conversations.service import attachments as uploads
from helpline.conversations.service import publishing
from helpline.conversations.service.common import (
    Actor,
    BotActor,
    ClientMessageIdReused,
    ContactActor,
    InvalidMessage,
    InvalidReadPosition,
    check_not_merged,
    lock,
    request_bot_reply,
)
from helpline.conversations.service.mentions import MENTIONS_KEY, checked_mentions
from helpline.conversations.service.timeline import is_author, post_authored
from helpline.core.errors import NotFound, PermissionDenied

MAX_CLIENT_MESSAGE_ID_CHARS = 64


@dataclass(frozen=True, slots=True)
class Posted:
    message: Message
    # False when the client id matched an earlier message, which is returned unchanged.
    created: bool


def checked_body(body: str, *, allow_empty: bool = False) -> str:
    text = body.strip()
    if not text and allow_empty:
        return text
    if not text:
        raise InvalidMessage("A message needs a body, or at least one attachment.")
    if not 1 <= len(text) <= MAX_BODY_CHARS:
        raise InvalidMessage(
            f"A message has 1 to {MAX_BODY_CHARS:,} characters (not counting surrounding "
            f"spaces); this one has {len(text):,}."
        )
    return text


def check_own_conversation(actor: Actor | None, conversation: Conversation) -> None:
    """A contact acts only on their own conversations; anything else does not exist to them."""
    if isinstance(actor, ContactActor) and (
        actor.contact_id != conversation.contact_id
        or actor.workspace_id != conversation.workspace_id
    ):
        raise NotFound("Conversation not found.")


async def _sent_before(
    session: AsyncSession, actor: Actor, conversation: Conversation, client_message_id: str | None
) -> Message | None:
    """The actor's earlier message with this client id, if any (the caller holds the lock)."""
    if client_message_id is None:
        return None
    messages = MessageRepository(session, workspace_id=conversation.workspace_id)
    original = await messages.by_client_id(conversation.id, client_message_id)
    # Only the author's own retry gets the message back: anyone else reusing the id (by
    # accident or by guessing) must not receive it, which could be a private note.
    if original is not None and not is_author(original, actor):
        raise ClientMessageIdReused(
            "This client_message_id was already used by someone else in this conversation: "
            "send a new one."
        )
    return original


async def post_message(
    session: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    *,
    body: str,
    client_message_id: str | None = None,
    private: bool = False,
    attachment_ids: Sequence[uuid.UUID] = (),
    data: dict[str, Any] | None = None,
    mentions: Sequence[uuid.UUID] = (),
    flush: bool = True,
) -> Posted:
    """Append a message with the next seq. A client id seen before in this conversation
    returns the original message and changes nothing (a retry after a lost answer); used by
    another sender, it is a conflict.

    A contact's message marks them waiting and reopens the conversation unless it is open; an
    agent's public reply ends the wait. Private notes come only from members.

    `attachment_ids` are the actor's own uploads to this conversation, not sent yet (see
    attachments.take_uploads); with at least one, the body may be empty.

    `mentions`: members a private note mentions (service/mentions.py); they are told.

    Only the bot attaches `data` (its citations). A contact's message in a conversation the
    bot owns asks the bot to answer it (the `bot.reply` job, after commit).

    `flush=False` leaves the INSERT and UPDATE to the next flush (the commit's at the
    latest), so that a caller posting many messages in one transaction writes them in one
    statement each (sockets/send_batch.py). Until then queries do not see the message.
    """
    text = checked_body(body, allow_empty=bool(attachment_ids))
    if client_message_id is not None and not (
        1 <= len(client_message_id) <= MAX_CLIENT_MESSAGE_ID_CHARS
    ):
        raise InvalidMessage(
            f"client_message_id has 1 to {MAX_CLIENT_MESSAGE_ID_CHARS} characters."
        )
    check_own_conversation(actor, conversation)
    if private and not isinstance(actor, MemberPrincipal):
        raise PermissionDenied("Only members of the workspace write private notes.")
    if data is not None and not isinstance(actor, BotActor):
        raise PermissionDenied("Only the bot attaches data to its messages.")
    # The lock comes before the idempotency lookup: a concurrent twin of this request either
    # committed before we got the lock (and is found) or waits for ours (and finds it).
    conversation = await lock(session, conversation)
    original = await _sent_before(session, actor, conversation, client_message_id)
    if original is not None:
        # Published again: the first time may have died with the process that committed
        # it, before its event left (the reason the client is retrying at all).
        publishing.message_appended(session, original, may_have_files=True)
        return Posted(original, created=False)
    check_not_merged(conversation)
    mentioned = await checked_mentions(session, conversation, mentions, private=private)
    if mentioned:
        data = {MENTIONS_KEY: [str(member_id) for member_id in mentioned]}
    files = await uploads.take_uploads(session, actor, conversation, attachment_ids)
    message = post_authored(
        session,
        conversation,
        actor,
        text,
        private=private,
        client_message_id=client_message_id,
        data=data,
    )
    await uploads.attach(session, files, message)
    if flush:
        await session.flush()
    if isinstance(actor, ContactActor) and conversation.owner == Owner.bot:
        request_bot_reply(session, conversation, message.id)
    return Posted(message, created=True)


async def add_note(
    session: AsyncSession,
    actor: MemberPrincipal,
    conversation: Conversation,
    *,
    body: str,
    client_message_id: str | None = None,
    attachment_ids: Sequence[uuid.UUID] = (),
) -> Posted:
    """A private note for colleagues: the contact never sees it, nor its attachments."""
    return await post_message(
        session,
        actor,
        conversation,
        body=body,
        client_message_id=client_message_id,
        private=True,
        attachment_ids=attachment_ids,
    )


async def list_messages(
    session: AsyncSession,
    conversation: Conversation,
    *,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
    include_private: bool = True,
) -> tuple[list[Message], bool]:
    """Messages in ascending seq, and whether more lie beyond the page. Agents get every
    message; visitors pass include_private=False, which leaves out notes and internal system
    messages in SQL. See MessageRepository.history."""
    messages = MessageRepository(session, workspace_id=conversation.workspace_id)
    return await messages.history(
        conversation.id,
        after_seq=after_seq,
        before_seq=before_seq,
        limit=limit,
        include_private=include_private,
    )


async def mark_read(
    session: AsyncSession, actor: Actor, conversation: Conversation, seq: int
) -> int:
    """Move the reader's cursor forward to `seq` (never back); returns where it now is.

    A seq beyond the newest message is refused rather than clamped: no client can have read
    a message that does not exist, so it is a bug worth surfacing.
    """
    check_own_conversation(actor, conversation)
    if isinstance(actor, ApiKeyPrincipal | BotActor):
        raise PermissionDenied("Only people mark messages read: API keys and the bot do not.")
    if seq > conversation.last_seq:
        raise InvalidReadPosition(
            f"This conversation's newest message is seq {conversation.last_seq}; "
            f"seq {seq} does not exist yet."
        )
    cursors = ReadCursorRepository(session, workspace_id=conversation.workspace_id)
    if isinstance(actor, MemberPrincipal):
        position = await cursors.advance(conversation.id, member_id=actor.membership_id, seq=seq)
        publishing.read_moved(session, conversation, actor.membership_id, position)
        return position
    position = await cursors.advance(conversation.id, contact_id=actor.contact_id, seq=seq)
    publishing.read_moved(session, conversation, None, position)
    return position
