"""Role-scoped reads of centers and people."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from centers.models import Center, Invitation
from centers.roles import roles_of


def centers_visible_to(user: User | AnonymousUser) -> QuerySet[Center]:
    roles = roles_of(user)
    if not roles.authenticated:
        return Center.objects.none()
    if roles.is_organizer:
        return Center.objects.all()
    return Center.objects.filter(Q(memberships__user=user) | Q(requested_by=user)).distinct()


def centers_awaiting_decision(user: User | AnonymousUser) -> QuerySet[Center]:
    if not roles_of(user).is_organizer:
        return Center.objects.none()
    return Center.objects.filter(status=Center.Status.PENDING).select_related("requested_by")


def centers_managed_by(user: User | AnonymousUser) -> QuerySet[Center]:
    roles = roles_of(user)
    if roles.is_organizer:
        return Center.objects.filter(status=Center.Status.APPROVED)
    return Center.objects.filter(id__in=roles.centers_with("manager"))


def invitations_sent_for(user: User | AnonymousUser) -> QuerySet[Invitation]:
    return Invitation.objects.filter(center__in=centers_managed_by(user)).select_related("center")


def approved_centers() -> QuerySet[Center]:
    return Center.objects.filter(status=Center.Status.APPROVED)
