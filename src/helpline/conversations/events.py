"""Real-time events about conversations: their frames, and who receives them.

Choosing recipients is a security decision (STYLE 8.4.4). An audience is a list of keys; a
socket holds the keys `member_keys` / `contact_keys` give it, and receives an event when they
meet. `agents_of` mirrors access.py's visibility rule exactly, so that the socket shows a
member what REST shows them (RELIABILITY.md, Isolation 3), and visitors get their own keys and
their own narrower payloads, never notes.

Every frame is `{"type": ..., ...}`; docs/realtime.md is the catalogue.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from helpline.conversations.access import SEE_ALL_ROLES
from helpline.conversations.models import Conversation
from helpline.conversations.schemas import (
    ConversationRead,
    MessageRead,
    VisitorConversationRead,
    VisitorMessageRead,
)
from helpline.tenancy.events import EVERY_MEMBER
from helpline.tenancy.models import Role

# --- audiences ---------------------------------------------------------------------------

_SEE_ALL = "all"
_NO_TEAM = "noteam"


def member_keys(
    role: Role, membership_id: uuid.UUID, team_ids: Iterable[uuid.UUID]
) -> frozenset[str]:
    """A member's socket: managers see every conversation; agents see those without a team,
    those of their teams, and those assigned to them (the rule of access.py)."""
    keys = {EVERY_MEMBER, member_key(membership_id)}
    if role in SEE_ALL_ROLES:
        keys.add(_SEE_ALL)
    else:
        keys.add(_NO_TEAM)
        keys.update(f"team:{team_id}" for team_id in team_ids)
    return frozenset(keys)


def contact_keys(contact_id: uuid.UUID) -> frozenset[str]:
    """A visitor's socket: their own contact, nothing else of the workspace."""
    return frozenset({contact_key(contact_id)})


def member_key(membership_id: uuid.UUID) -> str:
    return f"member:{membership_id}"


def contact_key(contact_id: uuid.UUID) -> str:
    return f"contact:{contact_id}"


def agents_of(conversation: Conversation) -> list[str]:
    """Members who may see `conversation`, with its notes: managers, its team (or every
    agent when it has none), and its assignee."""
    return agents_for(conversation.team_id, conversation.assignee_id)


def agents_for(team_id: uuid.UUID | None, assignee_id: uuid.UUID | None) -> list[str]:
    """agents_of for a conversation in `team_id`, assigned to `assignee_id`."""
    keys = [_SEE_ALL, f"team:{team_id}" if team_id is not None else _NO_TEAM]
    if assignee_id is not None:
        keys.append(member_key(assignee_id))
    return keys


def contact_of(conversation: Conversation) -> list[str]:
    """The conversation's contact, through the widget: visitor payloads only."""
    return [contact_key(conversation.contact_id)]


def streaming_audience(conversation: Conversation) -> list[str]:
    """A bot answer being written (MessageStreaming): whoever will receive the message it
    becomes. A bot's answer is never private, so that is the agents who see the conversation
    and its contact, who all get the same frame."""
    return [*agents_of(conversation), *contact_of(conversation)]


# --- frames ------------------------------------------------------------------------------


class Frame(BaseModel):
    def encode(self) -> str:
        return self.model_dump_json()


class MessageCreated(Frame):
    type: Literal["message.created"] = "message.created"
    conversation_id: uuid.UUID
    message: MessageRead


class MemberMentioned(Frame):
    """To each member a private note mentions: the note, and who wrote it."""

    type: Literal["mention"] = "mention"
    conversation_id: uuid.UUID
    message: MessageRead
    by_member_id: uuid.UUID | None


class VisitorMessageCreated(Frame):
    type: Literal["message.created"] = "message.created"
    conversation_id: uuid.UUID
    message: VisitorMessageRead


class MessageStreaming(Frame):
    """A bot answer as the model writes it; ephemeral (never stored, never resumed). `text`
    is the whole answer so far, already inert. The last frame of a stream has `done`: with
    `message_id`, the posted answer (its message.created replaces the bubble, before or after
    this frame); with `discarded`, no answer (a hand-off follows): drop the bubble."""

    type: Literal["message.streaming"] = "message.streaming"
    conversation_id: uuid.UUID
    # The answer's client_message_id: the same across the frames of one answer.
    stream_id: str
    text: str
    done: bool = False
    discarded: bool = False
    message_id: uuid.UUID | None = None


ConversationChange = Literal[
    "conversation.created",
    "conversation.updated",
    "conversation.assigned",
    "conversation.status_changed",
]


class ConversationChanged(Frame):
    """The conversation's full state after a change. `type` names the main change;
    `changes` lists every field that changed (empty for conversation.created)."""

    type: ConversationChange
    conversation: ConversationRead
    changes: list[str]


class VisitorConversationChanged(Frame):
    type: ConversationChange
    conversation: VisitorConversationRead
    changes: list[str]


class ConversationRemoved(Frame):
    """You no longer see this conversation (moved to another team, or reassigned)."""

    type: Literal["conversation.removed"] = "conversation.removed"
    conversation_id: uuid.UUID


class ReadMoved(Frame):
    type: Literal["read"] = "read"
    conversation_id: uuid.UUID
    reader_kind: Literal["member", "contact"]
    # The member who read (for agents); None in frames to visitors and for the contact.
    member_id: uuid.UUID | None
    seq: int


class Typing(Frame):
    type: Literal["typing"] = "typing"
    conversation_id: uuid.UUID
    sender_kind: Literal["agent", "contact"]
    # The typing member, for agents; None in frames to visitors and for the contact.
    member_id: uuid.UUID | None
    is_typing: bool
    # Writing a note: only members see it.
    private: bool


class PresenceChanged(Frame):
    type: Literal["presence"] = "presence"
    member_id: uuid.UUID
    online: bool
    at: datetime


class InboxCounts(Frame):
    """Pushed to a member's socket when it opens and whenever their counts may have changed:
    no client polls a count. `open`, `unassigned` and `mine` count open conversations."""

    type: Literal["inbox.counts"] = "inbox.counts"
    open: int = 0
    unassigned: int = 0
    mine: int = 0
    pending: int = 0
    snoozed: int = 0
    # Open conversations of each team the member sees (teams with none are left out).
    teams: dict[uuid.UUID, int] = Field(default_factory=dict)
