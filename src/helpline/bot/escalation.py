"""When a person should take over, read from the visitor's words: pure functions, no database.

`keyword_in` finds an admin's escalation keyword; `is_unhelpful` reads a follow-up that says
the bot's answer did not help; `unhelpful_streak` counts those in a row from the
conversation's messages; `is_negative` reads the tone (sentiment.py). agent.decide() applies
them (rules.py).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from helpline.bot import sentiment

# Words that ask for a person. Matched on whole words, case-insensitively.
_HUMAN_REQUEST: Final = re.compile(
    r"\b(human|humans|person|real people|agent|operator|representative|somebody|someone|"
    r"customer service|support team|staff)\b",
    re.IGNORECASE,
)
_TALK: Final = re.compile(r"\b(talk|speak|chat|connect|transfer|put me through|call)\b", re.I)
# Follow-ups that say an answer missed: matched on whole words, any case, anywhere.
_UNHELPFUL: Final = re.compile(
    r"\b("
    r"(did|does|do|has|have)(n'?t| not) (help|work|answer|solve|fix)\w*|"
    r"not (helpful|useful|it|right|correct)|unhelpful|useless|no help|"
    r"not what i (asked|meant|wanted|need|needed|was looking for)|"
    r"(that'?s|that is|this is|it'?s|it is|you'?re|you are|totally|completely) wrong|"
    r"wrong answer|irrelevant|(you|that) (didn'?t|did not) (understand|get it)|"
    r"not my question|not the answer|still (doesn'?t|does not|not) (work|help)\w*"
    r")\b",
    re.IGNORECASE,
)
# A message that opens with a bare "no"/"nope"/"wrong" rejects what was just said...
_REJECTION: Final = re.compile(r"^\W*(no+|nope|nah|wrong|incorrect)\b(?!-)", re.IGNORECASE)
# ...unless it is politeness ("no problem", "no thanks, that's all").
_POLITE: Final = re.compile(
    r"^\W*no+\W*(problem|worries|thanks|thank you|need|prob)\b", re.IGNORECASE
)


def asks_for_human(text: str) -> bool:
    """'Can I talk to a human?', 'agent please', 'connect me with someone'."""
    if _HUMAN_REQUEST.search(text) is None:
        return False
    # A short message naming a person is a request on its own ("human please", "agent").
    return len(text.split()) <= 4 or _TALK.search(text) is not None


def keyword_in(text: str, keywords: Sequence[str]) -> str | None:
    """The first keyword that `text` contains as whole words, ignoring case (and runs of
    spaces), else None. "refund" matches "Refund please" but not "refunded"."""
    for keyword in keywords:
        words = r"\s+".join(re.escape(word) for word in keyword.split())
        if re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE):
            return keyword
    return None


def is_unhelpful(text: str) -> bool:
    """Whether the visitor says the bot's last answer did not help: "that didn't help",
    "no", "not what I asked", "wrong". Polite refusals ("no thanks") are not complaints."""
    if _UNHELPFUL.search(text):
        return True
    return _REJECTION.search(text) is not None and _POLITE.search(text) is None


@dataclass(frozen=True, slots=True)
class Said:
    """A visible message, as the rules read it: who said it, and whether the bot's message
    was an answer (from the knowledge base), as opposed to a welcome or a fallback."""

    by_contact: bool
    body: str
    answer: bool = False


def unhelpful_streak(said: Sequence[Said]) -> int:
    """How many bot answers in a row the visitor has called unhelpful, ending with the last
    message. Each answer counts once, by the visitor's first message after it; a follow-up
    that does not complain ends the streak (a helpful exchange resets it)."""
    streak = 0
    after_answer = False
    for message in said:
        if not message.by_contact:
            after_answer = message.answer
            continue
        if not after_answer:
            continue
        after_answer = False
        streak = streak + 1 if is_unhelpful(message.body) else 0
    return streak


def is_negative(text: str, threshold: float) -> bool:
    return sentiment.compound(text) < threshold
