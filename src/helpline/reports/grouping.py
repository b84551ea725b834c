"""Questions grouped by what they ask: the same few words, in any order or form, make a group.

Pure: a report hands it the questions the bot could not answer, newest first, and shows the
biggest groups first, so that an admin sees which article to write next."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from helpline.knowledge.chunking import terms

# Two questions are in one group when at least this share of their terms is shared (Jaccard):
# "where is my invoice?" and "invoice number 3" share "invoice" of three distinct terms, while
# "cancel my order" and "change the order's address" (one of four) stay apart.
SIMILAR: Final = 1 / 3
MAX_EXAMPLES: Final = 3


@dataclass(slots=True)
class QuestionGroup:
    # The newest question of the group, which names it.
    question: str
    count: int = 1
    # Other wordings, newest first, at most MAX_EXAMPLES.
    examples: list[str] = field(default_factory=list)
    terms: frozenset[str] = frozenset()


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def group_questions(questions: Sequence[str], *, limit: int = 20) -> list[QuestionGroup]:
    """`questions` newest first -> the `limit` biggest groups, biggest first (then newest).

    Greedy, one pass: each question joins the group it is most similar to, if similar enough,
    else starts one. A group is compared by the terms of the question that started it, so a
    group does not drift from its subject as it grows. Questions with no terms at all ("??")
    are left out: there is nothing to group them by."""
    groups: list[QuestionGroup] = []
    for question in questions:
        text = question.strip()
        words = frozenset(terms(text))
        if not words:
            continue
        best, score = None, 0.0
        for group in groups:
            similarity = _similarity(words, group.terms)
            if similarity > score:
                best, score = group, similarity
        if best is None or score < SIMILAR:
            groups.append(QuestionGroup(question=text, terms=words))
            continue
        best.count += 1
        new_wording = text != best.question and text not in best.examples
        if new_wording and len(best.examples) < MAX_EXAMPLES:
            best.examples.append(text)
    ordered = sorted(enumerate(groups), key=lambda pair: (-pair[1].count, pair[0]))
    return [group for _, group in ordered[:limit]]
