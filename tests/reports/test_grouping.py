"""Grouping the questions the bot could not answer (pure)."""

from helpline.reports.grouping import MAX_EXAMPLES, group_questions


def test_wordings_of_one_question_make_one_group_named_by_the_newest() -> None:
    groups = group_questions(
        [
            "Do you ship to Iceland?",
            "What is the capital of Mongolia?",
            "do you ship to iceland",
            "Can you ship to Iceland, please?",
        ]
    )

    assert [(g.question, g.count) for g in groups] == [
        ("Do you ship to Iceland?", 3),
        ("What is the capital of Mongolia?", 1),
    ]
    assert groups[0].examples == ["do you ship to iceland", "Can you ship to Iceland, please?"]


def test_the_biggest_groups_come_first_then_the_newest() -> None:
    questions = ["gift cards?", "student discount", "gift card balance", "student discounts?"]
    questions += ["gift cards please"]

    groups = group_questions(questions)

    assert [(g.question, g.count) for g in groups] == [
        ("gift cards?", 3),
        ("student discount", 2),
    ]


def test_examples_are_capped_and_repeats_counted_once_as_wording() -> None:
    same = ["Where is my invoice?"] * 3 + [f"invoice number {n}" for n in range(6)]

    [group] = group_questions(same)

    assert group.count == 9
    assert len(group.examples) == MAX_EXAMPLES
    assert "Where is my invoice?" not in group.examples


def test_the_limit_and_questions_with_no_words() -> None:
    questions = ["??", "   ", "apples", "bananas", "cherries"]

    assert [g.question for g in group_questions(questions, limit=2)] == ["apples", "bananas"]
    assert group_questions(["??", ""]) == []


def test_one_shared_word_in_four_is_not_the_same_question() -> None:
    groups = group_questions(["cancel my order", "change the order's address"])

    assert [g.count for g in groups] == [1, 1]
