"""Exam-level work of the ingest pipeline: finding or creating a study's exam (consent, audit,
duplicates), its per-series manifest, conformity checks and the move to review."""

from __future__ import annotations

import secrets
from collections import defaultdict

from django.db import IntegrityError, transaction

from uploads import conformity, lifecycle
from uploads.models import ConsentRecord, Exam, ExamState, Upload

ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
# States in which an exam still takes new files.
OPEN_STATES = (ExamState.RECEIVED, ExamState.DEIDENTIFIED, ExamState.IN_REVIEW)


def new_public_id(prefix: str) -> str:
    while True:
        candidate = f"{prefix}-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
        if not Exam.objects.filter(public_id=candidate).exists():
            return candidate


def exam_for_study(study_key: str, upload: Upload, file_id: str) -> Exam:
    """The exam of this study at this center for this task, locked; created on first sight."""
    exam = _locked_exam(study_key, upload)
    if exam is not None:
        return exam
    try:
        # A savepoint: two jobs (workers, or parallel browser uploads) may both find no exam
        # for a new study; the second insert then waits for the first and fails on the
        # one-exam-per-study constraint, and its job joins the exam the first one created.
        with transaction.atomic():
            return _create_exam(study_key, upload, file_id)
    except IntegrityError:
        exam = _locked_exam(study_key, upload)
        if exam is None:
            raise
        return exam


def _locked_exam(study_key: str, upload: Upload) -> Exam | None:
    return (
        Exam.objects.select_for_update()
        .filter(task=upload.task, center=upload.center, study_key=study_key)
        .first()
    )


def _create_exam(study_key: str, upload: Upload, file_id: str) -> Exam:
    exam = Exam.objects.create(
        public_id=new_public_id(upload.task.exam_prefix),
        task=upload.task,
        center=upload.center,
        study_key=study_key,
        created_by=upload.uploaded_by,
    )
    ConsentRecord.objects.create(
        exam=exam,
        information_letter_version=upload.information_letter_version,
        information_letter_date=upload.information_letter_date,
        attested_by=upload.uploaded_by,
        attested_at=upload.created_at,
    )
    _record_reception(exam, upload, file_id)
    _flag_duplicate(exam)
    return exam


def _record_reception(exam: Exam, upload: Upload, file_id: str) -> None:
    lifecycle.record(
        exam,
        actor=upload.uploaded_by,
        reason="received",
        details={"upload": str(upload.id), "file": file_id},
    )
    lifecycle.record(
        exam,
        actor=upload.uploaded_by,
        reason="consent_attested",
        details={
            "letter_version": upload.information_letter_version,
            "letter_date": upload.information_letter_date.isoformat(),
        },
    )


def _flag_duplicate(exam: Exam) -> None:
    original = (
        Exam.objects.filter(study_key=exam.study_key)
        .exclude(pk=exam.pk)
        .exclude(state=ExamState.WITHDRAWN)
        .order_by("created_at")
        .first()
    )
    if original is not None:
        exam.duplicate_of = original
        exam.hold_reasons = sorted(set(exam.hold_reasons) | {"duplicate_study"})
        exam.save(update_fields=["duplicate_of", "hold_reasons", "updated_at"])


def merge_series_info(exam: Exam, series_key: str, meta: dict, hold_reasons: list[str]) -> None:
    """Fold one instance's metadata into the exam's per-series manifest."""
    info = exam.series_info.get(series_key[:16], {})
    thicknesses = set(info.get("thicknesses", []))
    if meta.get("slice_thickness_mm") is not None:
        thicknesses.add(float(meta["slice_thickness_mm"]))
    info.update(
        modality=meta.get("modality") or info.get("modality", ""),
        thicknesses=sorted(thicknesses),
        rows=meta.get("rows") or info.get("rows"),
        columns=meta.get("columns") or info.get("columns"),
        pixel_spacing_mm=meta.get("pixel_spacing_mm") or info.get("pixel_spacing_mm"),
        patient_age_years=meta.get("patient_age_years", info.get("patient_age_years")),
        patient_sex=meta.get("patient_sex") or info.get("patient_sex"),
        text_regions=meta.get("text_regions") or info.get("text_regions", []),
    )
    exam.series_info[series_key[:16]] = info
    exam.hold_reasons = sorted(set(exam.hold_reasons) | set(hold_reasons))
    exam.save(update_fields=["series_info", "hold_reasons", "updated_at"])


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
        # One audit line per upload that adds files, not one per file: a folder upload sends
        # each slice as its own job, and a series has hundreds.
        already = exam.events.filter(details__upload=upload_id).exists()
        if not already:
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
