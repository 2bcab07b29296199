"""Challenge metrics, pure numpy: exact, O(n log n) in exams, linear in voxels.

Concordance is the common core: AUROC is the C-index of a two-class truth
(benign < malignant). Counts are kept as integers ("good2" = 2 x concordant +
tied-in-prediction) so that the final ratio is one correctly rounded division.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CLASSES = ("A", "B", "C", "D", "E")  # Agatston classes, in increasing calcium


class MetricUndefined(ValueError):
    """The metric has no value on this truth (e.g. AUROC with a single class)."""


# --- input checks -------------------------------------------------------------------


def _vector(x: object, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
    return a


def _pair(truth: object, pred: object) -> tuple[np.ndarray, np.ndarray]:
    t, p = _vector(truth, "truth"), _vector(pred, "predictions")
    if t.shape != p.shape:
        raise ValueError(f"truth has {t.size} exams but predictions {p.size}")
    return t, p


def _small_codes(x: np.ndarray, max_levels: int) -> tuple[np.ndarray, int] | None:
    """Integer values spanning few levels are their own dense-enough codes (no sort)."""
    if x.dtype.kind not in "biu" or x.size == 0:
        return None
    lo, hi = int(x.min()), int(x.max())
    if hi - lo >= max_levels:
        return None
    return (x - lo).astype(np.intp, copy=False), hi - lo + 1


def _codes(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes 0..G-1 preserving order and ties (gaps allowed for small integer ranges)."""
    small = _small_codes(x, max_levels=max(64, x.size))
    if small is not None:
        return small
    levels, inverse = np.unique(x, return_inverse=True)
    return inverse.astype(np.intp, copy=False), levels.size


# --- concordance ---------------------------------------------------------------------


def _concordance_sorted(t: np.ndarray, k: int, p: np.ndarray) -> tuple[int, int]:
    """Continuous predictions: sort each class once, count it against all lower classes.

    Predictions are grouped by class (a radix sort of the class codes), each class is
    sorted in place, and the prefix of lower classes is kept sorted by merging the next
    run into it (timsort merges two sorted runs in linear time). Exact ties are rare with
    continuous scores, so the 'right' search is only done for the tied values.
    """
    small = t.astype(np.uint8 if k <= 256 else np.intp, copy=False)
    grouped = p[np.argsort(small, kind="stable")]
    ends = np.cumsum(np.bincount(t, minlength=k))
    good2 = pairs = start = 0
    for end in ends:
        mine = grouped[start:end]
        mine.sort()
        if start and mine.size:
            lower = grouped[:start]
            left = np.searchsorted(lower, mine, side="left")
            tied = lower[np.minimum(left, start - 1)] == mine
            good2 += 2 * int(left.sum())
            if tied.any():
                good2 += int((np.searchsorted(lower, mine[tied], side="right") - left[tied]).sum())
            pairs += start * mine.size
            if end < grouped.size:
                grouped[:end].sort(kind="stable")
        start = end
    return good2, int(pairs)


