"""The pure reading of a conversation: the open question, the model's transcript, and the
summary written without a model."""

from helpline.assist.transcript import (
    QUESTION_CHARS,
    TRANSCRIPT_CHARS,
    Facts,
    Line,
    extractive_summary,
    open_question,
    transcript,
)

ADA = "Ada Lovelace"
FACTS = Facts(contact=ADA, channel="widget", status="open", owner="human", assignee="Bob")


def contact(text: str) -> Line:
    return Line("contact", ADA, text)


def agent(text: str, *, private: bool = False) -> Line:
    return Line("agent", "Bob", text, private=private)


def event(name: str, reason: str | None = None) -> Line:
    return Line("system", "", "", event=name, reason=reason)


class TestOpenQuestion:
    def test_the_contacts_messages_since_the_last_reply(self) -> None:
        lines = [contact("Hi"), agent("Hello!"), contact("I forgot my password"), contact("help")]
        assert open_question(lines) == "I forgot my password\nhelp"

    def test_notes_and_events_do_not_answer_the_customer(self) -> None:
        lines = [
            contact("Where is my parcel?"),
            agent("check DHL", private=True),
            event("assigned"),
        ]
        assert open_question(lines) == "Where is my parcel?"

    def test_a_bot_answer_counts_as_a_reply(self) -> None:
        assert open_question([contact("Refund?"), Line("bot", "Bot", "Five days [1].")]) == ""

    def test_nothing_when_the_last_word_was_the_teams(self) -> None:
        assert open_question([contact("Thanks"), agent("You're welcome")]) == ""
        assert open_question([]) == ""

    def test_only_the_last_three_messages_and_the_newest_words(self) -> None:
        lines = [contact(f"message {n}") for n in range(5)]
        assert open_question(lines) == "message 2\nmessage 3\nmessage 4"
        long = open_question([contact("a" * 5000 + "END")])
        assert len(long) == QUESTION_CHARS
        assert long.endswith("END")


class TestExtractiveSummary:
    def test_who_first_question_latest_open_state_and_counts(self) -> None:
        lines = [
            event("bot_started"),
            contact("My parcel 1042 never arrived."),
            Line("bot", "Bot", "Let me connect you with a member of our team."),
            event("handed_off", "low_confidence"),
            agent("Could you send the order number?"),
            agent("Customer is a VIP", private=True),
            contact("It is 1042, as I said."),
            contact("Any news?"),
        ]
        points = dict(extractive_summary(FACTS, lines))

        assert points["Who"] == "Ada Lovelace, via widget"
        assert points["First question"] == "“My parcel 1042 never arrived.”"
        assert points["Latest"] == "The customer wrote “Any news?”"
        assert points["Open question"] == "“Any news?” (2 messages since the last reply)"
        assert points["State"] == (
            "Open, assigned to Bob; the bot handed it over (low_confidence)."
        )
        assert points["Messages"] == (
            "6 messages: 3 from the customer, 1 reply by an agent, 1 bot answer, 1 private note."
        )

    def test_answered_conversation_has_no_open_question(self) -> None:
        facts = Facts(
            contact=ADA,
            contact_email="ada@example.com",
            channel="email",
            status="resolved",
            owner="nobody",
            subject="Invoice",
        )
        points = dict(extractive_summary(facts, [contact("Invoice?"), agent("Sent it.")]))

        assert points["Who"] == "Ada Lovelace <ada@example.com>, via email, subject “Invoice”"
        assert points["Latest"] == "Bob replied “Sent it.”"
        assert points["Open question"] == "None: the last word was the team's."
        assert points["State"] == "Resolved, unassigned."
        assert points["Messages"] == "2 messages: 1 from the customer, 1 reply by an agent."

    def test_a_note_is_the_latest_when_written_last(self) -> None:
        points = dict(extractive_summary(FACTS, [contact("Hi"), agent("call back", private=True)]))
        assert points["Latest"] == "Bob left a private note “call back”"

    def test_long_messages_are_quoted_short(self) -> None:
        points = dict(extractive_summary(FACTS, [contact("word " * 100)]))
        assert len(points["First question"]) <= 162
        assert points["First question"].endswith("…”")

    def test_an_empty_conversation(self) -> None:
        bot = Facts(contact=ADA, channel="widget", status="open", owner="bot")
        assert extractive_summary(bot, []) == [
            ("Who", "Ada Lovelace, via widget"),
            ("State", "Open, the bot is answering."),
            ("Messages", "No messages yet."),
        ]


class TestTranscript:
    def test_speakers_notes_events_and_files(self) -> None:
        lines = [
            contact("Hello"),
            event("handed_off", "asked_for_human"),
            agent("note", private=True),
            Line("agent", "Bob", "", files=2),
        ]
        assert transcript(lines) == (
            "Customer (Ada Lovelace): Hello\n"
            "[(handed_off: asked_for_human)]\n"
            "Private note by Bob: note\n"
            "Agent Bob: [2 file(s)]"
        )

    def test_a_long_conversation_keeps_its_start_and_its_end(self) -> None:
        lines = [contact("FIRST question"), *(agent(f"reply {n} " + "x" * 200) for n in range(200))]
        text = transcript(lines)
        assert len(text) <= TRANSCRIPT_CHARS
        assert text.startswith("Customer (Ada Lovelace): FIRST question\n[… earlier messages")
        assert text.endswith("reply 199 " + "x" * 200)
