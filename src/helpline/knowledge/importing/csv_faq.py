"""A CSV file → FAQ entries, one per row.

The first row names the columns (any order, any case): `question` and `answer` are
required; `phrasings` and `tags` hold several values separated by "|"; `published` is
yes/no (true/false, 1/0; empty: the import decides). Rows are numbered as a spreadsheet
shows them: the header is row 1. Empty rows are skipped."""

import csv
import io
from dataclasses import dataclass, field
from typing import Final

from helpline.knowledge.importing.plan import MAX_CSV_ROWS, ImportTooLarge, Problem

REQUIRED: Final = ("question", "answer")
OPTIONAL: Final = ("phrasings", "tags", "published")
SEPARATOR: Final = "|"
YES: Final = frozenset({"yes", "y", "true", "1"})
NO: Final = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True, slots=True)
class FaqRow:
    row: int
    question: str
    answer: str
    phrasings: list[str] | None
    tags: list[str] | None
    published: bool | None


@dataclass(slots=True)
class FaqRows:
    rows: list[FaqRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def split_values(cell: str) -> list[str]:
    """ "a | b ||a" → ["a", "b"]: trimmed, empty ones and repeats left out."""
    values: list[str] = []
    for value in (part.strip() for part in cell.split(SEPARATOR)):
        if value and value not in values:
            values.append(value)
    return values


def _yes_no(cell: str) -> bool | None:
    value = cell.strip().lower()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError("published must be yes or no (or true/false, 1/0)")


def _header(names: list[str]) -> tuple[dict[str, int], list[Problem]]:
    columns = {name.strip().lower(): index for index, name in enumerate(names)}
    known = REQUIRED + OPTIONAL
    problems = [
        Problem("row 1", f"unknown column '{name}' (the columns are {', '.join(known)})")
        for name in columns
        if name and name not in known
    ]
    problems += [
        Problem("row 1", f"the '{name}' column is missing")
        for name in REQUIRED
        if name not in columns
    ]
    return columns, problems


def read_csv(text: str) -> FaqRows:
    """The rows of a CSV's text (already decoded). ImportTooLarge past MAX_CSV_ROWS rows."""
    found = FaqRows()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            found.problems.append(Problem("", "the file is empty: the first row names the columns"))
            return found
        columns, found.problems = _header(header)
        if found.problems:
            return found
        for number, cells in enumerate(reader, start=2):
            if number - 1 > MAX_CSV_ROWS:
                raise ImportTooLarge(f"A CSV import holds at most {MAX_CSV_ROWS} rows.")
            if any(cell.strip() for cell in cells):
                _read_row(found, columns, number, cells)
    except csv.Error as exc:
        found.problems.append(Problem(f"row {reader.line_num}", f"the CSV cannot be read: {exc}"))
    return found


def _read_row(found: FaqRows, columns: dict[str, int], number: int, cells: list[str]) -> None:
    def cell(name: str) -> str | None:
        index = columns.get(name)
        if index is None:
            return None
        return cells[index].strip() if index < len(cells) else ""

    source = f"row {number}"
    question, answer = cell("question") or "", cell("answer") or ""
    problems = [
        Problem(source, f"the {name} is empty")
        for name, value in (("question", question), ("answer", answer))
        if not value
    ]
    published = None
    try:
        published = _yes_no(cell("published") or "")
    except ValueError as invalid:
        problems.append(Problem(source, str(invalid)))
    if problems:
        found.problems += problems
        return
    phrasings, tags = cell("phrasings"), cell("tags")
    found.rows.append(
        FaqRow(
            row=number,
            question=question,
            answer=answer,
            phrasings=None if phrasings is None else split_values(phrasings),
            tags=None if tags is None else split_values(tags),
            published=published,
        )
    )
