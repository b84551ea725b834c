"""Chunking and terms: pure functions."""

from helpline.knowledge.chunking import article_chunks, faq_chunks, plain_text, stem, terms


class TestTerms:
    def test_lower_cases_drops_stop_words_and_stems(self) -> None:
        assert terms("How do I get my REFUNDS?") == ["how", "get", "refund"]

    def test_variants_share_a_stem(self) -> None:
        assert {stem(w) for w in ("refund", "refunds", "refunded", "refunding")} == {"refund"}
        assert stem("deliveries") == "delivery"
        # Short words keep their ending: "bus" is not "bu".
        assert stem("bus") == "bus"

    def test_accents_and_curly_apostrophes(self) -> None:
        assert terms("Café\u2019s menu") == ["cafe", "menu"]

    def test_nothing_to_search(self) -> None:
        assert terms("?! the, a") == []


class TestFaqChunks:
    def test_question_first_then_distinct_phrasings(self) -> None:
        chunks = faq_chunks(
            "How do I reset my password?",
            ["I forgot my password", "how do i reset my password", "  ", "Cannot log in"],
        )
        assert chunks == ["How do I reset my password?", "I forgot my password", "Cannot log in"]


class TestArticleChunks:
    def test_sections_carry_title_and_heading(self) -> None:
        body = "Intro line.\n\n# Europe\nThree days.\n\nNo customs.\n\n## Asia\nTen days."
        assert article_chunks("Shipping", body) == [
            "Shipping\nIntro line.",
            "Shipping — Europe\nThree days. No customs.",
            "Shipping — Asia\nTen days.",
        ]

    def test_long_paragraphs_are_cut_at_the_word_limit(self) -> None:
        body = " ".join(f"w{i}" for i in range(25))
        chunks = article_chunks("T", body, max_words=10)
        assert [len(c.split("\n")[1].split()) for c in chunks] == [10, 10, 5]
        assert " ".join(c.split("\n")[1] for c in chunks) == body

    def test_paragraphs_are_kept_whole_when_they_fit(self) -> None:
        body = "one two three\n\nfour five six seven"
        assert article_chunks("T", body, max_words=5) == [
            "T\none two three",
            "T\nfour five six seven",
        ]

    def test_empty_body_is_the_title(self) -> None:
        assert article_chunks("Only a title", "") == ["Only a title"]

    def test_link_and_image_targets_are_dropped(self) -> None:
        text = "See [our page](https://evil.example/x) ![pixel](https://evil.example/p.png) **now**"
        assert plain_text(text) == "See our page pixel now"
