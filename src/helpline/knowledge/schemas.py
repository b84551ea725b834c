"""Request and response shapes for the knowledge base."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from helpline.core.schemas import InputSchema, Schema, TimestampedSchema
from helpline.knowledge.models import ArticleStatus, SourceKind
from helpline.knowledge.slugs import MAX_SLUG_CHARS, SLUG_PATTERN

MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 10_000
MAX_ARTICLE_CHARS = 200_000

Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS)]
Answer = Annotated[str, Field(min_length=1, max_length=MAX_ANSWER_CHARS)]
Phrasings = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS)]],
    Field(max_length=500),
]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=20)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
Body = Annotated[str, Field(max_length=MAX_ARTICLE_CHARS)]
# A language code such as en or fr-CA.
LOCALE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"
Locale = Annotated[str, Field(pattern=LOCALE_PATTERN)]
Slug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SLUG_CHARS,
        pattern=SLUG_PATTERN,
        description="Lower-case letters a-z and digits, in words joined by single hyphens.",
    ),
]
CollectionName = Annotated[str, Field(min_length=1, max_length=120)]
Description = Annotated[str, Field(max_length=2000)]
Position = Annotated[int, Field(ge=0, le=1_000_000)]


class CollectionCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Shipping and delivery",
                    "description": "Where your parcel is, and when it arrives.",
                    "position": 1,
                }
            ]
        }
    )

    name: CollectionName
    # Derived from the name when not sent ("Shipping and delivery" → shipping-and-delivery).
    slug: Slug | None = None
    description: Description = ""
    position: Position = 0
    locale: Locale = "en"


class CollectionUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"position": 2}]})

    name: CollectionName | None = None
    slug: Slug | None = None
    description: Description | None = None
    position: Position | None = None
    locale: Locale | None = None


class CollectionRead(TimestampedSchema):
    name: str
    slug: str
    description: str
    position: int
    locale: str
    updated_at: datetime


class FaqCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": "How do I reset my password?",
                    "answer": "Open the sign-in page and choose 'Forgot password'.",
                    "phrasings": ["I forgot my password", "cannot log in"],
                    "tags": ["account"],
                }
            ]
        }
    )

    question: Question
    answer: Answer
    phrasings: Phrasings = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)
    published: bool = True


class FaqUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"published": False}]})

    question: Question | None = None
    answer: Answer | None = None
    phrasings: Phrasings | None = None
    tags: Tags | None = None
    published: bool | None = None


class FaqRead(TimestampedSchema):
    question: str
    answer: str
    phrasings: list[str]
    tags: list[str]
    published: bool
    updated_at: datetime


class ArticleCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Shipping times",
                    "body": "# Europe\nOrders arrive within three working days.",
                    "status": "published",
                }
            ]
        }
    )

    title: Title
    body: Body = ""
    status: ArticleStatus = ArticleStatus.draft
    locale: Locale = "en"
    collection_id: uuid.UUID | None = None
    # Derived from the title when not sent; it then stays when the title changes, so that
    # published links keep working.
    slug: Slug | None = None


class ArticleUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "draft"}]})

    title: Title | None = None
    body: Body | None = None
    status: ArticleStatus | None = None
    locale: Locale | None = None
    # null takes the article out of its collection.
    collection_id: uuid.UUID | None = None
    slug: Slug | None = None


class ArticleRead(TimestampedSchema):
    title: str
    body: str
    status: ArticleStatus
    locale: str
    collection_id: uuid.UUID | None
    slug: str
    # Help-centre readers' answers to "Was this helpful?".
    helpful_count: int = 0
    unhelpful_count: int = 0
    updated_at: datetime


class PassageRead(Schema):
    source_kind: SourceKind
    source_id: uuid.UUID
    title: str
    text: str
    score: float
    confidence: float
