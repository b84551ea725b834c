"""Slugs: pure functions."""

import pytest

from helpline.knowledge.slugs import DERIVED_SLUG_CHARS, first_free, is_slug, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Shipping times", "shipping-times"),
        ("  Returns & refunds!  ", "returns-refunds"),
        ("Café à Montréal", "cafe-a-montreal"),
        ("Über uns", "uber-uns"),
        ("2-factor  --  login", "2-factor-login"),
        ("What's new?", "what-s-new"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text, fallback="article") == slug
    assert is_slug(slug)


@pytest.mark.parametrize("text", ["日本の配送", "!!!", "", "   "])
def test_a_title_with_no_latin_letter_gets_the_fallback(text: str) -> None:
    assert slugify(text, fallback="article") == "article"


def test_long_titles_are_cut_without_a_trailing_hyphen() -> None:
    slug = slugify("word " * 40, fallback="article")

    assert len(slug) <= DERIVED_SLUG_CHARS
    assert is_slug(slug)


@pytest.mark.parametrize("text", ["Upper", "two--hyphens", "-lead", "trail-", "sp ace", "é", ""])
def test_what_is_not_a_slug(text: str) -> None:
    assert not is_slug(text)


def test_first_free_counts_from_two() -> None:
    taken = {"shipping", "shipping-2"}

    assert first_free("returns", taken.__contains__) == "returns"
    assert first_free("shipping", taken.__contains__) == "shipping-3"
