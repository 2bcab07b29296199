"""Writes for challenges: organizers create a challenge and its tasks."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from centers.roles import roles_of
from challenges.models import Challenge, ChallengeRole, ChallengeStaff, Task
from uploads.conformity import validate_rules


def can_create_challenges(user: User) -> bool:
    """Platform administrators, and people granted the permission to add challenges."""
    return user.is_authenticated and (
        user.is_superuser or user.has_perm("challenges.add_challenge")
    )


@transaction.atomic
def create_challenge(
    *,
    user: User,
    slug: str,
    name: str,
    edition: int,
    opens_on: dt.date,
    closes_on: dt.date,
    description: str = "",
) -> Challenge:
    if not can_create_challenges(user):
        raise PermissionDenied(_("You cannot create challenges."))
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The challenge must close after it opens.")})
    challenge = Challenge.objects.create(
        slug=slug,
        name=name,
        edition=edition,
        opens_on=opens_on,
        closes_on=closes_on,
        description=description,
    )
    ChallengeStaff.objects.create(user=user, challenge=challenge, role=ChallengeRole.ORGANIZER)
    return challenge


def add_task(*, user: User, challenge: Challenge, **fields) -> Task:
    roles = roles_of(user)
    if not roles.organizes(challenge.id):
        raise PermissionDenied(_("Only this challenge's organizers add tasks."))
    problems = validate_rules(fields.get("conformity_rules") or {})
    if problems:
        raise ValidationError({"conformity_rules": problems})
    return Task.objects.create(challenge=challenge, **fields)
