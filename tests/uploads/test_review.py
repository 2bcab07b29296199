"""Reviewers approve or exclude with a reason; the decision is audited; others cannot."""

from __future__ import annotations

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from uploads.models import Exam, ExamState


def _exam(pipeline, tmp_path, seed: int) -> Exam:
    series = calcium_ct_series(seed=seed, target_class="C", identity=PlantedIdentity.from_seed(
        seed), n_slices=8, size=64)  # fmt: skip
    series.write(tmp_path / str(seed))
    upload = pipeline.start("coronary-calcium")
    pipeline.send(upload, tmp_path / str(seed))
    pipeline.settle(upload)
    return upload.exams.get()


def test_exclusion_needs_a_reason_and_is_audited(pipeline, client, tmp_path):
    exam = _exam(pipeline, tmp_path, 9101)
    client.login(username="reviewer", password="radchallenge-demo")
    link = f'href="/uploads/exams/{exam.public_id}/"'
    assert link in client.get("/uploads/review/").content.decode()
    no_reason = client.post(f"/uploads/exams/{exam.public_id}/review/",
                            {"decision": "exclude"}, follow=True)
    assert "Choose the reason" in no_reason.content.decode()
    exam.refresh_from_db()
    assert exam.state == ExamState.IN_REVIEW
    client.post(f"/uploads/exams/{exam.public_id}/review/",
                {"decision": "exclude", "reason": "metal_artifacts", "note": "hip prosthesis"})
    exam.refresh_from_db()
    assert (exam.state, exam.exclusion_reason, exam.review_note) == (
        ExamState.EXCLUDED, "metal_artifacts", "hip prosthesis")
    event = exam.events.latest("at")
    assert (event.actor.username, event.from_state, event.to_state, event.reason) == (
        "reviewer", "in_review", "excluded", "metal_artifacts")
    assert link not in client.get("/uploads/review/").content.decode()


def test_acceptance_and_who_may_decide(pipeline, client, tmp_path):
    exam = _exam(pipeline, tmp_path, 9102)
    for username in ("uploader", "team"):  # the exam's own center cannot review it
        client.login(username=username, password="radchallenge-demo")
        response = client.post(f"/uploads/exams/{exam.public_id}/review/", {"decision": "accept"})
        assert response.status_code == 404, username
        client.logout()
    exam.refresh_from_db()
    assert exam.state == ExamState.IN_REVIEW
    client.login(username="reviewer", password="radchallenge-demo")
    client.post(f"/uploads/exams/{exam.public_id}/review/", {"decision": "accept"})
    exam.refresh_from_db()
    assert exam.state == ExamState.ACCEPTED and exam.exclusion_reason == ""
