"""Conversations and their messages. Import as
`from helpline.conversations import service as conversations`.

Every change to a conversation goes through these functions, whoever asks (REST, and later
the WebSocket, the bot, channels and the CLI). They never commit; each locks the
conversation's row before changing it. See docs/conversations.md.
"""

from helpline.conversations.service.assignment import assign, claim, set_team
from helpline.conversations.service.attachments import (
    AttachmentFileMissing,
    AttachmentTooLarge,
    AttachmentTypeNotAllowed,
    InvalidAttachment,
    open_attachment,
    serving_headers,
    upload,
)
from helpline.conversations.service.common import (
    DRAIN_BACKLOG_JOB,
    Actor,
    AlreadyClaimed,
    ClientMessageIdReused,
    ContactActor,
    ConversationMerged,
    DrainBacklogArgs,
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
from helpline.conversations.service.presence import (
    CHECK_PRESENCE_JOB,
    CheckPresenceArgs,
    PresenceCheck,
    check_presence,
    member_connected,
    member_disconnected,
    member_seen,
)
from helpline.conversations.service.queries import (
    list_conversations,
    list_for_contact,
    list_for_visitor,
)
from helpline.conversations.service.routing import (
    availability_changed,
    drain_backlog,
    release_member,
    route_to_human,
)
from helpline.conversations.service.views import (
    WIDGET_DOWNLOAD_BASE,
    describe,
    describe_attachment,
    describe_messages,
    describe_visitor_messages,
)

__all__ = [
    "CHECK_PRESENCE_JOB",
    "DRAIN_BACKLOG_JOB",
    "WAKE_SNOOZED_JOB",
    "WIDGET_DOWNLOAD_BASE",
    "Actor",
    "AlreadyClaimed",
    "AttachmentFileMissing",
    "AttachmentTooLarge",
    "AttachmentTypeNotAllowed",
    "CheckPresenceArgs",
    "ClientMessageIdReused",
    "ContactActor",
    "ConversationMerged",
    "DrainBacklogArgs",
    "InvalidAttachment",
    "InvalidLabels",
    "InvalidMerge",
    "InvalidMessage",
    "InvalidReadPosition",
    "InvalidSnooze",
    "InvalidSubject",
    "Posted",
    "PresenceCheck",
    "WakeSnoozedArgs",
    "add_note",
    "assign",
    "availability_changed",
    "check_presence",
    "claim",
    "describe",
    "describe_attachment",
    "describe_messages",
    "describe_visitor_messages",
    "drain_backlog",
    "list_conversations",
    "list_for_contact",
    "list_for_visitor",
    "list_messages",
    "mark_read",
    "member_connected",
    "member_disconnected",
    "member_seen",
    "merge",
    "normalize_labels",
    "open_attachment",
    "post_message",
    "release_member",
    "route_to_human",
    "serving_headers",
    "set_labels",
    "set_priority",
    "set_status",
    "set_subject",
    "set_team",
    "snooze",
    "start_conversation",
    "update_conversation",
    "upload",
    "wake_snoozed",
]
