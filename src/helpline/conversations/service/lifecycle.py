"""Starting conversations and changing their state: status, snooze and wake-up, priority,
subject, merging."""

import secrets
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot.settings import BotSettings
from helpline.contacts.models import Contact
from helpline.conversations.models import (
    Channel,
    Conversation,
    Owner,
    Priority,
    Status,
    SystemEvent,
)
from helpline.conversations.repository import ConversationRepository
from helpline.conversations.service import publishing
from helpline.conversations.service.common import (
    Actor,
    BotActor,
    ContactActor,
    InvalidMerge,
    InvalidSnooze,
    InvalidSubject,
    check_not_merged,
    lock,
    request_bot_reply,
    request_drain,
    routing_changed,
)
from helpline.conversations.service.messages import checked_body
from helpline.conversations.service.routing import route_to_human
from helpline.conversations.service.timeline import (
    apply_status,
    change_status,
    post_authored,
    post_system,
)
from helpline.core.errors import NotFound
from helpline.core.ids import new_id
from helpline.core.time import utc_now
from helpline.jobs import queue
from helpline.tenancy.repository import WorkspaceLookup
from helpline.tenancy.schemas import WorkspaceSettings

WAKE_SNOOZED_JOB = "conversations.wake_snoozed"
MAX_SUBJECT_CHARS = 300
# 16 random bytes: public ids appear in links and to visitors, so they must not be guessable.
_PUBLIC_ID_BYTES = 16


class WakeSnoozedArgs(BaseModel):
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID


def _checked_subject(subject: str) -> str:
    text = subject.strip()
    if len(text) > MAX_SUBJECT_CHARS:
        raise InvalidSubject(f"A subject has at most {MAX_SUBJECT_CHARS} characters.")
    return text


