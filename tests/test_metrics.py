"""Survey metrics: NPS, CSAT (Wilson interval) and means with 95% confidence intervals."""

from __future__ import annotations

import math

import pytest

from feedback_engine.rollups.metrics import (
    NPS,
    Mean,
    Proportion,
    csat,
    mean_ci,
    nps,
    nps_from_counts,
    wilson,
)


def test_nps_counts_passives_in_the_denominator():
    result = nps([10, 9, 8, 7, 3])

    assert (result.n, result.promoters, result.detractors) == (5, 2, 1)
    assert result.score == pytest.approx(20.0)  # (2 - 1) / 5, not (2 - 1) / 3
    # var = (p + d - (p - d)^2) / n = (0.6 - 0.04) / 5
    half = 100 * 1.959964 * math.sqrt(0.112)
    assert result.ci_low == pytest.approx(20.0 - half)
    assert result.ci_high == pytest.approx(20.0 + half)


def test_nps_boundaries_of_promoters_and_detractors():
    result = nps([9, 8, 7, 6, 0, 10])

    assert (result.promoters, result.detractors) == (2, 2)
    assert result.score == pytest.approx(0.0)


def test_nps_all_promoters_is_100():
    result = nps([10, 9, 10])

    assert result.score == pytest.approx(100.0)
    assert (result.promoters, result.detractors) == (3, 0)
    assert result.ci_high == pytest.approx(100.0)
    assert result.ci_low <= 100.0


def test_nps_all_detractors_is_minus_100():
    result = nps([0, 6, 3])

    assert result.score == pytest.approx(-100.0)
    assert result.ci_low == pytest.approx(-100.0)


def test_nps_of_nothing_is_none():
    assert nps([]) == NPS(0, 0, 0, None, None, None)
    assert nps([None, None]) == NPS(0, 0, 0, None, None, None)


def test_nps_ignores_missing_scores():
    assert nps([10, None, 0]) == nps([10, 0])


def test_nps_interval_contains_score_and_widens_with_smaller_n():
    small = nps([10, 9, 8, 7, 3])
    large = nps([10, 9, 8, 7, 3] * 10)

    assert large.score == pytest.approx(small.score)
    for result in (small, large):
        assert result.ci_low < result.score < result.ci_high
    assert (small.ci_high - small.ci_low) > (large.ci_high - large.ci_low)
    assert large.ci_low == pytest.approx(-0.7423, abs=1e-3)
    assert large.ci_high == pytest.approx(40.7423, abs=1e-3)


def test_nps_interval_is_clamped_to_the_scale():
    result = nps([10, 10, 10, 0])

    assert result.score == pytest.approx(50.0)
    assert result.ci_high == 100.0
    assert result.ci_low >= -100.0


def test_nps_from_counts_matches_known_values():
    result = nps_from_counts(100, 50, 20)

    assert result.score == pytest.approx(30.0)
    assert result.ci_low == pytest.approx(14.692, abs=1e-3)
    assert result.ci_high == pytest.approx(45.308, abs=1e-3)


@pytest.mark.parametrize(("hits", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),  # textbook Wilson 95% values
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (1, 2, 0.0945, 0.9055),
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_matches_known_intervals(hits, n, low, high):
    result = wilson(hits, n)

    assert result.share == pytest.approx(hits / n)
    assert (result.n, result.hits) == (n, hits)
    assert result.ci_low == pytest.approx(low, abs=1e-4)
    assert result.ci_high == pytest.approx(high, abs=1e-4)
    assert 0.0 <= result.ci_low <= result.share <= result.ci_high <= 1.0


def test_wilson_of_zero_trials_is_none():
    assert wilson(0, 0) == Proportion(0, 0, None, None, None)


def test_wilson_narrows_with_more_trials():
    small, large = wilson(4, 10), wilson(400, 1000)

    assert (small.ci_high - small.ci_low) > (large.ci_high - large.ci_low)


def test_csat_is_the_share_of_4_and_5():
    result = csat([5, 4, 3, 1, None, 2])

    assert (result.n, result.hits) == (5, 2)
    assert result.share == pytest.approx(0.4)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (wilson(2, 5).ci_low, wilson(2, 5).ci_high))


def test_csat_of_nothing_is_none():
    assert csat([]).share is None


def test_mean_ci_uses_the_sample_standard_deviation():
    result = mean_ci([1, 2, 3])

    half = 1.959964 * 1.0 / math.sqrt(3)
    assert result == Mean(3, pytest.approx(2.0), pytest.approx(2.0 - half),
                          pytest.approx(2.0 + half))


def test_mean_ci_skips_missing_and_nan():
    result = mean_ci([2, float("nan"), None, 4])

    assert result.n == 2
    assert result.mean == pytest.approx(3.0)
    assert result.ci_low == pytest.approx(3.0 - 1.959964)


def test_mean_ci_of_one_value_has_no_interval_and_of_none_is_none():
    assert mean_ci([4]) == Mean(1, 4.0, None, None)
    assert mean_ci([]) == Mean(0, None, None, None)
