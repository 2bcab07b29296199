"""Cervical DECT: two energies on one grid, node mask, NIfTI round trip, planted identifiers."""

import nibabel as nib
import numpy as np
import pydicom
import pytest

from synthetic.dect import neck_dect_series
from synthetic.identity import PlantedIdentity
from synthetic.series import read_mask_nifti


def _series(seed, sick, **kw):
    params = {"n_slices": 12, "size": 64, **kw}
    return neck_dect_series(
        seed=seed, sick=sick, identity=PlantedIdentity.from_seed(seed), **params
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mask_non_empty_iff_sick_and_inside_the_body(seed):
    sick = _series(seed, True)
    healthy = _series(seed, False)
    assert not healthy.truth.mask.any()
    assert healthy.truth.pathological_volume_mm3 == 0
    mask = sick.truth.mask.astype(bool)
    assert mask.any()
    assert sick.truth.mask.dtype == np.uint8 and sick.truth.mask.shape == (12, 64, 64)
    body = sick.volume_hu(1) > -500
    assert body[mask].all()
    voxel = np.prod(sick.truth.spacing_mm)
    assert sick.truth.pathological_volume_mm3 == pytest.approx(mask.sum() * voxel)


def test_pathological_nodes_enhance_more_at_80_kvp_than_muscle():
    series = _series(2, True, size=128)
    mask = series.truth.mask.astype(bool)
    low, high = series.volume_hu(0), series.volume_hu(1)
    rim = mask & ~np.roll(mask, 1, axis=1)  # a crude rim: mask voxels at an edge
    assert low[rim].mean() > high[rim].mean()  # iodine is brighter at low energy
    assert -50 < high[mask].mean() < 150  # soft-tissue density, not fat or bone


def test_two_series_share_study_grid_and_frame_of_reference(tmp_path):
    series = _series(4, True)
    paths = series.write(tmp_path)
    ds = [pydicom.dcmread(p) for p in paths]
    assert len(ds) == 24
    assert {d.SeriesNumber for d in ds} == set(series.truth.series_numbers) == {3, 4}
    assert {float(d.KVP) for d in ds} == {80.0, 140.0}
    assert len({d.StudyInstanceUID for d in ds}) == 1
    assert len({d.FrameOfReferenceUID for d in ds}) == 1
    assert len({d.SeriesInstanceUID for d in ds}) == 2
    by_series = {}
    for d in ds:
        by_series.setdefault(d.SeriesNumber, []).append(tuple(map(float, d.ImagePositionPatient)))
    assert by_series[3] == by_series[4]
    blob = b"".join(p.read_bytes() + p.name.encode() for p in paths)
    for token in series.identity.dicom_tokens():
        assert token.encode("latin-1") in blob, token


def test_mask_nifti_round_trip_and_affine(tmp_path):
    series = _series(5, True)
    path = series.write_mask_nifti(tmp_path / "mask.nii.gz")
    image = nib.load(path)
    assert image.shape == (64, 64, 12)  # NIfTI (column, row, slice)
    assert np.allclose(np.abs(np.diag(image.affine)[:3]), series.truth.spacing_mm[::-1])
    assert np.array_equal(read_mask_nifti(path), series.truth.mask)


def test_determinism():
    a, b = _series(8, True), _series(8, True)
    assert np.array_equal(a.truth.mask, b.truth.mask)
    assert next(a.datasets()).PixelData == next(b.datasets()).PixelData
    assert not np.array_equal(a.truth.mask, _series(9, True).truth.mask)
