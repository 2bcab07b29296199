"""Thoracic calcium-scoring CT series with a known Agatston class (A-E).

Anatomy is drawn in normalised image coordinates (the body fills the field whatever ``size``)
while the pixel spacing is physical (default 0.7 mm, a 358 mm field at 512 px). At small test
sizes the body is therefore a miniature, but areas in mm² — which Agatston scores — stay
realistic, so every class is reachable even on a 64 x 64 grid.

Ground truth: the Agatston score counted within a heart region of interest (``heart_roi``, the
heart plus pericardial fat and a 3 px margin), which is what the platform computes: spine,
sternum and ribs are >= 130 HU too and a whole-slice score would count them. The score in
``truth`` is computed with :mod:`annotations.agatston` on the very pixels written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from annotations.agatston import AgatstonResult, agatston_class, agatston_score

from .identity import PlantedIdentity
from .series import RESCALE_INTERCEPT, Grid, SeriesSpec, SyntheticSeries

CLASSES = ("A", "B", "C", "D", "E")
# Target score drawn log-uniformly well inside each class band (thickness scaling included).
_TARGET_RANGE = {"B": (3.0, 7.0), "C": (20.0, 60.0), "D": (150.0, 300.0), "E": (500.0, 800.0)}
_WEIGHTS_BY_CLASS = {"B": (1, 2), "C": (1, 2, 3), "D": (2, 3, 4), "E": (3, 4)}
_PEAK_HU = {1: 172.0, 2: 250.0, 3: 350.0, 4: 520.0}  # plateau peak per weight band
_NOISE_HU = 8.0  # iterative reconstruction, soft kernel
_MAX_BLOB_RADIUS_PX = 3  # keeps plaques inside the heart ROI margin
_ROI_MARGIN_PX = 3
_HEART_CENTER = (0.08, -0.12)  # (u, v) normalised, patient left = image right, anterior up
_HEART_AXES = (0.30, 0.25)
_ARTERY_ANGLES = (-1.75, 0.0, 3.0)  # LAD (anterior), LCx (left lateral), RCA (right)


@dataclass(frozen=True)
class CalciumTruth:
    target_class: str
    agatston_score: float
    agatston_class: str
    lesions: AgatstonResult  # per-lesion detail as annotations.agatston reports it
    plaque_slices: tuple[int, ...]
    roi_description: str = "heart plus pericardial fat, 3 px margin"


def _ellipse(u: np.ndarray, v: np.ndarray, cu: float, cv: float, au: float, av: float):
    return ((u - cu) / au) ** 2 + ((v - cv) / av) ** 2 <= 1.0


def _static_phantom(size: int) -> np.ndarray:
    """HU of everything that does not change along z (body, lungs, bone, aorta), smoothed."""
    c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    u, v = np.meshgrid(c, c)  # u: columns (x), v: rows (y, posterior down)
    hu = np.full((size, size), -1000.0, dtype=np.float32)
    hu[_ellipse(u, v, 0, 0, 0.92, 0.68)] = -100  # subcutaneous fat
    hu[_ellipse(u, v, 0, 0, 0.86, 0.62)] = 45  # chest wall muscle
    hu[_ellipse(u, v, 0, 0, 0.78, 0.55)] = 20  # mediastinum
    for side in (-1, 1):
        hu[_ellipse(u, v, side * 0.40, 0.0, 0.33, 0.46)] = -850  # lungs
    for angle in np.deg2rad([-150, -120, -60, -30, 20, 60, 120, 160]):
        ru, rv = 0.82 * np.cos(angle), 0.59 * np.sin(angle)
        hu[_ellipse(u, v, ru, rv, 0.04, 0.035)] = 650  # ribs
    hu[_ellipse(u, v, 0, -0.57, 0.07, 0.03)] = 600  # sternum
    hu[_ellipse(u, v, 0, 0.40, 0.10, 0.09)] = 700  # vertebral body
    hu[_ellipse(u, v, 0, 0.55, 0.04, 0.04)] = 20  # spinal canal
    hu[_ellipse(u, v, 0.10, 0.27, 0.06, 0.06)] = 40  # descending aorta
    return ndimage.gaussian_filter(hu, sigma=max(size / 512, 0.5))


def _heart_factor(k: int, n_slices: int) -> float:
    """Relative heart radius in slice k (0 outside the heart): an ellipsoid along z."""
    t = (k + 0.5) / n_slices
    return float(np.sqrt(max(0.0, 1.0 - ((t - 0.55) / 0.28) ** 2)))


def _disk_offsets(radius: int) -> np.ndarray:
    """(row, col) offsets of a disk, nearest to the centre first: a blob of n is compact."""
    r = np.arange(-radius, radius + 1)
    dr, dc = np.meshgrid(r, r, indexing="ij")
    keep = dr**2 + dc**2 <= radius**2
    dr, dc = dr[keep], dc[keep]
    order = np.lexsort((np.arctan2(dr, dc), dr**2 + dc**2))
    return np.stack([dr[order], dc[order]], axis=1)


@dataclass(frozen=True)
class _Plaque:
    slice_index: int
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray  # HU before noise


class _CalciumPhantom:
    def __init__(self, *, seed: int, size: int, n_slices: int, spacing: float, thickness: float):
        self.seed, self.size, self.n_slices = seed, size, n_slices
        self.spacing, self.thickness = spacing, thickness
        self.static = _static_phantom(size)
        c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
        u, v = np.meshgrid(c, c)
        self.heart_r2 = ((u - _HEART_CENTER[0]) / _HEART_AXES[0]) ** 2 + (
            (v - _HEART_CENTER[1]) / _HEART_AXES[1]
        ) ** 2
        half = size / 2
        self.center_px = ((_HEART_CENTER[1] + 1) * half - 0.5, (_HEART_CENTER[0] + 1) * half - 0.5)
        self.axes_px = (_HEART_AXES[1] * half, _HEART_AXES[0] * half)  # (rows, cols)
        self.plaques: dict[int, list[_Plaque]] = {}

    def roi_slice(self, k: int) -> np.ndarray:
        f = _heart_factor(k, self.n_slices)
        if f == 0:
            return np.zeros((self.size, self.size), dtype=bool)
        rows, cols = np.ogrid[: self.size, : self.size]
        ar = 1.15 * self.axes_px[0] * f + _ROI_MARGIN_PX
        ac = 1.15 * self.axes_px[1] * f + _ROI_MARGIN_PX
        return ((rows - self.center_px[0]) / ar) ** 2 + ((cols - self.center_px[1]) / ac) ** 2 <= 1

    def hu_slice(self, k: int) -> np.ndarray:
        hu = self.static.copy()
        f = _heart_factor(k, self.n_slices)
        if f > 0:
            hu[self.heart_r2 <= (1.08 * f) ** 2] = -80  # epicardial fat, where coronaries run
            hu[self.heart_r2 <= f**2] = 40  # myocardium and blood, unenhanced
        for p in self.plaques.get(k, ()):
            hu[p.rows, p.cols] = p.values
        rng = np.random.default_rng([self.seed, 1, k])
        hu += rng.standard_normal(hu.shape, dtype=np.float32) * np.float32(_NOISE_HU)
        return hu

    def stored_slice(self, k: int) -> np.ndarray:
        hu = self.hu_slice(k)
        np.clip(hu, -1024, 3071, out=hu)
        return np.rint(hu - RESCALE_INTERCEPT).astype(np.int16)

    # --- plaques ----------------------------------------------------------------------
    def plan_plaques(self, target_class: str, attempt: int) -> None:
        self.plaques = {}
        if target_class == "A":
            return
        rng = np.random.default_rng([self.seed, 2, attempt])
        lo, hi = _TARGET_RANGE[target_class]
        target = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        pixel_area = self.spacing**2
        scale = self.thickness / 3.0
        offsets = _disk_offsets(_MAX_BLOB_RADIUS_PX)
        n_min = int(np.ceil(1.0 / pixel_area)) + 1  # >= 1 mm² with a one-pixel margin
        n_max = len(offsets)
        if n_min > n_max or n_min * pixel_area * scale >= _TARGET_RANGE[target_class][1] * 1.4:
            raise ValueError(
                f"pixel_spacing_mm={self.spacing} is too coarse for class {target_class}"
            )
        sites = self._sites(rng, blob_diameter=2 * _MAX_BLOB_RADIUS_PX + 1)
        occupied: dict[int, np.ndarray] = {}
        remaining = target
        weights = _WEIGHTS_BY_CLASS[target_class]
        for k, row, col in sites:
            if remaining < 0.5 * n_min * pixel_area * scale:
                break
            w = int(rng.choice(weights))
            per_pixel = pixel_area * w * scale
            if remaining < n_min * per_pixel:
                w, per_pixel = 1, pixel_area * scale
            n = int(np.clip(round(remaining / per_pixel), n_min, n_max))
            rows = row + offsets[:n, 0]
            cols = col + offsets[:n, 1]
            grid = occupied.setdefault(k, np.zeros((self.size, self.size), dtype=bool))
            r0, r1 = max(rows.min() - 1, 0), rows.max() + 2
            c0, c1 = max(cols.min() - 1, 0), cols.max() + 2
            if grid[r0:r1, c0:c1].any():
                continue  # a one-pixel gap keeps plaques separate lesions
            grid[rows, cols] = True
            dist = np.hypot(offsets[:n, 0], offsets[:n, 1])
            peak = _PEAK_HU[w] + rng.uniform(-10, 10 if w < 4 else 200)
            floor = {1: 160.0, 2: 225.0, 3: 325.0, 4: 440.0}[w]
            values = peak - (peak - floor) * dist / max(float(dist.max()), 1.0)
            self.plaques.setdefault(k, []).append(_Plaque(k, rows, cols, values.astype(np.float32)))
            remaining -= n * per_pixel
        if remaining > 0.5 * target:
            raise ValueError(
                f"n_slices={self.n_slices}, size={self.size}: too little heart for class "
                f"{target_class}"
            )

    def _sites(self, rng: np.random.Generator, blob_diameter: int) -> list[tuple[int, int, int]]:
        """Plaque centres along the coronary ring, nearest to the artery paths first."""
        sites = []
        for k in range(self.n_slices):
            f = _heart_factor(k, self.n_slices)
            if f < 0.5:
                continue
            radius_px = 1.04 * f * min(self.axes_px)
            step = (blob_diameter + 1) / max(radius_px, 1.0)
            drift = 0.4 * ((k + 0.5) / self.n_slices - 0.55) / 0.28  # arteries wind along z
            for angle in np.arange(-np.pi, np.pi, step):
                gap = min(abs(np.angle(np.exp(1j * (angle - a - drift)))) for a in _ARTERY_ANGLES)
                row = int(round(self.center_px[0] + 1.04 * f * self.axes_px[0] * np.sin(angle)))
                col = int(round(self.center_px[1] + 1.04 * f * self.axes_px[1] * np.cos(angle)))
                sites.append((gap + rng.uniform(0, 0.6), k, row, col))
        sites.sort()
        return [(k, row, col) for _, k, row, col in sites]


class CalciumSeries(SyntheticSeries):
    """Calcium-scoring CT: ``truth`` is a :class:`CalciumTruth`; ``heart_roi()`` its ROI."""

    phantom: _CalciumPhantom

    def heart_roi(self) -> np.ndarray:
        """Boolean (slices, rows, cols) ROI within which the truth score was computed."""
        return np.stack([self.phantom.roi_slice(k) for k in range(self.grid.n_slices)])


def _score_plaque_slices(phantom: _CalciumPhantom) -> tuple[AgatstonResult, tuple[int, ...]]:
    """Score the slices holding plaques; the others hold none inside the ROI."""
    ks = tuple(sorted(phantom.plaques))
    if not ks:
        return AgatstonResult(0.0, ()), ks
    hu = np.stack([phantom.stored_slice(k).astype(np.float32) + RESCALE_INTERCEPT for k in ks])
    roi = np.stack([phantom.roi_slice(k) for k in ks])
    result = agatston_score(
        hu,
        pixel_spacing_mm=(phantom.spacing, phantom.spacing),
        slice_thickness_mm=phantom.thickness,
        roi=roi,
    )
    return result, ks


def calcium_ct_series(
    *,
    seed: int,
    target_class: str,
    identity: PlantedIdentity,
    slice_thickness_mm: float = 3.0,
    n_slices: int = 120,
    size: int = 512,
    pixel_spacing_mm: float = 0.7,
) -> CalciumSeries:
    """A non-contrast thoracic CT whose coronary calcium falls in Agatston ``target_class``."""
    if target_class not in CLASSES:
        raise ValueError(f"target_class must be one of {CLASSES}, got {target_class!r}")
    if size < 64:
        raise ValueError(f"size must be >= 64 pixels, got {size}")
    if n_slices < 8:
        raise ValueError(f"n_slices must be >= 8, got {n_slices}")
    if not (0 < slice_thickness_mm <= 10) or not (0.1 <= pixel_spacing_mm <= 2):
        raise ValueError("slice_thickness_mm must be in (0, 10] and pixel_spacing_mm in [0.1, 2]")
    phantom = _CalciumPhantom(
        seed=seed,
        size=size,
        n_slices=n_slices,
        spacing=pixel_spacing_mm,
        thickness=slice_thickness_mm,
    )
    # Noise may nudge a plaque across a weight band; retry a new layout until the class holds
    # (targets sit well inside their band, so one attempt is nearly always enough).
    for attempt in range(8):
        phantom.plan_plaques(target_class, attempt)
        result, ks = _score_plaque_slices(phantom)
        if agatston_class(result.score) == target_class:
            break
    else:
        raise RuntimeError(f"could not place calcium of class {target_class}")
    truth = CalciumTruth(target_class, result.score, result.agatston_class, result, ks)
    grid = Grid(size, size, n_slices, (pixel_spacing_mm, pixel_spacing_mm), slice_thickness_mm)
    spec = SeriesSpec(
        number=2,
        description=f"CALCIUM SCORE {slice_thickness_mm:g}MM",
        kvp=120,
        pixels=phantom.stored_slice,
        extra={"BodyPartExamined": "CHEST", "ContrastBolusAgent": ""},
    )
    series = CalciumSeries(
        identity=identity,
        grid=grid,
        series=[spec],
        truth=truth,
        study_description="CT CORONARY CALCIUM",
        procedure=("CTCAC", "CT CALCIUM SCORING"),
    )
    series.phantom = phantom
    return series
