"""Segmentation masks: ``<exam_id>.nii.gz`` files in a zip or a folder, one exam at a time.

Only one exam's truth and prediction are in memory at once, decoded without copies
(``np.frombuffer`` on the decompressed bytes). Every member is size-limited while it is
decompressed, whatever its headers claim, so zip or gzip bombs stop at the limit.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import nibabel as nib
import numpy as np

from scoring.errors import InvalidTruth, Problem, SubmissionInvalid, shown
from scoring.metrics import MaskCounts

SUFFIXES = (".nii.gz", ".nii")
MAX_ENTRIES = 100_000
MAX_TRUTH_BYTES = 2 * 1024**3  # one decoded truth mask
HEADER_SLACK = 1024**2  # header and extensions beyond the voxels of a prediction
SPACING_RTOL = 1e-3
DEFLATE_MAX_RATIO = 1032  # the most deflate can expand its input
_UNSAFE = re.compile(r"(^[/\\])|(^[A-Za-z]:)|(^|[/\\])\.\.([/\\]|$)")


class MaskError(Exception):
    """One mask file cannot be used; the message completes '<file name> ...'."""


@dataclass(frozen=True)
class Grid:
    """Where a mask's voxels lie: shape, spacing (mm) and axis orientation codes."""

    shape: tuple[int, ...]
    spacing: tuple[float, ...]
    axes: tuple[str, ...]


@dataclass(frozen=True)
class Mask:
    """A decoded binary mask, flat in file order, with the grid it lies on."""

    voxels: np.ndarray  # bool, one-dimensional
    grid: Grid


class MaskSource:
    """The masks of a zip archive or a folder, indexed by exam id; problems collected."""

    def __init__(self, path: Path, label: str):
        self.label, self.problems, self.readable = label, [], True
        self.names: dict[str, str] = {}  # exam id -> member or file name
        self._zip: zipfile.ZipFile | None = None
        self._folder: Path | None = None
        if path.is_dir():
            self._folder = path
            listing = [p.name + ("/" if p.is_dir() else "") for p in sorted(path.iterdir())]
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError, ValueError) as error:
                reason = "does not exist" if not path.exists() else "is not a readable zip archive"
                self.problems.append(Problem(label, f"{reason} ({type(error).__name__})"))
                self.readable = False
                return
            listing = [info.filename for info in self._zip.infolist()]
        if len(listing) > MAX_ENTRIES:
            self.problems.append(Problem(label, f"has {len(listing)} entries, over {MAX_ENTRIES}"))
            return
        for name in listing:
            self._index(name)

    def _index(self, name: str) -> None:
        base = name.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith("__MACOSX/") or base == ".DS_Store":
            return  # archive tool litter
        if _UNSAFE.search(name):
            self.problems.append(
                Problem(shown(name), "has an unsafe path (absolute or '..'): refused")
            )
        elif name.endswith("/") and self._zip is not None:
            return  # a folder entry; what it holds is reported entry by entry
        elif name.endswith("/"):
            self.problems.append(
                Problem(shown(name), "is a folder: masks must be at the top level")
            )
        elif "/" in name or "\\" in name:
            self.problems.append(
                Problem(shown(name), "is inside a folder: masks must be at the top level")
            )
        elif base.lower().endswith(".zip"):
            self.problems.append(
                Problem(shown(name), "is an archive inside the archive: give the masks themselves")
            )
        elif not base.endswith(SUFFIXES):
            self.problems.append(Problem(shown(name), "is not a mask named <exam_id>.nii.gz"))
        else:
            exam = base[: -len(next(s for s in SUFFIXES if base.endswith(s)))]
            if exam in self.names:
                self.problems.append(
                    Problem(shown(name), f"is a second mask for exam {shown(exam)}")
                )
            else:
                self.names[exam] = name

    def read(self, exam: str, limit: int) -> Mask:
        """Decode one exam's mask, refusing to produce more than ``limit`` bytes."""
        name = self.names[exam]
        data = self._raw(name, limit)
        if name.endswith(".gz"):
            data = gunzip(data, limit)
        return decode(data)

    def _raw(self, name: str, limit: int) -> bytes:
        try:
            if self._folder is not None:
                path = self._folder / name
                if path.stat().st_size > limit:
                    raise MaskError(f"is larger than the {limit}-byte limit for this exam")
                return path.read_bytes()
            info = self._zip.getinfo(name)
            if info.flag_bits & 0x1:
                raise MaskError("is encrypted")
            if info.file_size > limit:
                raise MaskError(
                    f"is declared as {info.file_size} bytes, over the {limit}-byte limit"
                )
            with self._zip.open(info) as member:
                data = member.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
            raise MaskError(f"cannot be read from the archive ({error})") from None
        if len(data) > limit:
            raise MaskError(f"expands beyond {limit} bytes: refused as a possible zip bomb")
        return data

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


