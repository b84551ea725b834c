"""The bot benchmark's knowledge bases and questions (bench/bot.py), from BANKING77 and
Bitext (../shared/datasets; read their READMEs): FAQ entries that are real customer questions,
distinct in what retrieval sees of them, and held-out test questions. Pure, apart from reading
the data files; no benchmark machinery (psutil), so that tests import it with the dev tools.
"""

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpline.evaluation import faqsets
from helpline.evaluation.faqsets import FaqItem, FaqSet
from helpline.knowledge.chunking import terms

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def search_key(text: str) -> str:
    """What retrieval sees of a text: two questions with the same key are one entry."""
    return " ".join(terms(text))


def distinct_entries(candidates: Sequence[FaqItem], count: int, seed: int) -> list[FaqItem]:
    """`count` entries of `candidates` in a seeded order, no two with the same search key
    (nor an empty one): the first N of them are the knowledge base of size N, so the
    sizes nest and one embedding of the largest serves all."""
    order = list(candidates)
    random.Random(seed).shuffle(order)  # noqa: S311 (a reproducible sample, not a secret)
    seen: set[str] = set()
    entries: list[FaqItem] = []
    for item in order:
        key = search_key(item.question)
        if key and key not in seen:
            seen.add(key)
            entries.append(item)
            if len(entries) == count:
                return entries
    raise ValueError(f"Only {len(entries)} distinct FAQ entries in the data; {count} asked.")


def held_out(
    questions: Sequence[str], entries: Sequence[FaqItem], count: int, seed: int
) -> list[str]:
    """`count` test questions in a seeded order, none of them the question of an entry."""
    known = {search_key(item.question) for item in entries}
    order = [q for q in dict.fromkeys(questions) if search_key(q) and search_key(q) not in known]
    random.Random(seed).shuffle(order)  # noqa: S311 (a reproducible sample, not a secret)
    if len(order) < count:
        raise ValueError(f"Only {len(order)} held-out questions in the data; {count} asked.")
    return order[:count]


def as_entries(faq_set: FaqSet, answers: Sequence[str]) -> list[FaqItem]:
    """One FAQ entry per training utterance of `faq_set` (an intent's phrasings), answered
    by one of `answers` in turn."""
    out: list[FaqItem] = []
    for item in faq_set.faq:
        for phrasing in item.phrasings:
            out.append(FaqItem(phrasing.strip(), answers[len(out) % len(answers)], []))
    return out


@dataclass(frozen=True, slots=True)
class Corpus:
    entries: list[FaqItem]
    questions: list[str]


def load_corpus(data_dir: Path, entries: int, questions: int, seed: int) -> Corpus:
    """BANKING77's and Bitext's training utterances as FAQ entries, their test splits as
    questions (faqsets' splits, no intent held out). BANKING77 has no answers: its entries
    get Bitext's canonical responses in turn (real text of a real length; which one does not
    change what an answer costs), Bitext's entries theirs."""
    banking = faqsets.load_banking77(data_dir / "banking77", holdout_every=0, seed=seed)
    bitext = faqsets.load_bitext(data_dir / "bitext-customer-support", holdout_every=0, seed=seed)
    responses = _bitext_responses(data_dir / "bitext-customer-support" / faqsets.BITEXT_FILE)
    candidates = as_entries(banking, list(responses.values()))
    for item in bitext.faq:
        candidates.extend(as_entries(FaqSet([item], []), [responses[item.question]]))
    chosen = distinct_entries(candidates, entries, seed)
    asked = [q.text for q in banking.questions + bitext.questions]
    return Corpus(chosen, held_out(asked, chosen, questions, seed))


def _bitext_responses(path: Path) -> dict[str, str]:
    """Each intent's canonical response, under its FAQ question (faqsets: the intent's name
    with spaces)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["intent"].replace("_", " "): row["response"].strip()
            for row in csv.DictReader(handle)
        }
