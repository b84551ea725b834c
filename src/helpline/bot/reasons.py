"""Why the bot hands a conversation to people: the `reason` of its `handed_off` system message
(and of a fallback, when no person can take over). Agents see it in words (REASON_WORDS, and
dashboard/static/format.js, which says the same)."""

from enum import StrEnum
from typing import Final


class HandoffReason(StrEnum):
    asked_for_human = "asked_for_human"
    low_confidence = "low_confidence"
    not_supported = "not_supported"
    llm_failed = "llm_failed"
    # The workspace switched its bot off while it still owned the conversation.
    bot_disabled = "bot_disabled"
    # The escalation rules of the bot's settings (bot/settings.py).
    keyword = "keyword"
    unhelpful_answers = "unhelpful_answers"
    negative_sentiment = "negative_sentiment"


REASON_WORDS: Final = {
    HandoffReason.asked_for_human: "the visitor asked for a person",
    HandoffReason.low_confidence: "the knowledge base has no good answer",
    HandoffReason.not_supported: "the sources do not support an answer",
    HandoffReason.llm_failed: "the language model failed",
    HandoffReason.bot_disabled: "the bot was switched off",
    HandoffReason.keyword: "the message has an escalation keyword",
    HandoffReason.unhelpful_answers: "the visitor found its answers unhelpful",
    HandoffReason.negative_sentiment: "the visitor sounds upset",
}
