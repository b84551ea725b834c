"""Jinja2 for the dashboard: autoescaped, strict about undefined names, and one helper to link
static files at their versioned, immutable paths."""

from functools import cache
from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from helpline import __version__
from helpline.core.assets import Asset, digest_of, load_assets

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
STATIC_DIR: Final = Path(__file__).parent / "static"
STATIC_PREFIX: Final = "/app/static"


@cache
def assets() -> dict[str, Asset]:
    return load_assets(STATIC_DIR)


@cache
def static_version() -> str:
    """Part of every static URL: a new release (or any edited file) gets new URLs, so files
    can be cached forever."""
    return digest_of(assets())


def static_url(name: str) -> str:
    return f"{STATIC_PREFIX}/{static_version()}/{name}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(static=static_url, version=__version__)
    return env


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    page = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(page, status_code=status_code)
