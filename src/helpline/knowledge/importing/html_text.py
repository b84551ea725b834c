"""One HTML page → a title and a markdown body, with the standard library's html.parser.

Only text and structure survive: headings become `#` lines, paragraphs and line breaks stay,
list items become "- " lines, bold, italics and code keep their marks, and links become
`[text](address)` for http, https and mailto addresses only (any other address, such as
`javascript:`, leaves just the text). Everything else is dropped with its content: scripts,
styles, frames, forms, embedded objects, images, the head; attributes (event handlers,
styles) never reach the output. Brackets and "<" in the page's text are escaped, so text
can never turn into a link or a tag once the markdown is rendered."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final
from urllib.parse import quote, urlsplit

from typing_extensions import override

# Dropped with everything inside them.
DROPPED: Final = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "template", "svg", "math", "form", "button", "select", "textarea",
        "canvas", "audio", "video", "head", "nav", "footer",
    }
)  # fmt: skip
# Elements that cannot hold content: never wait for their end tag.
VOID: Final = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param"}
)  # fmt: skip
BLOCKS: Final = frozenset(
    {"p", "div", "section", "article", "main", "header", "aside", "blockquote", "table",
     "tr", "dl", "dt", "dd", "figure", "figcaption", "address", "body", "html"}
)  # fmt: skip
HEADINGS: Final = {f"h{n}": n for n in range(1, 7)}
INLINE_MARKS: Final = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LANG: Final = re.compile(r"^([a-z]{2})(?:[-_]([a-z]{2}))?$", re.IGNORECASE)
_ESCAPED: Final = re.compile(r"([\\\[\]<])")


@dataclass(frozen=True, slots=True)
class HtmlPage:
    title: str
    body: str
    # The page's `<html lang>` as a locale ("fr-CA"), when it is one.
    locale: str | None


def safe_href(href: str | None) -> str | None:
    """The address when a reader may follow it (http, https, mailto), made safe to put in
    markdown's parentheses; None otherwise."""
    if not href:
        return None
    href = href.strip()
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return None
    if scheme not in LINK_SCHEMES:
        return None
    return quote(href, safe="/:?#&=%@+,;!$'~.-_[]")


def locale_of(lang: str | None) -> str | None:
    match = LANG.match(lang or "")
    if match is None:
        return None
    region = match.group(2)
    return match.group(1).lower() + (f"-{region.upper()}" if region else "")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropped: list[str] = []
        self.title_parts: list[str] | None = None
        self.title = ""
        self.first_h1: str | None = None
        self.h1_parts: list[str] | None = None
        self.lang: str | None = None
        self.links: list[str | None] = []
        self.link_starts: list[int] = []
        self.pre = 0
        self.lists: list[str] = []

    def _block(self, prefix: str = "") -> None:
        self.out.append("\n\n" + prefix)

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        # The page's title is in its head (or, loosely written, anywhere outside dropped
        # content): an <svg><title> is not.
        in_head_only = all(dropped == "head" for dropped in self.dropped)
        if tag == "title" and in_head_only and not self.title and self.title_parts is None:
            self.title_parts = []
            return
        if tag == "body" and in_head_only:
            # HTML may leave </head> out: the body ends the head.
            self.dropped.clear()
        if tag in DROPPED and tag not in VOID:
            # Only dropped elements are counted: an unclosed <li> inside a <nav> must not
            # keep the rest of the page dropped.
            self.dropped.append(tag)
        if self.dropped or tag in DROPPED:
            return
        self._open(tag, dict(attrs))

    def _open(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag in HEADINGS:
            self._block("#" * HEADINGS[tag] + " ")
            if tag == "h1" and self.first_h1 is None:
                self.h1_parts = []
        elif tag in BLOCKS:
            self._block()
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._block()
            self.lists.append(tag)
        elif tag == "li":
            indent = "  " * max(len(self.lists) - 1, 0)
            self.out.append("\n" + indent + "- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._block("---")
            self._block()
        elif tag == "pre":
            self.pre += 1
            self._block("```\n")
        elif tag in INLINE_MARKS and not self.pre:
            self.out.append(INLINE_MARKS[tag])
        elif tag == "a":
            self.links.append(safe_href(attrs.get("href")))
            self.link_starts.append(len(self.out))

    @override
    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self.title = _squash("".join(self.title_parts))
            self.title_parts = None
            return
        if self.dropped:
            if tag in self.dropped:
                # Up to its last opening: elements left open inside it end with it.
                del self.dropped[len(self.dropped) - 1 - self.dropped[::-1].index(tag) :]
            return
        self._close(tag)

    def _close(self, tag: str) -> None:
        if tag in HEADINGS:
            if tag == "h1" and self.h1_parts is not None:
                self.first_h1 = _squash("".join(self.h1_parts))
                self.h1_parts = None
            self._block()
        elif tag in BLOCKS:
            self._block()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._block()
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self.out.append("\n```")
            self._block()
        elif tag in INLINE_MARKS and not self.pre:
            self.out.append(INLINE_MARKS[tag])
        elif tag == "a" and self.links:
            href, start = self.links.pop(), self.link_starts.pop()
            text = _squash("".join(self.out[start:]))
            if href and text:
                self.out[start:] = [f"[{text}]({href})"]

    @override
    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
            return
        if self.dropped:
            return
        if self.h1_parts is not None:
            self.h1_parts.append(data)
        if self.pre:
            self.out.append(data.replace("```", "'''"))
        else:
            self.out.append(_ESCAPED.sub(r"\\\1", re.sub(r"\s+", " ", data)))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _tidy(markdown: str) -> str:
    """Lines without the page's stray indentation (list items keep their nesting, code
    blocks keep everything), and at most one blank line in a row."""
    lines, fenced = [], False
    for line in markdown.split("\n"):
        if line == "```" or (not fenced and line.lstrip() == "```"):
            fenced = not fenced
            lines.append("```")
        elif fenced or line.lstrip().startswith("- "):
            lines.append(line.rstrip())
        else:
            lines.append(line.strip())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    # A heading or list mark left with no text after it.
    text = re.sub(r"(?m)^(#{1,6}|-)\s*$\n?", "", text)
    return text.strip()


def read_html(text: str) -> HtmlPage:
    converter = _Converter()
    converter.feed(text)
    converter.close()
    title = converter.title or converter.first_h1 or ""
    body = _tidy("".join(converter.out))
    if converter.first_h1 and converter.first_h1 == title:
        body = _drop_first_heading(body, title)
    return HtmlPage(title=title, body=body, locale=locale_of(converter.lang))


def _drop_first_heading(body: str, title: str) -> str:
    """The body without its first `# ` line when that line is the title (already shown)."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            if _unescape(line[2:]).strip() == title:
                return "\n".join(lines[:index] + lines[index + 1 :]).strip()
            break
    return body


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
