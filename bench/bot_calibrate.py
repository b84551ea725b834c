"""Calibrate `knowledge.confidence.fused` (and, with `--classifier`, `confidence.classified`
for workspaces with a FAQ classifier) on the tuning split (train only, issue 6):

    .venv/bin/python -m bench.bot_eval --tune --holdout-offset 1 --features /tmp/f1.jsonl ...
    .venv/bin/python -m bench.bot_calibrate /tmp/f1.jsonl /tmp/f2.jsonl ...

Each file holds, per tuning question, the five passages `bot.agent.decide` would see with the
evidence of their confidence (`bench.bot_eval --features`). This replays decide's rule (keep
the passages whose confidence reaches the threshold; none: hand off; else answer with the
first) for every candidate calibration, pooled over the files, and prints the best ones: the
largest out-of-scope hand-off recall with a hand-off precision of at least `--precision`, then
the most in-scope questions answered and right. Never give it features of the test split.
"""

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from helpline.knowledge.confidence import (
    CALIBRATED,
    CLASSIFIER_CALIBRATED,
    Calibration,
    ClassifierCalibration,
    blended,
    classified,
    classifier_evidence,
    fused,
)

AnyCalibration = Calibration | ClassifierCalibration


@dataclass(frozen=True)
class Outcome:
    calibration: AnyCalibration | None
    recall: float
    precision: float
    warranted: float
    answered_right: float
    accuracy: float


def load(paths: list[Path]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle)
    return rows


def replay(
    rows: list[dict[str, object]], calibration: AnyCalibration | None, threshold: float
) -> Outcome:
    """decide's rule with `calibration`; None: the confidence the features were written with."""
    handed_oos = handed_warranted = handed = oos = in_scope = right = top_right = 0
    for row in rows:
        passages: list[dict[str, object]] = row["passages"]  # type: ignore[assignment]  # JSON
        if isinstance(calibration, ClassifierCalibration):
            # Retrieval orders by the classifier's evidence: the replay re-orders the five.
            passages = sorted(passages, key=lambda p: -_evidence(p, calibration))
        kept = [p for p in passages if _confidence(p, calibration) >= threshold]
        out_of_scope = bool(row["out_of_scope"])
        oos += out_of_scope
        if not kept:
            handed += 1
            handed_oos += out_of_scope
            # Warranted: out of scope, or in scope but the best source is the wrong one.
            handed_warranted += (
                out_of_scope or not passages or passages[0]["intent"] != row["intent"]
            )
        if out_of_scope:
            continue
        in_scope += 1
        first = kept[0] if kept else (passages[0] if passages else None)
        correct = first is not None and first["intent"] == row["intent"]
        top_right += correct
        right += correct and bool(kept)
    return Outcome(
        calibration,
        recall=handed_oos / max(oos, 1),
        precision=handed_oos / max(handed, 1),
        warranted=handed_warranted / max(handed, 1),
        answered_right=right / max(in_scope, 1),
        accuracy=top_right / max(in_scope, 1),
    )


def _evidence(passage: dict[str, object], calibration: ClassifierCalibration) -> float:
    probability, similarity = passage.get("probability"), passage["similarity"]
    if probability is None:
        return -1.0
    return classifier_evidence(
        float(probability),  # type: ignore[arg-type]  # JSON
        None if similarity is None else float(similarity),  # type: ignore[arg-type]  # JSON
        calibration,
    )


def _confidence(passage: dict[str, object], calibration: AnyCalibration | None) -> float:
    if calibration is None:
        return float(passage["confidence"])  # type: ignore[arg-type]  # JSON
    if isinstance(calibration, ClassifierCalibration):
        probability, similarity = passage.get("probability"), passage["similarity"]
        if probability is None:
            return float(passage["confidence"])  # type: ignore[arg-type]  # JSON: an article
        ranking = classified(
            float(probability),  # type: ignore[arg-type]  # JSON
            None if similarity is None else float(similarity),  # type: ignore[arg-type]  # JSON
            calibration,
        )
        return blended(ranking, _confidence(passage, CALIBRATED))
    similarity, margin = passage["similarity"], passage["margin"]
    return fused(
        float(passage["coverage"]),  # type: ignore[arg-type]  # JSON
        None if similarity is None else float(similarity),  # type: ignore[arg-type]  # JSON
        None if margin is None else float(margin),  # type: ignore[arg-type]  # JSON
        calibration,
    )


def classifier_candidates() -> list[ClassifierCalibration]:
    grid = itertools.product(
        [x / 100 for x in range(60, 181, 2)],  # the evidence at 0.5
        [0.0, 0.5, 1.0, 1.5, 2.0],  # similarity weight
    )
    return [ClassifierCalibration(at_half=h, similarity_weight=w) for h, w in grid]


def candidates() -> list[Calibration]:
    grid = itertools.product(
        [x / 100 for x in range(40, 161, 2)],  # the evidence at 0.5
        [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0],  # margin weight
        [0.0, 0.05, 0.1, 0.2],  # coverage weight
        [0.5],  # coverage alone, when not among the nearest (BANKING77 cannot tell)
    )
    return [
        Calibration(at_half=h, margin_weight=m, coverage_weight=c, lexical_only=lex)
        for h, m, c, lex in grid
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features", type=Path, nargs="+")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--precision", type=float, default=0.9)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--warranted",
        action="store_true",
        help="precision counts the hand-offs of in-scope questions whose best source is wrong",
    )
    parser.add_argument(
        "--classifier",
        action="store_true",
        help="calibrate confidence.classified (features written with a classifier trained)",
    )
    parser.add_argument(
        "--curve",
        action="store_true",
        help="the shipped calibration at thresholds 0.05 to 0.95 instead of a sweep (a report, "
        "also fine on the test split: nothing is chosen from it)",
    )
    args = parser.parse_args(argv)
    if args.curve:
        rows = load(args.features)
        shipped: AnyCalibration = CLASSIFIER_CALIBRATED if args.classifier else CALIBRATED
        for step in range(1, 20):
            outcome = replay(rows, shipped, step / 20)
            print(
                f"threshold {step / 20:.2f}: recall {outcome.recall:.3f} precision "
                f"{outcome.precision:.3f} warranted {outcome.warranted:.3f} "
                f"answered-right {outcome.answered_right:.3f}"
            )
        return 0
    groups = {path: load([path]) for path in args.features}
    rows = [row for group in groups.values() for row in group]
    print(f"{len(rows)} questions, {sum(bool(r['out_of_scope']) for r in rows)} out of scope")
    print(f"as written: {replay(rows, None, args.threshold)}")
    grid: list[AnyCalibration] = [*(classifier_candidates() if args.classifier else candidates())]
    outcomes = [replay(rows, c, args.threshold) for c in grid]
    good = [
        o for o in outcomes if (o.warranted if args.warranted else o.precision) >= args.precision
    ]
    good.sort(key=lambda o: (-round(o.recall, 3), -o.answered_right))
    for outcome in good[: args.top]:
        per_file = [replay(group, outcome.calibration, args.threshold) for group in groups.values()]
        spread = " ".join(f"{o.recall:.2f}/{o.precision:.2f}" for o in per_file)
        print(
            f"recall {outcome.recall:.3f} precision {outcome.precision:.3f} "
            f"warranted {outcome.warranted:.3f} "
            f"answered-right {outcome.answered_right:.3f} acc {outcome.accuracy:.3f} "
            f"{outcome.calibration}  per file: {spread}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
