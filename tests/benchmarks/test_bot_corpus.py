"""The bot benchmark's knowledge-base builder (bench/bot_corpus.py): pure functions, no data
files."""

import pytest

from bench.bot_corpus import as_entries, distinct_entries, held_out, search_key
from helpline.evaluation.faqsets import FaqItem, FaqSet


def _candidates() -> list[FaqItem]:
    questions = [f"How do I change card number {n}?" for n in range(50)]
    # Same search terms as an earlier one: a second entry retrieval could not tell apart.
    questions += ["how do I change CARD number 1", "Hi, how do I change card number 2? Thanks"]
    questions += ["", "the and of"]  # no search terms at all
    return [FaqItem(q, "An answer.", []) for q in questions]


def test_distinct_entries_yields_n_entries_distinct_in_search_terms() -> None:
    entries = distinct_entries(_candidates(), 50, seed=7)

    assert len(entries) == 50
    keys = [search_key(e.question) for e in entries]
    assert all(keys)
    assert len(set(keys)) == 50


def test_distinct_entries_nest_and_are_reproducible() -> None:
    assert (
        distinct_entries(_candidates(), 10, seed=7) == distinct_entries(_candidates(), 50, 7)[:10]
    )
    assert distinct_entries(_candidates(), 50, seed=7) != distinct_entries(_candidates(), 50, 8)


def test_distinct_entries_says_when_the_data_is_too_small() -> None:
    with pytest.raises(ValueError, match="Only 50 distinct FAQ entries"):
        distinct_entries(_candidates(), 51, seed=7)


def test_held_out_questions_are_never_an_entry_and_never_repeated() -> None:
    entries = [FaqItem("How do I close my account?", "An answer.", [])]
    asked = ["how do I CLOSE my account", "Where is my refund?", "Where is my refund?", "Hi"]

    assert held_out(asked, entries, 1, seed=7) == ["Where is my refund?"]
    with pytest.raises(ValueError, match="Only 1 held-out questions"):
        held_out(asked, entries, 2, seed=7)


def test_as_entries_makes_one_entry_per_phrasing_answered_in_turn() -> None:
    faq_set = FaqSet([FaqItem("card arrival", "-", ["Where is my card?", "Card not here"])], [])

    entries = as_entries(faq_set, ["First answer.", "Second answer."])

    assert entries == [
        FaqItem("Where is my card?", "First answer.", []),
        FaqItem("Card not here", "Second answer.", []),
    ]
