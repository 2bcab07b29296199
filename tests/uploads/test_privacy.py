"""Privacy acceptance suite: planted identifiers in every category go through the whole ingest
pipeline (on the real Celery worker against PostgreSQL in CI; eagerly on SQLite without a
broker) and none of them may be found afterwards in the database, the file stores or the logs,
while every retained attribute and every pixel survives."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from ingest_helpers import leaked, zip_folder
from PIL import Image
from pydicom.tag import Tag

from synthetic.ct import calcium_ct_series
from synthetic.dect import neck_dect_series
from synthetic.identity import PlantedIdentity
from synthetic.ultrasound import breast_ultrasound_jpeg, header_band_box
from uploads.deid import profile
from uploads.models import Exam, ExamState

pytestmark = pytest.mark.worker  # runs on the real worker when CI provides one

CT_SEED, DECT_SEED, US_SEED = 7000, 7001, 7002  # 7000: PatientAge planted empty
CT_SLICES, DECT_SLICES, SIZE = 20, 20, 64
# What the de-identifier writes itself, beside the allow-list (dicom.py: patient module and
# the PS3.15 de-identification markers); inside the method code sequence, the code triplet.
DEID_MARKERS = {
    Tag("PatientName"),
    Tag("PatientID"),
    Tag("PatientIdentityRemoved"),
    Tag("DeidentificationMethod"),
    Tag("DeidentificationMethodCodeSequence"),
    Tag("LongitudinalTemporalInformationModified"),
}
CODE_ITEM = {Tag("CodeValue"), Tag("CodingSchemeDesignator"), Tag("CodeMeaning")}
FILE_META = {
    Tag("FileMetaInformationGroupLength"),
    Tag("FileMetaInformationVersion"),
    Tag("MediaStorageSOPClassUID"),
    Tag("MediaStorageSOPInstanceUID"),
    Tag("TransferSyntaxUID"),
    Tag("ImplementationClassUID"),
    Tag("ImplementationVersionName"),
}
TOKEN = re.compile(r"ZQ[0-9A-F]{8}")


def _tokens(identities: list[PlantedIdentity], names: list[str]) -> list[str]:
    """Every planted string, each bare ZQ token on its own (a value cut short still leaks
    it), and every upload file and zip entry name."""
    tokens: list[str] = []
    for identity in identities:
        tokens += identity.tokens()
    tokens += sorted({t for text in tokens for t in TOKEN.findall(text)})
    tokens += names
    return list(dict.fromkeys(tokens))


def _dicoms(exam: Exam) -> list[pydicom.Dataset]:
    from django.core.files.storage import default_storage

    out = []
    for name in exam.files.values_list("storage_name", flat=True):
        with default_storage.open(name) as stored:
            out.append(pydicom.dcmread(stored))
    return out


def _not_allowed(ds: pydicom.Dataset, allowed: set, path: str = "") -> list[str]:
    problems = []
    for elem in ds:
        if elem.tag not in allowed:
            problems.append(f"{path}{elem.tag} {elem.keyword or 'private/unknown'}")
        elif elem.VR == "SQ":
            inner = CODE_ITEM if elem.tag == Tag("DeidentificationMethodCodeSequence") else allowed
            for i, item in enumerate(elem.value):
                problems += _not_allowed(item, inner, f"{path}{elem.keyword}[{i}].")
    return problems


def _check_dicom_exam(exam: Exam, series, identity: PlantedIdentity) -> list[pydicom.Dataset]:
    """Allow-listed attributes only, retained attributes equal, pixels identical."""
    allowed = set(profile.ALLOWED) | DEID_MARKERS
    originals = {(int(d.SeriesNumber), int(d.InstanceNumber)): d for d in series.datasets()}
    outputs = _dicoms(exam)
    assert len(outputs) == len(originals)
    for ds in outputs:
        assert _not_allowed(ds, allowed) == []
        assert {e.tag for e in ds.file_meta} <= FILE_META
        assert ds.preamble == b"\x00" * 128
        source = originals.pop((int(ds.SeriesNumber), int(ds.InstanceNumber)))
        assert ds.PatientSex == identity.sex
        assert ds.PatientAge == f"{identity.age_years:03d}Y"  # derived when planted empty
        for keyword in ("PixelSpacing", "SliceThickness", "Rows", "Columns", "Modality",
                        "ImagePositionPatient", "ImageOrientationPatient", "RescaleSlope",
                        "RescaleIntercept", "SOPClassUID", "KVP"):  # fmt: skip
            assert ds[keyword].value == source[keyword].value, keyword
        assert np.array_equal(ds.pixel_array, source.pixel_array)
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
                        "FrameOfReferenceUID"):  # fmt: skip
            assert ds[keyword].value.startswith("2.25.")
            assert ds[keyword].value != source[keyword].value
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert originals == {}, "slices missing from the store"
    assert len({d.StudyInstanceUID for d in outputs}) == 1
    assert len({d.FrameOfReferenceUID for d in outputs}) == 1
    assert len({d.SOPInstanceUID for d in outputs}) == len(outputs)
    # The exam row carries the same retained metadata.
    first = outputs[0]
    assert exam.patient_sex == identity.sex
    assert exam.patient_age_years == identity.age_years
    assert exam.rows == first.Rows and exam.columns == first.Columns
    assert exam.pixel_spacing_mm == [float(v) for v in first.PixelSpacing]
    assert exam.slice_thickness_mm == float(first.SliceThickness)
    assert exam.modality == "CT"
    return outputs


def _jpeg_segments(data: bytes) -> list[int]:
    """Markers of the segments before the first scan."""
    assert data[:2] == b"\xff\xd8"
    pos, markers = 2, []
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return markers


def _check_jpeg_exam(exam: Exam, original: bytes) -> None:
    from django.core.files.storage import default_storage

    [name] = exam.files.values_list("storage_name", flat=True)
    with default_storage.open(name) as stored:
        data = stored.read()
    markers = _jpeg_segments(data)
    metadata = [m for m in markers if 0xE0 <= m <= 0xEF or m == 0xFE]
    assert metadata == [], f"metadata segments left: {[hex(m) for m in metadata]}"
    assert data.endswith(b"\xff\xd9"), "bytes after the end of image"
    with Image.open(io.BytesIO(data)) as out, Image.open(io.BytesIO(original)) as src:
        assert out.size == src.size
        gray = np.asarray(out.convert("L"))
    left, top, right, bottom = header_band_box((src.height, src.width))
    assert gray[top:bottom, left:right].max() < 170, "burned-in header text still readable"
    assert "burned_in_text_masked" in exam.hold_reasons
    assert (exam.rows, exam.columns, exam.modality) == (src.height, src.width, "US")


def test_planted_identifiers_never_survive_ingest(pipeline, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    ct_id, dect_id, us_id = (PlantedIdentity.from_seed(s) for s in (CT_SEED, DECT_SEED, US_SEED))
    assert not ct_id.age_planted  # the de-identifier must derive the age from the dates

    # CT: slices 1-10 in a zip whose entries are named after the patient (upload 1), slices
    # 11-20 as loose files plus slice 1 again (upload 2): one exam, nothing twice.
    ct = calcium_ct_series(
        seed=CT_SEED, target_class="B", identity=ct_id, n_slices=CT_SLICES, size=SIZE
    )
    ct_paths = ct.write(tmp_path / "ct")
    first_half = tmp_path / "ct-first"
    first_half.mkdir()
    for path in ct_paths[:10]:
        path.rename(first_half / path.name)
    ct_zip = zip_folder(first_half, tmp_path / f"{ct_id.patient_family_name}.zip", prefix="CT/")
    second = [p for p in ct_paths[10:]] + [first_half / ct_paths[0].name]

    dect = neck_dect_series(seed=DECT_SEED, sick=True, identity=dect_id, n_slices=DECT_SLICES,
                            size=SIZE)  # fmt: skip
    dect_paths = dect.write(tmp_path / "dect")
    jpeg = breast_ultrasound_jpeg(seed=US_SEED, malignant=True, identity=us_id)
    jpeg_path = tmp_path / f"{us_id.patient_family_name}_{us_id.patient_id}.jpg"
    jpeg_path.write_bytes(jpeg)

    ct_upload_1 = pipeline.start("coronary-calcium")
    pipeline.send(ct_upload_1, ct_zip)
    ct_upload_2 = pipeline.start("coronary-calcium")
    pipeline.send(ct_upload_2, *second)
    dect_upload = pipeline.start("neck-dect", username="uploader2", center="clinique-st-jean")
    pipeline.send(dect_upload, tmp_path / "dect")
    us_upload = pipeline.start("breast-us")
    pipeline.send(us_upload, jpeg_path)
    files = [
        f
        for upload in (ct_upload_1, ct_upload_2, dect_upload, us_upload)
        for f in pipeline.settle(upload)
    ]

    # Every file went through: the repeated slice is reported, not stored twice.
    assert [f.state for f in files] == ["done"] * len(files)
    repeated = files[1 + len(ct_paths[10:])]
    assert [p["code"] for p in repeated.problems] == ["already_received"]
    assert sum(f.instances_accepted for f in files) == CT_SLICES + 2 * DECT_SLICES + 1

    ct_exam = Exam.objects.get(task__slug="coronary-calcium")
    dect_exam = Exam.objects.get(task__slug="neck-dect")
    us_exam = Exam.objects.get(task__slug="breast-us")
    for exam in (ct_exam, dect_exam, us_exam):
        assert exam.state == ExamState.IN_REVIEW, (exam.public_id, exam.state)
    assert (ct_exam.slice_count, ct_exam.series_count) == (CT_SLICES, 1)
    assert (dect_exam.slice_count, dect_exam.series_count) == (2 * DECT_SLICES, 2)
    reasons = set(ct_exam.events.values_list("reason", flat=True))
    assert {"received", "consent_attested", "deidentified", "files_added"} <= reasons
    # The second upload's files are one audit line, not one per slice.
    assert ct_exam.events.filter(reason="files_added").count() == 1

    _check_dicom_exam(ct_exam, ct, ct_id)
    _check_dicom_exam(dect_exam, dect, dect_id)
    _check_jpeg_exam(us_exam, jpeg)

    # Nothing identifying anywhere: database, stores (quarantine included), logs.
    with zipfile.ZipFile(ct_zip) as archive:
        entry_names = [Path(n).name for n in archive.namelist()]
    names = entry_names + [p.name for p in ct_paths + dect_paths] + [jpeg_path.name, ct_zip.name]
    tokens = _tokens([ct_id, dect_id, us_id], names)
    places = {"database": pipeline.database_bytes()}
    for path in pipeline.store_files():
        places[str(path)] = path.read_bytes()
    places["worker log"] = pipeline.worker_log()
    places["test log"] = caplog.text.encode()
    leaks = {place: found for place, data in places.items() if (found := leaked(data, tokens))}
    assert leaks == {}
    assert pipeline.quarantine_files() == [], "raw bytes left in quarantine"
    if pipeline.on_worker:
        assert b"ingest_uploaded_file" in places["worker log"]  # the log we scanned is real


def test_same_study_keeps_its_uids_and_is_flagged_when_another_center_sends_it(pipeline, tmp_path):
    identity = PlantedIdentity.from_seed(7003)
    series = calcium_ct_series(seed=7003, target_class="A", identity=identity, n_slices=8,
                               size=SIZE)  # fmt: skip
    series.write(tmp_path / "ct")
    lyon = pipeline.start("coronary-calcium")
    pipeline.send(lyon, tmp_path / "ct")
    bordeaux = pipeline.start("coronary-calcium", username="uploader2", center="clinique-st-jean")
    pipeline.send(bordeaux, tmp_path / "ct")
    for upload in (lyon, bordeaux):
        assert {f.state for f in pipeline.settle(upload)} == {"done"}

    first = Exam.objects.get(center__slug="chu-lyon")
    second = Exam.objects.get(center__slug="clinique-st-jean")
    assert first.duplicate_of is None and "duplicate_study" not in first.hold_reasons
    assert second.duplicate_of == first
    assert "duplicate_study" in second.hold_reasons
    assert second.state == ExamState.IN_REVIEW

    def uids(exam):
        return {
            (d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID, d.FrameOfReferenceUID)
            for d in _dicoms(exam)
        }

    assert uids(first) == uids(second)  # keyed UIDs: same instance, same UID, any process
    assert len(uids(first)) == 8
