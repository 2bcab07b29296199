"""Organizers create a challenge and its tasks; rules are validated field by field."""

from __future__ import annotations

import json

import pytest

from challenges.models import Challenge, Task

pytestmark = pytest.mark.django_db

CHALLENGE = {"name": "SFR Data Challenge", "slug": "sfr-2021", "edition": 2021,
             "opens_on": "2021-06-01", "closes_on": "2021-10-01", "description": "Next edition."}
TASK = {"name": "Thyroid nodules", "slug": "thyroid-us", "description": "", "modality": "US",
        "input_kind": "jpeg", "label_schema": "binary", "metric": "auroc", "exam_prefix": "thy",
        "conformity_rules": json.dumps({"min_image_size": [300, 300]})}


def test_an_organizer_creates_a_challenge_and_adds_a_task(client, demo):
    client.login(username="organizer", password="radchallenge-demo")
    bad = client.post("/challenges/new/", {**CHALLENGE, "closes_on": "2021-01-01", "edition": "x"})
    assert {"closes_on", "edition"} <= set(bad.context["form"].errors)
    assert client.post("/challenges/new/", CHALLENGE).status_code == 302
    challenge = Challenge.objects.get(slug="sfr-2021")
    assert challenge.staff.filter(user__username="organizer", role="organizer").exists()
    wrong_rules = {**TASK, "conformity_rules": json.dumps({"slice_thickness_mm": [3, 1],
                                                           "colour": "blue"})}
    errors = client.post("/challenges/sfr-2021/tasks/new/", wrong_rules).context["form"].errors
    assert any("slice_thickness_mm" in e for e in errors["conformity_rules"])
    assert any("colour" in e for e in errors["conformity_rules"])
    assert client.post("/challenges/sfr-2021/tasks/new/", TASK).status_code == 302
    task = Task.objects.get(slug="thyroid-us")
    assert task.exam_prefix == "THY" and task.conformity_rules == {"min_image_size": [300, 300]}


def test_only_organizers_create_challenges_and_tasks(client, demo):
    client.login(username="reviewer", password="radchallenge-demo")
    assert client.get("/challenges/new/").status_code == 403
    assert client.post("/challenges/sfr-2020/tasks/new/", TASK).status_code == 404
    assert not Task.objects.filter(slug="thyroid-us").exists()
