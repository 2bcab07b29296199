"""The uploader survives a dropped connection: a chunk that fails is sent again by itself, and
the file completes without the user doing anything."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity


def test_a_dropped_chunk_is_retried_and_the_file_completes(
    page: Page, live_server, transactional_db, demo, tmp_path
):
    from uploads.models import Exam, UploadedFile

    folder = tmp_path / "ct"
    calcium_ct_series(seed=7500, target_class="A", identity=PlantedIdentity.from_seed(7500),
                      n_slices=8, size=64).write(folder, filename_style="instance")  # fmt: skip
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "uploader")
    page.fill("input[name=password]", "radchallenge-demo")
    page.click("main form button[type=submit]")
    page.goto(live_server.url + "/uploads/new/")
    page.select_option("select[name=task]", label="Coronary calcium: Agatston class A–E")
    page.fill("input[name=information_letter_version]", "2024-v3")
    page.fill("input[name=information_letter_date]", "2024-01-15")
    page.check("input[name=consent_attested]")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/uploads/[0-9a-f-]{36}/$"))

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
