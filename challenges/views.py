from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from challenges import selectors
from uploads.models import ExamState
from uploads.selectors import exams_visible_to


@login_required
def challenge_list(request: HttpRequest) -> HttpResponse:
    challenges = selectors.challenges_visible_to(request.user).prefetch_related("tasks")
    return render(request, "challenges/list.html", {"challenges": challenges})


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
    context = {
        "challenge": challenge,
        "tasks": tasks,
        "teams": teams.prefetch_related("members__user"),
    }
    return render(request, "challenges/detail.html", context)
