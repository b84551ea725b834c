"""The pure rules: keywords, unhelpful follow-ups and their streak, tone, email addresses."""

import re
from pathlib import Path

import pytest

import helpline
from helpline.bot import escalation, prompts, rules, sentiment
from helpline.bot.escalation import Said
from helpline.bot.reasons import REASON_WORDS, HandoffReason


class TestKeywords:
    def test_whole_words_any_case_any_spacing(self) -> None:
        keywords = ["refund", "cancel my account"]
        assert escalation.keyword_in("I want a REFUND.", keywords) == "refund"
        assert escalation.keyword_in("please Cancel  my\naccount", keywords) == "cancel my account"
        assert escalation.keyword_in("I was refunded", keywords) is None
        assert escalation.keyword_in("prerefund", keywords) is None
        assert escalation.keyword_in("cancel my accounts", keywords) is None

    def test_keywords_are_text_not_patterns(self) -> None:
        assert escalation.keyword_in("a.b", ["a.b"]) == "a.b"
        assert escalation.keyword_in("axb", ["a.b"]) is None


class TestUnhelpful:
    @pytest.mark.parametrize(
        "text",
        [
            "that didn't help",
            "That did not help at all",
            "No",
            "no.",
            "Nope, how do I pay?",
            "not what I asked",
            "Wrong",
            "that's wrong",
            "This doesn't answer my question",
            "useless",
            "It still doesn't work",
        ],
    )
    def test_complaints(self, text: str) -> None:
        assert escalation.is_unhelpful(text)

    @pytest.mark.parametrize(
        "text",
        [
            "Thanks, that helped!",
            "no problem, and how much is shipping?",
            "No thanks, that's all",
            "What's wrong with my order?",
            "Nobody told me about the fee",
            "How do I get a refund?",
        ],
    )
    def test_other_follow_ups(self, text: str) -> None:
        assert not escalation.is_unhelpful(text)


def _exchange(*follow_ups: str) -> list[Said]:
    said: list[Said] = [Said(True, "first question")]
    for text in follow_ups:
        said += [Said(False, "an answer", answer=True), Said(True, text)]
    return said


class TestStreak:
    def test_counts_complaints_in_a_row(self) -> None:
        assert escalation.unhelpful_streak(_exchange("no", "wrong")) == 2

    def test_a_helpful_exchange_resets_it(self) -> None:
        assert escalation.unhelpful_streak(_exchange("no", "thanks!", "wrong")) == 1
        assert escalation.unhelpful_streak(_exchange("no", "wrong", "great")) == 0

    def test_only_answers_count(self) -> None:
        # A complaint after the welcome or a fallback is not about an answer.
        said = [
            Said(False, "welcome"),
            Said(True, "no"),
            Said(False, "a fallback"),
            Said(True, "no"),
        ]
        assert escalation.unhelpful_streak(said) == 0

    def test_each_answer_counts_once(self) -> None:
        said = [*_exchange("no"), Said(True, "no"), Said(True, "wrong")]
        assert escalation.unhelpful_streak(said) == 1


class TestSentiment:
    def test_scores(self) -> None:
        assert sentiment.compound("This is terrible, I am furious!!") < -0.6
        assert sentiment.compound("How do I reset my password?") == 0
        assert sentiment.compound("Thanks, great help!") > 0.5

    def test_threshold(self) -> None:
        assert escalation.is_negative("This is the worst service ever", -0.6)
        assert not escalation.is_negative("that did not help", -0.6)


class TestEmail:
    @pytest.mark.parametrize(
        ("text", "email"),
        [
            ("sure: Ada@Example.com.", "ada@example.com"),
            ("<bob@shop.example>", "bob@shop.example"),
            ("my mail is at gmail", None),
            ("a@b", None),
        ],
    )
    def test_first_valid_address(self, text: str, email: str | None) -> None:
        assert rules.email_in(text) == email


class TestPrompt:
    def test_without_a_profile_the_prompt_is_the_rules(self) -> None:
        assert prompts.system_prompt() == prompts.SYSTEM_PROMPT

    def test_the_profile_comes_after_the_rules_fenced(self) -> None:
        prompt = prompts.system_prompt(name="Ava", persona="Warm.")
        assert prompt.startswith(prompts.SYSTEM_PROMPT)
        assert prompt.endswith("<<<PROFILE\nYour name is Ava.\nWarm.\nPROFILE>>>")


def test_every_reason_has_words() -> None:
    assert set(REASON_WORDS) == set(HandoffReason)


def test_the_dashboard_says_the_same_words() -> None:
    # dashboard/static/format.js renders the reasons in the conversation view.
    source = (Path(helpline.__file__).parent / "dashboard" / "static" / "format.js").read_text()
    block = source[source.index("const HANDOFF_REASONS = {") :]
    block = block[: block.index("};")]
    assert dict(re.findall(r'(\w+): "([^"]+)"', block)) == {
        reason.value: words for reason, words in REASON_WORDS.items()
    }
