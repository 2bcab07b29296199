"""Nothing planted survives; what the allow-list keeps survives unchanged."""

from __future__ import annotations

import io

import numpy as np
import planted
import pydicom
import pytest
from conftest import OTHER_KEY, encode, leaked_tokens
from pydicom.dataset import Dataset
from pydicom.uid import RLELossless

from uploads.deid import deidentify_dicom, uid_for
from uploads.deid.profile import ALLOWED

# Attributes the de-identifier itself writes (besides the allow-list).
ADDED = {
    "PatientName",
    "PatientID",
    "PatientIdentityRemoved",
    "LongitudinalTemporalInformationModified",
    "DeidentificationMethod",
    "DeidentificationMethodCodeSequence",
}
CODE_ITEM = {"CodeValue", "CodingSchemeDesignator", "CodeMeaning"}

VARIANTS = {
    "explicit": {},
    "implicit": {"implicit": True},
    "utf8": {"charset": "ISO_IR 192"},
    "iso2022_jis": {"charset": ["", "ISO 2022 IR 87"]},
}


def run(data: bytes, key: bytes, **kwargs) -> tuple[bytes, object]:
    out = io.BytesIO()
    outcome = deidentify_dicom(io.BytesIO(data), out, key=key, **kwargs)
    return out.getvalue(), outcome


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_planted_token_survives(variant, key):
    ds, _ = planted.planted_dataset(**VARIANTS[variant])
    source = encode(ds)
    planted_here = leaked_tokens(source)
    assert len(planted_here) >= len(planted.all_ascii_tokens()) - 1  # the scan finds them
    if variant in ("utf8", "iso2022_jis"):
        assert any("(" in t for t in planted_here), "the non-ASCII name must be in the source"
    output, _ = run(source, key, exam_label="BRS-7F3K9Q")
    assert leaked_tokens(output) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_holds_only_allow_listed_attributes(variant, key):
    ds, _ = planted.planted_dataset(**VARIANTS[variant])
    output, _ = run(encode(ds), key)
    result = pydicom.dcmread(io.BytesIO(output))
    _walk_allowed(result, top=True)
    assert "SpecificCharacterSet" not in result  # only ASCII text is carried over


def _walk_allowed(ds: Dataset, top: bool) -> None:
    for elem in ds:
        assert not elem.tag.is_private, elem.tag
        assert elem.tag in ALLOWED or (top and elem.keyword in ADDED), elem.keyword
        if elem.VR == "SQ":
            for item in elem.value:
                if elem.keyword == "DeidentificationMethodCodeSequence":
                    assert {e.keyword for e in item} == CODE_ITEM
                else:
                    _walk_allowed(item, top=False)


def test_retained_attributes_are_equal_and_pixels_identical(key):
    ds, planted_info = planted.planted_dataset(with_age=True)
    output, outcome = run(encode(ds), key, exam_label="BRS-7F3K9Q")
    result = pydicom.dcmread(io.BytesIO(output))
    for keyword in planted_info.retained:
        assert keyword in result, keyword
        assert result[keyword].value == ds[keyword].value, keyword
    assert result.PixelData == ds.PixelData
    assert result.SOPClassUID == ds.SOPClassUID
    assert result.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID
    assert result.PatientName == "BRS-7F3K9Q" and result.PatientID == "BRS-7F3K9Q"
    assert outcome.metadata["patient_age_years"] == 63


def test_de_identification_markers(key):
    ds, _ = planted.planted_dataset()
    result = pydicom.dcmread(io.BytesIO(run(encode(ds), key)[0]))
    assert result.PatientIdentityRemoved == "YES"
    assert result.LongitudinalTemporalInformationModified == "REMOVED"
    codes = {
        (c.CodeValue, c.CodingSchemeDesignator) for c in result.DeidentificationMethodCodeSequence
    }
    assert codes == {("113100", "DCM"), ("113108", "DCM")}
    assert result.DeidentificationMethod
    assert result.PatientName == "" and result.PatientID == ""


def test_age_is_derived_from_birth_and_study_dates(key):
    ds, _ = planted.planted_dataset()  # PatientAge absent, birth 1947-03-14, study 2023-09-19
    result_bytes, outcome = run(encode(ds), key)
    assert pydicom.dcmread(io.BytesIO(result_bytes)).PatientAge == f"{planted.AGE_YEARS:03d}Y"
    assert outcome.metadata["patient_age_years"] == planted.AGE_YEARS


def test_file_meta_rebuilt_and_preamble_zeroed(key):
    ds, _ = planted.planted_dataset()
    output, _ = run(encode(ds), key)
    assert output[:128] == b"\x00" * 128 and output[128:132] == b"DICM"
    meta = pydicom.dcmread(io.BytesIO(output)).file_meta
    result = pydicom.dcmread(io.BytesIO(output))
    assert meta.MediaStorageSOPInstanceUID == result.SOPInstanceUID
    assert meta.MediaStorageSOPClassUID == result.SOPClassUID
    assert "SourceApplicationEntityTitle" not in meta
    assert meta.ImplementationVersionName != planted.OTHER_TOKENS["implementation_version"]
    assert not meta.ImplementationClassUID.startswith(planted.ORG_ROOT)


