"""The figures of an evaluation, from each question's outcome. Pure functions.

- in-scope accuracy: the best source (what the bot answers with, or would have, had it not
  handed off) is the expected FAQ entry;
- hand-off recall and precision on out-of-scope questions at the workspace's threshold;
- recall at precision >= 0.9: the most out-of-scope questions handed off by any threshold on
  the bot's confidence while at least 9 hand-offs in 10 are of out-of-scope questions;
- latency p50 / p99 from question to answer.
"""

from dataclasses import dataclass
from typing import Final

TARGET_PRECISION: Final = 0.9


@dataclass(frozen=True, slots=True)
class Outcome:
    expected: str | None
    found: str | None
    handed_off: bool
    # The best source's confidence (what the threshold is compared with).
    confidence: float
    seconds: float
    # The process's CPU time for the answer (all threads): less moved by other processes'
    # load than `seconds` on a shared machine.
    cpu_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Report:
    questions: int
    in_scope: int
    out_of_scope: int
    accuracy: float
    answered_right: float
    handoff_rate: float
    handoff_recall: float
    handoff_precision: float
    # Hand-offs of out-of-scope questions or of questions whose best source was wrong.
    warranted: float
    recall_at_precision: float
    # The confidence threshold that reaches it (None: no threshold does).
    threshold_at_precision: float | None
    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float

    def lines(self) -> list[str]:
        at = (
            f"hand off at confidence <= {self.threshold_at_precision:.4f}"
            if self.threshold_at_precision is not None
            else "no threshold reaches it"
        )
        return [
            f"questions: {self.questions} ({self.in_scope} in scope, "
            f"{self.out_of_scope} out of scope)",
            f"in-scope accuracy:                 {self.accuracy:.4f}",
            f"in-scope answered and right:       {self.answered_right:.4f}",
            f"hand-off rate:                     {self.handoff_rate:.4f}",
            f"hand-off recall (out of scope):    {self.handoff_recall:.4f}",
            f"hand-off precision (out of scope): {self.handoff_precision:.4f}",
            f"hand-offs warranted:               {self.warranted:.4f}",
            f"recall at precision >= {TARGET_PRECISION}:    {self.recall_at_precision:.4f} ({at})",
            f"latency per answer:                p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms",
            f"CPU time per answer:               p50 {self.cpu_p50_ms:.1f} ms, "
            f"p99 {self.cpu_p99_ms:.1f} ms",
        ]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def percentile_ms(seconds: list[float], fraction: float) -> float:
    """The nearest-rank percentile, in milliseconds."""
    ordered = sorted(seconds)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def recall_at_precision(
    outcomes: list[Outcome], precision: float = TARGET_PRECISION
) -> tuple[float, float | None]:
    """The best out-of-scope recall of "hand off below threshold t" over every t with
    precision >= `precision`, and the smallest such t that reaches it."""
    out_of_scope = sum(1 for o in outcomes if o.expected is None)
    if not out_of_scope:
        return 0.0, None
    ordered = sorted(outcomes, key=lambda o: o.confidence)
    best, threshold = 0.0, None
    handed = caught = 0
    for index, outcome in enumerate(ordered):
        handed += 1
        caught += outcome.expected is None
        # A threshold just above this confidence hands off every question up to here
        # (ties included: they cannot be separated).
        if index + 1 < len(ordered) and ordered[index + 1].confidence == outcome.confidence:
            continue
        if caught / handed >= precision and caught / out_of_scope > best:
            best, threshold = caught / out_of_scope, outcome.confidence
    return best, threshold


def summarise(outcomes: list[Outcome]) -> Report:
    in_scope = [o for o in outcomes if o.expected is not None]
    out_of_scope = [o for o in outcomes if o.expected is None]
    handed = [o for o in outcomes if o.handed_off]
    recall, threshold = recall_at_precision(outcomes)
    return Report(
        questions=len(outcomes),
        in_scope=len(in_scope),
        out_of_scope=len(out_of_scope),
        accuracy=_share(sum(o.found == o.expected for o in in_scope), len(in_scope)),
        answered_right=_share(
            sum(o.found == o.expected and not o.handed_off for o in in_scope), len(in_scope)
        ),
        handoff_rate=_share(len(handed), len(outcomes)),
        handoff_recall=_share(sum(o.handed_off for o in out_of_scope), len(out_of_scope)),
        handoff_precision=_share(sum(o.expected is None for o in handed), len(handed)),
        warranted=_share(
            sum(o.expected is None or o.found != o.expected for o in handed), len(handed)
        ),
        recall_at_precision=recall,
        threshold_at_precision=threshold,
        p50_ms=percentile_ms([o.seconds for o in outcomes], 0.50),
        p99_ms=percentile_ms([o.seconds for o in outcomes], 0.99),
        cpu_p50_ms=percentile_ms([o.cpu_seconds for o in outcomes], 0.50),
        cpu_p99_ms=percentile_ms([o.cpu_seconds for o in outcomes], 0.99),
    )
