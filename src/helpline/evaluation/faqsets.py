"""Labelled FAQ sets for `helpline bot eval` (and bench/bot_eval.py): a FAQ to load, and the
questions to ask with the FAQ entry each should find (None: out of scope, to be handed off).

Layouts:
- our CSV: a FAQ file `question,answer,phrasings` (phrasings separated by "|") and a questions
  file `question,expected` (the expected FAQ question, empty when out of scope);
- BANKING77 (`train.csv`, `test.csv`: `text,category`) and Bitext (`faq_27_answers_6480q.csv`:
  `instruction,intent,...`): one FAQ entry per intent, its phrasings the training questions;
  every `holdout_every`-th intent is left out of the FAQ and its questions are out of scope.
  BANKING77's test split is never used to build the FAQ; `tuning` asks a tenth of train instead.
"""

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Final

# Bitext has no test split: this share of each intent's questions is kept for testing.
BITEXT_TEST_SHARE: Final = 0.3
BITEXT_FILE: Final = "faq_27_answers_6480q.csv"


class FaqSetError(ValueError):
    """The files are missing, or not in the layout asked for (the message says which)."""


@dataclass(frozen=True, slots=True)
class FaqItem:
    question: str
    answer: str
    phrasings: list[str]


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    text: str
    # The FAQ question that answers it; None: out of scope.
    expected: str | None
    # The intent it came from (a held-out one for out-of-scope questions), for reports.
    label: str


@dataclass(frozen=True, slots=True)
class FaqSet:
    faq: list[FaqItem]
    questions: list[LabelledQuestion]


def _rows(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise FaqSetError(f"{path} does not exist.")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise FaqSetError(f"{path} has no column {', '.join(sorted(missing))}.")
        return list(reader)


def load_csv(faq_path: Path, questions_path: Path) -> FaqSet:
    faq = [
        FaqItem(
            row["question"].strip(),
            row["answer"].strip(),
            [p.strip() for p in (row.get("phrasings") or "").split("|") if p.strip()],
        )
        for row in _rows(faq_path, {"question", "answer"})
        if row["question"].strip()
    ]
    known = {item.question for item in faq}
    questions: list[LabelledQuestion] = []
    for number, row in enumerate(_rows(questions_path, {"question", "expected"}), start=2):
        expected = (row["expected"] or "").strip() or None
        if expected is not None and expected not in known:
            raise FaqSetError(
                f"{questions_path}, line {number}: {expected!r} is not a question of the FAQ."
            )
        questions.append(LabelledQuestion(row["question"].strip(), expected, expected or ""))
    return FaqSet(faq, questions)


def _by_intent(rows: list[dict[str, str]], text: str, label: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        grouped[row[label]].append(row[text])
    return dict(grouped)


def _as_faq_set(
    train: dict[str, list[str]],
    test: list[tuple[str, str]],
    *,
    per_intent: int,
    holdout_every: int,
    holdout_offset: int,
    seed: int,
) -> FaqSet:
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    intents = sorted(train)
    held_out = set(intents[holdout_offset::holdout_every]) if holdout_every else set()
    faq: list[FaqItem] = []
    question_of: dict[str, str] = {}
    for intent in intents:
        if intent in held_out:
            continue
        phrasings = train[intent][:]
        if per_intent:
            rng.shuffle(phrasings)
            phrasings = phrasings[:per_intent]
        question_of[intent] = intent.replace("_", " ")
        faq.append(FaqItem(question_of[intent], f"Answer about {intent}.", phrasings))
    questions = [LabelledQuestion(text, question_of.get(label), label) for text, label in test]
    rng.shuffle(questions)
    return FaqSet(faq, questions)


def load_banking77(
    directory: Path,
    *,
    per_intent: int = 0,
    holdout_every: int = 8,
    holdout_offset: int = 0,
    seed: int = 7,
    tuning: bool = False,
) -> FaqSet:
    train = _by_intent(_rows(directory / "train.csv", {"text", "category"}), "text", "category")
    if tuning:
        train, test = tuning_split(train, seed)
    else:
        test_rows = _rows(directory / "test.csv", {"text", "category"})
        test = [(row["text"], row["category"]) for row in test_rows]
    return _as_faq_set(
        train,
        test,
        per_intent=per_intent,
        holdout_every=holdout_every,
        holdout_offset=holdout_offset,
        seed=seed,
    )


def load_bitext(
    directory: Path,
    *,
    per_intent: int = 0,
    holdout_every: int = 8,
    holdout_offset: int = 0,
    seed: int = 7,
) -> FaqSet:
    rows = _rows(directory / BITEXT_FILE, {"instruction", "intent"})
    by_intent = _by_intent(rows, "instruction", "intent")
    rng = random.Random(seed)  # noqa: S311 (a reproducible split, not a secret)
    train: dict[str, list[str]] = {}
    test: list[tuple[str, str]] = []
    for intent, questions in sorted(by_intent.items()):
        shuffled = questions[:]
        rng.shuffle(shuffled)
        cut = int(len(shuffled) * BITEXT_TEST_SHARE)
        test.extend((q, intent) for q in shuffled[:cut])
        train[intent] = shuffled[cut:]
    return _as_faq_set(
        train,
        test,
        per_intent=per_intent,
        holdout_every=holdout_every,
        holdout_offset=holdout_offset,
        seed=seed,
    )


def tuning_split(
    train: dict[str, list[str]], seed: int
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Train only: a tenth of each intent's questions become the questions, the rest the FAQ."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible split, not a secret)
    kept: dict[str, list[str]] = {}
    asked: list[tuple[str, str]] = []
    for intent, questions in sorted(train.items()):
        shuffled = questions[:]
        rng.shuffle(shuffled)
        cut = max(1, len(shuffled) // 10)
        asked.extend((q, intent) for q in shuffled[:cut])
        kept[intent] = shuffled[cut:]
    return kept, asked
