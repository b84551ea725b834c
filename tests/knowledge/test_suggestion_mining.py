"""Which question and answer of a conversation could become a FAQ entry (pure)."""

from helpline.knowledge.suggestions.mining import MAX_PARTS, Pair, Said, question_and_answer


def contact(body: str) -> Said:
    return Said("contact", body)


def agent(body: str, private: bool = False) -> Said:
    return Said("agent", body, private)


ANSWER = "You can return any item within 30 days for a full refund."


def test_the_question_before_the_teams_first_reply_and_that_reply() -> None:
    pair = question_and_answer(
        [
            contact("Hi"),
            contact("Can I return shoes I have worn once?"),
            agent("Checking with the warehouse.", private=True),
            Said("system", ""),
            agent(ANSWER),
            agent("Print the label from your account."),
            contact("Thanks!"),
            agent("You're welcome, have a good day."),
        ]
    )

    assert pair == Pair(
        question="Hi Can I return shoes I have worn once?",
        answer=f"{ANSWER}\n\nPrint the label from your account.",
    )


def test_what_the_bot_answered_already_is_not_the_question() -> None:
    pair = question_and_answer(
        [
            contact("Where is my parcel please?"),
            Said("bot", "Your tracking link is in the email."),
            contact("It says delivered but I never got it"),
            agent("We have sent a replacement; it arrives tomorrow."),
        ]
    )

    assert pair is not None
    assert pair.question == "It says delivered but I never got it"


def test_nothing_without_a_public_reply_or_with_too_little_said() -> None:
    assert question_and_answer([contact("Is anyone there at all?"), agent("note", True)]) is None
    assert question_and_answer([agent(ANSWER)]) is None
    assert question_and_answer([contact("Refund?"), agent(ANSWER)]) is None
    assert question_and_answer([contact("Can I get a refund?"), agent("Yes.")]) is None
    assert question_and_answer([contact("word " * 200), agent(ANSWER)]) is None


def test_long_runs_are_cut_to_the_last_few_messages() -> None:
    asked = [contact(f"question part {n}") for n in range(5)]
    answered = [agent(f"{ANSWER} ({n})") for n in range(5)]

    pair = question_and_answer([*asked, *answered])

    assert pair is not None
    assert pair.question == " ".join(f"question part {n}" for n in range(5 - MAX_PARTS, 5))
    assert pair.answer.count(ANSWER) == MAX_PARTS
