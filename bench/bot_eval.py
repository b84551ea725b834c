"""Evaluate the bot's offline answer path on a labelled dataset (issue 6): in-scope accuracy@1,
hand-off rate, hand-off recall and precision on held-out (out-of-scope) intents, latency.

    .venv/bin/python -m bench.bot_eval --dataset banking77
    .venv/bin/python -m bench.bot_eval --dataset banking77 --per-intent 10
    .venv/bin/python -m bench.bot_eval --dataset bitext
    .venv/bin/python -m bench.bot_eval --dataset banking77 --retrieval fulltext   # before
    .venv/bin/python -m bench.bot_eval --dataset banking77 --tune                 # tuning
    .venv/bin/python -m bench.bot_eval --tune --holdout-offset 1 --features f.jsonl   # calibration

`--embedding-cache FILE` keeps the embedded texts between runs (the FAQ's chunks only, never
the questions, whose embedding is part of the answer latency): BANKING77's FAQ takes about two
minutes to embed on two cores.

The data stays in ../shared/datasets (read its READMEs; nothing is copied here). Each intent
becomes one FAQ entry of a throwaway SQLite workspace (its phrasings: the intent's training
questions); every `--holdout-every`-th intent is left out of the FAQ, and its test questions
are out of scope, to be handed off. Each question goes through the production decision
(`bot.agent.decide` then `compose` with the offline ExtractiveLLM), with the workspace's
default confidence threshold unless `--threshold` says otherwise.

An evaluation, not a test: it prints numbers and pins none. BANKING77 test questions are never
used for building the FAQ.
"""

import argparse
import asyncio
import csv
import json
import random
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpline.bot import agent
from helpline.bot.llm import ExtractiveLLM
from helpline.conversations.models import Conversation, Message, Owner
from helpline.core.migrate import upgrade
from helpline.core.runtime import Runtime, create_runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import embeddings, indexing, retrieval
from helpline.knowledge import service as knowledge
from helpline.knowledge.embeddings import Embedder, Vector
from helpline.settings import Settings
from helpline.tenancy import service as tenancy
from helpline.tenancy.schemas import WorkspaceSettings

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
# Bitext has no test split: this share of each intent's questions is kept for testing.
BITEXT_TEST_SHARE = 0.3


@dataclass
class Split:
    train: dict[str, list[str]]
    test: list[tuple[str, str]]  # (question, intent)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_banking77(data: Path) -> Split:
    train: dict[str, list[str]] = defaultdict(list)
    for row in _read(data / "banking77" / "train.csv"):
        train[row["category"]].append(row["text"])
    test = [(row["text"], row["category"]) for row in _read(data / "banking77" / "test.csv")]
    return Split(dict(train), test)


def load_bitext(data: Path, seed: int) -> Split:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for row in _read(data / "bitext-customer-support" / "faq_27_answers_6480q.csv"):
        by_intent[row["intent"]].append(row["instruction"])
    rng = random.Random(seed)  # noqa: S311 (a reproducible split, not a secret)
    train: dict[str, list[str]] = {}
    test: list[tuple[str, str]] = []
    for intent, questions in sorted(by_intent.items()):
        shuffled = questions[:]
        rng.shuffle(shuffled)
        cut = int(len(shuffled) * BITEXT_TEST_SHARE)
        test.extend((q, intent) for q in shuffled[:cut])
        train[intent] = shuffled[cut:]
    return Split(train, test)


