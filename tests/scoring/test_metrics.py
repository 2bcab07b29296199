"""Metrics against the reference implementations, by hand, and by property."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.utils import concordance_index
from sklearn.metrics import cohen_kappa_score, roc_auc_score, roc_curve

from scoring import metrics
from scoring.metrics import MaskCounts, MetricUndefined

RNG = np.random.default_rng(20200928)


def _heavy_ties(n: int, levels: int) -> np.ndarray:
    """Scores with many ties; half the time integers (the table path), else floats."""
    values = RNG.integers(0, levels, n)
    return values if RNG.random() < 0.5 else values / levels


def test_auroc_equals_sklearn_on_many_random_cases_with_ties():
    for _ in range(400):
        n = int(RNG.integers(2, 300))
        y = RNG.integers(0, 2, n)
        if y.min() == y.max():
            continue
        s = _heavy_ties(n, int(RNG.integers(1, 12))) if RNG.random() < 0.8 else RNG.random(n)
        assert abs(metrics.auroc(y, s) - roc_auc_score(y, s)) <= 1e-12


def test_cindex_equals_lifelines_on_many_random_cases_with_ties():
    for _ in range(300):
        n = int(RNG.integers(2, 250))
        truth = RNG.integers(0, int(RNG.integers(2, 6)), n)
        if truth.min() == truth.max():
            continue
        pred = _heavy_ties(n, int(RNG.integers(1, 8))) if RNG.random() < 0.7 else RNG.normal(size=n)
        assert abs(metrics.cindex(truth, pred) - concordance_index(truth, pred)) <= 1e-12


def test_per_exam_concordance_averages_to_the_score():
    y = RNG.integers(0, 2, 200)
    s = _heavy_ties(200, 5)
    placements = metrics.concordance_per_exam(y, s)
    assert placements[y == 1].mean() == pytest.approx(metrics.auroc(y, s), abs=1e-12)
    assert placements[y == 0].mean() == pytest.approx(metrics.auroc(y, s), abs=1e-12)
    t = RNG.integers(0, 5, 200)
    per_exam = metrics.concordance_per_exam(t, s)
    comparable = t.size - np.bincount(t)[t]
    weighted = (per_exam * comparable).sum() / comparable.sum()
    assert weighted == pytest.approx(metrics.cindex(t, s), abs=1e-12)


def test_weighted_concordance_equals_the_score_of_the_repeated_exams():
    t = RNG.integers(0, 4, 80)
    p = _heavy_ties(80, 6)
    weights = RNG.integers(1, 4, size=(5, 80))
    got = metrics.weighted_concordance(t, p, weights)
    for row, value in zip(weights, got, strict=True):
        repeated = np.repeat(np.arange(80), row)
        assert value == pytest.approx(concordance_index(t[repeated], p[repeated]), abs=1e-12)


def test_one_class_truth_is_refused_with_a_message():
    with pytest.raises(MetricUndefined, match="single class"):
        metrics.auroc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(MetricUndefined, match="single class"):
        metrics.cindex([2, 2], [1.0, 3.0])


def test_nan_predictions_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        metrics.auroc([0, 1], [0.1, np.nan])


def test_kappa_equals_sklearn_quadratic():
    for _ in range(100):
        n = int(RNG.integers(2, 120))
        t, p = RNG.integers(0, 5, n), RNG.integers(0, 5, n)
        expected = cohen_kappa_score(t, p, weights="quadratic", labels=list(range(5)))
        got = metrics.quadratic_weighted_kappa(t, p)
        if np.isnan(expected):
            assert got is None
        else:
            assert abs(got - expected) <= 1e-12


def test_roc_points_and_youden_match_sklearn_curve():
    y = RNG.integers(0, 2, 150)
    s = _heavy_ties(150, 9).astype(float)
    roc = metrics.roc_points(y, s)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(roc["fpr"], fpr)
    np.testing.assert_allclose(roc["tpr"], tpr)
    best = metrics.youden(y, s)
    assert best["youden_index"] == pytest.approx(np.max(tpr - fpr))
    predicted = s >= best["threshold"]
    assert best["sensitivity"] == pytest.approx(predicted[y == 1].mean())
    assert best["specificity"] == pytest.approx(1 - predicted[y == 0].mean())


def test_lymph_node_score_by_hand_with_unequal_spacings():
    # Exam S1: spacing 0.5 x 0.5 x 2 mm (0.5 mm3 voxels), truth 4 voxels, prediction 3,
    # overlap 2 -> Dice 4/7. Exam S2: spacing 1 x 1 x 3 (3 mm3), truth 2, prediction 2,
    # overlap 2 -> Dice 1. M = mean(4 x 0.5, 2 x 3) = 4 mm3.
    # Exam H1: healthy, 0.8 x 0.8 x 2.5 (1.6 mm3), prediction 5 voxels -> A = 8 mm3,
    # score 4 / 12. Exam H2: healthy, nothing predicted -> 1.
    counts = {
        "S1": MaskCounts(4, 3, 2, 0.5 * 0.5 * 2),
        "S2": MaskCounts(2, 2, 2, 1 * 1 * 3),
        "H1": MaskCounts(0, 5, 0, 0.8 * 0.8 * 2.5),
        "H2": MaskCounts(0, 0, 0, 1.0),
    }
    result = metrics.lymph_node(counts)
    assert result["m_mm3"] == pytest.approx(4.0)
    assert result["per_exam"] == pytest.approx({"S1": 4 / 7, "S2": 1.0, "H1": 4 / 12, "H2": 1.0})
    assert result["score"] == pytest.approx((4 / 7 + 1 + 1 / 3 + 1) / 4)
    assert result["false_positive_mm3"] == pytest.approx(
        {"S1": 0.5, "S2": 0.0, "H1": 8.0, "H2": 0.0}
    )
    assert result["sick_score"] == pytest.approx((4 / 7 + 1) / 2)
    assert result["healthy_score"] == pytest.approx((1 / 3 + 1) / 2)
    # M stored with the ground truth is used as given, not recomputed.
    assert metrics.lymph_node(counts, m_mm3=8.0)["per_exam"]["H1"] == pytest.approx(0.5)


def test_lymph_node_needs_a_sick_exam():
    with pytest.raises(MetricUndefined, match="sick"):
        metrics.lymph_node({"H": MaskCounts(0, 3, 0, 1.0)})


def test_dice_of_masks():
    a = np.zeros((4, 4, 2), bool)
    b = a.copy()
    a[0, :2, 0] = True
    b[0, 1:3, 0] = True
    assert metrics.dice(a, b) == pytest.approx(0.5)
    assert metrics.dice(a, a) == 1.0


# --- properties ----------------------------------------------------------------------

binary_cases = st.integers(2, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < len(y)),
        st.lists(st.integers(0, 6), min_size=n, max_size=n),
        st.randoms(use_true_random=False),
    )
)
ordinal_cases = st.integers(2, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n).filter(lambda t: len(set(t)) > 1),
        st.lists(st.floats(-5, 5, allow_nan=False, width=16), min_size=n, max_size=n),
        st.randoms(use_true_random=False),
    )
)


@settings(max_examples=150, deadline=None)
@given(binary_cases)
def test_auroc_properties(case):
    labels, scores, random = case
    y, s = np.array(labels), np.array(scores, dtype=float)
    value = metrics.auroc(y, s)
    order = np.array(random.sample(range(y.size), y.size))
    assert metrics.auroc(y[order], s[order]) == value  # row order does not matter
    assert metrics.auroc(y, -s) == pytest.approx(1 - value, abs=1e-12)  # reversed scores
    assert metrics.auroc(y, y * 10.0) == 1.0  # perfect prediction


@settings(max_examples=150, deadline=None)
@given(ordinal_cases, st.floats(-100, 100, allow_nan=False))
def test_cindex_properties(case, shift):
    classes, scores, random = case
    t, p = np.array(classes), np.array(scores, dtype=float)
    value = metrics.cindex(t, p)
    order = np.array(random.sample(range(t.size), t.size))
    assert metrics.cindex(t[order], p[order]) == value
    # A shift that keeps the order of the scores (exact in float) changes nothing.
    shifted = p + np.float64(round(shift))
    assert metrics.cindex(t, shifted) == value
    assert metrics.cindex(t, t) == 1.0  # predicting the true class
    assert metrics.cindex(t, t * 2.5 - 1) == 1.0  # or any increasing score of it


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)),
        min_size=2,
        max_size=12,
    )
)
def test_lymph_node_properties(rows):
    counts = {f"E{i}": MaskCounts(t, p, min(t, p, o), 0.7) for i, (t, p, o) in enumerate(rows)}
    if not any(c.truth_voxels for c in counts.values()):
        return
    value = metrics.lymph_node(counts)["score"]
    reordered = dict(reversed(list(counts.items())))
    assert metrics.lymph_node(reordered)["score"] == pytest.approx(value, abs=1e-12)
    perfect = {
        e: MaskCounts(c.truth_voxels, c.truth_voxels, c.truth_voxels, 0.7)
        for e, c in counts.items()
    }
    assert metrics.lymph_node(perfect)["score"] == 1.0
    assert 0.0 <= value <= 1.0
