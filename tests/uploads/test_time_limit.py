"""A job whose time runs out stops at once and keeps the raw bytes for its retry."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from uploads import ingest, quarantine, services
from uploads.models import ExamFile, UploadedFile


@pytest.mark.django_db
def test_time_limit_is_not_swallowed_as_a_bad_file(
    demo, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from challenges.models import Task

    series = calcium_ct_series(seed=9201, target_class="A", identity=PlantedIdentity.from_seed(
        9201), n_slices=8, size=64)  # fmt: skip
    [path, *_] = series.write(tmp_path)
    upload = services.start_upload(
        user=demo["users"]["uploader"],
        task=Task.objects.get(slug="coronary-calcium"),
        center=demo["centers"]["chu-lyon"],
        information_letter_version="v1",
        information_letter_date=dt.date(2024, 1, 1),
        consent_attested=True,
    )
    # The job is queued on commit, which never comes inside the test's transaction.
    with django_capture_on_commit_callbacks(execute=False), open(path, "rb") as stream:
        sent = services.add_file(upload=upload, size=path.stat().st_size)
        services.receive_chunk(
            uploaded_file=sent, offset=0, stream=stream, length=path.stat().st_size
        )

    def out_of_time(*args, **kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(ingest, "deidentify_dicom", out_of_time)
    with pytest.raises(SoftTimeLimitExceeded):
        ingest.ingest_uploaded_file(str(sent.id))
    sent.refresh_from_db()
    assert sent.state == UploadedFile.State.PROCESSING and sent.problems == []
    assert quarantine.path_for(sent.id).exists()  # kept for the retry
    monkeypatch.undo()
    assert ingest.ingest_uploaded_file(str(sent.id)) == UploadedFile.State.DONE
    assert ExamFile.objects.count() == 1 and not quarantine.path_for(sent.id).exists()
