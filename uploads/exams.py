"""Exam-level work after files arrive: metadata from the per-series manifest, conformity checks,
and the move to review."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from uploads import conformity, lifecycle
from uploads.models import Exam, ExamState


def summarize(exam: Exam) -> conformity.ExamSummary:
    positions: dict[str, list[float]] = defaultdict(list)
    count = 0
    for series_key, position in exam.files.values_list("series_key", "slice_position_mm"):
        count += 1
        if position is not None:
            positions[series_key[:16]].append(position)
        else:
            positions.setdefault(series_key[:16], [])
    series = exam.series_info.values()
    sizes = [(s["rows"], s["columns"]) for s in series if s.get("rows") and s.get("columns")]
    return conformity.ExamSummary(
        modalities=frozenset(s["modality"] for s in series if s.get("modality")),
        slice_thicknesses_mm=frozenset(t for s in series for t in s.get("thicknesses", [])),
        positions_by_series=dict(positions),
        image_count=count,
        smallest_size=min(sizes) if sizes else None,
    )


def _first(values):
    return next((v for v in values if v not in (None, "")), None)


@transaction.atomic
def finalize_exam(exam_id: int, *, upload_id: str = "") -> Exam:
    """Recompute metadata and conformity; move a newly de-identified exam to review."""
    exam = Exam.objects.select_for_update().select_related("task").get(pk=exam_id)
    if exam.state not in (ExamState.RECEIVED, ExamState.DEIDENTIFIED, ExamState.IN_REVIEW):
        return exam
    summary = summarize(exam)
    series = list(exam.series_info.values())
    failures = conformity.check(exam.task.conformity_rules or {}, summary)
    exam.conformity_failures = [f.as_dict() for f in failures]
    exam.modality = ",".join(sorted(summary.modalities))
    exam.patient_age_years = _first(s.get("patient_age_years") for s in series)
    exam.patient_sex = _first(s.get("patient_sex") for s in series) or ""
    exam.rows, exam.columns = summary.smallest_size or (None, None)
    exam.pixel_spacing_mm = _first(s.get("pixel_spacing_mm") for s in series)
    exam.slice_thickness_mm = min(summary.slice_thicknesses_mm, default=None)
    exam.slice_count = summary.image_count
    exam.series_count = len(summary.positions_by_series)
    exam.save()
    details = {
        "images": summary.image_count,
        "conformity_failures": [f.code for f in failures],
        "upload": upload_id,
    }
    if exam.state == ExamState.IN_REVIEW:
        lifecycle.record(exam, actor=None, reason="files_added", details=details)
        return exam
    if exam.state == ExamState.RECEIVED:
        lifecycle.move(
            exam, ExamState.DEIDENTIFIED, actor=None, reason="deidentified", details=details
        )
    lifecycle.move(
        exam, ExamState.IN_REVIEW, actor=None, reason="conformity_checked", details=details
    )
    return exam