@contextmanager
def open_masks(path: Path, label: str) -> Iterator[MaskSource]:
    source = MaskSource(path, label)
    try:
        yield source
    finally:
        source.close()


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip data (all members), never producing more than ``limit`` bytes."""
    if len(data) >= 18 and len(data) * DEFLATE_MAX_RATIO + HEADER_SLACK <= limit:
        # Deflate cannot expand more than ~1032:1, so this input cannot exceed the limit
        # whatever its header claims: inflate at once into a buffer of the size the gzip
        # trailer announces (3x faster than a growing buffer on a 26 MB mask).
        announced = int.from_bytes(data[-4:], "little")
        try:
            out = zlib.decompress(data, wbits=31, bufsize=max(min(announced, limit), 1))
        except zlib.error:
            out = None  # the careful path below names the fault
        if out is not None and len(out) == announced:
            return out  # one member, as announced (else: several members, or a lie)
    return _gunzip_bounded(data, limit)


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    parts, total = [], 0
    try:
        while data:
            inflater = zlib.decompressobj(wbits=31)
            part = inflater.decompress(data, limit + 1 - total)
            total += len(part)
            parts.append(part)
            if total > limit:
                raise MaskError(
                    f"decompresses beyond {limit} bytes: refused as a possible gzip bomb"
                )
            if not inflater.eof:
                raise MaskError("is a truncated gzip file")
            data = inflater.unused_data
    except zlib.error as error:
        raise MaskError(f"is not valid gzip data ({error})") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def decode(data: bytes) -> Mask:
    """A binary NIfTI-1/2 mask from the file's bytes, as a flat bool view when possible."""
    header = _header(data)
    shape = tuple(int(n) for n in header.get_data_shape())
    dtype = header.get_data_dtype()
    if dtype.kind not in "biuf":
        raise MaskError(f"has voxel type {dtype}, expected integers or floats")
    count, offset = int(np.prod(shape)), int(header.get_data_offset())
    if len(data) < offset + count * dtype.itemsize:
        raise MaskError(f"is truncated: {len(data)} bytes for a {shape} volume of {dtype}")
    voxels = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    slope, inter = header.get_slope_inter()
    if (slope is not None and slope != 1) or (inter is not None and inter != 0):
        voxels = voxels * slope + (inter or 0)
    spacing = tuple(float(z) for z in header.get_zooms()[:3])
    axes = tuple(nib.aff2axcodes(header.get_best_affine()))
    return Mask(_binary(voxels), Grid(shape, spacing, axes))


def _header(data: bytes) -> nib.Nifti1Header:
    if len(data) < 348:
        raise MaskError("is too short to be a NIfTI file")
    size = int.from_bytes(data[:4], "little")
    kind = {348: nib.Nifti1Header, 540: nib.Nifti2Header}
    cls = kind.get(size) or kind.get(int.from_bytes(data[:4], "big"))
    if cls is None:
        raise MaskError("is not a NIfTI file (bad header size)")
    try:
        header = cls.from_fileobj(BytesIO(data), check=True)
    except Exception as error:  # nibabel raises several kinds for a damaged header
        raise MaskError(f"has an unreadable NIfTI header ({error})") from None
    if header["magic"].item() not in (b"n+1", b"n+2"):
        raise MaskError("is not a single-file NIfTI (.nii) image")
    return header


