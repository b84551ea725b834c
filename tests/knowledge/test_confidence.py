"""The fused confidence (knowledge.confidence): a pure function of a source's lexical
coverage, cosine similarity and margin over the best other source."""

import pytest

from helpline.knowledge.confidence import CALIBRATED, Calibration, fused

PLAIN = Calibration(at_half=0.6, width=0.2, margin_weight=0.0, coverage_weight=0.0)


class TestFused:
    def test_the_calibrated_similarity_gives_one_half(self) -> None:
        assert fused(0.0, PLAIN.at_half, 0.0, PLAIN) == 0.5
        assert fused(0.0, PLAIN.at_half - PLAIN.width, 0.0, PLAIN) == 0.0
        assert fused(0.0, PLAIN.at_half + PLAIN.width, 0.0, PLAIN) == 1.0

    def test_clipped_to_zero_and_one(self) -> None:
        assert fused(0.0, -1.0, -1.0, PLAIN) == 0.0
        assert fused(1.0, 1.0, 1.0, PLAIN) == 1.0

    @pytest.mark.parametrize("calibration", [PLAIN, CALIBRATED])
    def test_grows_with_similarity_margin_and_coverage(self, calibration: Calibration) -> None:
        base = fused(0.3, 0.55, 0.02, calibration)

        assert fused(0.3, 0.6, 0.02, calibration) >= base
        assert fused(0.3, 0.55, 0.1, calibration) >= base
        assert fused(0.6, 0.55, 0.02, calibration) >= base
        assert 0.0 <= base <= 1.0

    def test_a_clear_winner_beats_a_close_tie(self) -> None:
        with_margin = Calibration(at_half=0.6, margin_weight=1.0)

        clear = fused(0.0, 0.58, 0.1, with_margin)
        tie = fused(0.0, 0.58, 0.0, with_margin)

        assert tie < 0.5 <= clear

    def test_without_similarity_the_coverage_counts_as_calibrated(self) -> None:
        assert fused(0.8, None, None, Calibration(lexical_only=0.5)) == 0.4
        assert fused(0.8, None, None, Calibration(lexical_only=1.0)) == 0.8
        assert fused(0.8, None, None, Calibration(lexical_only=0.0)) == 0.0

    def test_a_question_far_from_every_entry_is_below_the_default_threshold(self) -> None:
        # Cosine 0.2 is what unrelated English sentences score with all-MiniLM-L6-v2.
        assert fused(0.0, 0.2, 0.0) < 0.5
