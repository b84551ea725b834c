"""The query string both databases read."""

from collections.abc import Sequence


def any_of(terms: Sequence[str]) -> str:
    """`"t1" OR "t2"`: a query both FTS5 MATCH and websearch_to_tsquery read the same way.
    Each term is quoted (a phrase), so "hasn't" matches the tokens it was indexed as; terms
    hold letters, digits and apostrophes only, so there is no quote to escape."""
    return " OR ".join(f'"{term}"' for term in terms)
