"""Fault test: the worker is SIGKILLed in the middle of de-identifying a zip of many CT slices.
After a restart, the quarantine sweep re-queues the job, and the exam completes: every slice
once, in review, with no raw bytes left in quarantine."""

from __future__ import annotations

import pytest
from ingest_helpers import wait_for, zip_folder

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from uploads.models import Exam, ExamFile, ExamState, UploadedFile

pytestmark = pytest.mark.worker
SLICES = 160


def test_killed_worker_job_is_recovered_by_the_sweep(pipeline, tmp_path):
    if not pipeline.on_worker:
        pytest.skip("needs a broker and a real worker: set CELERY_BROKER_URL (see .ci/run)")
    from uploads.tasks import sweep_quarantine

    identity = PlantedIdentity.from_seed(7100)
    series = calcium_ct_series(
        seed=7100, target_class="C", identity=identity, n_slices=SLICES, size=128
    )
    series.write(tmp_path / "ct")
    archive = zip_folder(tmp_path / "ct", tmp_path / "ct.zip")
    upload = pipeline.start("coronary-calcium")
    [sent] = pipeline.send(upload, archive)

    def half_done():
        state = UploadedFile.objects.get(pk=sent.pk).state
        stored = ExamFile.objects.filter(exam__task__slug="coronary-calcium").count()
        return state == UploadedFile.State.PROCESSING and 0 < stored < SLICES

    wait_for(half_done, timeout=120, interval=0.01)
    pipeline.worker.kill()
    stored_before = ExamFile.objects.count()
    assert 0 < stored_before < SLICES, "the worker finished before it could be killed"
    assert UploadedFile.objects.get(pk=sent.pk).state == UploadedFile.State.PROCESSING
    assert pipeline.quarantine_files(), "the raw zip must wait in quarantine for the retry"

    pipeline.worker.start()  # session-scoped: later tests still need a worker
    counts = sweep_quarantine.delay(stale_after_minutes=0).get(timeout=60)
    assert counts["requeued"] == 1

    [finished] = pipeline.settle(upload, timeout=180)
    assert finished.state == UploadedFile.State.DONE
    assert finished.attempts == 2
    assert finished.problems == [], "slices stored before the kill are not the user's problem"
    assert finished.instances_accepted == SLICES
    assert finished.exams_created == 1
    exam = Exam.objects.get()
    assert exam.state == ExamState.IN_REVIEW
    assert exam.slice_count == SLICES
    keys = list(exam.files.values_list("instance_key", flat=True))
    assert len(keys) == len(set(keys)) == SLICES
    assert len(pipeline.exam_files()) == SLICES, (
        "a half-written file of the killed run was left in the store"
    )
    assert pipeline.quarantine_files() == []
    moves = [(e.from_state, e.to_state) for e in exam.events.all() if e.from_state != e.to_state]
    assert moves == [("received", "deidentified"), ("deidentified", "in_review")]


class WorkerDied(RuntimeError):
    """Stands for a SIGKILL at one precise point of the job (eager, in-process)."""


def test_job_killed_after_storing_every_slice_still_brings_the_exam_to_review(
    transactional_db, demo, tmp_path, monkeypatch
):
    """The narrowest window: every instance is committed but the job dies before
    finalize_exam. The retry stores nothing new and must still move the exam to review."""
    from ingest_helpers import Pipeline

    from uploads import ingest, tasks

    pipeline = Pipeline(demo=demo, worker=None, settings=None)
    series = calcium_ct_series(seed=7101, target_class="A", identity=PlantedIdentity.from_seed(
        7101), n_slices=8, size=64)  # fmt: skip
    series.write(tmp_path / "ct")
    archive = zip_folder(tmp_path / "ct", tmp_path / "ct.zip")
    upload = pipeline.start("coronary-calcium")
    real_finalize = ingest.finalize_exam

    def die(*args, **kwargs):
        raise WorkerDied

    monkeypatch.setattr(ingest, "finalize_exam", die)
    with pytest.raises(WorkerDied):
        pipeline.send(upload, archive)
    [sent] = upload.files.all()
    assert sent.state == UploadedFile.State.PROCESSING
    assert Exam.objects.get().state == ExamState.RECEIVED
    assert ExamFile.objects.count() == 8

    monkeypatch.setattr(ingest, "finalize_exam", real_finalize)
    assert tasks.sweep_quarantine.delay(stale_after_minutes=0).get()["requeued"] == 1
    sent.refresh_from_db()
    assert (sent.state, sent.problems, sent.instances_accepted, sent.exams_created) == (
        UploadedFile.State.DONE, [], 8, 1)  # fmt: skip
    exam = Exam.objects.get()
    assert (exam.state, exam.slice_count) == (ExamState.IN_REVIEW, 8)
    assert ExamFile.objects.count() == 8
