"""The ingest pipeline: quarantine → de-identification → dataset store → review.

One job per uploaded file (a DICOM instance, a JPEG or a zip). The job is idempotent: each
instance is committed on its own (store write, then its ExamFile row), an instance already
stored is skipped, and the raw bytes are erased only once every instance is committed. A job
killed half-way is simply run again (by the broker's redelivery or by the quarantine sweep).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from challenges.models import InputKind
from uploads import archive, exams, quarantine
from uploads.deid import DeidRejected, deidentify_dicom, deidentify_jpeg, detect_kind
from uploads.exams import finalize_exam
from uploads.models import (
    ExamEvent,
    ExamFile,
    Upload,
    UploadedFile,
)

log = logging.getLogger(__name__)
SPOOL_IN_MEMORY = 32 * 1024 * 1024


@dataclass
class Problem:
    code: str
    message: str
    entry: int | None = None
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "entry": self.entry,
            "params": self.params,
        }


@dataclass
class Outcome:
    """What de-identification of one instance gave, whatever its kind."""

    study_key: str
    series_key: str
    instance_key: str
    metadata: dict
    hold_reasons: list[str]
    suffix: str


@dataclass
class JobReport:
    file_id: str = ""
    # A retry after a crash: instances found already stored were most likely stored by the
    # attempt that died, so they are this file's own, not a problem to show the uploader.
    retry: bool = False
    problems: list[Problem] = field(default_factory=list)
    instances_accepted: int = 0
    touched: set[int] = field(default_factory=set)


def deid_key() -> bytes:
    return settings.DEID_SECRET.encode()


def ingest_uploaded_file(file_id: str) -> str:
    """Run the pipeline on one uploaded file; returns its final state. Safe to run twice."""
    uploaded = _claim(file_id)
    if uploaded is None:
        return "skipped"
    report = JobReport(file_id=str(uploaded.id), retry=uploaded.attempts > 1)
    path = quarantine.path_for(uploaded.id)
    if uploaded.size == 0:
        report.problems.append(Problem("empty", "The file is empty (0 bytes)."))
    elif not path.exists():
        report.problems.append(Problem("processing_failed", "The received bytes are missing."))
    else:
        _ingest_path(path, uploaded.upload, report)
    for exam_id in sorted(report.touched):
        finalize_exam(exam_id, upload_id=str(uploaded.upload_id))
    uploaded.upload.exams.add(*report.touched)
    return _close(uploaded, report)


def _claim(file_id: str) -> UploadedFile | None:
    with transaction.atomic():
        uploaded = (
            UploadedFile.objects.select_for_update()
            .select_related("upload__task", "upload__center", "upload__uploaded_by")
            .filter(pk=file_id)
            .first()
        )
        if uploaded is None or uploaded.state not in (
            UploadedFile.State.RECEIVED,
            UploadedFile.State.PROCESSING,
        ):
            return None
        uploaded.state = UploadedFile.State.PROCESSING
        uploaded.attempts += 1
        uploaded.save(update_fields=["state", "attempts", "updated_at"])
    return uploaded


def _close(uploaded: UploadedFile, report: JobReport) -> str:
    accepted = report.instances_accepted > 0 or (
        bool(report.problems) and all(p.code == "already_received" for p in report.problems)
    )
    uploaded.state = UploadedFile.State.DONE if accepted else UploadedFile.State.REJECTED
    uploaded.problems = [p.as_dict() for p in report.problems]
    # Counted from the audit trail, not the report: an exam created by an attempt that was
    # killed is still this file's.
    uploaded.exams_created = ExamEvent.objects.filter(
        exam_id__in=report.touched, reason="received", details__file=str(uploaded.id)
    ).count()
    uploaded.instances_accepted = report.instances_accepted
    uploaded.save(
        update_fields=["state", "problems", "exams_created", "instances_accepted", "updated_at"]
    )
    quarantine.erase(uploaded.id)
    return uploaded.state


def _ingest_path(path: Path, upload: Upload, report: JobReport) -> None:
    with open(path, "rb") as raw:
        kind = detect_kind(raw.read(132))
        raw.seek(0)
        if kind == "zip":
            _ingest_zip(path, upload, report)
        else:
            _ingest_one(raw, kind, upload, report, entry=None)


def _ingest_zip(path: Path, upload: Upload, report: JobReport) -> None:
    try:
        zipped = archive.open_archive(path)
    except archive.ArchiveRefused as refused:
        report.problems.append(Problem(refused.code, refused.message))
        return
    with zipped:
        seen = 0
        for seen, item in enumerate(archive.entries(zipped), start=1):  # noqa: B007
            if isinstance(item, archive.Skipped):
                report.problems.append(
                    Problem(item.code, item.message, item.entry, {"entry": item.entry})
                )
                continue
            _ingest_entry(zipped, item, upload, report)
    if not seen:  # only folders and system files (__MACOSX, .DS_Store): say so, not "done"
        report.problems.append(Problem("zip_empty", "The zip archive holds no file."))


def _ingest_entry(zipped, item: archive.Entry, upload: Upload, report: JobReport) -> None:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        try:
            with zipped.open(item.info) as member:
                reader = archive.BoundedReader(member, item.info.file_size)
                while chunk := reader.read(1024 * 1024):
                    spool.write(chunk)
        except archive.ArchiveRefused as refused:
            report.problems.append(Problem(refused.code, refused.message, item.number))
            return
        except SoftTimeLimitExceeded:
            raise  # the job's time is up: let Celery retry it, do not blame the entry
        except Exception:  # noqa: BLE001 - a corrupt entry must not stop the others
            report.problems.append(
                Problem("zip_unreadable", f"Entry {item.number} cannot be read.", item.number)
            )
            return
        spool.seek(0)
        head = spool.read(132)
        spool.seek(0)
        if archive.is_nested_archive(head):
            report.problems.append(
                Problem(
                    "zip_nested",
                    f"Entry {item.number} is an archive.",
                    item.number,
                    {"entry": item.number},
                )
            )
            return
        _ingest_one(spool, detect_kind(head), upload, report, entry=item.number)


def _ingest_one(
    raw: IO[bytes], kind: str, upload: Upload, report: JobReport, entry: int | None
) -> None:
    expected = "dicom" if upload.task.input_kind == InputKind.DICOM_SERIES else "jpeg"
    if kind == "unknown":
        report.problems.append(Problem("unsupported_kind", "Not DICOM, JPEG or zip.", entry))
        return
    if kind != expected:
        label = str(InputKind(upload.task.input_kind).label)
        report.problems.append(
            Problem("wrong_input_kind", f"This task takes {label}.", entry, {"expected": label})
        )
        return
    deidentify = _deidentify_dicom if kind == "dicom" else _deidentify_jpeg
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as clean:
        try:
            outcome = deidentify(raw, clean)
        except DeidRejected as rejected:
            report.problems.append(Problem(rejected.code, rejected.message, entry))
            return
        except SoftTimeLimitExceeded:
            raise
        except Exception as error:  # noqa: BLE001 - one bad file must not sink the upload
            # Only the exception type is logged: messages may quote file content.
            log.error("de-identification failed: %s", type(error).__name__)
            report.problems.append(Problem("processing_failed", "Processing failed.", entry))
            return
        clean.seek(0)
        _store(outcome, clean, upload, report, entry)


def _deidentify_dicom(raw: IO[bytes], clean: IO[bytes]) -> Outcome:
    result = deidentify_dicom(raw, clean, key=deid_key())
    return Outcome(
        result.study_key,
        result.series_key,
        result.instance_key,
        result.metadata,
        list(result.hold_reasons),
        ".dcm",
    )


def _deidentify_jpeg(raw: IO[bytes], clean: IO[bytes]) -> Outcome:
    result = deidentify_jpeg(raw, clean, key=deid_key(), ocr=settings.DEID_OCR)
    # The masked boxes are kept so that the reviewer sees where text was (never the text).
    metadata = {**result.metadata, "text_regions": [list(box) for box in result.text_regions]}
    return Outcome(
        result.pixel_key,
        result.pixel_key,
        result.pixel_key,
        metadata,
        list(result.hold_reasons),
        ".jpg",
    )


def _store(
    outcome: Outcome, clean: IO[bytes], upload: Upload, report: JobReport, entry: int | None
) -> None:
    with transaction.atomic():
        exam = exams.exam_for_study(outcome.study_key, upload, report.file_id)
        if exam.state not in exams.OPEN_STATES:
            report.problems.append(
                Problem("exam_already_reviewed", "Exam already reviewed.", entry)
            )
            return
        if exam.files.filter(instance_key=outcome.instance_key).exists():
            if report.retry:
                # Stored by the attempt that died: count it, and finish the exam it left
                # half-done (it may still be `received` if the crash came before review).
                report.instances_accepted += 1
                report.touched.add(exam.id)
            else:
                report.problems.append(Problem("already_received", "Already received.", entry))
            return
        name = f"exams/{exam.public_id}/{outcome.series_key[:12]}/{outcome.instance_key[:24]}{outcome.suffix}"
        if default_storage.exists(name):  # left by a run killed before its row was committed
            default_storage.delete(name)
        stored = default_storage.save(name, File(clean, name=name))
        ExamFile.objects.create(
            exam=exam,
            instance_key=outcome.instance_key,
            series_key=outcome.series_key,
            storage_name=stored,
            size=default_storage.size(stored),
            slice_position_mm=outcome.metadata.get("slice_position_mm"),
        )
        exams.merge_series_info(exam, outcome.series_key, outcome.metadata, outcome.hold_reasons)
    report.instances_accepted += 1
    report.touched.add(exam.id)


def sweep_quarantine(
    *, stale_after_minutes: int = 30, max_attempts: int = 3, requeue: Callable[[str], None]
) -> dict[str, int]:
    """Finish or clean what a crash left: re-queue stale jobs, give up after `max_attempts`,
    erase raw bytes that belong to no upload."""
    cutoff = timezone.now() - timezone.timedelta(minutes=stale_after_minutes)
    stale = UploadedFile.objects.filter(
        state__in=[UploadedFile.State.RECEIVED, UploadedFile.State.PROCESSING],
        updated_at__lt=cutoff,
    )
    counts = {"requeued": 0, "given_up": 0, "orphans_erased": 0, "abandoned_erased": 0}
    for uploaded in stale:
        if uploaded.attempts >= max_attempts:
            _close(uploaded, JobReport(problems=[Problem("processing_failed", "Gave up.")]))
            counts["given_up"] += 1
        else:
            requeue(str(uploaded.id))
            counts["requeued"] += 1
    abandoned = UploadedFile.objects.filter(
        state=UploadedFile.State.RECEIVING,
        updated_at__lt=timezone.now() - timezone.timedelta(days=1),
    )
    for uploaded in abandoned:
        quarantine.erase(uploaded.id)
        uploaded.delete()
        counts["abandoned_erased"] += 1
    known = {u.hex for u in UploadedFile.objects.values_list("id", flat=True)}
    for path in quarantine.stale_paths(known):
        path.unlink(missing_ok=True)
        counts["orphans_erased"] += 1
    return counts
