"""Cervical dual-energy CT (DECT) with normal and pathological lymph nodes and their mask.

Dual energy is represented as a dual-source scanner exports it: TWO series in one study, 80 kVp
(series 3) and Sn140 kVp (series 4, tin-filtered), sharing one FrameOfReferenceUID and the very
same grid (positions, spacing, size). The ground-truth mask therefore lies on the grid of both
series; ``truth.series_numbers`` names them. Iodine-enhanced structures (vessels, node rims)
are brighter at 80 kVp, bone too; fat is slightly lower; muscle is the same.

Anatomy is in millimetres on a fixed 240 mm field (pixel spacing = 240 / size), so at small
test sizes the voxels are coarse but the nodes keep their real size. Pathological nodes are
round, 12-20 mm across, with an enhancing rim and a necrotic centre; normal nodes are small
flat ovoids. The mask marks every voxel of every pathological node (rim and necrosis).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .identity import PlantedIdentity
from .series import RESCALE_INTERCEPT, Grid, SeriesSpec, SyntheticSeries

FIELD_OF_VIEW_MM = 240.0
ENERGIES = ((3, "DE NECK 80KV", 80.0), (4, "DE NECK SN140KV", 140.0))
# HU at (80 kVp, Sn140 kVp)
_HU = {
    "air": (-1000.0, -1000.0),
    "fat": (-110.0, -90.0),
    "muscle": (55.0, 55.0),
    "bone": (950.0, 620.0),
    "canal": (30.0, 30.0),
    "artery": (380.0, 160.0),
    "vein": (300.0, 140.0),
    "node": (95.0, 65.0),
    "node_rim": (140.0, 85.0),
    "necrosis": (25.0, 30.0),
}
_NOISE_HU = (12.0, 8.0)
_COMPARTMENTS = ((-38.0, -2.0), (38.0, -2.0))  # fat along the jugular chains, (x, y) mm


@dataclass(frozen=True)
class Node:
    center_mm: tuple[float, float, float]  # (x, y, z) in patient coordinates
    radii_mm: tuple[float, float, float]
    pathological: bool


@dataclass(frozen=True)
class NeckTruth:
    mask: np.ndarray  # uint8 (slices, rows, cols): 1 = pathological lymph node
    spacing_mm: tuple[float, float, float]  # (slice, row, col), same axis order as mask
    sick: bool
    pathological_volume_mm3: float
    nodes: tuple[Node, ...]
    series_numbers: tuple[int, ...]  # the series whose grid the mask is on


def _static_slice(grid: Grid, energy: int) -> np.ndarray:
    """HU of the neck without nodes (constant along z), smoothed at the voxel scale."""
    x0, y0, _ = grid.origin_mm
    xs = x0 + np.arange(grid.cols, dtype=np.float32) * grid.pixel_spacing_mm[1]
    ys = y0 + np.arange(grid.rows, dtype=np.float32) * grid.pixel_spacing_mm[0]
    x, y = np.meshgrid(xs, ys)

    def ellipse(cx, cy, ax, ay):
        return ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1

    hu = np.full(x.shape, _HU["air"][energy], dtype=np.float32)
    hu[ellipse(0, 5, 70, 60)] = _HU["fat"][energy]
    hu[ellipse(0, 5, 62, 52)] = _HU["muscle"][energy]
    for side in (-1, 1):
        cx, cy = _COMPARTMENTS[side > 0]
        hu[ellipse(cx, cy, 17, 15)] = _HU["fat"][energy]
        hu[ellipse(side * 22, -8, 4, 4)] = _HU["artery"][energy]  # common carotid
        hu[ellipse(side * 30, -14, 6, 5)] = _HU["vein"][energy]  # internal jugular
        hu[ellipse(side * 50, -22, 8, 16)] = _HU["muscle"][energy]  # sternocleidomastoid
    hu[ellipse(0, -28, 10, 8)] = _HU["air"][energy]  # trachea
    hu[ellipse(0, 25, 14, 12)] = _HU["bone"][energy]  # vertebral body
    hu[ellipse(0, 42, 7, 6)] = _HU["canal"][energy]
    return ndimage.gaussian_filter(hu, sigma=0.6)


def _draw_nodes(rng: np.random.Generator, sick: bool, coverage_mm: float) -> list[Node]:
    nodes: list[Node] = []
    n_path = int(rng.integers(1, 4)) if sick else 0
    n_normal = int(rng.integers(4, 9))
    wanted = [True] * n_path + [False] * n_normal
    for pathological in wanted:
        for _ in range(200):  # rejection sampling: nodes do not overlap
            if pathological:
                r = float(rng.uniform(6.0, 10.0))
                radii = (r, r * rng.uniform(0.85, 1.0), r)
            else:
                short = float(rng.uniform(2.0, 3.5))
                radii = (short, short * rng.uniform(0.6, 0.9), rng.uniform(4.0, 7.0))
            rz = min(radii[2], coverage_mm / 2 - 1.0)
            radii = (radii[0], radii[1], rz)
            cx, cy = _COMPARTMENTS[int(rng.integers(0, 2))]
            center = (
                cx + float(rng.uniform(-8, 8)),
                cy + float(rng.uniform(-7, 7)),
                float(rng.uniform(-coverage_mm / 2 + rz, coverage_mm / 2 - rz)),
            )
            if all(
                np.linalg.norm(np.subtract(center, o.center_mm)) > max(radii) + max(o.radii_mm) + 1
                for o in nodes
            ):
                nodes.append(Node(center, tuple(float(v) for v in radii), pathological))
                break
    return nodes


def _node_box(grid: Grid, node: Node, shrink: float = 1.0):
    """(slices, rows, cols) index box of a node and its boolean ellipsoid inside the box."""
    x0, y0, z0 = grid.origin_mm
    step = (grid.slice_thickness_mm, grid.pixel_spacing_mm[0], grid.pixel_spacing_mm[1])
    centre = (node.center_mm[2] - z0, node.center_mm[1] - y0, node.center_mm[0] - x0)
    radii = (node.radii_mm[2] * shrink, node.radii_mm[1] * shrink, node.radii_mm[0] * shrink)
    bounds = []
    for c, r, s, n in zip(centre, radii, step, grid.shape, strict=True):
        bounds.append((max(int(np.floor((c - r) / s)), 0), min(int(np.ceil((c + r) / s)) + 1, n)))
    axes = [
        (np.arange(lo, hi) * s - c) / r
        for (lo, hi), c, r, s in zip(bounds, centre, radii, step, strict=True)
    ]
    inside = axes[0][:, None, None] ** 2 + axes[1][None, :, None] ** 2 + axes[2][None, None] ** 2
    box = tuple(slice(lo, hi) for lo, hi in bounds)
    return box, inside <= 1.0


class _NeckPhantom:
    def __init__(self, *, seed: int, sick: bool, grid: Grid):
        self.seed, self.grid = seed, grid
        rng = np.random.default_rng([seed, 3])
        self.nodes = _draw_nodes(rng, sick, grid.n_slices * grid.slice_thickness_mm)
        self.static = [_static_slice(grid, e) for e in (0, 1)]
        # (box, ellipsoid, HU-pair key) painted in order: whole node, then necrotic core.
        self.paint: list[tuple[tuple[slice, ...], np.ndarray, str]] = []
        self.mask = np.zeros(grid.shape, dtype=np.uint8)
        for node in self.nodes:
            box, inside = _node_box(grid, node)
            self.paint.append((box, inside, "node_rim" if node.pathological else "node"))
            if node.pathological:
                self.mask[box] |= inside.astype(np.uint8)
                core_box, core = _node_box(grid, node, shrink=0.65)
                self.paint.append((core_box, core, "necrosis"))

    def stored_slice(self, energy: int, number: int, k: int) -> np.ndarray:
        hu = self.static[energy].copy()
        for box, inside, key in self.paint:
            if box[0].start <= k < box[0].stop:
                region = hu[box[1], box[2]]
                region[inside[k - box[0].start]] = _HU[key][energy]
        rng = np.random.default_rng([self.seed, number, k])
        hu += rng.standard_normal(hu.shape, dtype=np.float32) * np.float32(_NOISE_HU[energy])
        np.clip(hu, -1024, 3071, out=hu)
        return np.rint(hu - RESCALE_INTERCEPT).astype(np.int16)


def neck_dect_series(
    *,
    seed: int,
    sick: bool,
    identity: PlantedIdentity,
    n_slices: int = 60,
    size: int = 512,
    slice_thickness_mm: float = 2.0,
) -> SyntheticSeries:
    """Contrast-enhanced cervical DECT: 80 kVp and Sn140 kVp series and the node mask."""
    if size < 32:
        raise ValueError(f"size must be >= 32 pixels, got {size}")
    if n_slices < 8:
        raise ValueError(f"n_slices must be >= 8, got {n_slices}")
    if not 0.5 <= slice_thickness_mm <= 5:
        raise ValueError("slice_thickness_mm must be in [0.5, 5]")
    spacing = FIELD_OF_VIEW_MM / size
    grid = Grid(size, size, n_slices, (spacing, spacing), slice_thickness_mm)
    phantom = _NeckPhantom(seed=seed, sick=sick, grid=grid)
    truth = NeckTruth(
        mask=phantom.mask,
        spacing_mm=(slice_thickness_mm, spacing, spacing),
        sick=sick,
        pathological_volume_mm3=float(np.count_nonzero(phantom.mask)) * grid.voxel_volume_mm3,
        nodes=tuple(phantom.nodes),
        series_numbers=tuple(n for n, _, _ in ENERGIES),
    )
    if sick and not phantom.mask.any():
        raise RuntimeError("pathological node fell outside the grid")  # guarded by placement
    specs = [
        SeriesSpec(
            number=number,
            description=description,
            kvp=kvp,
            pixels=lambda k, e=energy, n=number: phantom.stored_slice(e, n, k),
            extra={
                "BodyPartExamined": "NECK",
                "ContrastBolusAgent": "IOMERON 350",
                "FilterMaterial": "TIN" if kvp == 140 else "NONE",
                "ConvolutionKernel": "Qr40",
            },
        )
        for energy, (number, description, kvp) in enumerate(ENERGIES)
    ]
    return SyntheticSeries(
        identity=identity,
        grid=grid,
        series=specs,
        truth=truth,
        study_description="CT NECK DUAL ENERGY",
        procedure=("CTNECKDE", "CT NECK WITH CONTRAST"),
    )
