"""Role-scoped reads of challenges, tasks and teams."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from centers.roles import roles_of
from challenges.models import Challenge, Task, Team


def challenges_visible_to(user: User | AnonymousUser) -> QuerySet[Challenge]:
    # A challenge's description and tasks are public to every signed-in participant.
    if not user.is_authenticated:
        return Challenge.objects.none()
    return Challenge.objects.all()


def challenges_organized_by(user: User | AnonymousUser) -> QuerySet[Challenge]:
    roles = roles_of(user)
    if roles.superuser:
        return Challenge.objects.all()
    return Challenge.objects.filter(id__in=roles.organizer_of)


def challenges_reviewed_by(user: User | AnonymousUser) -> QuerySet[Challenge]:
    roles = roles_of(user)
    if roles.superuser:
        return Challenge.objects.all()
    return Challenge.objects.filter(id__in=roles.staff_of)


def tasks_open_for_upload(user: User | AnonymousUser) -> QuerySet[Task]:
    if not roles_of(user).is_uploader:
        return Task.objects.none()
    return Task.objects.select_related("challenge").order_by("challenge__edition", "name")


def teams_visible_to(user: User | AnonymousUser) -> QuerySet[Team]:
    roles = roles_of(user)
    if roles.superuser:
        return Team.objects.all()
    return Team.objects.filter(challenge_id__in=roles.organizer_of) | Team.objects.filter(
        id__in=roles.team_ids
    )
