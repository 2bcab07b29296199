"""seed_demo builds every role's world through the real pipeline, and is idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from centers.models import Center, Membership
from challenges.models import Challenge, Task
from uploads.models import Exam, ExamFile, Upload

# Committed transactions, as in real use: each upload's job runs when its file is complete.
pytestmark = pytest.mark.django_db(transaction=True)


def _state() -> dict:
    return {
        "centers": Center.objects.count(),
        "memberships": Membership.objects.count(),
        "challenges": Challenge.objects.count(),
        "tasks": Task.objects.count(),
        "exams": sorted(Exam.objects.values_list("public_id", "state")),
        "files": ExamFile.objects.count(),
        "uploads": Upload.objects.count(),
    }


def test_seed_demo_twice_gives_the_same_state(settings, monkeypatch):
    from challenges import demo

    settings.DEID_OCR = False
    monkeypatch.setattr(demo, "DEMO_EXAMS", demo.SMALL_DEMO_EXAMS)
    call_command("seed_demo")
    first = _state()
    call_command("seed_demo")
    assert _state() == first
    assert {t.slug for t in Task.objects.all()} == {"breast-us", "neck-dect", "coronary-calcium"}
    states = {state for _, state in first["exams"]}
    assert {"in_review", "accepted", "excluded"} <= states
    # The coronary calcium exams really went through de-identification and conformity.
    cac = Exam.objects.filter(task__slug="coronary-calcium")
    assert all(e.modality == "CT" and e.slice_count == 10 for e in cac)
