"""Password reset by email, and the OpenAPI schema of the upload API."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_link_that_sets_a_new_password(client, demo):
    client.post("/accounts/password_reset/", {"email": "uploader@demo.radchallenge.local"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    short = client.post(form_page.redirect_chain[-1][0], {"new_password1": "abc",
                                                         "new_password2": "abc"})
    assert "new_password2" in short.context["form"].errors
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a-Fresh-passphrase-2026", "new_password2": "a-Fresh-passphrase-2026"})
    assert done.status_code == 302
    assert client.login(username="uploader", password="a-Fresh-passphrase-2026")


def test_unknown_email_gets_the_same_answer_and_no_mail(client, demo):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and not mail.outbox


def test_openapi_schema_lists_the_upload_endpoints(client, demo):
    client.login(username="uploader", password="radchallenge-demo")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = set(schema["paths"])
    assert {"/api/uploads/", "/api/uploads/{upload_id}/files/", "/api/exams/"} <= paths
    assert "TokenAuth" in str(schema["components"]["securitySchemes"]) or \
        "tokenAuth" in str(schema["components"]["securitySchemes"])
