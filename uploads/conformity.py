"""Upload conformity rules of a task and the checks that apply them to an exam (pure Python).

Rules are stored as JSON on the task, e.g. for coronary calcium CT:
    {"modality": "CT", "slice_thickness_mm": [2.5, 3.0], "no_gaps": true,
     "max_series": 1, "min_slices": 40, "min_image_size": [512, 512]}
Each failure is a named reason (code + message) shown to the uploader and the reviewer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

KNOWN_RULES = {
    "modality": "expected DICOM modality, e.g. CT or US",
    "slice_thickness_mm": "[min, max] allowed slice thickness in mm",
    "no_gaps": "true when slices must be contiguous",
    "max_series": "most series allowed in one exam",
    "min_slices": "fewest slices (or images) an exam may have",
    "min_image_size": "[rows, columns] smallest image size",
}
# Slice positions may differ from the nominal spacing by this much before we call it a gap.
GAP_TOLERANCE_MM = 0.05


@dataclass(frozen=True)
class Failure:
    """A named reason. `message` is English for logs and the CLI; pages translate by `code`
    with `params` (uploads/reasons.py)."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


@dataclass(frozen=True)
class ExamSummary:
    """What the checks need to know about an exam, gathered from its de-identified files."""

    modalities: frozenset[str]
    slice_thicknesses_mm: frozenset[float]
    positions_by_series: dict[str, list[float]] = field(default_factory=dict)
    image_count: int = 0
    smallest_size: tuple[int, int] | None = None


def validate_rules(rules: Any) -> list[str]:
    """Problems with a rules document, each naming the field at fault."""
    if not isinstance(rules, dict):
        return ["conformity rules must be a JSON object"]
    problems = [f"unknown rule '{key}'" for key in rules if key not in KNOWN_RULES]
    thickness = rules.get("slice_thickness_mm")
    if thickness is not None and not _is_range(thickness):
        problems.append("'slice_thickness_mm' must be [min, max] with min ≤ max")
    size = rules.get("min_image_size")
    if size is not None and not (_is_pair_of(size, int) and min(size) > 0):
        problems.append("'min_image_size' must be [rows, columns], positive integers")
    for key in ("max_series", "min_slices"):
        if key in rules and not (isinstance(rules[key], int) and rules[key] > 0):
            problems.append(f"'{key}' must be a positive integer")
    if "no_gaps" in rules and not isinstance(rules["no_gaps"], bool):
        problems.append("'no_gaps' must be true or false")
    if "modality" in rules and not isinstance(rules["modality"], str):
        problems.append("'modality' must be text, e.g. CT")
    return problems


def _is_pair_of(value: Any, kind: type | tuple[type, ...]) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, kind) and not isinstance(v, bool) for v in value)
    )


def _is_range(value: Any) -> bool:
    return _is_pair_of(value, (int, float)) and value[0] <= value[1]


def check(rules: dict[str, Any], exam: ExamSummary) -> list[Failure]:
    failures: list[Failure] = []
    failures += _check_modality(rules, exam)
    failures += _check_thickness(rules, exam)
    failures += _check_series_and_slices(rules, exam)
    failures += _check_size(rules, exam)
    if rules.get("no_gaps"):
        failures += _check_gaps(exam.positions_by_series.values(), exam)
    return failures


def _check_modality(rules: dict, exam: ExamSummary) -> list[Failure]:
    expected = rules.get("modality")
    if expected and exam.modalities != {expected}:
        found = ", ".join(sorted(exam.modalities)) or "none"
        return [
            Failure(
                "wrong_modality",
                f"Modality must be {expected}; found {found}.",
                {"expected": expected, "found": found},
            )
        ]
    return []


def _check_thickness(rules: dict, exam: ExamSummary) -> list[Failure]:
    bounds = rules.get("slice_thickness_mm")
    if not bounds:
        return []
    low, high = bounds
    if not exam.slice_thicknesses_mm:
        return [Failure("slice_thickness_missing", "Slice thickness is not recorded in the files.")]
    wrong = sorted(t for t in exam.slice_thicknesses_mm if not low <= t <= high)
    if wrong:
        found = ", ".join(f"{t:g}" for t in wrong)
        return [
            Failure(
                "wrong_slice_thickness",
                f"Slice thickness must be between {low:g} and {high:g} mm; found {found} mm.",
                {"low": low, "high": high, "found": found},
            )
        ]
    return []


def _check_series_and_slices(rules: dict, exam: ExamSummary) -> list[Failure]:
    failures = []
    max_series = rules.get("max_series")
    if max_series and len(exam.positions_by_series) > max_series:
        failures.append(
            Failure(
                "mixed_series",
                f"The exam holds {len(exam.positions_by_series)} series; "
                f"at most {max_series} allowed.",
                {"found": len(exam.positions_by_series), "allowed": max_series},
            )
        )
    min_slices = rules.get("min_slices")
    if min_slices and exam.image_count < min_slices:
        failures.append(
            Failure(
                "too_few_slices",
                f"The exam has {exam.image_count} images; at least {min_slices} are required.",
                {"found": exam.image_count, "required": min_slices},
            )
        )
    return failures


def _check_size(rules: dict, exam: ExamSummary) -> list[Failure]:
    minimum = rules.get("min_image_size")
    if (
        minimum
        and exam.smallest_size
        and (exam.smallest_size[0] < minimum[0] or exam.smallest_size[1] < minimum[1])
    ):
        rows, cols = exam.smallest_size
        return [
            Failure(
                "image_too_small",
                f"Images must be at least {minimum[0]}×{minimum[1]}; found {rows}×{cols}.",
                {"min_rows": minimum[0], "min_cols": minimum[1], "rows": rows, "cols": cols},
            )
        ]
    return []


def _check_gaps(series_positions: Iterable[list[float]], exam: ExamSummary) -> list[Failure]:
    failures = []
    for positions in series_positions:
        ordered = sorted(positions)
        steps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
        if not steps:
            continue
        nominal = min(exam.slice_thicknesses_mm) if exam.slice_thicknesses_mm else min(steps)
        gaps = [s for s in steps if s > nominal + GAP_TOLERANCE_MM]
        if gaps:
            failures.append(
                Failure(
                    "slice_gap",
                    f"{len(gaps)} gap(s) between slices, the largest {max(gaps):.2f} mm "
                    f"for {nominal:g} mm slices: slices are missing.",
                    {"count": len(gaps), "largest": round(max(gaps), 2), "nominal": nominal},
                )
            )
        if any(s < GAP_TOLERANCE_MM for s in steps):
            failures.append(Failure("duplicate_slice", "Two slices share the same position."))
    return failures
