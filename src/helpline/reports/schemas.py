"""What the bot's report says, over REST and on the dashboard."""

from datetime import datetime

from helpline.core.schemas import Schema


class HandoffReasonCount(Schema):
    reason: str
    # The reason in words, as agents read it in the conversation.
    label: str
    count: int


class UnansweredGroup(Schema):
    # The newest question of the group.
    question: str
    count: int
    # Other wordings of the same question, newest first (at most three).
    examples: list[str]


class BotReport(Schema):
    since: datetime
    until: datetime
    # Conversations the bot started answering in the period.
    conversations: int
    # Of those, resolved with no hand-off and no message from a person.
    resolved_by_bot: int
    # Of those, handed to people (at least once).
    handed_off: int
    # Of those, still open with the bot now.
    with_bot: int
    # resolved_by_bot / conversations and handed_off / conversations; None with no conversation.
    resolution_rate: float | None
    handoff_rate: float | None
    reasons: list[HandoffReasonCount]
    # What visitors asked that the knowledge base could not answer, grouped, biggest first.
    unanswered: list[UnansweredGroup]
