"""How negative a visitor's message sounds: VADER (vaderSentiment, MIT licence), a lexicon and
rules tuned for short informal English text. Offline, no model file, about 0.1 ms a message.

VADER reads English only; in other languages most words are unknown to it and the score
stays near 0, so the negative-sentiment rule simply does not fire there.
"""

from functools import cache

# No type information ships with the package.
from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]  # untyped package
    SentimentIntensityAnalyzer,
)


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    # Loads the lexicon (about 7,500 entries) once per process.
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score of `text`: -1 (most negative) to 1 (most positive), 0 neutral."""
    scores = _analyzer().polarity_scores(text)
    return float(scores["compound"])
