"""The uploader's browser journey: log in, attest consent, drop a CT folder (with a stray text
file) and an ultrasound JPEG, watch the progress, read the rejected file's reason and see the
exams reach review in the live panel.

Jobs run eagerly inside the live server (the autouse `_celery_mode` fixture makes tasks eager
for every test that does not request `celery_worker`, in CI too): the worker path is covered by
tests/uploads, and here the browser sees the same pages and panel either way without racing a
second process for the test database."""

from __future__ import annotations

import re

import pytest
from ingest_helpers import leaked
from playwright.sync_api import Page, expect

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from synthetic.ultrasound import breast_ultrasound_jpeg
from tests.e2e.browser import log_in, start_upload


@pytest.fixture
def identity() -> PlantedIdentity:
    return PlantedIdentity.from_seed(7300)


def test_uploader_sends_a_ct_folder_and_an_ultrasound_image(
    page: Page, live_server, transactional_db, demo, tmp_path, identity
):
    from challenges.models import Task
    from uploads.models import Exam

    calcium = Task.objects.get(slug="coronary-calcium")
    breast = Task.objects.get(slug="breast-us")
    folder = tmp_path / "ct"
    paths = calcium_ct_series(seed=7300, target_class="B", identity=identity, n_slices=20,
                              size=64).write(folder)  # fmt: skip
    (folder / "notes.txt").write_text("not an image\n")
    log_in(page, live_server.url)

    # Without consent the form refuses to go on.
    page.goto(live_server.url + "/uploads/new/")
    page.select_option("select[name=task]", label=calcium.name)
    page.fill("input[name=information_letter_version]", "2024-v3")
    page.fill("input[name=information_letter_date]", "2024-01-15")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/uploads/new/$"))
    expect(page.locator("input[name=consent_attested]:invalid")).to_have_count(1)

    start_upload(page, live_server.url, calcium.name)
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#overall")).to_have_js_property("value", 100, timeout=60_000)
    rejected = page.locator("#files tr.file-rejected")
    expect(rejected).to_have_count(1, timeout=30_000)
    expect(rejected.locator(".file-reason")).to_contain_text("not a DICOM file")
    expect(rejected.locator(".file-name")).to_contain_text("notes.txt")  # shown, never sent
    expect(page.locator("#files tr.file-done")).to_have_count(len(paths))
    expect(page.locator("#exams .badge")).to_have_text("In review", timeout=30_000)

    start_upload(page, live_server.url, breast.name)
    us_folder = tmp_path / "us"
    us_folder.mkdir()
    jpeg = us_folder / f"{identity.patient_family_name}_{identity.patient_id}.jpg"
    jpeg.write_bytes(breast_ultrasound_jpeg(seed=7300, malignant=True, identity=identity))
    page.set_input_files("#folder", str(us_folder))
    expect(page.locator("#overall")).to_have_js_property("value", 100, timeout=60_000)
    expect(page.locator("#files tr.file-done")).to_have_count(1, timeout=60_000)
    expect(page.locator("#exams .badge")).to_have_text("In review", timeout=30_000)

    assert sorted(Exam.objects.values_list("task__slug", "state", "slice_count")) == [
        ("breast-us", "in_review", 1),
        ("coronary-calcium", "in_review", 20),
    ]
    from django.conf import settings
    from ingest_helpers import Pipeline

    names = [p.name for p in paths] + [jpeg.name]
    database = Pipeline(demo=demo, worker=None, settings=settings).database_bytes()
    assert leaked(database, names + identity.tokens()) == []
