"""Base classes for request and response schemas."""

import uuid
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Schema(BaseModel):
    """Output schemas: built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    """Input schemas: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IDSchema(Schema):
    id: uuid.UUID


class TimestampedSchema(IDSchema):
    created_at: datetime


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
