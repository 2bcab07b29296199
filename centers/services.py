"""Writes for centers and people: registration, approval, invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from centers.models import Center, CenterRole, Invitation, Membership
from centers.roles import roles_of
from centers.selectors import centers_managed_by

INVITATION_LIFETIME = timedelta(days=14)


def register_user(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    return User.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "center"
    slug, n = base, 2
    while Center.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def request_center(*, user: User, name: str, city: str, kind: str) -> Center:
    """A radiologist asks to register a center; they manage it once an organizer approves."""
    center = Center.objects.create(
        slug=_unique_slug(f"{name} {city}"), name=name, city=city, kind=kind, requested_by=user
    )
    Membership.objects.create(user=user, center=center, role=CenterRole.MANAGER)
    Membership.objects.create(user=user, center=center, role=CenterRole.UPLOADER)
    return center


@transaction.atomic
def decide_center(*, center: Center, organizer: User, approve: bool) -> Center:
    if not roles_of(organizer).is_organizer:
        raise PermissionDenied(_("Only organizers approve centers."))
    if center.status != Center.Status.PENDING:
        raise ValidationError(_("This center has already been decided."))
    center.status = Center.Status.APPROVED if approve else Center.Status.REJECTED
    center.decided_by = organizer
    center.decided_at = timezone.now()
    center.save(update_fields=["status", "decided_by", "decided_at"])
    return center


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(*, center: Center, email: str, role: str, invited_by: User) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the one-time token (only its hash is stored)."""
    if not centers_managed_by(invited_by).filter(pk=center.pk).exists():
        raise PermissionDenied(_("You do not manage this center."))
    if role not in CenterRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        center=center,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    return invitation, token


def find_invitation(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("center")
        .filter(
            token_hash=_token_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = find_invitation(token=token)
    if invitation is None:
        raise ValidationError(_("This invitation is unknown, used or expired."))
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    membership, _created = Membership.objects.get_or_create(
        user=user, center=invitation.center, role=invitation.role
    )
    return membership
