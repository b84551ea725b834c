"""How sure retrieval is that a source answers the question, 0 to 1: the number the bot's
threshold (`bot_confidence_threshold`, default 0.5) reads. Pure functions.

Full-text alone, the confidence is the source's lexical coverage (retrieval.py). Fused with an
embedding model, it is `fused(coverage, similarity, margin)`: the evidence

    similarity + margin_weight * margin + coverage_weight * coverage

mapped linearly to 0.5 at `at_half`, 0 and 1 at `width` below and above. The margin (the
source's similarity minus the best other source's: positive for the nearest source only)
matters because a question the knowledge base does not cover is often still close to
several entries, none clearly. The constants (`CALIBRATED`) were chosen on BANKING77's tuning
split, never its test split, for the largest out-of-scope hand-off recall at the default
threshold with at least 9 hand-offs in 10 warranted (the question is out of scope, or the best
source is the wrong one). Counting only out-of-scope hand-offs as right, a precision of 0.9 is
out of reach at any useful recall (bench/bot_calibrate.py; docs/benchmarks.md, Bot).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Calibration:
    # The evidence that gives confidence 0.5, and the distance to 0 (below) and 1 (above).
    at_half: float = 0.5
    width: float = 0.2
    margin_weight: float = 0.0
    coverage_weight: float = 0.0
    # A source that is not among the nearest (no similarity): its coverage times this.
    lexical_only: float = 1.0


# Chosen with bench/bot_calibrate.py on BANKING77's tuning split (a tenth of each intent's
# training questions asked, the rest the FAQ), pooled over seven choices of held-out intents,
# none of them the test's (docs/benchmarks.md, Bot). Lexical coverage adds nothing there once
# the margin counts; `lexical_only` is a judgement, since BANKING77 cannot tell it.
CALIBRATED = Calibration(
    at_half=0.74, width=0.2, margin_weight=1.0, coverage_weight=0.0, lexical_only=0.5
)


def fused(
    coverage: float,
    similarity: float | None,
    margin: float | None,
    calibration: Calibration = CALIBRATED,
) -> float:
    if similarity is None:
        return round(min(1.0, max(0.0, coverage * calibration.lexical_only)), 4)
    evidence = (
        similarity
        + calibration.margin_weight * (margin or 0.0)
        + calibration.coverage_weight * coverage
    )
    confidence = 0.5 + 0.5 * (evidence - calibration.at_half) / calibration.width
    return round(min(1.0, max(0.0, confidence)), 4)
