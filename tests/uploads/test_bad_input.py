"""Bad input through the whole pipeline: every problem gets a named reason that points at the
file or the zip entry (by position, never by name), the rest of the upload goes on, nothing
from a rejected file is stored and nothing accepted is lost. Also: the API and the ingest
command feed the same pipeline, consent is enforced and withdrawal erases, and the tus server
resumes and never keeps the file name."""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from pathlib import Path

import pydicom
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from ingest_helpers import leaked, zip_folder

from synthetic.ct import calcium_ct_series
from synthetic.dect import neck_dect_series
from synthetic.identity import PlantedIdentity
from synthetic.ultrasound import breast_ultrasound_jpeg
from uploads import services
from uploads.models import Exam, ExamEvent, ExamFile, ExamState, UploadedFile
from uploads.reasons import describe

pytestmark = pytest.mark.worker
SIZE = 64


def _ct(tmp_path: Path, seed: int, *, slices: int = 20, name: str = "ct", **kwargs) -> list[Path]:
    identity = PlantedIdentity.from_seed(seed)
    series = calcium_ct_series(
        seed=seed, target_class="A", identity=identity, n_slices=slices, size=SIZE, **kwargs
    )
    return series.write(tmp_path / name)


def _codes(uploaded: UploadedFile) -> list[str]:
    return [p["code"] for p in uploaded.problems]


def _stored_names() -> set[str]:
    return set(ExamFile.objects.values_list("storage_name", flat=True))


def _conformity(exam: Exam) -> set[str]:
    return {f["code"] for f in exam.conformity_failures}


# --- files the pipeline refuses -------------------------------------------------------------


