"""Role-scoped reads of exams: a center sees only its own; organizers and reviewers see their
challenges' exams; teams see none here (they get released batches)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from centers.roles import roles_of
from uploads.models import Exam, ExamFile, ExamState, Upload, UploadedFile


def exams_visible_to(user: User | AnonymousUser) -> QuerySet[Exam]:
    roles = roles_of(user)
    if not roles.authenticated:
        return Exam.objects.none()
    if roles.superuser:
        return Exam.objects.all()
    staff = roles.staff_of
    own_centers = roles.centers_with("manager", "uploader", "annotator")
    return Exam.objects.filter(Q(task__challenge_id__in=staff) | Q(center_id__in=own_centers))


def review_queue(user: User | AnonymousUser) -> QuerySet[Exam]:
    roles = roles_of(user)
    if not roles.is_reviewer:
        return Exam.objects.none()
    queue = Exam.objects.filter(state=ExamState.IN_REVIEW)
    if not roles.superuser:
        queue = queue.filter(task__challenge_id__in=roles.staff_of)
    # Oldest first: a fair queue; flagged exams are shown with their flags.
    return queue.select_related("task", "center").order_by("created_at", "id")


def uploads_visible_to(user: User | AnonymousUser) -> QuerySet[Upload]:
    roles = roles_of(user)
    if roles.superuser:
        return Upload.objects.all()
    return (
        Upload.objects.filter(Q(uploaded_by=user) | Q(center_id__in=roles.centers_with("manager")))
        if roles.authenticated
        else Upload.objects.none()
    )


def files_of_upload(user: User | AnonymousUser, upload_id) -> QuerySet[UploadedFile]:
    return UploadedFile.objects.filter(upload__in=uploads_visible_to(user), upload_id=upload_id)


def exams_of_upload(upload: Upload) -> QuerySet[Exam]:
    """Exams that received files from this upload session."""
    return upload.exams.select_related("task", "center").order_by("created_at")


def ordered_files(exam: Exam) -> QuerySet[ExamFile]:
    """An exam's images in reading order: series, then position along the slice normal."""
    return exam.files.order_by("series_key", "slice_position_mm", "id")