def _table_totals(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """good2 and comparable pairs from a (..., K classes, G prediction levels) count table."""
    below = np.cumsum(table, axis=-2) - table  # lower true class, same prediction level
    below_less = np.cumsum(below, axis=-1) - below  # lower true class, lower prediction
    good2 = 2 * (table * below_less).sum(axis=(-2, -1)) + (table * below).sum(axis=(-2, -1))
    n_k = table.sum(axis=-1)
    pairs = (n_k * (np.cumsum(n_k, axis=-1) - n_k)).sum(axis=-1)
    return good2, pairs


def concordance_counts(truth: object, pred: object) -> tuple[int, int]:
    """(2 x concordant + tied-in-prediction, comparable pairs) over pairs of different truth."""
    t, p = _pair(truth, pred)
    t_codes, k = _codes(t)
    small = _small_codes(p, max_levels=4 * 1024)
    if small is not None and small[1] * k <= 4 * p.size + 1024:
        # Class predictions: a K x G contingency table, O(n + K G), no sort at all.
        p_codes, g = small
        table = np.bincount(t_codes * g + p_codes, minlength=k * g).reshape(k, g)
        good2, pairs = _table_totals(table)
        return int(good2), int(pairs)
    return _concordance_sorted(t_codes, k, p)


def _ratio(good2: int, pairs: int, what: str) -> float:
    if pairs == 0:
        raise MetricUndefined(f"{what} is undefined: the truth has a single class")
    return good2 / (2 * pairs)


def auroc(labels: object, scores: object) -> float:
    """Area under the ROC curve (Mann-Whitney U), label 1 (malignant) positive, ties 1/2."""
    y = _vector(labels, "labels")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 (benign) or 1 (malignant)")
    return _ratio(*concordance_counts(y.astype(np.int8), scores), "AUROC")


def cindex(truth: object, pred: object) -> float:
    """C-index over pairs of exams with different true class; prediction ties count 1/2."""
    return _ratio(*concordance_counts(truth, pred), "The C-index")


def concordance_table(truth: object, pred: object, weights: np.ndarray | None = None):
    """Count table (..., K, G) of exams by true class and prediction level.

    With ``weights`` of shape (B, n) (bootstrap multiplicities), one table per row: this
    is how ranking.py recomputes a concordance on B resamples without resampling arrays.
    Returns (table, truth codes, prediction codes).
    """
    t, p = _pair(truth, pred)
    t_codes, k = _codes(t)
    levels, p_codes = np.unique(p, return_inverse=True)
    g = levels.size
    cells = t_codes * g + p_codes
    if weights is None:
        return np.bincount(cells, minlength=k * g).reshape(k, g), t_codes, p_codes
    w = np.asarray(weights)
    order = np.argsort(cells, kind="stable")
    cells_sorted = cells[order]
    starts = np.flatnonzero(np.r_[True, cells_sorted[1:] != cells_sorted[:-1]])
    table = np.zeros((w.shape[0], k * g), dtype=w.dtype)
    table[:, cells_sorted[starts]] = np.add.reduceat(w[:, order], starts, axis=1)
    return table.reshape(w.shape[0], k, g), t_codes, p_codes


def weighted_concordance(truth: object, pred: object, weights: np.ndarray) -> np.ndarray:
    """Concordance (AUROC or C-index) for each row of multiplicities ``weights`` (B, n)."""
    table, _, _ = concordance_table(truth, pred, weights)
    good2, pairs = _table_totals(table)
    if np.any(pairs == 0):
        raise MetricUndefined("a resample has a single class: stratify the bootstrap")
    return good2 / (2 * pairs)


def concordance_per_exam(truth: object, pred: object) -> np.ndarray:
    """Per exam: share of its comparable pairs it orders rightly (ties 1/2).

    For AUROC these are the DeLong placement values; the pair-weighted mean is the score.
    """
    table, t_codes, p_codes = concordance_table(truth, pred)
    below = np.cumsum(table, axis=0) - table
    above = table.sum(axis=0) - below - table
    below_less = np.cumsum(below, axis=1) - below
    above_greater = above.sum(axis=1, keepdims=True) - np.cumsum(above, axis=1)
    good2 = 2 * (below_less + above_greater) + below + above
    comparable = t_codes.size - table.sum(axis=1)
    if np.any(comparable[t_codes] == 0):
        raise MetricUndefined("the truth has a single class")
    return good2[t_codes, p_codes] / (2 * comparable[t_codes])


# --- binary secondary metrics ----------------------------------------------------------


def roc_points(labels: object, scores: object) -> dict[str, np.ndarray]:
    """ROC curve: one point per distinct score used as threshold (score >= t is positive).

    The first point (0, 0) has threshold +inf.
    """
    y, s = _pair(labels, scores)
    levels, inverse = np.unique(s, return_inverse=True)
    pos = np.bincount(inverse, weights=(y == 1), minlength=levels.size)[::-1]
    neg = np.bincount(inverse, weights=(y == 0), minlength=levels.size)[::-1]
    n_pos, n_neg = pos.sum(), neg.sum()
    if n_pos == 0 or n_neg == 0:
        raise MetricUndefined("a ROC curve needs both benign and malignant exams")
    tpr = np.r_[0.0, np.cumsum(pos) / n_pos]
    fpr = np.r_[0.0, np.cumsum(neg) / n_neg]
    return {"fpr": fpr, "tpr": tpr, "thresholds": np.r_[np.inf, levels[::-1]]}


def youden(labels: object, scores: object) -> dict[str, float]:
    """Threshold maximising sensitivity + specificity - 1 (highest such threshold)."""
    roc = roc_points(labels, scores)
    j = roc["tpr"] - roc["fpr"]
    best = int(np.argmax(j))
    return {
        "threshold": float(roc["thresholds"][best]),
        "sensitivity": float(roc["tpr"][best]),
        "specificity": float(1.0 - roc["fpr"][best]),
        "youden_index": float(j[best]),
    }


# --- ordinal secondary metrics ---------------------------------------------------------


def confusion_matrix(truth: object, pred: object, n_classes: int = len(CLASSES)) -> np.ndarray:
    """Rows: true class code, columns: predicted class code."""
    t, p = _pair(truth, pred)
    for name, a in (("truth", t), ("predictions", p)):
        if a.size and (a.dtype.kind == "f" or a.min() < 0 or a.max() >= n_classes):
            raise ValueError(f"{name} must be class codes 0..{n_classes - 1}")
    return np.bincount(t * n_classes + p, minlength=n_classes**2).reshape(n_classes, n_classes)


def quadratic_weighted_kappa(truth: object, pred: object, n_classes: int = len(CLASSES)):
    """Cohen's kappa with quadratic weights on the whole class scale; None if undefined."""
    observed = confusion_matrix(truth, pred, n_classes).astype(float)
    n = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / max(n, 1)
    codes = np.arange(n_classes)
    weights = (codes[:, None] - codes[None, :]) ** 2
    denominator = (weights * expected).sum()
    if denominator == 0:
        return None
    return float(1.0 - (weights * observed).sum() / denominator)


# --- segmentation -----------------------------------------------------------------------


def dice(truth: np.ndarray, pred: np.ndarray) -> float:
    """Dice of two boolean masks (1.0 when both are empty)."""
    t, p = np.asarray(truth, dtype=bool), np.asarray(pred, dtype=bool)
    total = np.count_nonzero(t) + np.count_nonzero(p)
    return 1.0 if total == 0 else 2.0 * np.count_nonzero(t & p) / total


@dataclass(frozen=True)
class MaskCounts:
    """What the lymph-node score needs of one exam: voxel counts and the voxel volume."""

    truth_voxels: int
    pred_voxels: int
    overlap_voxels: int
    voxel_mm3: float


def mean_sick_volume(counts: dict[str, MaskCounts]) -> float:
    """M: mean pathological volume (mm3) over the sick exams of the whole truth set."""
    sick = [c.truth_voxels * c.voxel_mm3 for c in counts.values() if c.truth_voxels]
    if not sick:
        raise MetricUndefined("the lymph-node score needs at least one sick exam in the truth")
    return float(np.mean(sick))


def lymph_node(counts: dict[str, MaskCounts], m_mm3: float | None = None) -> dict[str, object]:
    """Per-exam lymph-node scores: Dice on sick exams, M / (A + M) on healthy ones.

    ``m_mm3`` is M, computed once on the whole truth set (pass the stored value, or None
    to compute it from ``counts``). Returns the mean score and the per-exam values.
    """
    m = mean_sick_volume(counts) if m_mm3 is None else float(m_mm3)
    scores, dices, fp_mm3 = {}, {}, {}
    for exam, c in counts.items():
        fp_mm3[exam] = (c.pred_voxels - c.overlap_voxels) * c.voxel_mm3
        if c.truth_voxels:
            dices[exam] = 2.0 * c.overlap_voxels / (c.truth_voxels + c.pred_voxels)
            scores[exam] = dices[exam]
        else:
            scores[exam] = m / (c.pred_voxels * c.voxel_mm3 + m)
    healthy = [scores[e] for e in scores if e not in dices]
    return {
        "score": float(np.mean(list(scores.values()))),
        "per_exam": scores,
        "dice": dices,
        "false_positive_mm3": fp_mm3,
        "m_mm3": m,
        "sick_score": float(np.mean(list(dices.values()))) if dices else None,
        "healthy_score": float(np.mean(healthy)) if healthy else None,
    }
