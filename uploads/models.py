"""Exams and their files, consent, upload sessions and the exam audit trail.

No model here holds an upload filename or an original DICOM UID: only opaque ids and keyed
hashes (HMAC with DEID_SECRET) that cannot be reversed by trying known values.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from centers.models import Center
from challenges.models import Task


class ExamState(models.TextChoices):
    RECEIVED = "received", _("Received")
    DEIDENTIFIED = "deidentified", _("De-identified")
    IN_REVIEW = "in_review", _("In review")
    ACCEPTED = "accepted", _("Accepted")
    EXCLUDED = "excluded", _("Excluded")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FAILED = "failed", _("Failed")


class Upload(models.Model):
    """One upload session: files sent by a center uploader for a task under one consent attestation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="uploads")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads"
    )
    information_letter_version = models.CharField(_("information letter version"), max_length=40)
    information_letter_date = models.DateField(_("information letter date"))
    # The exams this session sent files to: one row per exam, not per file.
    exams = models.ManyToManyField("Exam", related_name="uploads", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.task.slug} · {self.center.slug} · {self.created_at:%Y-%m-%d %H:%M}"


class UploadedFile(models.Model):
    """A file (DICOM, JPEG or zip) received into quarantine. Its name is never stored."""

    class State(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="files")
    size = models.BigIntegerField(_("size in bytes"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Problems found in this file (or in entries of a zip): [{"code", "message", "entry"}],
    # where "entry" is a position (e.g. "entry 12 of the zip"), never a name.
    problems = models.JSONField(default=list, blank=True)
    exams_created = models.PositiveIntegerField(default=0)
    instances_accepted = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return f"{self.id} ({self.get_state_display()})"


class Exam(models.Model):
    public_id = models.CharField(_("exam id"), max_length=16, unique=True)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="exams")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="exams")
    state = models.CharField(
        _("state"), max_length=16, choices=ExamState.choices, default=ExamState.RECEIVED
    )
    # HMAC of the original StudyInstanceUID (JPEG: of the scan data): groups files uploaded in
    # several goes and detects the same study uploaded twice, without keeping the original.
    study_key = models.CharField(max_length=64, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    modality = models.CharField(_("modality"), max_length=8, blank=True)
    patient_age_years = models.PositiveSmallIntegerField(_("age (years)"), null=True, blank=True)
    patient_sex = models.CharField(_("sex"), max_length=1, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    columns = models.PositiveIntegerField(_("columns"), null=True, blank=True)
    pixel_spacing_mm = models.JSONField(_("pixel spacing (mm)"), null=True, blank=True)
    slice_thickness_mm = models.FloatField(_("slice thickness (mm)"), null=True, blank=True)
    slice_count = models.PositiveIntegerField(_("slices"), default=0)
    series_count = models.PositiveIntegerField(_("series"), default=0)
    # Per-series manifest {series_key: {"modality", "thicknesses", "rows", "columns", ...}},
    # merged by each ingest job, so that conformity checks need no per-file metadata rows.
    series_info = models.JSONField(default=dict, blank=True)
    # Conformity failures [{"code", "message"}] and reasons to hold for review [codes].
    conformity_failures = models.JSONField(_("conformity failures"), default=list, blank=True)
    hold_reasons = models.JSONField(_("flags for the reviewer"), default=list, blank=True)
    exclusion_reason = models.CharField(_("exclusion reason"), max_length=40, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_exams"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "center", "study_key"], name="one_exam_per_study_per_center"
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class ExamFile(models.Model):
    """One de-identified instance in the dataset store. Kept narrow: millions of rows expected."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="files")
    # HMAC of the original SOPInstanceUID (JPEG: scan data): re-uploading the same instance
    # is idempotent.
    instance_key = models.CharField(max_length=64)
    series_key = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    slice_position_mm = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("exam file")
        verbose_name_plural = _("exam files")
        constraints = [
            models.UniqueConstraint(fields=["exam", "instance_key"], name="unique_exam_instance")
        ]

    def __str__(self) -> str:
        return self.storage_name


class ConsentRecord(models.Model):
    """The patient was informed (letter version and date) and did not object; who attested it."""

    exam = models.OneToOneField(Exam, on_delete=models.CASCADE, related_name="consent")
    information_letter_version = models.CharField(_("information letter version"), max_length=40)
    information_letter_date = models.DateField(_("information letter date"))
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_attestations"
    )
    attested_at = models.DateTimeField(_("attested at"))
    objection_recorded_at = models.DateTimeField(_("objection recorded at"), null=True, blank=True)
    objection_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_withdrawals",
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.exam.public_id} · {self.information_letter_version}"


class ExamEvent(models.Model):
    """Audit log of an exam: every state transition and consent event (who, when, from, to, why)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=16, choices=ExamState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=ExamState.choices)
    reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("exam event")
        verbose_name_plural = _("exam events")

    def __str__(self) -> str:
        return f"{self.exam.public_id}: {self.from_state or '∅'} → {self.to_state}"
