"""Files the core refuses, files it holds for review, and ultrasound blanking."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import planted
import pydicom
import pytest
from conftest import KEY, encode, leaked_tokens
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import (
    BasicTextSRStorage,
    EncapsulatedPDFStorage,
    ExplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
)

from uploads.deid import DeidRejected, deidentify_dicom, uid_for

REPO = Path(__file__).resolve().parents[2]


def reject_code(data: bytes) -> DeidRejected:
    with pytest.raises(DeidRejected) as caught:
        deidentify_dicom(io.BytesIO(data), io.BytesIO(), key=KEY)
    error = caught.value
    assert leaked_tokens(str(error).encode()) == [] and leaked_tokens(error.message.encode()) == []
    assert planted.ORG_ROOT not in error.message
    return error


def _non_image(sop_class: str) -> bytes:
    ds, _ = planted.planted_dataset(sop_class=sop_class)
    del ds.PixelData
    if sop_class == EncapsulatedPDFStorage:
        ds.EncapsulatedDocument = b"%PDF-1.4 ZZPNAME"
        ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    return encode(ds)


def _dicomdir() -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    meta.MediaStorageSOPInstanceUID = planted.ORG_ROOT + "77"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\x00" * 128)
    ds.FileSetID = "ZZSTUDYID"
    record = Dataset()
    record.DirectoryRecordType = "PATIENT"
    record.PatientName = "ZZPNAME^ZZGIVEN"
    ds.DirectoryRecordSequence = [record]
    return encode(ds)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: b"", "empty"),
        (lambda: os.urandom(4096), "not_dicom"),
        (lambda: b"\x00" * 100, "truncated"),
        (lambda: encode(planted.planted_dataset(rows=32, columns=32)[0])[:-300], "truncated"),
        (lambda: b"%PDF-1.4\n ZZPNAME", "not_dicom"),
        (lambda: _non_image(BasicTextSRStorage), "unsupported_sop_class"),
        (lambda: _non_image(EncapsulatedPDFStorage), "unsupported_sop_class"),
        (_dicomdir, "unsupported_sop_class"),
    ],
    ids=[
        "zero-bytes",
        "random",
        "cut-preamble",
        "cut-pixels",
        "pdf",
        "sr",
        "dicom-pdf",
        "dicomdir",
    ],
)
def test_rejections_carry_a_stable_code_and_no_identifier(make, code):
    error = reject_code(make())
    assert error.code == code
    assert error.message and error.message[0].isupper()


def test_image_class_without_pixel_data_is_rejected():
    ds, _ = planted.planted_dataset()
    del ds.PixelData
    assert reject_code(encode(ds)).code == "no_pixel_data"


def test_nothing_is_written_on_rejection():
    dst = io.BytesIO()
    with pytest.raises(DeidRejected):
        deidentify_dicom(io.BytesIO(b""), dst, key=KEY)
    assert dst.getvalue() == b""


def test_burned_in_annotation_and_secondary_capture_are_held():
    ds, _ = planted.planted_dataset()
    ds.BurnedInAnnotation = "YES"
    (_,) = [deidentify_dicom(io.BytesIO(encode(ds)), io.BytesIO(), key=KEY)]
    assert _.hold_reasons == ["burned_in_annotation"]
    sc, _info = planted.planted_dataset(sop_class=SecondaryCaptureImageStorage)
    outcome = deidentify_dicom(io.BytesIO(encode(sc)), io.BytesIO(), key=KEY)
    assert outcome.hold_reasons == ["secondary_capture"]


def test_ultrasound_pixels_outside_regions_are_blanked():
    ds, _ = planted.ultrasound_dataset()
    before = ds.pixel_array.copy()
    out = io.BytesIO()
    outcome = deidentify_dicom(io.BytesIO(encode(ds)), out, key=KEY)
    result = pydicom.dcmread(io.BytesIO(out.getvalue()))
    after = result.pixel_array
    inside = np.zeros_like(before, dtype=bool)
    inside[12:44, 8:56] = True
    assert np.array_equal(after[inside], before[inside])
    assert not after[~inside].any()  # the burned-in header band is gone
    assert outcome.hold_reasons == []
    codes = {c.CodeValue for c in result.DeidentificationMethodCodeSequence}
    assert "113101" in codes  # Clean Pixel Data Option
    assert len(result.SequenceOfUltrasoundRegions) == 1
    assert leaked_tokens(out.getvalue()) == []


def test_ultrasound_without_regions_is_held():
    ds, _ = planted.ultrasound_dataset(regions=False)
    outcome = deidentify_dicom(io.BytesIO(encode(ds)), io.BytesIO(), key=KEY)
    assert outcome.hold_reasons == ["us_no_regions"]


def _in_subprocess(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "random"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, check=True
    )
    return done.stdout.strip()


def test_same_uid_in_separate_processes(tmp_path):
    ds, info = planted.planted_dataset()
    src = tmp_path / "in.dcm"
    src.write_bytes(encode(ds))
    code = (
        "import io, pydicom; from pathlib import Path; from uploads.deid import deidentify_dicom\n"
        f"out = io.BytesIO(); deidentify_dicom(Path({str(src)!r}), out, key={KEY!r})\n"
        "print(pydicom.dcmread(io.BytesIO(out.getvalue())).StudyInstanceUID)"
    )
    first, second = _in_subprocess(code), _in_subprocess(code)
    assert first == second == uid_for(info.uids["StudyInstanceUID"], key=KEY)
    other = _in_subprocess(code.replace(repr(KEY), repr(b"x" + KEY)))
    assert other.startswith("2.25.") and other != first
