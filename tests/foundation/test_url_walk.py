"""Walk every URL with every role and an anonymous user: no 500, and scoping holds."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from challenges.demo import ACCOUNTS
from uploads.models import Exam, Upload

pytestmark = pytest.mark.django_db

SKIP = {"set_language", "logout"}  # POST-only redirects, exercised elsewhere


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue  # Django admin: walked separately with the staff user
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _fill(route: str, values: dict[str, str]) -> str:
    import re

    def sub(match: re.Match) -> str:
        return values.get(match.group(2), "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route).lstrip("^").rstrip("$")


@pytest.fixture
def walk_values(demo, django_capture_on_commit_callbacks, settings):
    from challenges import demo as demo_module

    settings.DEID_OCR = False  # OCR is tested with the privacy suite; here it only costs time
    with django_capture_on_commit_callbacks(execute=True):
        demo_module.seed_exams(demo, demo_module.SMALL_DEMO_EXAMS)
    exam = Exam.objects.filter(center__slug="chu-lyon").first()
    upload = Upload.objects.filter(center__slug="chu-lyon").first()
    return {
        "slug": "sfr-2020",
        "public_id": exam.public_id,
        "upload_id": str(upload.id),
        "file_id": str(upload.files.first().id),
        "token": "not-a-token",
        "uidb64": "MQ",
        "token_": "x",
    }


def test_no_url_fails_for_any_role(client, walk_values):
    # One seeded database, every role in turn: seeding costs more than the walk.
    for username in [None] + [a.username for a in ACCOUNTS]:
        client.logout()
        if username:
            assert client.login(username=username, password="radchallenge-demo")
        _walk(client, walk_values, username)


def _walk(client, walk_values, username):
    seen = 0
    for route, _pattern in _patterns():
        if _pattern.name in SKIP:
            continue
        url = _fill(route, walk_values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (username, method, url, response.status_code)
            if username is None and route.startswith(("centers", "challenges", "uploads")):
                assert response.status_code in (302, 401, 403, 404, 405), (method, url)
            seen += 1
    assert seen > 40


def test_roles_scope_what_each_person_sees(client, walk_values):
    _admin_pages_open_for_the_organizer(client)
    _a_center_sees_only_its_own_exams(client)
    _a_team_member_sees_no_unreleased_exam(client)
    _the_reviewer_sees_every_center_but_cannot_upload(client)


def _admin_pages_open_for_the_organizer(client):
    client.login(username="organizer", password="radchallenge-demo")
    for model in (
        "centers/center",
        "challenges/challenge",
        "challenges/task",
        "uploads/exam",
        "uploads/upload",
        "uploads/examevent",
        "challenges/team",
    ):
        assert client.get(f"/admin/{model}/").status_code == 200, model
    exam = Exam.objects.first()
    assert client.get(f"/admin/uploads/exam/{exam.pk}/change/").status_code == 200
    client.logout()


def _a_center_sees_only_its_own_exams(client):
    client.login(username="uploader2", password="radchallenge-demo")  # Clinique Saint-Jean
    other = Exam.objects.filter(center__slug="chu-lyon").first()
    own = Exam.objects.filter(center__slug="clinique-st-jean").first()
    assert client.get(f"/uploads/exams/{other.public_id}/").status_code == 404
    assert client.get(f"/uploads/exams/{own.public_id}/").status_code == 200
    listed = client.get("/api/exams/").json()
    ids = {row["public_id"] for row in listed}
    assert own.public_id in ids and other.public_id not in ids

    client.logout()


def _a_team_member_sees_no_unreleased_exam(client):
    client.login(username="team", password="radchallenge-demo")
    assert client.get("/api/exams/").json() == []
    exam = Exam.objects.first()
    assert client.get(f"/uploads/exams/{exam.public_id}/").status_code == 404
    assert client.get("/uploads/review/").status_code == 403
    client.logout()


def _the_reviewer_sees_every_center_but_cannot_upload(client):
    client.login(username="reviewer", password="radchallenge-demo")
    assert len(client.get("/api/exams/").json()) == Exam.objects.count()
    assert client.get("/uploads/new/").status_code == 403