@pytest.mark.parametrize("variant", ["explicit", "implicit"])
def test_uids_remapped_consistently_and_no_original_left(variant, key):
    ds, info = planted.planted_dataset(**VARIANTS[variant])
    output, _ = run(encode(ds), key)
    result = pydicom.dcmread(io.BytesIO(output))
    for keyword in (
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "SOPInstanceUID",
        "FrameOfReferenceUID",
    ):
        assert result[keyword].value == uid_for(info.uids[keyword], key=key)
        assert result[keyword].value.startswith("2.25.") and len(result[keyword].value) <= 64
    reference = result.ReferencedImageSequence[0]
    assert reference.ReferencedSOPInstanceUID == uid_for(
        info.uids["ReferencedSOPInstanceUID"], key=key
    )
    assert reference.ReferencedSOPClassUID == ds.SOPClassUID
    for original in info.uids.values():
        assert original.encode() not in output
    assert planted.ORG_ROOT.rstrip(".").encode() not in output


def test_reference_to_another_slice_matches_that_slices_new_uid(key):
    first, _ = planted.planted_dataset(index=0)
    second, info = planted.planted_dataset(index=1)
    second.ReferencedImageSequence[0].ReferencedSOPInstanceUID = first.SOPInstanceUID
    a = pydicom.dcmread(io.BytesIO(run(encode(first), key)[0]))
    b = pydicom.dcmread(io.BytesIO(run(encode(second), key)[0]))
    assert b.ReferencedImageSequence[0].ReferencedSOPInstanceUID == a.SOPInstanceUID
    assert a.SeriesInstanceUID == b.SeriesInstanceUID and a.SOPInstanceUID != b.SOPInstanceUID


def test_different_key_gives_different_uids_and_keys(key):
    ds, _ = planted.planted_dataset()
    data = encode(ds)
    out_a, outcome_a = run(data, key)
    out_b, outcome_b = run(data, OTHER_KEY)
    a, b = (pydicom.dcmread(io.BytesIO(x)) for x in (out_a, out_b))
    assert a.StudyInstanceUID != b.StudyInstanceUID
    assert outcome_a.study_key != outcome_b.study_key
    assert out_a == run(data, key)[0]  # deterministic: same key, same bytes


def test_study_and_series_keys_group_files(key):
    outcomes = [
        run(encode(planted.planted_dataset(index=i, series=s)[0]), key)[1]
        for i, s in [(0, 1), (1, 1), (0, 2)]
    ]
    assert outcomes[0].study_key == outcomes[1].study_key == outcomes[2].study_key
    assert outcomes[0].series_key == outcomes[1].series_key != outcomes[2].series_key
    assert len({o.instance_key for o in outcomes}) == 3
    assert all(len(o.study_key) == 64 for o in outcomes)


def test_rle_compressed_pixels_copied_byte_for_byte_and_decodable(key):
    ds, _ = planted.planted_dataset(rows=32, columns=32)
    expected = ds.pixel_array.copy()
    ds.compress(RLELossless, encoding_plugin="pydicom")
    output, outcome = run(encode(ds), key)
    result = pydicom.dcmread(io.BytesIO(output))
    assert result.file_meta.TransferSyntaxUID == RLELossless
    assert result.PixelData == ds.PixelData
    assert np.array_equal(result.pixel_array, expected)
    assert leaked_tokens(output) == []
    assert outcome.metadata["transfer_syntax_uid"] == RLELossless


def test_jpeg_baseline_pixels_copied_byte_for_byte(key):
    from PIL import Image
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    ds, _ = planted.planted_dataset(rows=32, columns=32)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    jpeg = io.BytesIO()
    Image.fromarray((np.arange(32 * 32).reshape(32, 32) % 251).astype(np.uint8)).save(jpeg, "JPEG")
    ds.PixelData = encapsulate([jpeg.getvalue()])
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds["PixelData"].VR = "OB"
    output, _ = run(encode(ds), key)
    result = pydicom.dcmread(io.BytesIO(output))
    assert result.PixelData == ds.PixelData
    assert result.pixel_array.shape == (32, 32)
    assert leaked_tokens(output) == []


def test_metadata_for_the_pipeline(key):
    ds, _ = planted.planted_dataset(index=4)
    _, outcome = run(encode(ds), key)
    meta = outcome.metadata
    assert meta["modality"] == "CT" and meta["patient_sex"] == "F"
    assert (meta["rows"], meta["columns"]) == (16, 16)
    assert meta["pixel_spacing_mm"] == [0.7, 0.7] and meta["slice_thickness_mm"] == 3.0
    assert meta["slice_position_mm"] == pytest.approx(-12.0)
    assert meta["kvp"] == 120.0 and meta["image_type"] == ["ORIGINAL", "PRIMARY", "AXIAL"]
    assert outcome.hold_reasons == []
    assert not leaked_tokens(repr(outcome).encode())


def test_paths_are_accepted(tmp_path, key):
    ds, _ = planted.planted_dataset()
    src, dst = tmp_path / "ZZPID0001_1.dcm", tmp_path / "out.dcm"
    src.write_bytes(encode(ds))
    deidentify_dicom(src, dst, key=key)
    assert leaked_tokens(dst.read_bytes()) == []
