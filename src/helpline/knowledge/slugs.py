"""Slugs: the readable last part of a help-centre address (/help/acme/articles/<slug>).

Pure functions. A slug is lower-case ASCII letters and digits in words joined by single
hyphens ("shipping-to-europe"), so it is the same in every browser, log and link checker."""

import re
import unicodedata
from collections.abc import Callable
from typing import Final

MAX_SLUG_CHARS: Final = 120
# Derived slugs are kept shorter than the column allows, so that "-2", "-3" still fit.
DERIVED_SLUG_CHARS: Final = 80
SLUG_PATTERN: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG: Final = re.compile(SLUG_PATTERN)
_NOT_SLUG_CHARS: Final = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, fallback: str) -> str:
    """`text` as a slug: accents dropped ("Café" → "cafe"), anything else that is not a letter
    or digit a hyphen. A title with no Latin letter or digit at all ("日本") becomes
    `fallback`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG_CHARS.sub("-", ascii_text.lower()).strip("-")
    return slug[:DERIVED_SLUG_CHARS].rstrip("-") or fallback


def is_slug(text: str) -> bool:
    return len(text) <= MAX_SLUG_CHARS and _SLUG.fullmatch(text) is not None


def first_free(base: str, is_taken: Callable[[str], bool]) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first that `is_taken` says is free."""
    candidate, n = base, 2
    while is_taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate
