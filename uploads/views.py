from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotations import rendering
from centers.models import Center
from centers.roles import roles_of
from challenges.selectors import tasks_open_for_upload
from config.forms import add_service_errors
from uploads import selectors, services
from uploads.forms import ReviewForm, UploadStartForm
from uploads.models import ExamState


def _upload_centers(user):
    return Center.objects.filter(
        id__in=roles_of(user).upload_centers, status=Center.Status.APPROVED
    )


@login_required
def upload_new(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user).is_uploader:
        raise PermissionDenied
    form = UploadStartForm(
        request.POST or None,
        tasks=tasks_open_for_upload(request.user),
        centers=_upload_centers(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.start_upload(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("uploads:session", upload_id=upload.id)
    return render(request, "uploads/new.html", {"form": form})


@login_required
def upload_session(request: HttpRequest, upload_id) -> HttpResponse:
    upload = get_object_or_404(
        selectors.uploads_visible_to(request.user).select_related("task", "center"), pk=upload_id
    )
    context = {"upload": upload, "parallel_uploads": _parallel_uploads(), **_progress(upload)}
    return render(request, "uploads/session.html", context)


def _parallel_uploads() -> int:
    """Files the browser sends at once. A few keep the link busy without flooding gunicorn
    (Uppy's default is 20); SQLite (development, tests) takes one writer at a time, and
    without a broker each file's last chunk also runs its de-identification in the request."""
    return 1 if connection.vendor == "sqlite" else 4


@login_required
def upload_progress(request: HttpRequest, upload_id) -> HttpResponse:
    """The live panel (polled by htmx): each file's state and reasons, and the exams created."""
    upload = get_object_or_404(selectors.uploads_visible_to(request.user), pk=upload_id)
    return render(request, "uploads/progress.html", {"upload": upload, **_progress(upload)})


def _progress(upload) -> dict:
    files = list(upload.files.order_by("created_at"))
    exams = selectors.exams_of_upload(upload)
    busy = any(f.state in ("receiving", "received", "processing") for f in files)
    return {"files": files, "exams": exams, "busy": busy}


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    exams = selectors.exams_visible_to(request.user).select_related("task", "center")
    state = request.GET.get("state", "")
    if state in ExamState.values:
        exams = exams.filter(state=state)
    context = {"exams": exams[:500], "states": ExamState.choices, "state": state}
    return render(request, "uploads/exams.html", context)


@login_required
def exam_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    exam = get_object_or_404(
        selectors.exams_visible_to(request.user).select_related("task", "center", "consent"),
        public_id=public_id,
    )
    roles = roles_of(request.user)
    context = {
        "exam": exam,
        "image_count": exam.files.count(),
        "events": exam.events.select_related("actor"),
        "review_form": ReviewForm()
        if selectors.review_queue(request.user).filter(pk=exam.pk).exists()
        else None,
        "can_withdraw": exam.state != ExamState.WITHDRAWN
        and roles.may_withdraw(center_id=exam.center_id, challenge_id=exam.task.challenge_id),
    }
    return render(request, "uploads/exam.html", context)


@login_required
def exam_preview(request: HttpRequest, public_id: str, index: int) -> HttpResponse:
    """One image of the exam as PNG, for the reviewer and the exam's center only."""
    exam = get_object_or_404(selectors.exams_visible_to(request.user), public_id=public_id)
    files = list(selectors.ordered_files(exam).values_list("storage_name", "series_key"))
    if not 0 <= index < len(files):
        raise Http404
    name, series_key = files[index]
    try:
        with default_storage.open(name, "rb") as stored:
            if name.endswith(".jpg"):
                regions = exam.series_info.get(series_key[:16], {}).get("text_regions", [])
                png = rendering.jpeg_png(stored, outline=[tuple(box) for box in regions])
            else:
                png = rendering.dicom_slice_png(stored)
    except rendering.RenderError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user).is_reviewer:
        raise PermissionDenied
    queue = selectors.review_queue(request.user)
    return render(
        request, "uploads/review_queue.html", {"exams": queue[:200], "total": queue.count()}
    )


@login_required
@require_POST
def review_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    exam = get_object_or_404(selectors.review_queue(request.user), public_id=public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("uploads:exam", public_id=public_id)
    services.review_exam(
        exam=exam,
        reviewer=request.user,
        accept=form.cleaned_data["decision"] == "accept",
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("Decision recorded for %(exam)s.") % {"exam": exam.public_id})
    return redirect("uploads:review_queue")


@login_required
@require_POST
def exam_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    exam = get_object_or_404(selectors.exams_visible_to(request.user), public_id=public_id)
    if exam.state == ExamState.WITHDRAWN:
        return redirect("uploads:exam", public_id=public_id)
    releases = services.withdraw_exam(exam=exam, user=request.user)
    if releases:
        messages.warning(
            request,
            _("Withdrawn. It was already released in: %(releases)s.")
            % {"releases": ", ".join(releases)},
        )
    else:
        messages.success(request, _("Withdrawn: its files are erased and it was never released."))
    return redirect("uploads:exam", public_id=public_id)
