"""What agent assist answers: a suggested reply with its sources, or a conversation summary."""

import uuid
from enum import StrEnum
from typing import Literal

from helpline.core.schemas import Schema
from helpline.knowledge.models import SourceKind


class NoSuggestion(StrEnum):
    """Why there is no suggested reply."""

    # The contact has not written since the team's last reply (or never wrote).
    nothing_to_answer = "nothing_to_answer"
    # Nothing in the knowledge base is relevant enough (the bot's confidence threshold).
    not_relevant = "not_relevant"
    # The model found no answer in the sources it was given.
    not_supported = "not_supported"


class SourceRead(Schema):
    source_kind: SourceKind
    source_id: uuid.UUID
    # The FAQ entry's question or the article's title.
    title: str
    # What the suggestion was drafted from: the FAQ answer, or the article's passage.
    excerpt: str


class SuggestionRead(Schema):
    """A reply for the agent to edit and send; it is never sent by itself."""

    # Empty when there is no suggestion (`reason` says why).
    body: str
    # The sources `body` cites, in the order of its [1], [2] markers.
    sources: list[SourceRead]
    # The best source's confidence (0 to 1), as the bot's threshold reads it.
    confidence: float
    # model: written by the configured LLM; knowledge_base: the best source as it stands.
    drafted_by: Literal["model", "knowledge_base"] | None
    # The contact's messages the suggestion answers.
    question: str
    reason: NoSuggestion | None
    # One sentence for the agent: what this is, or why there is none.
    detail: str


class SummaryPoint(Schema):
    label: str
    text: str


class SummaryRead(Schema):
    text: str
    # The extractive summary's labelled points (who, first question, ...); empty for a
    # model's summary, which is prose.
    points: list[SummaryPoint]
    # model: written by the configured LLM; extract: quoted from the conversation.
    written_by: Literal["model", "extract"]
    # How many messages it read (notes and system messages included).
    messages_read: int
