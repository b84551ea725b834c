"""What an import answers: what it created or changed (or would, in a dry run), what it
left alone, and the problems that stopped it."""

import uuid
from enum import StrEnum
from typing import Literal

from pydantic import Field

from helpline.core.schemas import Schema
from helpline.knowledge.importing.plan import ImportKind


class ImportAction(StrEnum):
    create = "create"
    update = "update"
    # Already in the knowledge base exactly as the file has it.
    unchanged = "unchanged"


class ImportItem(Schema):
    kind: Literal["article", "faq", "collection"]
    action: ImportAction
    # The file ("guides/refunds.md") or the CSV row ("row 7") it comes from.
    source: str
    # The article's title, the FAQ entry's question, the collection's name.
    title: str
    slug: str | None = None
    # None in a dry run, for what would be created.
    id: uuid.UUID | None = None


class ImportProblem(Schema):
    source: str
    message: str


class ImportSummary(Schema):
    kind: ImportKind
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items: list[ImportItem] = Field(default_factory=list)
    # Files of another kind in the folder or zip, left alone.
    skipped: list[str] = Field(default_factory=list)
    errors: list[ImportProblem] = Field(default_factory=list)
