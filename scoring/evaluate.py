"""Score one submission file against the truth: the platform's and the CLI's entry point."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scoring import formats, masks, metrics
from scoring.errors import InvalidTruth, Problem
from scoring.metrics import CLASSES, MetricUndefined

METRICS = ("auroc", "cindex", "lymph-node")


@dataclass
class Evaluation:
    """A score, the secondary metrics beside it, and per-exam values (exam id -> value).

    ``per_exam`` holds each exam's share of the primary metric: the placement value for
    AUROC, the share of rightly ordered pairs for the C-index, the exam's score for the
    lymph-node task. ``secondary`` is plain data (numbers, lists, dicts, None).
    """

    metric: str
    score: float
    secondary: dict[str, object] = field(default_factory=dict)
    per_exam: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable: numpy values become Python ones, non-finite floats None."""
        return _plain(
            {
                "metric": self.metric,
                "score": self.score,
                "secondary": self.secondary,
                "per_exam": self.per_exam,
            }
        )


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def _undefined(error: MetricUndefined) -> InvalidTruth:
    return InvalidTruth([Problem("truth file", str(error))])


def _binary(truth: Path, predictions: Path) -> Evaluation:
    labels = formats.read_binary_truth(truth)
    ids = sorted(labels.values)
    y = labels.aligned(ids)
    if y.min() == y.max():
        only = "malignant" if y[0] else "benign"
        raise _undefined(MetricUndefined(f"every exam is {only}: AUROC needs both classes"))
    s = formats.read_binary_predictions(predictions, ids).aligned(ids)
    roc = metrics.roc_points(y, s)
    secondary = {
        "n_exams": len(ids),
        "n_malignant": int(y.sum()),
        **metrics.youden(y, s),
        "roc": {k: v.tolist() for k, v in roc.items()},
    }
    per_exam = dict(zip(ids, metrics.concordance_per_exam(y, s).tolist(), strict=True))
    return Evaluation("auroc", metrics.auroc(y, s), secondary, per_exam)


def _ordinal(truth: Path, predictions: Path) -> Evaluation:
    classes = formats.read_ordinal_truth(truth)
    ids = sorted(classes.values)
    t = classes.aligned(ids)
    if t.min() == t.max():
        raise _undefined(
            MetricUndefined(f"every exam is class {CLASSES[t[0]]}: the C-index needs two")
        )
    keyed = formats.read_ordinal_predictions(predictions, ids)
    p = keyed.aligned(ids)
    secondary: dict[str, object] = {
        "n_exams": len(ids),
        "prediction_column": keyed.column,
        "classes": list(CLASSES),
        "truth_counts": np.bincount(t, minlength=len(CLASSES)).tolist(),
    }
    if keyed.column == "class":
        confusion = metrics.confusion_matrix(t, p)
        secondary["accuracy"] = float(np.trace(confusion) / len(ids))
        secondary["quadratic_weighted_kappa"] = metrics.quadratic_weighted_kappa(t, p)
        secondary["confusion_matrix"] = confusion.tolist()
    else:  # scores have no class: accuracy and kappa need one
        secondary.update(accuracy=None, quadratic_weighted_kappa=None, confusion_matrix=None)
    per_exam = dict(zip(ids, metrics.concordance_per_exam(t, p).tolist(), strict=True))
    return Evaluation("cindex", metrics.cindex(t, p), secondary, per_exam)


def _lymph_node(truth: Path, predictions: Path) -> Evaluation:
    counts = masks.mask_counts(truth, predictions)
    try:
        result = metrics.lymph_node(counts)
    except MetricUndefined as error:
        raise _undefined(error) from None
    sick = sum(1 for c in counts.values() if c.truth_voxels)
    secondary = {
        "n_exams": len(counts),
        "n_sick": sick,
        "m_mm3": result["m_mm3"],
        "sick_score": result["sick_score"],
        "healthy_score": result["healthy_score"],
        "dice": result["dice"],
        "false_positive_mm3": result["false_positive_mm3"],
        "predicted_mm3": {e: c.pred_voxels * c.voxel_mm3 for e, c in counts.items()},
    }
    return Evaluation("lymph-node", result["score"], secondary, result["per_exam"])


_SCORERS: dict[str, Callable[[Path, Path], Evaluation]] = {
    "auroc": _binary,
    "cindex": _ordinal,
    "lymph-node": _lymph_node,
}


def evaluate(metric: str, truth: Path | str, predictions: Path | str) -> Evaluation:
    """Validate a whole submission, then score it.

    Raises ``SubmissionInvalid`` (every problem of the predictions) or ``InvalidTruth``;
    nothing is scored unless both files are wholly valid.
    """
    if metric not in _SCORERS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    return _SCORERS[metric](Path(truth), Path(predictions))
