"""One markdown file → one article.

An optional front matter block opens the file: a `---` line, `key: value` lines, a `---`
line (no YAML: values are plain text, quotes around them are taken off). Keys read:
`title`, `slug`, `collection`, `status`, `locale`; other keys (a date, an author from
another tool) are ignored. The title is the front matter's, else the first `# heading`
(then taken out of the body, which would otherwise repeat it), else the file's name."""

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Final

KEY_VALUE: Final = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
HEADING: Final = re.compile(r"^#\s+(.+?)\s*#*\s*$")
FENCE: Final = "---"


class FrontMatterError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class MarkdownArticle:
    title: str
    body: str
    meta: dict[str, str] = field(default_factory=dict)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(the front matter's keys in lower case, the rest of the text)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        return {}, text
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == FENCE:
            return meta, "\n".join(lines[number:])
        match = KEY_VALUE.match(line)
        if match:
            meta[match.group(1).lower()] = _unquote(match.group(2))
        elif line.strip() and not line[:1].isspace() and not line.startswith("-"):
            # Indented lines and "- item" lines continue a key of another tool: ignored.
            raise FrontMatterError(f"line {number} of the front matter is not 'key: value'")
    raise FrontMatterError("the front matter has no closing '---' line")


def title_from_name(path: str) -> str:
    """ "getting-started.md" → "Getting started"."""
    words = re.sub(r"[-_\s]+", " ", PurePosixPath(path).stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def _take_heading(body: str) -> tuple[str | None, str]:
    """The first level-one heading, and the body without it (outside code fences)."""
    lines = body.split("\n")
    fenced = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            rest = lines[:index] + lines[index + 1 :]
            return match.group(1), "\n".join(rest)
    return None, body


def read_markdown(path: str, text: str) -> MarkdownArticle:
    """The article in one file's text. FrontMatterError when its front matter is broken."""
    meta, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    title = meta.get("title", "").strip()
    if not title:
        heading, without = _take_heading(body)
        if heading:
            title, body = heading, without
        else:
            title = title_from_name(path)
    return MarkdownArticle(title=title, body=body.strip("\n"), meta=meta)
