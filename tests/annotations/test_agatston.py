"""Agatston score: hand-computed cases at the band borders, area minimum, connectivity."""

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

from annotations.agatston import (
    agatston_class,
    agatston_score,
    agatston_score_from_datasets,
    hu_weight,
)

ISO = (0.5, 0.5)  # 0.25 mm² pixels: 4 pixels make exactly 1 mm²


def _volume(shape=(1, 10, 10), fill=0.0):
    return np.full(shape, fill, dtype=np.float32)


def _score(hu, spacing=ISO, thickness=3.0, roi=None):
    return agatston_score(hu, pixel_spacing_mm=spacing, slice_thickness_mm=thickness, roi=roi)


@pytest.mark.parametrize(
    ("peak", "weight"),
    [(129, 0), (129.9, 0), (130, 1), (199, 1), (199.5, 1), (200, 2), (299, 2), (300, 3)]
    + [(399, 3), (399.9, 3), (400, 4), (1500, 4)],
)
def test_weight_bands_are_half_open(peak, weight):
    assert int(hu_weight(peak)) == weight


@pytest.mark.parametrize(
    ("peak", "expected"),
    # a 2 x 2 lesion (1 mm²) whose peak pixel sets the weight; the others sit at 130 HU
    [(129, 0.0), (130, 1.0), (199, 1.0), (200, 2.0), (399, 3.0), (400, 4.0)],
)
def test_lesion_score_at_band_borders(peak, expected):
    hu = _volume()
    hu[0, 2:4, 2:4] = min(peak, 130)
    hu[0, 2, 2] = peak
    result = _score(hu)
    if peak < 130:  # 129 HU: only 3 pixels reach threshold -> 0.75 mm² -> not a lesion
        assert result.score == 0.0 and result.lesions == ()
    else:
        assert result.score == pytest.approx(expected)
        assert result.lesions[0].peak_hu == peak


def test_all_pixels_at_129_hu_are_not_calcium():
    hu = _volume(fill=129.0)
    assert _score(hu).score == 0.0


def test_area_minimum_with_anisotropic_spacing():
    spacing = (0.4, 0.8)  # 0.32 mm² pixels
    hu = _volume()
    hu[0, 1, 1:4] = 300  # 3 pixels = 0.96 mm² < 1 mm²: ignored
    assert _score(hu, spacing).score == 0.0
    hu[0, 1, 4] = 300  # 4 pixels = 1.28 mm² -> 1.28 * 3
    assert _score(hu, spacing).score == pytest.approx(1.28 * 3)
    assert _score(hu, spacing).lesions[0].area_mm2 == pytest.approx(1.28)


def test_exactly_one_mm2_counts_despite_rounding():
    spacing = (0.1, 0.1)  # 0.1 * 0.1 * 100 is 1.0000000000000002 or 0.99999... in floats
    hu = _volume((1, 20, 20))
    hu[0, 5:15, 5:15] = 250
    assert _score(hu, spacing).score == pytest.approx(2.0)


def test_diagonal_pixels_join_into_one_lesion():
    hu = _volume()
    for i in range(4):  # a diagonal line of 4 pixels: one lesion of 1 mm² under 8-connectivity
        hu[0, 2 + i, 2 + i] = 450
    result = _score(hu)
    assert len(result.lesions) == 1
    assert result.score == pytest.approx(4.0)


def test_lesions_do_not_join_across_slices():
    hu = _volume((2, 10, 10))
    hu[0, 2:4, 2:4] = 250  # 1 mm² on each slice: two lesions, not one of 2 mm²
    hu[1, 2:4, 2:4] = 250
    hu[1, 3, 3] = 450  # the peak of slice 1 must not raise slice 0's weight
    result = _score(hu)
    assert sorted(les.slice_index for les in result.lesions) == [0, 1]
    assert result.score == pytest.approx(2.0 + 4.0)


def test_separate_lesions_take_their_own_peak():
    hu = _volume()
    hu[0, 0:2, 0:2] = 150  # weight 1
    hu[0, 6:8, 6:8] = 350  # weight 3, 2 px away: separate
    assert _score(hu).score == pytest.approx(1.0 + 3.0)


def test_slice_thickness_scaling_2_5_mm():
    hu = _volume()
    hu[0, 0:4, 0:4] = 420  # 4 mm² * 4 = 16 at 3 mm
    assert _score(hu, thickness=3.0).score == pytest.approx(16.0)
    assert _score(hu, thickness=2.5).score == pytest.approx(16.0 * 2.5 / 3)


def test_roi_excludes_bone():
    hu = _volume()
    hu[0, 0:4, 0:4] = 700  # "spine"
    hu[0, 6:8, 6:8] = 250
    roi = np.zeros_like(hu, dtype=bool)
    roi[0, 5:, 5:] = True
    assert _score(hu).score == pytest.approx(4 * 4 + 2)
    assert _score(hu, roi=roi).score == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("score", "cls"),
    [(0, "A"), (0.4, "B"), (1, "B"), (9, "B"), (9.99, "B"), (10, "C"), (99.5, "C")]
    + [(100, "D"), (399, "D"), (399.9, "D"), (400, "E"), (5000, "E")],
)
def test_classes(score, cls):
    assert agatston_class(score) == cls


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_class_refuses_bad_scores(bad):
    with pytest.raises(ValueError, match="Agatston score"):
        agatston_class(bad)


def test_bad_geometry_is_named():
    with pytest.raises(ValueError, match="slice_thickness_mm"):
        _score(_volume(), thickness=0)
    with pytest.raises(ValueError, match="pixel_spacing_mm"):
        _score(_volume(), spacing=(0.5, -1))
    with pytest.raises(ValueError, match="roi shape"):
        _score(_volume(), roi=np.ones((2, 10, 10), dtype=bool))


def _ct_slice(z: float, stored: np.ndarray, intercept=-1024, slope=1) -> Dataset:
    ds = Dataset()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage
    ds.ImagePositionPatient = [0, 0, z]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.5, 0.5]
    ds.SliceThickness = 2.5
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept = intercept
    ds.RescaleSlope = slope
    ds.PixelData = stored.astype("<i2").tobytes()
    return ds


def test_from_datasets_sorts_by_position_and_rescales():
    low = np.zeros((8, 8), dtype=np.int16)
    high = low.copy()
    high[1:3, 1:3] = 1024 + 250  # stored value; HU = 250 after the -1024 intercept
    roi = np.zeros((2, 8, 8), dtype=bool)
    roi[1] = True  # the ROI marks the slice at the higher z: proves sorting happened
    shuffled = [_ct_slice(5.0, high), _ct_slice(2.5, low)]
    result = agatston_score_from_datasets(shuffled, roi=roi)
    assert result.score == pytest.approx(1.0 * 2 * 2.5 / 3)
    assert result.lesions[0].slice_index == 1
    doubled = low.copy()
    doubled[1:3, 1:3] = (350 + 512) * 2  # HU = 0.5 * stored - 512 = 350: weight 3
    halved = [_ct_slice(2.5, low, -512, 0.5), _ct_slice(5.0, doubled, -512, 0.5)]
    assert agatston_score_from_datasets(halved).score == pytest.approx(1.0 * 3 * 2.5 / 3)


def test_from_datasets_names_the_missing_field():
    ds = _ct_slice(0.0, np.zeros((4, 4), dtype=np.int16))
    del ds.PixelSpacing
    with pytest.raises(ValueError, match="slice 0: PixelSpacing is missing"):
        agatston_score_from_datasets([ds])
