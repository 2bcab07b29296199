"""Agatston coronary calcium score, as defined in DESIGN.md (pure numpy + scipy.ndimage).

Per slice, a lesion is a set of 8-connected pixels >= 130 HU (lesions never join across
slices); lesions smaller than 1 mm² are ignored. A lesion scores its area in mm² times the
weight of its peak HU in half-open bands [130, 200) -> 1, [200, 300) -> 2, [300, 400) -> 3,
>= 400 -> 4. The total is scaled by slice thickness / 3 mm, so a 2.5 mm series scores 5/6 of
the raw sum.

Classes (DESIGN.md: A 0, B 1-9, C 10-99, D 100-399, E >= 400). Scores are real numbers (areas
in mm², thickness scaling), so the bands are taken half-open on the real line:
A: s == 0, B: 0 < s < 10, C: 10 <= s < 100, D: 100 <= s < 400, E: s >= 400.
A score of 0.4 is B (there is calcium), 9.9 is B, 399.5 is D.

The 1 mm² minimum is compared with a tolerance of 1e-9 mm², so that four 0.5 x 0.5 mm pixels
(exactly 1 mm²) count even when the product is computed as 0.9999999999.

Optionally a region-of-interest mask restricts the count (e.g. to the heart, so that bone,
which is also >= 130 HU, is not scored); pixels outside the ROI are treated as below threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

THRESHOLD_HU = 130.0
MIN_AREA_MM2 = 1.0
_AREA_TOLERANCE_MM2 = 1e-9
REFERENCE_THICKNESS_MM = 3.0
# Lower edges of the weight bands; np.digitize gives 1..4 for [130,200), ..., [400, inf).
_WEIGHT_EDGES = np.array([130.0, 200.0, 300.0, 400.0])
# Lower edges of classes B..E on the real line (A is exactly 0).
_CLASS_EDGES = ((400.0, "E"), (100.0, "D"), (10.0, "C"))

# Within-slice 8-connectivity: neighbours in the same slice only, diagonals included.
_STRUCTURE_8_IN_SLICE = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE_8_IN_SLICE[1] = True


@dataclass(frozen=True)
class Lesion:
    slice_index: int  # index along axis 0 of the volume scored
    area_mm2: float
    peak_hu: float
    weight: int
    score: float  # area * weight * thickness / 3 mm: this lesion's share of the total


@dataclass(frozen=True)
class AgatstonResult:
    score: float
    lesions: tuple[Lesion, ...]

    @property
    def agatston_class(self) -> str:
        return agatston_class(self.score)


def hu_weight(peak_hu: float | np.ndarray) -> np.ndarray:
    """Agatston density weight of a lesion's peak HU (0 below 130 HU)."""
    return np.digitize(np.asarray(peak_hu, dtype=float), _WEIGHT_EDGES)


def agatston_class(score: float) -> str:
    """Class A-E of a score; see the module docstring for non-integer scores."""
    s = float(score)
    if not np.isfinite(s) or s < 0:
        raise ValueError("Agatston score must be a finite number >= 0")
    if s == 0:
        return "A"
    for edge, name in _CLASS_EDGES:
        if s >= edge:
            return name
    return "B"


def _check_geometry(pixel_spacing_mm: Sequence[float], slice_thickness_mm: float) -> None:
    if len(pixel_spacing_mm) != 2:
        raise ValueError("pixel_spacing_mm must be (row spacing, column spacing)")
    for name, v in (
        ("pixel_spacing_mm", pixel_spacing_mm[0]),
        ("pixel_spacing_mm", pixel_spacing_mm[1]),
        ("slice_thickness_mm", slice_thickness_mm),
    ):
        if not np.isfinite(float(v)) or float(v) <= 0:
            raise ValueError(f"{name} must be positive and finite, got {v!r}")


def agatston_score(
    hu: np.ndarray,
    *,
    pixel_spacing_mm: tuple[float, float],
    slice_thickness_mm: float,
    roi: np.ndarray | None = None,
) -> AgatstonResult:
    """Agatston score of a volume in HU shaped (slices, rows, cols).

    ``roi``: optional boolean mask of the same shape; only pixels inside it are scored.
    """
    hu = np.asarray(hu)
    if hu.ndim == 2:
        hu = hu[np.newaxis]
    if hu.ndim != 3:
        raise ValueError(f"hu must be shaped (slices, rows, cols), got {hu.ndim} dimensions")
    _check_geometry(pixel_spacing_mm, slice_thickness_mm)
    calcified = hu >= THRESHOLD_HU
    if roi is not None:
        roi = np.asarray(roi, dtype=bool)
        if roi.ndim == 2:
            roi = roi[np.newaxis]
        if roi.shape != hu.shape:
            raise ValueError(f"roi shape {roi.shape} differs from hu shape {hu.shape}")
        calcified &= roi
    labels, n = ndimage.label(calcified, structure=_STRUCTURE_8_IN_SLICE)
    if n == 0:
        return AgatstonResult(0.0, ())
    index = np.arange(1, n + 1)
    pixel_area = float(pixel_spacing_mm[0]) * float(pixel_spacing_mm[1])
    counts = np.bincount(labels[calcified], minlength=n + 1)[1:]
    areas = counts * pixel_area
    peaks = np.asarray(ndimage.maximum(hu, labels, index), dtype=float)
    weights = hu_weight(peaks)
    scale = float(slice_thickness_mm) / REFERENCE_THICKNESS_MM
    scores = areas * weights * scale
    keep = areas >= MIN_AREA_MM2 - _AREA_TOLERANCE_MM2
    first_slice = _first_slice_of_labels(labels, n)
    lesions = tuple(
        Lesion(int(z), float(a), float(p), int(w), float(s))
        for z, a, p, w, s, k in zip(first_slice, areas, peaks, weights, scores, keep, strict=True)
        if k
    )
    return AgatstonResult(float(scores[keep].sum()), lesions)