def test_unreadable_files_are_rejected_one_by_one_and_the_rest_goes_on(pipeline, tmp_path):
    paths = _ct(tmp_path, 7200)
    text = tmp_path / "notes.txt"
    text.write_text("Patient notes, not an image\n")
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.dcm"
    truncated.write_bytes(paths[0].read_bytes()[: len(paths[0].read_bytes()) // 2])
    preamble_only = tmp_path / "short.dcm"
    preamble_only.write_bytes(b"\x00" * 64)
    jpeg = tmp_path / "us.jpg"
    jpeg.write_bytes(breast_ultrasound_jpeg(seed=7200, malignant=False,
                                            identity=PlantedIdentity.from_seed(7201)))  # fmt: skip
    upload = pipeline.start("coronary-calcium")
    order = [text, empty, *paths[:10], truncated, preamble_only, jpeg, *paths[10:]]
    pipeline.send(upload, *order)
    files = pipeline.settle(upload)

    expected = {
        0: ("unsupported_kind", "not a DICOM file"),
        1: ("empty", "empty"),
        12: ("truncated", "truncated"),
        13: ("unsupported_kind", "not a DICOM file"),
        14: ("wrong_input_kind", "This task takes DICOM"),
    }
    for position, uploaded in enumerate(files):
        if position in expected:
            code, words = expected[position]
            assert uploaded.state == "rejected", position
            assert _codes(uploaded) == [code], position
            text_shown = describe(code, uploaded.problems[0]["params"])
            assert words.lower() in text_shown.lower(), (position, text_shown)
            assert uploaded.instances_accepted == 0
        else:
            assert (uploaded.state, uploaded.problems, uploaded.instances_accepted) == (
                "done", [], 1)  # fmt: skip
    exam = Exam.objects.get()
    assert exam.slice_count == 20 and exam.state == ExamState.IN_REVIEW
    assert _conformity(exam) == set()
    assert pipeline.quarantine_files() == []


def test_zip_entries_unsafe_nested_or_broken_are_skipped_by_position(pipeline, tmp_path, settings):
    paths = _ct(tmp_path, 7210)
    intruder = _ct(tmp_path, 7211, slices=8, name="intruder")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.write(intruder[1], "inner.dcm")
    archive = tmp_path / "exam.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in paths[:10]:  # entries 1-10
            zipped.write(path, "CT/" + path.name)
        zipped.writestr("../../evil.dcm", intruder[0].read_bytes())  # entry 11
        zipped.writestr("/etc/cron.d/evil.dcm", intruder[2].read_bytes())  # entry 12
        zipped.writestr("C:/evil.dcm", intruder[3].read_bytes())  # entry 13
        zipped.writestr("nested.zip", inner.getvalue())  # entry 14
        zipped.writestr("readme.txt", "not an image")  # entry 15
        zipped.writestr("cut.dcm", paths[10].read_bytes()[:1000])  # entry 16
        zipped.writestr("__MACOSX/._IM1", b"\x00\x05\x16\x07")  # ignored metadata
        for path in paths[11:]:  # entries 18-26
            zipped.write(path, "CT/" + path.name)
    upload = pipeline.start("coronary-calcium")
    pipeline.send(upload, archive)
    [uploaded] = pipeline.settle(upload)

    assert uploaded.state == "done"
    problems = {p["entry"]: p for p in uploaded.problems}
    assert {n: p["code"] for n, p in problems.items()} == {
        11: "zip_unsafe_path",
        12: "zip_unsafe_path",
        13: "zip_unsafe_path",
        14: "zip_nested",
        15: "unsupported_kind",
        16: "truncated",
    }
    for number in (11, 14):  # the message shown names the entry by its position
        assert f"Entry {number} " in describe(problems[number]["code"], problems[number]["params"])
    assert uploaded.instances_accepted == 19
    exam = Exam.objects.get()  # nothing from the intruder series (another study) was kept
    assert exam.slice_count == 19
    assert pipeline.exam_files() == {Path(settings.MEDIA_ROOT) / n for n in _stored_names()}


def test_zip_bombs_are_refused(pipeline, tmp_path, settings):
    paths = _ct(tmp_path, 7220, slices=8)
    zeros = b"\x00" * (8 * 1024 * 1024)  # deflates about 1000 to 1
    whole_bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(whole_bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        zipped.writestr("a.dcm", zeros)
        zipped.writestr("b.dcm", zeros)
    entry_bomb = tmp_path / "mixed.zip"
    with zipfile.ZipFile(entry_bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        for path in paths:  # entries 1-8: a real exam...
            zipped.write(path, path.name)
        zipped.writestr("zeros.dcm", zeros[: 2 * 1024 * 1024])  # ...and entry 9, a bomb
    broken = tmp_path / "broken.zip"
    broken.write_bytes(entry_bomb.read_bytes()[:2000])
    upload = pipeline.start("coronary-calcium")
    pipeline.send(upload, whole_bomb, entry_bomb, broken)
    bomb, mixed, cut = pipeline.settle(upload)
    assert (bomb.state, _codes(bomb)) == ("rejected", ["zip_bomb"])
    assert (cut.state, _codes(cut)) == ("rejected", ["zip_unreadable"])
    assert (mixed.state, mixed.instances_accepted) == ("done", 8)
    assert [(p["code"], p["entry"]) for p in mixed.problems] == [("zip_bomb", 9)]
    assert Exam.objects.get().slice_count == 8
    assert pipeline.exam_files() == {Path(settings.MEDIA_ROOT) / n for n in _stored_names()}
    assert pipeline.quarantine_files() == []


def test_zip_size_and_entry_ratio_limits(tmp_path, monkeypatch):
    """The limits themselves (module level: the worker process cannot be monkeypatched)."""
    from uploads import archive

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("a.dcm", bytes(range(256)) * 64)
        zipped.writestr("b.dcm", b"\x00" * 400_000)
    monkeypatch.setattr(archive, "MAX_TOTAL_UNCOMPRESSED", 100_000)
    with pytest.raises(archive.ArchiveRefused) as refused:
        archive.open_archive(path)
    assert refused.value.code == "zip_bomb"
    monkeypatch.setattr(archive, "MAX_TOTAL_UNCOMPRESSED", 10**9)
    monkeypatch.setattr(archive, "MAX_RATIO", 10**6)  # whole archive passes...
    with archive.open_archive(path) as zipped:
        monkeypatch.setattr(archive, "MAX_RATIO", 200)  # ...but entry 2 alone is a bomb
        items = list(archive.entries(zipped))
    assert isinstance(items[0], archive.Entry)
    assert items[1] == archive.Skipped(2, "zip_bomb", "Entry 2 expands beyond the ratio limit.")


def test_an_empty_zip_is_rejected_with_a_reason(pipeline, tmp_path):
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zipped:
        zipped.writestr("__MACOSX/._x", b"")
        zipped.writestr("folder/", b"")
    upload = pipeline.start("coronary-calcium")
    pipeline.send(upload, empty)
    [uploaded] = pipeline.settle(upload)
    assert uploaded.state == "rejected"
    assert _codes(uploaded) == ["zip_empty"]
    assert "no image" in describe("zip_empty").lower()


def test_file_over_the_size_limit_is_refused_before_any_byte(pipeline, monkeypatch, tmp_path):
    monkeypatch.setattr(services, "MAX_FILE_SIZE", 1000)
    upload = pipeline.start("coronary-calcium")
    with pytest.raises(ValidationError) as refused:
        services.add_file(upload=upload, size=1001)
    assert "1000 bytes" in refused.value.message_dict["size"][0]
    assert upload.files.count() == 0
    assert services.add_file(upload=upload, size=1000).size == 1000  # the limit itself is fine


def test_wrong_input_kind_for_a_jpeg_task(pipeline, tmp_path):
    paths = _ct(tmp_path, 7230, slices=8)
    upload = pipeline.start("breast-us")
    pipeline.send(upload, paths[0])
    [uploaded] = pipeline.settle(upload)
    assert (uploaded.state, _codes(uploaded)) == ("rejected", ["wrong_input_kind"])
    assert "JPEG" in describe("wrong_input_kind", uploaded.problems[0]["params"])


# --- exams that arrive but break the task's rules ---------------------------------------------


def test_conformity_failures_are_named_and_the_exam_still_reaches_review(pipeline, tmp_path):
    mixed = neck_dect_series(seed=7240, sick=False, identity=PlantedIdentity.from_seed(7240),
                             n_slices=10, size=SIZE, slice_thickness_mm=2.5)  # fmt: skip
    mixed.write(tmp_path / "mixed")
    _ct(tmp_path, 7241, name="thick", slice_thickness_mm=5.0)
    gaps = _ct(tmp_path, 7242, name="gaps")
    for path in gaps[8:11]:
        path.unlink()
    for path in _ct(tmp_path, 7243, name="mr"):
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.save_as(path)
    upload = pipeline.start("coronary-calcium")
    for folder in ("mixed", "thick", "gaps", "mr"):
        pipeline.send(upload, tmp_path / folder)
    files = pipeline.settle(upload)
    assert {f.state for f in files} == {"done"}

    exams = list(Exam.objects.order_by("created_at"))
    assert [_conformity(e) for e in exams] == [
        {"mixed_series"},
        {"wrong_slice_thickness"},
        {"slice_gap", "too_few_slices"},
        {"wrong_modality"},
    ]
    assert all(e.state == ExamState.IN_REVIEW for e in exams)
    messages = {f["code"]: describe(f["code"], f["params"]) for e in exams
                for f in e.conformity_failures}  # fmt: skip
    assert "2 series" in messages["mixed_series"]
    assert "found 5 mm" in messages["wrong_slice_thickness"]
    assert "1 gap(s)" in messages["slice_gap"] and "12.00 mm" not in messages["slice_gap"]
    assert "found MR" in messages["wrong_modality"]


# --- the same pipeline from the API and the command line --------------------------------------


def test_api_with_a_token_feeds_the_same_pipeline(pipeline, tmp_path):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    paths = _ct(tmp_path, 7250)
    user = pipeline.demo["users"]["uploader"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=user).key)
    body = {
        "task": "coronary-calcium",
        "center": "chu-lyon",
        "information_letter_version": "v3",
        "information_letter_date": "2024-01-15",
        "consent_attested": False,
    }
    refused = client.post("/api/uploads/", body, format="json")
    assert refused.status_code == 400 and "consent_attested" in refused.json()
    created = client.post("/api/uploads/", {**body, "consent_attested": True}, format="json")
    assert created.status_code == 201, created.content
    upload_id = created.json()["id"]
    for path in [*paths, tmp_path / "bad.txt"]:
        data = path.read_bytes() if path.exists() else b"plain text, not an image"
        sent = client.post(f"/api/uploads/{upload_id}/files/", data=data,
                           content_type="application/octet-stream")  # fmt: skip
        assert sent.status_code == 201, sent.content
    files = pipeline.settle(services.Upload.objects.get(pk=upload_id))
    assert [f.state for f in files] == ["done"] * 20 + ["rejected"]
    detail = client.get(f"/api/uploads/{upload_id}/").json()
    assert detail["files"][-1]["problems"][0]["code"] == "unsupported_kind"
    exams = client.get("/api/exams/").json()
    rows = exams["results"] if isinstance(exams, dict) else exams
    assert [(e["state"], e["slice_count"], e["task"]) for e in rows] == [
        ("in_review", 20, "coronary-calcium")
    ]
    assert Token.objects.filter(user=user).exists()
    anonymous = APIClient().get("/api/exams/")
    assert anonymous.status_code in (401, 403)


def test_ingest_command_feeds_the_same_pipeline(pipeline, tmp_path):
    paths = _ct(tmp_path, 7260)
    archive = zip_folder(tmp_path / "ct", tmp_path / "ct.zip")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.txt").write_text("not an image")
    out = io.StringIO()
    args = ["--task", "coronary-calcium", "--center", "chu-lyon", "--user", "uploader"]
    with pytest.raises(CommandError, match="informed"):
        call_command("ingest", str(archive), *args, stdout=out)
    call_command("ingest", str(archive), str(tmp_path / "bad"), *args, "--consent-attested",
                 "--wait", "120", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "Done, 20 image(s)" in text
    assert "Rejected, 0 image(s)" in text and "not a DICOM file" in text
    assert "2 file(s) sent, 1 exam(s) created." in text
    exam = Exam.objects.get()
    assert (exam.state, exam.slice_count) == (ExamState.IN_REVIEW, len(paths))


# --- consent ---------------------------------------------------------------------------------


def test_upload_without_consent_is_refused_with_a_field_message(pipeline):
    from challenges.models import Task

    with pytest.raises(ValidationError) as refused:
        services.start_upload(
            user=pipeline.demo["users"]["uploader"],
            task=Task.objects.get(slug="coronary-calcium"),
            center=pipeline.demo["centers"]["chu-lyon"],
            information_letter_version="v3",
            information_letter_date=dt.date(2024, 1, 15),
            consent_attested=False,
        )
    assert "informed" in refused.value.message_dict["consent_attested"][0]
    assert services.Upload.objects.count() == 0


def test_withdrawal_erases_the_files_and_is_recorded(pipeline, tmp_path, settings):
    _ct(tmp_path, 7270, slices=8)
    upload = pipeline.start("coronary-calcium")
    pipeline.send(upload, tmp_path / "ct")
    pipeline.settle(upload)
    exam = Exam.objects.get()
    names = list(exam.files.values_list("storage_name", flat=True))
    assert len(names) == 8 and all(default_storage.exists(n) for n in names)

    releases = services.withdraw_exam(exam=exam, user=pipeline.demo["users"]["uploader"])
    assert releases == []
    exam.refresh_from_db()
    assert exam.state == ExamState.WITHDRAWN
    assert not any(default_storage.exists(n) for n in names)
    assert exam.files.count() == 0 and pipeline.exam_files() == set()
    assert exam.consent.objection_recorded_at is not None
    events = list(ExamEvent.objects.filter(exam=exam).values_list("reason", "to_state"))
    assert ("consent_attested", "received") in events
    assert events[-1] == ("consent_objection", "withdrawn")
    with pytest.raises(ValidationError):  # withdrawn is final
        services.review_exam(exam=exam, reviewer=pipeline.demo["users"]["organizer"], accept=True)


# --- tus ------------------------------------------------------------------------------------


def test_tus_resumes_after_a_partial_patch_and_never_keeps_the_file_name(pipeline, tmp_path):
    from django.test import Client

    identity = PlantedIdentity.from_seed(7280)
    paths = _ct(tmp_path, 7280, slices=8)
    data = paths[0].read_bytes()
    assert identity.patient_id in paths[0].name
    client = Client()
    client.force_login(pipeline.demo["users"]["uploader"])
    upload = pipeline.start("coronary-calcium")
    base = f"/uploads/{upload.id}/tus/"
    tus = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    metadata = "filename " + base64.b64encode(paths[0].name.encode()).decode()
    created = client.post(base, HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata,
                          **tus)  # fmt: skip
    assert created.status_code == 201
    location = created["Location"]

    def patch(offset: int, chunk: bytes):
        return client.generic("PATCH", location, chunk, content_type="application/offset+octet-stream",
                              HTTP_UPLOAD_OFFSET=str(offset), **tus)  # fmt: skip

    half = len(data) // 2
    assert patch(0, data[:half])["Upload-Offset"] == str(half)
    head = client.head(location, **tus)  # the browser comes back after a network cut
    assert (head.status_code, head["Upload-Offset"]) == (200, str(half))
    assert patch(0, data[:half]).status_code == 409  # wrong offset: refused, nothing written
    assert patch(half + 1, data[half + 1 :]).status_code == 409
    done = patch(half, data[half:])
    assert (done.status_code, done["Upload-Offset"]) == (204, str(len(data)))
    [uploaded] = pipeline.settle(upload)
    assert (uploaded.state, uploaded.instances_accepted) == ("done", 1)
    assert patch(len(data), b"x").status_code == 409  # complete: no more bytes
    tokens = [paths[0].name, metadata.split()[1], identity.patient_id]
    assert leaked(pipeline.database_bytes(), tokens) == []