async def start_conversation(
    session: AsyncSession,
    actor: Actor,
    contact: Contact,
    *,
    channel: Channel,
    subject: str,
    body: str | None,
) -> Conversation:
    """A new open conversation with the next display number of the workspace. The optional
    first body becomes message seq 1, from the contact if the contact is the actor, else from
    the agent (or API key) starting an outbound conversation."""
    if isinstance(actor, ContactActor) and actor.contact_id != contact.id:
        raise NotFound("Contact not found.")
    text = checked_body(body) if body is not None else None
    number = await ConversationRepository(session, workspace_id=contact.workspace_id).next_number()
    now = utc_now()
    conversation = Conversation(
        id=new_id(),
        workspace_id=contact.workspace_id,
        number=number,
        public_id=secrets.token_urlsafe(_PUBLIC_ID_BYTES),
        contact_id=contact.id,
        channel=channel,
        status=Status.open,
        owner=Owner.nobody,
        priority=Priority.none,
        subject=_checked_subject(subject),
        last_seq=0,
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    publishing.conversation_created(session, conversation)
    bot = await _bot_answering_first(session, conversation, actor)
    bot_first = bot is not None
    if bot is not None:
        conversation.owner = Owner.bot
        post_system(session, conversation, None, SystemEvent.bot_started, {})
        if bot.welcome_message.strip():
            # Before the contact's first words, once: the conversation is new and ours alone.
            welcome = checked_body(bot.welcome_message)
            bot_actor = BotActor(workspace_id=conversation.workspace_id)
            post_authored(
                session, conversation, bot_actor, welcome, private=False, client_message_id=None
            )
    if text is not None:
        # The row is ours alone until commit, so no lock is needed for seq 1.
        first = post_authored(
            session, conversation, actor, text, private=False, client_message_id=None
        )
        await session.flush()
        if bot_first:
            request_bot_reply(session, conversation, first.id)
    # A new conversation needs a person unless the bot answers first: an online agent now,
    # or the queue (docs/assignment.md). Routing leaves the bot's conversations alone.
    await route_to_human(session, conversation)
    return conversation


async def _bot_answering_first(
    session: AsyncSession, conversation: Conversation, actor: Actor
) -> BotSettings | None:
    """The settings of the workspace's bot when it takes this new conversation: widget
    conversations the contact starts, while the bot is enabled (docs/bot.md); else None."""
    if not isinstance(actor, ContactActor) or conversation.channel != Channel.widget:
        return None
    workspace = await WorkspaceLookup(session).get(conversation.workspace_id)
    if workspace is None:
        return None
    settings = WorkspaceSettings.model_validate(workspace.settings)
    return settings.bot if settings.bot_enabled else None


async def set_status(
    session: AsyncSession, actor: Actor, conversation: Conversation, status: Status
) -> Conversation:
    """Open, pending or resolved (snooze() snoozes); resolving sets resolved_at."""
    if status == Status.snoozed:
        raise InvalidSnooze("Snoozing needs a time: use snooze.")
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    if conversation.status != status:
        change_status(session, conversation, actor, status)
        await session.flush()
    return conversation


async def snooze(
    session: AsyncSession, actor: Actor, conversation: Conversation, *, until: datetime
) -> Conversation:
    """Snooze until `until`; a job reopens the conversation then, unless something else
    changed it first (a contact's message reopens it at once)."""
    if until.tzinfo is None or until <= utc_now():
        raise InvalidSnooze("Snooze until a time in the future, with a time zone.")
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    if conversation.status == Status.snoozed and conversation.snoozed_until == until:
        return conversation
    change_status(session, conversation, actor, Status.snoozed, until=until)
    args = WakeSnoozedArgs(workspace_id=conversation.workspace_id, conversation_id=conversation.id)
    queue.enqueue(
        session, WAKE_SNOOZED_JOB, args, workspace_id=conversation.workspace_id, run_at=until
    )
    await session.flush()
    return conversation


async def wake_snoozed(session: AsyncSession, args: WakeSnoozedArgs) -> bool:
    """Reopen the conversation if it is still snoozed and its time has come; True if it did.

    Idempotent, and a no-op for a conversation snoozed again until later (that snooze has a
    job of its own), reopened, or deleted since.
    """
    conversations = ConversationRepository(session, workspace_id=args.workspace_id)
    conversation = await conversations.get_visible(args.conversation_id, None, lock=True)
    if conversation is None or conversation.status != Status.snoozed:
        return False
    publishing.conversation_locked(session, conversation)
    if conversation.snoozed_until is not None and conversation.snoozed_until > utc_now():
        return False
    change_status(session, conversation, None, Status.open, reason="snooze_ended")
    await session.flush()
    return True


async def set_priority(
    session: AsyncSession, actor: Actor, conversation: Conversation, priority: Priority
) -> Conversation:
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    if conversation.priority != priority:
        data = {"priority": priority.value, "previous_priority": conversation.priority.value}
        conversation.priority = priority
        post_system(session, conversation, actor, SystemEvent.priority_changed, data)
        await session.flush()
    return conversation


async def set_subject(
    session: AsyncSession,
    actor: Actor,  # noqa: ARG001 (the signature of every operation; not in the timeline)
    conversation: Conversation,
    subject: str,
) -> Conversation:
    text = _checked_subject(subject)
    conversation = await lock(session, conversation)
    check_not_merged(conversation)
    conversation.subject = text
    await session.flush()
    return conversation


async def update_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    *,
    status: Status | None = None,
    priority: Priority | None = None,
    subject: str | None = None,
) -> Conversation:
    """Apply the given changes (None leaves a field alone), each as its own operation would."""
    if subject is not None:
        conversation = await set_subject(session, actor, conversation, subject)
    if priority is not None:
        conversation = await set_priority(session, actor, conversation, priority)
    if status is not None:
        conversation = await set_status(session, actor, conversation, status)
    return conversation


async def merge(
    session: AsyncSession, actor: Actor, source: Conversation, target: Conversation
) -> Conversation:
    """Merge `source` into `target`: the source is resolved and frozen, pointing at the
    target; each timeline records it. Both must come from access_conversation for `actor`."""
    if source.id == target.id:
        raise InvalidMerge("A conversation cannot be merged into itself.")
    if source.workspace_id != target.workspace_id:
        raise NotFound("Conversation not found.")
    # Always lock in id order, so that two merges crossing each other cannot deadlock.
    for conversation in sorted((source, target), key=lambda c: c.id):
        await lock(session, conversation)
    check_not_merged(source)
    if target.merged_into_id is not None:
        raise InvalidMerge(
            "The target conversation was itself merged into another one; merge into that one."
        )
    previous_status = source.status
    source.merged_into_id = target.id
    apply_status(source, Status.resolved)
    if routing_changed(source, previous_status):
        request_drain(session, source.workspace_id)
    post_system(
        session,
        source,
        actor,
        SystemEvent.merged_into,
        {
            "conversation_id": str(target.id),
            "number": target.number,
            "previous_status": previous_status.value,
        },
    )
    post_system(
        session,
        target,
        actor,
        SystemEvent.merged_from,
        {"conversation_id": str(source.id), "number": source.number},
    )
    await session.flush()
    return source
