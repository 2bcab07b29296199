"""Withdrawal asks for confirmation in the browser: cancelling keeps the exam, confirming
erases it (the question holds an apostrophe in English: it must not break the script)."""

from __future__ import annotations

from ingest_helpers import Pipeline
from playwright.sync_api import Page, expect

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from tests.e2e.browser import log_in


def test_withdrawal_needs_confirmation(page: Page, live_server, transactional_db, demo, tmp_path):
    from uploads.models import Exam, ExamState

    pipeline = Pipeline(demo=demo, worker=None, settings=None)
    calcium_ct_series(seed=7400, target_class="A", identity=PlantedIdentity.from_seed(7400),
                      n_slices=8, size=64).write(tmp_path / "ct")  # fmt: skip
    pipeline.send(pipeline.start("coronary-calcium"), tmp_path / "ct")
    exam = Exam.objects.get()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/uploads/exams/{exam.public_id}/")
    questions = []

    def answer(dialog, accept: bool):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.click("button.danger")
    expect(page.locator("h1 .badge")).to_have_text("In review")
    exam.refresh_from_db()
    assert exam.state == ExamState.IN_REVIEW and questions == ["Erase this exam's files for good?"]

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.click("button.danger")
    expect(page.locator("h1 .badge")).to_have_text("Withdrawn")
    exam.refresh_from_db()
    assert exam.state == ExamState.WITHDRAWN and not exam.files.exists()