def _binary(voxels: np.ndarray) -> np.ndarray:
    if voxels.dtype == np.bool_:
        return voxels
    if voxels.size == 0:
        return voxels.astype(bool)
    # Integers are checked by range first: two fast reductions instead of a full comparison.
    out_of_range = voxels.max() > 1 or (voxels.dtype.kind == "i" and voxels.min() < 0)
    bad = (
        np.count_nonzero((voxels != 0) & (voxels != 1))
        if voxels.dtype.kind == "f" or out_of_range
        else 0
    )
    if bad:
        example = voxels[(voxels != 0) & (voxels != 1)][0]
        raise MaskError(f"is not binary: {bad} voxels are neither 0 nor 1 (e.g. {example})")
    return voxels.view(np.bool_) if voxels.dtype.itemsize == 1 else voxels != 0


def _grid_problem(pred: Grid, truth: Grid) -> str | None:
    if pred.shape != truth.shape:
        return f"has shape {pred.shape}, the exam's grid is {truth.shape}"
    if not np.allclose(pred.spacing, truth.spacing, rtol=SPACING_RTOL, atol=1e-6):
        shown_spacing = tuple(round(s, 4) for s in pred.spacing)
        return f"has voxel spacing {shown_spacing} mm, the exam's is {truth.spacing} mm"
    if pred.axes != truth.axes:
        return f"has axis orientation {''.join(pred.axes)}, the exam's is {''.join(truth.axes)}"
    return None


def mask_counts(truth: Path, predictions: Path) -> dict[str, MaskCounts]:
    """Validate every mask of a submission against the truth and count voxels, in one pass.

    Raises ``InvalidTruth`` or ``SubmissionInvalid`` with every problem found; returns the
    counts only when both are wholly valid.
    """
    with (
        open_masks(truth, "truth") as truth_src,
        open_masks(predictions, "predictions") as pred_src,
    ):
        truth_problems, pred_problems = truth_src.problems, pred_src.problems
        if not truth_src.names and not truth_problems:
            truth_problems.append(Problem("truth", "holds no <exam_id>.nii.gz mask"))
        if pred_src.readable:
            pred_problems += [
                Problem(pred_src.names[e], "is not an exam of this test set")
                for e in sorted(pred_src.names.keys() - truth_src.names.keys())
            ]
            pred_problems += [
                Problem(e, "has no mask in the predictions")
                for e in sorted(truth_src.names.keys() - pred_src.names.keys())
            ]
        counts = {}
        for exam in sorted(truth_src.names.keys() & pred_src.names.keys()):
            try:
                truth_mask = truth_src.read(exam, MAX_TRUTH_BYTES)
            except MaskError as error:
                truth_problems.append(Problem(truth_src.names[exam], str(error)))
                continue
            # Truth masks are sparse: keep the indices of their voxels and free the decoded
            # volume before the prediction's is decoded (one volume in memory, and the
            # allocator reuses its pages instead of faulting in fresh ones for each exam).
            grid, inside = truth_mask.grid, np.flatnonzero(truth_mask.voxels)
            del truth_mask
            try:
                pred_mask = pred_src.read(exam, int(np.prod(grid.shape)) * 8 + HEADER_SLACK)
                grid_problem = _grid_problem(pred_mask.grid, grid)
                if grid_problem:
                    raise MaskError(grid_problem)
            except MaskError as error:
                pred_problems.append(Problem(pred_src.names[exam], str(error)))
                continue
            predicted = int(np.count_nonzero(pred_mask.voxels))
            overlap = int(np.count_nonzero(pred_mask.voxels[inside])) if inside.size else 0
            counts[exam] = MaskCounts(inside.size, predicted, overlap, float(np.prod(grid.spacing)))
            del pred_mask

    if truth_problems:
        raise InvalidTruth(truth_problems)
    if pred_problems:
        raise SubmissionInvalid(pred_problems)
    return counts
