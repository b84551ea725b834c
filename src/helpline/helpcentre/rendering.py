"""Turning help-centre templates into responses: Jinja2 (autoescaped), the page's own style
sheet inline with its hash in a strict Content-Security-Policy, short public caching with
an ETag, and the language and direction of the text."""

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any, Final

from fastapi import Request, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

HERE: Final = Path(__file__).parent
# Pages change when an admin edits an article: a reader (or a cache in front) may see the
# old one for a minute, then revalidates with the ETag.
PAGE_CACHE: Final = "public, max-age=60"
# Languages written right to left (their primary subtag).
RTL_LANGUAGES: Final = frozenset({"ar", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"})


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _base_style() -> str:
    return (HERE / "style.css").read_text(encoding="utf-8")


@cache
def style(colour: str) -> tuple[Markup, str]:
    """The page's style sheet for the workspace's colour, and its CSP source ('sha256-…').
    `colour` is #rrggbb (checked by helpcentre.service.centre_of), never free text."""
    text = f":root {{ --accent: {colour}; }}\n{_base_style()}"
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return Markup(text), f"'sha256-{digest}'"  # noqa: S704 (our own file and a checked colour)


def content_security_policy(style_source: str) -> str:
    # No script at all: the help centre works without JavaScript. Images only from this
    # site (helpcentre.markdown turns others into links) and data: (the page's empty icon,
    # which spares browsers a /favicon.ico request; such images load nothing from anywhere).
    # Forms post only here.
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'none'",
            f"style-src {style_source}",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def direction(locale: str) -> tuple[str, str]:
    """(lang, dir) attributes for a locale such as "fr-CA" or "ar"."""
    lang = locale or "en"
    primary = lang.split("-", 1)[0].lower()
    return lang, "rtl" if primary in RTL_LANGUAGES else "ltr"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    colour: str,
    status_code: int = 200,
    media_type: str = "text/html",
    cache_control: str = PAGE_CACHE,
) -> Response:
    """The page; a 304 when the reader's copy (If-None-Match) is still this one."""
    sheet, style_source = style(colour)
    body = environment().get_template(template).render(style=sheet, **context).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {
        "Content-Security-Policy": content_security_policy(style_source),
        "Cache-Control": cache_control,
        "ETag": etag,
    }
    if status_code == 200 and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)
