"""A task queued in a request is executed by the real worker and its result lands in the DB."""

from __future__ import annotations

import io

import pytest
from django.db import connection

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from tests.conftest import wait_for
from uploads.models import Exam, UploadedFile

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _one_slice_bytes() -> bytes:
    series = calcium_ct_series(
        seed=7, target_class="B", identity=PlantedIdentity.from_seed(7), n_slices=8, size=64
    )
    dataset = next(series.datasets())
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_upload_request_is_ingested_by_the_worker(client, demo, celery_worker):
    assert connection.vendor == "postgresql", "CI runs the worker against PostgreSQL"
    client.login(username="uploader", password="radchallenge-demo")
    response = client.post(
        "/uploads/new/",
        {
            "task": demo["challenge"].tasks.get(slug="coronary-calcium").pk,
            "center": demo["centers"]["chu-lyon"].pk,
            "information_letter_version": "v1",
            "information_letter_date": "2020-05-01",
            "consent_attested": "on",
        },
    )
    assert response.status_code == 302
    upload_id = response["Location"].rstrip("/").split("/")[-1]
    payload = _one_slice_bytes()
    created = client.post(
        f"/uploads/{upload_id}/tus/",
        HTTP_UPLOAD_LENGTH=str(len(payload)),
        HTTP_TUS_RESUMABLE="1.0.0",
    )
    assert created.status_code == 201
    patched = client.generic(
        "PATCH",
        created["Location"],
        payload,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_TUS_RESUMABLE="1.0.0",
    )
    assert patched.status_code == 204 and patched["Upload-Offset"] == str(len(payload))
    # The request returned before the job ran: the worker, not this process, does the work.
    exam = wait_for(lambda: Exam.objects.filter(state="in_review").first(), timeout=60)
    assert exam.slice_count == 1 and exam.modality == "CT"
    assert UploadedFile.objects.get().state == UploadedFile.State.DONE
    # The worker logs the job's success just after its last commit.
    wait_for(lambda: "succeeded" in celery_worker.log_path.read_text(), timeout=30)
    assert "uploads.tasks.ingest_uploaded_file" in celery_worker.log_path.read_text()
