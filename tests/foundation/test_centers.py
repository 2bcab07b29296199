"""Registration, center requests and approval, invitations: the people side of the platform."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from centers.models import Center, Membership

pytestmark = pytest.mark.django_db


def test_registration_rejects_bad_input_field_by_field(client, demo):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "",
            "first_name": "Alice",
            "last_name": "",
            "email": "not-an-email",
            "password1": "short",
            "password2": "different",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"username", "last_name", "email", "password2"} <= set(errors)
    taken = client.post(
        "/accounts/signup/",
        {
            "username": "someone",
            "first_name": "A",
            "last_name": "B",
            "email": "organizer@demo.radchallenge.local",
            "password1": "a-Long-enough-passphrase-42",
            "password2": "a-Long-enough-passphrase-42",
        },
    )
    assert "email" in taken.context["form"].errors
    assert not User.objects.filter(username="someone").exists()


def test_a_radiologist_registers_a_center_and_an_organizer_approves_it(client, demo):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "dr-martin",
            "first_name": "Claire",
            "last_name": "Martin",
            "email": "claire.martin@example.org",
            "password1": "a-Long-enough-passphrase-42",
            "password2": "a-Long-enough-passphrase-42",
        },
    )
    assert response.status_code == 302  # signed in straight away
    bad = client.post("/centers/register/", {"name": "", "city": "Nantes", "kind": "spaceship"})
    assert {"name", "kind"} <= set(bad.context["form"].errors)
    client.post(
        "/centers/register/", {"name": "CHU de Nantes", "city": "Nantes", "kind": "public_hospital"}
    )
    center = Center.objects.get(name="CHU de Nantes")
    assert center.status == Center.Status.PENDING
    # Not yet approved: the requester cannot upload.
    assert client.get("/uploads/new/").status_code == 403
    # Another radiologist cannot approve; an organizer can.
    assert (
        client.post(f"/centers/{center.slug}/decide/", {"decision": "approve"}).status_code == 403
    )
    client.logout()
    client.login(username="organizer", password="radchallenge-demo")
    assert "CHU de Nantes" in client.get("/centers/").content.decode()
    client.post(f"/centers/{center.slug}/decide/", {"decision": "approve"})
    center.refresh_from_db()
    assert center.status == Center.Status.APPROVED and center.decided_by.username == "organizer"
    client.logout()
    client.login(username="dr-martin", password="a-Long-enough-passphrase-42")
    assert client.get("/uploads/new/").status_code == 200


def test_a_manager_invites_a_colleague_who_joins_with_the_role(client, demo):
    client.login(username="uploader", password="radchallenge-demo")
    lyon = demo["centers"]["chu-lyon"]
    bad = client.post(
        "/centers/invitations/new/", {"center": lyon.pk, "email": "x", "role": "boss"}
    )
    assert {"email", "role"} <= set(bad.context["form"].errors)
    response = client.post(
        "/centers/invitations/new/",
        {"center": lyon.pk, "email": "paul@example.org", "role": "annotator"},
        follow=True,
    )
    link = re.search(r"/centers/invitations/([\w-]+)/", response.content.decode()).group(0)
    client.logout()
    User.objects.create_user("paul", "paul@example.org", "a-Long-enough-passphrase-42")
    client.login(username="paul", password="a-Long-enough-passphrase-42")
    client.post(link)
    assert Membership.objects.filter(user__username="paul", center=lyon, role="annotator").exists()
    # Single use: the same link no longer works.
    assert "unknown, used or expired" in client.get(link).content.decode()


def test_someone_else_cannot_invite_to_a_center_they_do_not_manage(client, demo):
    client.login(username="uploader2", password="radchallenge-demo")
    lyon = demo["centers"]["chu-lyon"]
    response = client.post(
        "/centers/invitations/new/",
        {"center": lyon.pk, "email": "eve@example.org", "role": "uploader"},
    )
    assert "center" in response.context["form"].errors  # Lyon is not among the choices