def tuning_split(split: Split, seed: int) -> Split:
    """Train only: a tenth of each intent's phrasings become the questions."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible split, not a secret)
    train: dict[str, list[str]] = {}
    test: list[tuple[str, str]] = []
    for intent, questions in sorted(split.train.items()):
        shuffled = questions[:]
        rng.shuffle(shuffled)
        cut = max(1, len(shuffled) // 10)
        test.extend((q, intent) for q in shuffled[:cut])
        train[intent] = shuffled[cut:]
    return Split(train, test)


class CachedEmbedder:
    """The model with a file of the texts it has embedded (same name: the vectors are the
    model's). For indexing the FAQ only."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner = inner
        self._path = path
        self._known: dict[str, Vector] = {}
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                if str(stored["model"]) == inner.name:
                    self._known = dict(
                        zip(stored["texts"].tolist(), stored["vectors"], strict=True)
                    )

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        if missing:
            self._known.update(zip(missing, await self._inner.embed(missing), strict=True))
        return [self._known[t] for t in texts]

    def save(self) -> None:
        texts = list(self._known)
        matrix = np.vstack([self._known[t] for t in texts]).astype(np.float32)
        np.savez(self._path, model=self.name, texts=np.array(texts), vectors=matrix)


async def evaluate(args: argparse.Namespace, split: Split, settings: Settings) -> None:
    rng = random.Random(args.seed)  # noqa: S311 (a reproducible sample, not a secret)
    intents = sorted(split.train)
    held_out = (
        set(intents[args.holdout_offset :: args.holdout_every]) if args.holdout_every else set()
    )
    runtime = create_runtime(settings)
    async with unit_of_work(runtime.sessionmaker) as session:
        workspace = await tenancy.create_workspace(session, None, name="Evaluation")
        faq_intent: dict[uuid.UUID, str] = {}
        for intent in intents:
            if intent in held_out:
                continue
            phrasings = split.train[intent][:]
            if args.per_intent:
                rng.shuffle(phrasings)
                phrasings = phrasings[: args.per_intent]
            faq = await knowledge.create_faq(
                session,
                None,
                workspace.id,
                question=intent.replace("_", " "),
                answer=f"Answer about {intent}.",
                phrasings=phrasings,
                tags=[],
            )
            faq_intent[faq.id] = intent
    embedder = embeddings.active(settings) if args.retrieval == "fused" else None
    if embedder is not None:
        started = time.perf_counter()
        cached = CachedEmbedder(embedder, args.embedding_cache) if args.embedding_cache else None
        async with unit_of_work(runtime.sessionmaker) as session:
            count = await indexing.index_workspace(
                session, settings, workspace.id, embedder=cached or embedder
            )
        if cached is not None:
            cached.save()
        print(f"embedded {count} chunks in {time.perf_counter() - started:.1f} s ({embedder.name})")
    elif args.retrieval == "fused":
        print("no embedding model installed: full-text only")
    questions = split.test[:]
    rng.shuffle(questions)
    if args.limit:
        questions = questions[: args.limit]
    config = WorkspaceSettings(bot_enabled=True)
    if args.threshold is not None:
        config = config.model_copy(update={"bot_confidence_threshold": args.threshold})
    if args.features:
        await write_features(args, runtime, workspace.id, questions, faq_intent, held_out, embedder)
        await runtime.engine.dispose()
        return
    conversation = Conversation(workspace_id=workspace.id, owner=Owner.bot)
    llm = ExtractiveLLM()
    results: list[tuple[str, str | None, bool]] = []  # (intent, top-1 intent, handed off)
    latencies: list[float] = []
    async with runtime.sessionmaker() as session:
        for text, intent in questions:
            started = time.perf_counter()
            decision = await agent.decide(
                session, conversation, Message(body=text), config=config, embedder=embedder
            )
            decision = await agent.compose(decision, text, llm)
            latencies.append(time.perf_counter() - started)
            top = decision.sources[0].source_id if decision.sources else None
            if top is None:
                # Handed off before the sources: what would retrieval have ranked first?
                found = await retrieval.search(session, workspace.id, text, k=1, embedder=embedder)
                top = found[0].source_id if found else None
            results.append(
                (intent, faq_intent.get(top) if top else None, decision.handoff is not None)
            )
    await runtime.engine.dispose()
    report(args, results, latencies, held_out)


async def write_features(
    args: argparse.Namespace,
    runtime: Runtime,
    workspace_id: uuid.UUID,
    questions: list[tuple[str, str]],
    faq_intent: dict[uuid.UUID, str],
    held_out: set[str],
    embedder: Embedder | None,
) -> None:
    """For calibration (bench/bot_calibrate.py): per question, the five passages `decide`
    would see, with the evidence their confidence is computed from."""
    with args.features.open("w", encoding="utf-8") as out:
        async with runtime.sessionmaker() as session:
            for text, intent in questions:
                found = await retrieval.search(session, workspace_id, text, k=5, embedder=embedder)
                passages = [
                    {
                        "intent": faq_intent.get(p.source_id),
                        "coverage": p.coverage,
                        "similarity": p.similarity,
                        "margin": p.margin,
                        "confidence": p.confidence,
                    }
                    for p in found
                ]
                row = {"intent": intent, "out_of_scope": intent in held_out, "passages": passages}
                out.write(json.dumps(row) + "\n")
    print(f"features of {len(questions)} questions written to {args.features}")


def report(
    args: argparse.Namespace,
    results: list[tuple[str, str | None, bool]],
    latencies: list[float],
    held_out: set[str],
) -> None:
    in_scope = [r for r in results if r[0] not in held_out]
    out_scope = [r for r in results if r[0] in held_out]
    handed = [r for r in results if r[2]]
    accuracy = sum(1 for i, top, _ in in_scope if top == i) / max(len(in_scope), 1)
    answered_right = sum(1 for i, top, h in in_scope if top == i and not h)
    answered = sum(1 for _, _, h in in_scope if not h)
    recall = sum(1 for r in out_scope if r[2]) / max(len(out_scope), 1)
    precision = sum(1 for r in handed if r[0] in held_out) / max(len(handed), 1)
    # A hand-off is also warranted when the best source was the wrong one.
    warranted = sum(1 for r in handed if r[0] in held_out or r[1] != r[0]) / max(len(handed), 1)
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    print(
        f"dataset {args.dataset}; per-intent {args.per_intent or 'all'}; questions {len(results)}"
    )
    print(f"held-out intents (out of scope): {len(held_out)}; their questions: {len(out_scope)}")
    print(f"in-scope accuracy@1 (retrieval):        {accuracy:.4f}")
    print(f"in-scope answered:                      {answered / max(len(in_scope), 1):.4f}")
    print(f"in-scope answered and right:            {answered_right / max(len(in_scope), 1):.4f}")
    print(f"precision of answers given (in scope):  {answered_right / max(answered, 1):.4f}")
    print(f"hand-off rate (all questions):          {len(handed) / max(len(results), 1):.4f}")
    print(f"hand-off recall on out-of-scope:        {recall:.4f}")
    print(f"hand-off precision (out of scope):      {precision:.4f}")
    print(f"hand-offs warranted (OOS or wrong top): {warranted:.4f}")
    print(f"latency per answer: p50 {pct(0.50):.1f} ms, p99 {pct(0.99):.1f} ms")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=["banking77", "bitext"], default="banking77")
    parser.add_argument("--data-dir", type=Path, default=DATASETS)
    parser.add_argument("--per-intent", type=int, default=0, help="phrasings per intent (0: all)")
    parser.add_argument("--holdout-every", type=int, default=8, help="0: no out-of-scope intents")
    parser.add_argument(
        "--holdout-offset",
        type=int,
        default=0,
        help="the first held-out intent (tune with others than the test's, which are 0)",
    )
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--limit", type=int, default=0, help="test questions (0: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--retrieval",
        choices=["fulltext", "fused"],
        default="fused",
        help="fused: full-text and the embedding model (when installed)",
    )
    parser.add_argument(
        "--tune",
        action="store_true",
        help="questions from a held-back share of train, never the test split (for tuning)",
    )
    parser.add_argument(
        "--embedding-cache", type=Path, default=None, help=".npz of the FAQ texts embedded"
    )
    parser.add_argument(
        "--features",
        type=Path,
        default=None,
        help="write each question's retrieved passages and evidence (JSON lines), no answers",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.dataset == "banking77":
        split = load_banking77(args.data_dir)
        if args.tune:
            split = tuning_split(split, args.seed)
    else:
        split = load_bitext(args.data_dir, args.seed)
    with tempfile.TemporaryDirectory(prefix="helpline-bot-eval-") as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url="")
        upgrade(settings)
        asyncio.run(evaluate(args, split, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
