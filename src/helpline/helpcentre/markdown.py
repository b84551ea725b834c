"""Article markdown as HTML for the public help centre, safe to put in a page as it is.

Articles are written by a workspace's admins (or imported, or an API key's client), and read
by anyone: so the HTML is built from markdown alone (CommonMark with tables and
strikethrough, by markdown-it-py), never from HTML in the text, and
- raw HTML in the markdown is shown as text;
- links go only to http, https and mailto addresses, or to relative ones on this site; any
  other (javascript:, data:, vbscript:, file:, ...) stays as plain text. Links carry
  rel="noopener noreferrer nofollow": an article's links are not the workspace's endorsement;
- images load only from this site (a relative address): an image elsewhere becomes a plain
  link to it (nothing from another host loads while the page is read: no tracking pixel, no
  mixed content), and one with any other scheme becomes its alt text.
"""

import re
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "noopener noreferrer nofollow"
_SCHEME: Final = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url.strip())
    return match.group(1).lower() if match else None


def is_allowed_link(url: str) -> bool:
    """http, https, mailto, or relative (no scheme)."""
    scheme = _scheme(url)
    return scheme is None or scheme in ALLOWED_SCHEMES


def is_same_origin(url: str) -> bool:
    """A relative address, which the browser resolves on this site. "//host/x" (and "/\\host",
    which browsers read the same way) names another host."""
    text = url.strip()
    return _scheme(text) is None and not text.startswith(("//", "/\\", "\\")) and "\\" not in text


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # Checked on links and images alike; a destination refused here stays literal text.
    md.validateLink = is_allowed_link  # type: ignore[method-assign]  # markdown-it's documented hook
    return md


_MD: Final = _parser()


def _link_tokens(href: str, text: str) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"href": href, "rel": LINK_REL})
    inner = Token("text", "", 0, content=text)
    return [opening, inner, Token("link_close", "a", -1)]


def _safe_children(children: list[Token]) -> list[Token]:
    safe: list[Token] = []
    for token in children:
        if token.type == "link_open":
            token.attrSet("rel", LINK_REL)
        if token.type != "image":
            safe.append(token)
            continue
        src = str(token.attrGet("src") or "")
        alt = "".join(child.content for child in token.children or [])
        if is_same_origin(src):
            token.attrSet("loading", "lazy")
            safe.append(token)
        elif _scheme(src) in {"http", "https"} or src.strip().startswith("//"):
            safe.extend(_link_tokens(src, alt or src))
        else:
            safe.append(Token("text", "", 0, content=alt))
    return safe


def render(markdown: str) -> Markup:
    """The article's HTML (see the module docstring for what it may hold). Its headings are one
    level down (# is <h2>): the page's one <h1> is the article's title."""
    tokens = _MD.parse(markdown)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _safe_children(token.children)
        elif token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))  # noqa: S704 (built above from markdown only, raw HTML off)
