"""Who holds which role where: the one place every view and selector asks.

A user may hold several roles: organizer or reviewer of a challenge (ChallengeStaff), manager,
uploader or annotator at a center (Membership), member of a team (TeamMember). Superusers are
organizers of every challenge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User

from centers.models import Center, CenterRole, Membership
from challenges.models import ChallengeRole, ChallengeStaff, TeamMember


@dataclass(frozen=True)
class Roles:
    authenticated: bool = False
    superuser: bool = False
    organizer_of: frozenset[int] = field(default_factory=frozenset)
    reviewer_of: frozenset[int] = field(default_factory=frozenset)
    center_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    team_ids: frozenset[int] = field(default_factory=frozenset)
    team_challenge_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_organizer(self) -> bool:
        return self.superuser or bool(self.organizer_of)

    @property
    def is_reviewer(self) -> bool:
        return self.is_organizer or bool(self.reviewer_of)

    def organizes(self, challenge_id: int) -> bool:
        return self.superuser or challenge_id in self.organizer_of

    def reviews(self, challenge_id: int) -> bool:
        return self.organizes(challenge_id) or challenge_id in self.reviewer_of

    @property
    def staff_of(self) -> frozenset[int]:
        """Challenges this person organizes or reviews (superusers: see `superuser`)."""
        return self.organizer_of | self.reviewer_of

    @property
    def upload_centers(self) -> frozenset[int]:
        """Centers this person sends exams for."""
        return self.centers_with(CenterRole.MANAGER, CenterRole.UPLOADER)

    def may_withdraw(self, *, center_id: int, challenge_id: int) -> bool:
        """A patient's objection is recorded by their center or the challenge's organizers."""
        return center_id in self.upload_centers or self.organizes(challenge_id)

    def centers_with(self, *roles: str) -> frozenset[int]:
        return frozenset(c for c, held in self.center_roles.items() if held & set(roles))

    @property
    def is_uploader(self) -> bool:
        return bool(self.upload_centers)

    @property
    def is_annotator(self) -> bool:
        return bool(self.centers_with(CenterRole.ANNOTATOR))

    @property
    def is_center_manager(self) -> bool:
        return bool(self.centers_with(CenterRole.MANAGER))

    @property
    def is_team_member(self) -> bool:
        return bool(self.team_ids)

    def labels(self) -> list[str]:
        """Role names held, for the navigation and the dashboard."""
        held = [
            ("organizer", self.is_organizer),
            ("reviewer", self.is_reviewer and not self.is_organizer),
            ("center_manager", self.is_center_manager),
            ("uploader", self.is_uploader),
            ("annotator", self.is_annotator),
            ("team_member", self.is_team_member),
        ]
        return [name for name, holds in held if holds]


def roles_of(user: User | AnonymousUser) -> Roles:
    """Load every role of a user in three small queries (cached on the user object)."""
    if not user.is_authenticated:
        return Roles()
    cached = getattr(user, "_radchallenge_roles", None)
    if cached is not None:
        return cached
    staff = ChallengeStaff.objects.filter(user=user).values_list("challenge_id", "role")
    center_roles: dict[int, set[str]] = {}
    approved = Membership.objects.filter(user=user, center__status=Center.Status.APPROVED)
    for center_id, role in approved.values_list("center_id", "role"):
        center_roles.setdefault(center_id, set()).add(role)
    teams = list(TeamMember.objects.filter(user=user).values_list("team_id", "team__challenge_id"))
    roles = Roles(
        authenticated=True,
        superuser=user.is_superuser,
        organizer_of=frozenset(c for c, r in staff if r == ChallengeRole.ORGANIZER),
        reviewer_of=frozenset(c for c, r in staff if r == ChallengeRole.REVIEWER),
        center_roles={c: frozenset(r) for c, r in center_roles.items()},
        team_ids=frozenset(t for t, _ in teams),
        team_challenge_ids=frozenset(c for _, c in teams),
    )
    user._radchallenge_roles = roles
    return roles
