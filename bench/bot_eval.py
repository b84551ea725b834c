"""Evaluate the bot's offline answer path on a labelled dataset (issue 6): in-scope accuracy@1,
hand-off rate, hand-off recall and precision on held-out (out-of-scope) intents, recall at
precision >= 0.9, latency. The same code as `helpline bot eval` (helpline.evaluation), with
the datasets' paths filled in and a calibration mode:

    .venv/bin/python -m bench.bot_eval --dataset banking77
    .venv/bin/python -m bench.bot_eval --dataset banking77 --per-intent 10
    .venv/bin/python -m bench.bot_eval --dataset bitext
    .venv/bin/python -m bench.bot_eval --dataset banking77 --no-classifier      # fusion alone
    .venv/bin/python -m bench.bot_eval --dataset banking77 --retrieval fulltext
    .venv/bin/python -m bench.bot_eval --dataset banking77 --tune                 # tuning
    .venv/bin/python -m bench.bot_eval --tune --holdout-offset 1 --features f.jsonl   # calibration

`--embedding-cache FILE` keeps the embedded texts between runs (the FAQ's chunks only, never
the questions, whose embedding is part of the answer latency): BANKING77's FAQ takes about two
minutes to embed on two cores.

The data stays in ../shared/datasets (read its READMEs; nothing is copied here). BANKING77
test questions are never used for building the FAQ, training the classifier or tuning. An
evaluation, not a test: it prints numbers and pins none.
"""

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from helpline.core.migrate import upgrade
from helpline.core.runtime import create_runtime
from helpline.evaluation import faqsets
from helpline.evaluation.embedding_cache import CachedEmbedder
from helpline.evaluation.runner import Options, Prepared, evaluate, prepare
from helpline.knowledge import embeddings, retrieval
from helpline.knowledge.embeddings import Embedder
from helpline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


def load(args: argparse.Namespace) -> faqsets.FaqSet:
    held = {
        "per_intent": args.per_intent,
        "holdout_every": args.holdout_every,
        "holdout_offset": args.holdout_offset,
        "seed": args.seed,
    }
    if args.dataset == "banking77":
        return faqsets.load_banking77(args.data_dir / "banking77", tuning=args.tune, **held)
    return faqsets.load_bitext(args.data_dir / "bitext-customer-support", **held)


async def write_features(
    args: argparse.Namespace, settings: Settings, faq_set: faqsets.FaqSet
) -> None:
    """For calibration (bench/bot_calibrate.py): per question, the five passages `decide`
    would see, with the evidence their confidence is computed from."""
    runtime = create_runtime(settings)
    try:
        embedder = embeddings.for_answers(settings)
        indexer: Embedder | None = embedder
        if embedder is not None and args.embedding_cache:
            indexer = CachedEmbedder(embedder, args.embedding_cache)
        prepared = await prepare(runtime, faq_set, embedder=indexer, classifier=args.classifier)
        if isinstance(indexer, CachedEmbedder):
            indexer.save()
        questions = faq_set.questions[: args.limit] if args.limit else faq_set.questions
        async with runtime.sessionmaker() as session:
            with args.features.open("w", encoding="utf-8") as out:
                for question in questions:
                    found = await retrieval.search(
                        session, prepared.workspace_id, question.text, k=5, embedder=embedder
                    )
                    out.write(json.dumps(_features(prepared, question, found)) + "\n")
    finally:
        await runtime.close()
    print(f"features of {len(questions)} questions written to {args.features}")


def _features(
    prepared: Prepared, question: faqsets.LabelledQuestion, found: list[retrieval.Passage]
) -> dict[str, object]:
    passages = [
        {
            "intent": prepared.questions.get(p.source_id),
            "coverage": p.coverage,
            "similarity": p.similarity,
            "margin": p.margin,
            "probability": p.probability,
            "confidence": p.confidence,
        }
        for p in found
    ]
    return {
        "intent": question.expected,
        "out_of_scope": question.expected is None,
        "passages": passages,
    }


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
        "--no-classifier",
        dest="classifier",
        action="store_false",
        help="do not train the workspace's FAQ classifier (fusion alone)",
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
    faq_set = load(args)
    with tempfile.TemporaryDirectory(prefix="helpline-bot-eval-") as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url="")
        upgrade(settings)
        if args.features:
            asyncio.run(write_features(args, settings, faq_set))
            return 0
        options = Options(
            args.retrieval, args.classifier, args.threshold, args.limit, args.embedding_cache
        )
        report = asyncio.run(evaluate(settings, faq_set, options))
    print(
        f"dataset {args.dataset}; per-intent {args.per_intent or 'all'}; "
        f"tune {args.tune}; classifier {args.classifier and args.retrieval == 'fused'}"
    )
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
