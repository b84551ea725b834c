"""Suggested FAQ entries over REST."""

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from helpline.core.schemas import InputSchema, TimestampedSchema
from helpline.knowledge.schemas import Answer, Phrasings, Question, Tags
from helpline.knowledge.suggestions.models import SuggestionStatus


class SuggestionRead(TimestampedSchema):
    conversation_id: uuid.UUID | None
    question: str
    answer: str
    status: SuggestionStatus
    # The FAQ entry an approval created.
    faq_id: uuid.UUID | None
    decided_at: datetime | None


class SuggestionApproval(InputSchema):
    """The entry to create: the suggestion's own words unless others are sent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "Do you ship to Iceland?", "phrasings": ["Shipping to Iceland"]}
            ]
        }
    )

    question: Question | None = None
    answer: Answer | None = None
    phrasings: Phrasings = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)
