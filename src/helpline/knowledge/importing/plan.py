"""What an import would do, before the database is asked: the articles and FAQ entries read
from the files, and every problem found, named by its file or row. Also the limits that keep
an upload from costing more than it is worth."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from typing_extensions import override

from helpline.core.errors import AppError, Unprocessable
from helpline.knowledge.models import ArticleStatus

MIB: Final = 1024 * 1024
# The upload itself (a zip, a CSV, an HTML page).
MAX_UPLOAD_BYTES: Final = 10 * MIB
# Everything in a zip (or a folder) once uncompressed, and how many entries it may have.
MAX_TOTAL_BYTES: Final = 20 * MIB
MAX_FILES: Final = 500
# One markdown or HTML file: far above the longest article (200,000 characters of body).
MAX_FILE_BYTES: Final = 1 * MIB
MAX_CSV_ROWS: Final = 5_000


class ImportKind(StrEnum):
    markdown = "markdown"
    csv = "csv"
    html = "html"


class ImportTooLarge(AppError):
    status_code = 413
    default_detail = "The import is too large."


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one file or row: `source` names it ("guides/refunds.md",
    "row 7"), `message` says what to fix."""

    source: str
    message: str

    @override
    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class ImportInvalid(Unprocessable):
    """The import was refused as a whole: nothing was written. Every problem is listed."""

    default_detail = "The import has problems: nothing was imported."

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        first = str(problems[0]).rstrip(".") if problems else "it has problems"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"Nothing was imported: {first}{more}.")

    @override
    def body(self) -> dict[str, Any]:
        errors = [{"source": p.source, "message": p.message} for p in self.problems]
        return {**super().body(), "errors": errors}


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    source: str
    title: str
    body: str
    slug: str
    # None: the file does not say (a new article is a draft; an existing one keeps its own).
    status: ArticleStatus | None = None
    locale: str | None = None
    # A collection's name; None: the file does not say.
    collection: str | None = None


@dataclass(frozen=True, slots=True)
class FaqDraft:
    source: str
    question: str
    answer: str
    # None: the CSV has no such column (an existing entry keeps its own).
    phrasings: list[str] | None = None
    tags: list[str] | None = None
    published: bool | None = None


@dataclass(slots=True)
class Plan:
    kind: ImportKind
    articles: list[ArticleDraft] = field(default_factory=list)
    faqs: list[FaqDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Files that are not of the import's kind (a picture next to the markdown), left alone.
    skipped: list[str] = field(default_factory=list)
