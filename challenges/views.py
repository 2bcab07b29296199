from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from centers.roles import roles_of
from challenges import selectors, services
from challenges.forms import ChallengeForm, TaskForm
from config.forms import add_service_errors, render_form_page
from uploads.models import ExamState
from uploads.selectors import exams_visible_to


@login_required
def challenge_list(request: HttpRequest) -> HttpResponse:
    challenges = selectors.challenges_visible_to(request.user).prefetch_related("tasks")
    context = {"challenges": challenges, "can_create": services.can_create_challenges(request.user)}
    return render(request, "challenges/list.html", context)


@login_required
def challenge_detail(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = get_object_or_404(selectors.challenges_visible_to(request.user), slug=slug)
    # Counts only cover the exams this user may see (their center's, or all for organizers).
    visible = exams_visible_to(request.user).filter(task__challenge=challenge)
    counts = {
        row["task"]: row
        for row in visible.values("task").annotate(
            total=Count("id"),
            in_review=Count("id", filter=Q(state=ExamState.IN_REVIEW)),
            accepted=Count("id", filter=Q(state=ExamState.ACCEPTED)),
            excluded=Count("id", filter=Q(state=ExamState.EXCLUDED)),
        )
    }
    tasks = [(task, counts.get(task.id)) for task in challenge.tasks.all()]
    teams = selectors.teams_visible_to(request.user).filter(challenge=challenge)
    roles = roles_of(request.user)
    context = {
        "challenge": challenge,
        "tasks": tasks,
        "teams": teams.prefetch_related("members__user"),
        "is_organizer": roles.organizes(challenge.id),
    }
    return render(request, "challenges/detail.html", context)


@login_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    if not services.can_create_challenges(request.user):
        raise PermissionDenied
    form = ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.create_challenge(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("challenges:detail", slug=challenge.slug)
    return render_form_page(request, form, _("Create a challenge"), _("Create the challenge"))


@login_required
def task_new(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = get_object_or_404(selectors.challenges_organized_by(request.user), slug=slug)
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_task(user=request.user, challenge=challenge, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("challenges:detail", slug=challenge.slug)
    heading = _("Add a task to %(challenge)s") % {"challenge": challenge}
    return render_form_page(request, form, heading, _("Add the task"))
