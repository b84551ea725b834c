"""Conversations and their messages. Import as
`from helpline.conversations import service as conversations`.

Every change to a conversation goes through these functions, whoever asks (REST, and later
the WebSocket, the bot, channels and the CLI). They never commit; each locks the
conversation's row before changing it. See docs/conversations.md.
"""

from helpline.conversations.service.assignment import assign, claim, set_team
from helpline.conversations.service.common import (
    Actor,
    AlreadyClaimed,
    ClientMessageIdReused,
    ContactActor,
    ConversationMerged,
    InvalidLabels,
    InvalidMerge,
    InvalidMessage,
    InvalidReadPosition,
    InvalidSnooze,
    InvalidSubject,
)
from helpline.conversations.service.labels import normalize_labels, set_labels
from helpline.conversations.service.lifecycle import (
    WAKE_SNOOZED_JOB,
    WakeSnoozedArgs,
    merge,
    set_priority,
    set_status,
    set_subject,
    snooze,
    start_conversation,
    update_conversation,
    wake_snoozed,
)
from helpline.conversations.service.messages import (
    Posted,
    add_note,
    list_messages,
    mark_read,
    post_message,
)
from helpline.conversations.service.queries import (
    describe,
    list_conversations,
    list_for_contact,
)

__all__ = [
    "WAKE_SNOOZED_JOB",
    "Actor",
    "AlreadyClaimed",
    "ClientMessageIdReused",
    "ContactActor",
    "ConversationMerged",
    "InvalidLabels",
    "InvalidMerge",
    "InvalidMessage",
    "InvalidReadPosition",
    "InvalidSnooze",
    "InvalidSubject",
    "Posted",
    "WakeSnoozedArgs",
    "add_note",
    "assign",
    "claim",
    "describe",
    "list_conversations",
    "list_for_contact",
    "list_messages",
    "mark_read",
    "merge",
    "normalize_labels",
    "post_message",
    "set_labels",
    "set_priority",
    "set_status",
    "set_subject",
    "set_team",
    "snooze",
    "start_conversation",
    "update_conversation",
    "wake_snoozed",
]
