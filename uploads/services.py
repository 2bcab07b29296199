"""Writes for uploads: sessions, chunks, review decisions, consent withdrawal."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.models import Center
from centers.roles import roles_of
from challenges.models import Task
from uploads import lifecycle, quarantine
from uploads.models import ConsentRecord, Exam, ExamState, Upload, UploadedFile
from uploads.reasons import EXCLUSION_REASONS

MAX_FILE_SIZE = settings.UPLOAD_MAX_FILE_SIZE


def start_upload(
    *,
    user: User,
    task: Task,
    center: Center,
    information_letter_version: str,
    information_letter_date: dt.date,
    consent_attested: bool,
) -> Upload:
    """Open an upload session. Consent must be attested before a single byte is accepted."""
    if not consent_attested:
        raise ValidationError(
            {"consent_attested": _("Attest that every patient was informed and did not object.")}
        )
    if center.id not in roles_of(user).upload_centers or center.status != Center.Status.APPROVED:
        raise PermissionDenied(_("You cannot upload for this center."))
    if information_letter_date > timezone.localdate():
        raise ValidationError(
            {"information_letter_date": _("The information letter date is in the future.")}
        )
    return Upload.objects.create(
        task=task,
        center=center,
        uploaded_by=user,
        information_letter_version=information_letter_version.strip(),
        information_letter_date=information_letter_date,
    )


def add_file(*, upload: Upload, size: int) -> UploadedFile:
    if size < 0:
        raise ValidationError({"size": _("The file size is negative.")})
    if size > MAX_FILE_SIZE:
        raise ValidationError(
            {
                "size": _("The file is larger than the limit of %(limit)s bytes.")
                % {"limit": MAX_FILE_SIZE}
            }
        )
    uploaded = UploadedFile.objects.create(upload=upload, size=size)
    if size == 0:
        # Nothing will come: hand it straight to the pipeline, which names the problem.
        finish_file(uploaded_file=uploaded)
    return uploaded


def receive_chunk(
    *, uploaded_file: UploadedFile, offset: int, stream: BinaryIO, length: int
) -> int:
    """Append one chunk at `offset` (tus PATCH); returns the new offset."""
    if uploaded_file.state != UploadedFile.State.RECEIVING:
        raise ValidationError(_("This file is already complete."))
    if offset != uploaded_file.offset:
        raise ValidationError(_("Chunk offset does not match the bytes received."))
    if offset + length > uploaded_file.size:
        raise ValidationError(_("The chunk goes past the declared file size."))
    written = quarantine.append(uploaded_file.id, offset, stream, length)
    uploaded_file.offset = offset + written
    uploaded_file.save(update_fields=["offset", "updated_at"])
    if uploaded_file.offset == uploaded_file.size:
        finish_file(uploaded_file=uploaded_file)
    return uploaded_file.offset


def finish_file(*, uploaded_file: UploadedFile) -> None:
    """All bytes are in quarantine: queue the de-identification job after commit."""
    from uploads.tasks import ingest_uploaded_file

    uploaded_file.state = UploadedFile.State.RECEIVED
    uploaded_file.save(update_fields=["state", "updated_at"])
    file_id = str(uploaded_file.id)
    transaction.on_commit(lambda: ingest_uploaded_file.delay(file_id))


def cancel_file(*, uploaded_file: UploadedFile) -> None:
    if uploaded_file.state != UploadedFile.State.RECEIVING:
        raise ValidationError(_("This file is already being processed."))
    quarantine.erase(uploaded_file.id)
    uploaded_file.delete()


def _require_reviewer(user: User, exam: Exam) -> None:
    if not roles_of(user).reviews(exam.task.challenge_id):
        raise PermissionDenied(_("You do not review this challenge."))


def review_exam(
    *, exam: Exam, reviewer: User, accept: bool, reason: str = "", note: str = ""
) -> Exam:
    """Approve an exam, or exclude it with a reason code (and a note)."""
    _require_reviewer(reviewer, exam)
    if not accept and reason not in EXCLUSION_REASONS:
        raise ValidationError({"reason": _("Choose the reason for excluding this exam.")})
    with transaction.atomic():
        exam = Exam.objects.select_for_update().get(pk=exam.pk)
        target = ExamState.ACCEPTED if accept else ExamState.EXCLUDED
        lifecycle.move(exam, target, actor=reviewer, reason="" if accept else reason, note=note)
        exam.exclusion_reason = "" if accept else reason
        exam.review_note = note
        exam.save(update_fields=["exclusion_reason", "review_note", "updated_at"])
    return exam


def withdraw_exam(*, exam: Exam, user: User) -> list[str]:
    """A patient objected: erase the exam's files, take it out of every dataset and record it.

    Returns the releases that already carried the exam (they cannot be recalled from teams'
    disks, so the organizers must be told which ones).
    """
    if not roles_of(user).may_withdraw(
        center_id=exam.center_id, challenge_id=exam.task.challenge_id
    ):
        raise PermissionDenied(_("You cannot withdraw this exam."))
    with transaction.atomic():
        exam = Exam.objects.select_for_update().get(pk=exam.pk)
        releases = releases_carrying(exam)
        names = list(exam.files.values_list("storage_name", flat=True))
        exam.files.all().delete()
        ConsentRecord.objects.filter(exam=exam).update(
            objection_recorded_at=timezone.now(), objection_recorded_by=user
        )
        lifecycle.move(
            exam,
            ExamState.WITHDRAWN,
            actor=user,
            reason="consent_objection",
            details={"releases": releases, "files_erased": len(names)},
        )
        transaction.on_commit(lambda: _erase_from_store(names))
    return releases


def releases_carrying(exam: Exam) -> list[str]:
    # Batches and releases arrive with the competition issue; until then no exam is released.
    return []


def _erase_from_store(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
