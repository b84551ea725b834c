"""Which question and answer of a conversation could become a FAQ entry (pure).

The contact's question is what they wrote right before the team's first public reply; the
answer is that reply (with the replies that follow it at once). Notes, system messages and the
bot's messages are not the team's answer. A pair too short to stand on its own is no entry."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from helpline.knowledge.schemas import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS

MIN_QUESTION_WORDS: Final = 3
MIN_ANSWER_CHARS: Final = 20
# At most this many messages in a row make the question, and the answer.
MAX_PARTS: Final = 3


@dataclass(frozen=True, slots=True)
class Said:
    """One message, as mining sees it."""

    # contact, agent, bot or system
    sender: str
    body: str
    private: bool = False


@dataclass(frozen=True, slots=True)
class Pair:
    question: str
    answer: str


def _public_from(said: Said, sender: str) -> bool:
    return said.sender == sender and not said.private and bool(said.body.strip())


def question_and_answer(messages: Sequence[Said]) -> Pair | None:
    """The pair to suggest from a conversation's messages (oldest first), or None."""
    first_reply = next((i for i, m in enumerate(messages) if _public_from(m, "agent")), None)
    if first_reply is None:
        return None
    asked: list[str] = []
    for said in reversed(messages[:first_reply]):
        if said.sender in ("agent", "bot") and not said.private:
            break  # What came before was answered already.
        if _public_from(said, "contact"):
            asked.insert(0, said.body.strip())
    answered: list[str] = []
    for said in messages[first_reply:]:
        if said.sender == "contact" or len(answered) == MAX_PARTS:
            break
        if _public_from(said, "agent"):
            answered.append(said.body.strip())
    question = " ".join(asked[-MAX_PARTS:])
    answer = "\n\n".join(answered)
    if len(question.split()) < MIN_QUESTION_WORDS or len(answer) < MIN_ANSWER_CHARS:
        return None
    if len(question) > MAX_QUESTION_CHARS:
        return None  # A story, not a question someone else will ask in the same words.
    return Pair(question=question, answer=answer[:MAX_ANSWER_CHARS])
