"""Request and response shapes for canned responses.

The schemas check lengths; what a shortcut may contain is checked by the service, so that
every caller gets the same rule with the same message.
"""

import uuid
from datetime import datetime
from typing import Annotated, Final

from pydantic import ConfigDict, Field

from helpline.core.schemas import InputSchema, TimestampedSchema

MAX_SHORTCUT_CHARS: Final = 40
MAX_TITLE_CHARS: Final = 120
MAX_BODY_CHARS: Final = 5_000

Shortcut = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SHORTCUT_CHARS,
        description="What agents type after '/' in the composer: lowercase letters a-z, "
        "digits, '-' and '_' (uppercase is lowercased); unique in the workspace.",
    ),
]
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE_CHARS)]
Body = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_BODY_CHARS,
        description="The text inserted into the composer; surrounding spaces are trimmed.",
    ),
]


class CannedResponseCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "shortcut": "refund-policy",
                    "title": "Refund policy",
                    "body": "You can return any item within 30 days for a full refund.",
                }
            ]
        }
    )

    shortcut: Shortcut
    title: Title
    body: Body


class CannedResponseUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Refunds within 30 days"}]})

    shortcut: Shortcut | None = None
    title: Title | None = None
    body: Body | None = None


class CannedResponseRead(TimestampedSchema):
    shortcut: str
    title: str
    body: str
    created_by_member_id: uuid.UUID | None
    updated_at: datetime
