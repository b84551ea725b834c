"""What the staff assistant is asked and what it answers."""

import uuid
from typing import Annotated, Final, Literal

from pydantic import ConfigDict, Field

from helpline.core.schemas import InputSchema, Schema
from helpline.knowledge.models import SourceKind

MAX_QUESTION_CHARS: Final = 1000


class AssistantQuestion(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"question": "How long does shipping to Europe take?"}]}
    )

    question: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_QUESTION_CHARS,
            description="What you want to know, 1 to 1,000 characters.",
        ),
    ]


class StaffSource(Schema):
    """A knowledge-base source the answer rests on."""

    source_kind: SourceKind
    source_id: uuid.UUID
    # The FAQ entry's question or the article's title.
    title: str


class StaffAnswer(Schema):
    # Plain text, to be shown as text (never as HTML).
    answer: str
    # The tools that ran, in order (a tool asked for twice is listed twice).
    tools_used: list[str]
    # The knowledge-base sources the tools found, in the order found, each once.
    sources: list[StaffSource]
    # model: written by the configured LLM; search: put together from the tools' results.
    written_by: Literal["model", "search"]
