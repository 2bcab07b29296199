from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from centers.roles import roles_of
from centers.selectors import centers_awaiting_decision, centers_visible_to
from challenges.selectors import challenges_visible_to
from uploads.selectors import exams_visible_to, review_queue


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: one panel per role the user holds."""
    if not request.user.is_authenticated:
        return redirect("login")
    roles = roles_of(request.user)
    context = {
        "role_labels": roles.labels(),
        "challenges": challenges_visible_to(request.user)[:5],
        "my_centers": centers_visible_to(request.user)[:10],
        "pending_centers": centers_awaiting_decision(request.user).count(),
        "queue_size": review_queue(request.user).count(),
        "recent_exams": exams_visible_to(request.user).select_related("task", "center")[:10],
    }
    return render(request, "home.html", context)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for the container health probe."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
