"""The uploader survives a dropped connection: a chunk that fails is sent again by itself, and
the file completes without the user doing anything."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from tests.e2e.browser import log_in, start_upload


def test_a_dropped_chunk_is_retried_and_the_file_completes(
    page: Page, live_server, transactional_db, demo, tmp_path
):
    from uploads.models import Exam, UploadedFile

    folder = tmp_path / "ct"
    calcium_ct_series(seed=7500, target_class="A", identity=PlantedIdentity.from_seed(7500),
                      n_slices=8, size=64).write(folder, filename_style="instance")  # fmt: skip
    log_in(page, live_server.url)
    start_upload(page, live_server.url, "Coronary calcium: Agatston class A–E")

    dropped = []

    def drop_first_patch(route: Route) -> None:
        if route.request.method == "PATCH" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")  # the network fails mid-upload
        else:
            route.continue_()

    page.route(re.compile(r".*/tus/.*"), drop_first_patch)
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#files tr.file-done")).to_have_count(8, timeout=60_000)
    expect(page.locator("#exams .badge")).to_have_text("In review", timeout=30_000)
    assert len(dropped) == 1
    assert UploadedFile.objects.filter(state="done").count() == 8
    assert Exam.objects.get().slice_count == 8


def test_the_upload_page_works_from_the_keyboard(page: Page, live_server, transactional_db, demo):
    log_in(page, live_server.url)
    start_upload(page, live_server.url, "Breast nodule: benign or malignant")
    reached = set()
    for _ in range(40):  # Tab through the page as a keyboard user would
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.id || '') + '|' + (e.textContent || '').trim().toLowerCase(); }"
        )
        reached.add(focused)
    assert any("browse files" in f for f in reached), reached  # Uppy's file picker
    assert any(f.startswith("folder|") for f in reached), reached  # the folder picker