def _first_slice_of_labels(labels: np.ndarray, n: int) -> np.ndarray:
    """Slice index of each label 1..n (a lesion lives in one slice by construction)."""
    z = np.empty(n, dtype=np.int64)
    for i, found in enumerate(ndimage.find_objects(labels, max_label=n)):
        z[i] = found[0].start if found is not None else -1
    return z


def agatston_class_of_volume(
    hu: np.ndarray,
    *,
    pixel_spacing_mm: tuple[float, float],
    slice_thickness_mm: float,
    roi: np.ndarray | None = None,
) -> str:
    return agatston_score(
        hu, pixel_spacing_mm=pixel_spacing_mm, slice_thickness_mm=slice_thickness_mm, roi=roi
    ).agatston_class


# --- from DICOM datasets --------------------------------------------------------------------


def _float_list(ds, keyword: str, position: int, count: int) -> list[float]:
    value = getattr(ds, keyword, None)
    if value is None:
        raise ValueError(f"slice {position}: {keyword} is missing")
    try:
        values = [float(v) for v in (value if count > 1 else [value])]
    except (TypeError, ValueError):
        raise ValueError(f"slice {position}: {keyword} is not numeric") from None
    if len(values) != count:
        raise ValueError(f"slice {position}: {keyword} must have {count} values")
    return values


def series_hu_volume(datasets: Iterable) -> tuple[np.ndarray, tuple[float, float], float]:
    """Stack one CT series into HU: (volume (slices, rows, cols), pixel spacing, thickness).

    Slices are sorted along the slice normal (from ImageOrientationPatient) by their
    ImagePositionPatient; RescaleSlope/RescaleIntercept are applied per slice. Errors name the
    slice by its position in the input list and the attribute at fault, never an identifier.
    """
    items = []
    for position, ds in enumerate(datasets):
        orientation = _float_list(ds, "ImageOrientationPatient", position, 6)
        ipp = _float_list(ds, "ImagePositionPatient", position, 3)
        spacing = tuple(_float_list(ds, "PixelSpacing", position, 2))
        thickness = _float_list(ds, "SliceThickness", position, 1)[0]
        normal = np.cross(orientation[:3], orientation[3:])
        items.append((float(np.dot(normal, ipp)), position, ds, spacing, thickness))
    if not items:
        raise ValueError("no slices given")
    ref_spacing, ref_thickness = items[0][3], items[0][4]
    for _, position, _, spacing, thickness in items:
        if not np.allclose(spacing, ref_spacing) or not np.isclose(thickness, ref_thickness):
            raise ValueError(f"slice {position}: PixelSpacing/SliceThickness differ in the series")
    items.sort(key=lambda item: item[0])
    planes = []
    for _, position, ds, _, _ in items:
        try:
            pixels = ds.pixel_array
        except Exception as exc:  # pydicom raises many types for unreadable pixel data
            raise ValueError(
                f"slice {position}: PixelData unreadable ({type(exc).__name__})"
            ) from None
        slope = float(getattr(ds, "RescaleSlope", 1.0))
        intercept = float(getattr(ds, "RescaleIntercept", 0.0))
        planes.append(pixels.astype(np.float32) * np.float32(slope) + np.float32(intercept))
    shapes = {p.shape for p in planes}
    if len(shapes) != 1:
        raise ValueError("slices of the series have different Rows/Columns")
    return np.stack(planes), (float(ref_spacing[0]), float(ref_spacing[1])), float(ref_thickness)


def agatston_score_from_datasets(
    datasets: Iterable, *, roi: np.ndarray | None = None
) -> AgatstonResult:
    """Agatston score of one CT series given as pydicom datasets (any order).

    ``roi`` must be on the sorted grid (slices ascending along the slice normal).
    """
    volume, spacing, thickness = series_hu_volume(datasets)
    return agatston_score(volume, pixel_spacing_mm=spacing, slice_thickness_mm=thickness, roi=roi)
