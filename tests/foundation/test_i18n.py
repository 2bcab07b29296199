"""English and French are shipped compiled; the language switch changes the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_french_messages_are_compiled_and_complete():
    po = (ROOT / "locale/fr/LC_MESSAGES/django.po").read_text()
    assert (ROOT / "locale/fr/LC_MESSAGES/django.mo").exists()
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and e.rstrip().endswith('msgstr ""')]
    assert not untranslated, untranslated[:3]
    assert "#, fuzzy" not in po


def test_the_language_switch_shows_the_platform_in_french(client, demo):
    client.login(username="uploader", password="radchallenge-demo")
    english = client.get("/").content.decode()
    assert "Upload exams" in english
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    french = client.get("/").content.decode()
    assert 'lang="fr"' in french and "Upload exams" not in french
    upload_page = client.get("/uploads/new/").content.decode()
    assert "atteste" in upload_page  # the consent attestation, in French
