"""The exam lifecycle: the only place that changes Exam.state, and it records every change.

received → deidentified → in_review → accepted | excluded ; withdrawn from any state (consent
refused) ; failed from received/deidentified when the files are unreadable. A reviewer may
reopen a decision (accepted/excluded → in_review).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from uploads.models import Exam, ExamEvent, ExamState

S = ExamState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.DEIDENTIFIED, S.FAILED, S.WITHDRAWN}),
    S.DEIDENTIFIED: frozenset({S.IN_REVIEW, S.FAILED, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.ACCEPTED, S.EXCLUDED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.EXCLUDED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.FAILED: frozenset({S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
}


class IllegalTransition(ValidationError):
    pass


def can_move(exam: Exam, to_state: str) -> bool:
    return to_state in TRANSITIONS[exam.state]


@transaction.atomic
def move(
    exam: Exam,
    to_state: str,
    *,
    actor: User | None,
    reason: str = "",
    note: str = "",
    details: dict | None = None,
) -> ExamEvent:
    """Move an exam to `to_state` and write the audit event in the same transaction."""
    if not can_move(exam, to_state):
        raise IllegalTransition(
            _("An exam cannot go from %(from)s to %(to)s.")
            % {"from": ExamState(exam.state).label, "to": ExamState(to_state).label}
        )
    from_state = exam.state
    exam.state = to_state
    exam.save(update_fields=["state", "updated_at"])
    return ExamEvent.objects.create(
        exam=exam,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        note=note,
        details=details or {},
    )


def record(
    exam: Exam, *, actor: User | None, reason: str, note: str = "", details: dict | None = None
) -> ExamEvent:
    """An audit event that does not change the state (files added, consent attested…)."""
    return ExamEvent.objects.create(
        exam=exam,
        actor=actor,
        from_state=exam.state,
        to_state=exam.state,
        reason=reason,
        note=note,
        details=details or {},
    )
