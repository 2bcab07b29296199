"""Calcium CT: DICOM validity, planted identifiers, Agatston truth, determinism."""

import hashlib

import numpy as np
import pydicom
import pytest

from annotations.agatston import agatston_score_from_datasets
from synthetic.ct import calcium_ct_series
from synthetic.identity import DICOM_PLANTED_PLACES, PlantedIdentity

SMALL = {"n_slices": 12, "size": 64}


def _series(seed=11, target_class="C", **kw):
    params = {**SMALL, **kw}
    return calcium_ct_series(
        seed=seed, target_class=target_class, identity=PlantedIdentity.from_seed(seed), **params
    )


@pytest.mark.parametrize("thickness", [2.5, 3.0])
@pytest.mark.parametrize("target", ["A", "B", "C", "D", "E"])
def test_truth_class_equals_agatston_of_the_written_pixels(tmp_path, target, thickness):
    series = _series(seed=21, target_class=target, slice_thickness_mm=thickness)
    paths = series.write(tmp_path, filename_style="instance")
    datasets = [pydicom.dcmread(p) for p in paths]
    result = agatston_score_from_datasets(datasets[::-1], roi=series.heart_roi())
    assert series.truth.agatston_class == target
    assert result.agatston_class == target
    assert result.score == pytest.approx(series.truth.agatston_score)
    assert (result.score == 0) == (target == "A")


def test_bone_is_outside_the_heart_roi_but_above_threshold():
    series = _series(target_class="A")
    volume = series.volume_hu()
    assert (volume >= 400).sum() > 50  # spine, sternum, ribs are there ...
    assert not (volume[series.heart_roi()] >= 130).any()  # ... and none inside the ROI


def test_anatomy_has_real_hu():
    volume = _series(size=128, n_slices=12).volume_hu()
    mid = volume[6]
    assert mid[0, 0] < -950  # air
    assert (mid < -700).mean() > 0.15  # lungs and air
    assert ((mid > -150) & (mid < 80)).mean() > 0.2  # fat, muscle, heart
    assert mid.max() > 500  # bone


def test_dicom_geometry_and_pixels(tmp_path):
    series = _series(slice_thickness_mm=2.5)
    paths = series.write(tmp_path)
    ds = [pydicom.dcmread(p) for p in paths]
    assert len(ds) == 12
    first = ds[0]
    assert first.Modality == "CT"
    assert first.SOPClassUID == pydicom.uid.CTImageStorage
    assert first.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert (first.RescaleIntercept, first.RescaleSlope) == (-1024, 1)
    assert float(first.SliceThickness) == float(first.SpacingBetweenSlices) == 2.5
    zs = [float(d.ImagePositionPatient[2]) for d in ds]
    assert np.allclose(np.diff(zs), 2.5)
    assert [d.InstanceNumber for d in ds] == list(range(1, 13))
    assert first.pixel_array.shape == (64, 64) and first.pixel_array.dtype == np.int16
    hu = np.stack([d.pixel_array for d in ds]).astype(np.float32) - 1024
    assert np.array_equal(hu, series.volume_hu())
    assert len({d.SOPInstanceUID for d in ds}) == 12
    assert len({d.SeriesInstanceUID for d in ds}) == 1


def test_every_dicom_token_is_in_the_raw_bytes_or_file_name(tmp_path):
    series = _series()
    paths = series.write(tmp_path)
    blob = b"".join(p.read_bytes() + p.name.encode() for p in paths)
    for token in series.identity.dicom_tokens():
        assert token.encode("latin-1") in blob, token


def test_every_planted_place_carries_an_identifier(tmp_path, place_resolver):
    series = _series()
    path = series.write(tmp_path)[0]
    ds = pydicom.dcmread(path)
    tokens = series.identity.dicom_tokens()
    for place in DICOM_PLANTED_PLACES:
        value = place_resolver(path, ds, place)
        assert value, f"{place} is empty"
        assert any(t in value for t in tokens), f"{place} carries no token: {value!r}"
    assert ds.preamble != b"\0" * 128
    assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID != ds.SOPInstanceUID


def test_implicit_and_rle_variants_read_back_with_the_same_pixels(tmp_path):
    series = _series()
    reference = series.volume_hu()[3] + 1024
    for syntax in ("implicit", "rle"):
        paths = series.write(tmp_path / syntax, transfer_syntax=syntax, filename_style="uid")
        ds = pydicom.dcmread(paths[3])
        assert np.array_equal(ds.pixel_array, reference)
    implicit = pydicom.dcmread(tmp_path / "implicit" / paths[0].name)
    assert implicit.file_meta.TransferSyntaxUID == pydicom.uid.ImplicitVRLittleEndian
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == pydicom.uid.RLELossless


def test_same_seed_same_bytes_different_seed_different_tokens(tmp_path):
    def digest(seed, where):
        paths = _series(seed=seed).write(tmp_path / where)
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in paths)).digest()

    assert digest(5, "a") == digest(5, "b")
    assert digest(5, "a") != digest(6, "c")
    a, b = PlantedIdentity.from_seed(5).tokens(), PlantedIdentity.from_seed(6).tokens()
    assert not {t for t in a if "ZQ" in t} & {t for t in b if "ZQ" in t}


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="target_class"):
        _series(target_class="F")
    with pytest.raises(ValueError, match="size"):
        _series(size=16)
    with pytest.raises(ValueError, match="filename_style"):
        _series().write("unused", filename_style="nope")


def test_datasets_are_generated_lazily_one_slice_at_a_time():
    series = _series()
    calls = []
    spec = series.series[0]
    series.series = [
        type(spec)(
            spec.number, spec.description, spec.kvp, lambda k: calls.append(k) or spec.pixels(k)
        )
    ]
    stream = series.datasets()
    assert calls == []  # nothing computed before the first slice is asked for
    first = next(stream)
    assert calls == [0] and first.InstanceNumber == 1
