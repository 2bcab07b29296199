"""Blank ultrasound pixels outside the SequenceOfUltrasoundRegions rectangles.

Scanners burn the patient's name, ID and date into the frame around the imaging
sector; the regions list the rectangles that hold image data. For native
(uncompressed) pixel data the bytes are edited in place through a numpy view, which
is lossless for the pixels kept. Compressed pixel data would need a decode and a
lossy re-encode, so it is left unchanged and held for review instead.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.uid import UID

_DTYPES = {8: np.uint8, 16: np.uint16, 32: np.uint32}


def blank_outside_regions(out: Dataset, transfer_syntax: UID) -> list[str]:
    """Zero (or white-out for MONOCHROME1) every pixel outside all regions.

    Returns hold reasons when the pixels could not be cleaned.
    """
    if transfer_syntax.is_compressed:
        return ["us_compressed_not_blanked"]
    boxes = _region_boxes(out)
    bits = int(out.BitsAllocated)
    if not boxes or bits not in _DTYPES or "PixelData" not in out:
        return ["us_not_blanked"]
    flat, pixels = _pixel_view(out, bits, transfer_syntax)
    keep = np.zeros(pixels.shape[1:3], dtype=bool)
    for x0, y0, x1, y1 in boxes:
        keep[y0 : y1 + 1, x0 : x1 + 1] = True
    monochrome1 = str(out.get("PhotometricInterpretation", "")) == "MONOCHROME1"
    pixels[:, ~keep] = (1 << int(out.get("BitsStored") or bits)) - 1 if monochrome1 else 0
    out["PixelData"] = DataElement(0x7FE00010, out["PixelData"].VR, flat.tobytes())
    return []


def _region_boxes(ds: Dataset) -> list[tuple[int, int, int, int]]:
    boxes = []
    for region in ds.get("SequenceOfUltrasoundRegions") or []:
        try:
            box = tuple(
                int(region[k].value)
                for k in ("RegionLocationMinX0", "RegionLocationMinY0")
                + ("RegionLocationMaxX1", "RegionLocationMaxY1")
            )
        except (KeyError, TypeError, ValueError):
            continue
        boxes.append(box)
    return boxes


def _pixel_view(ds: Dataset, bits: int, transfer_syntax: UID) -> tuple[np.ndarray, np.ndarray]:
    """A copy of the pixels, flat in stored order, and a (frames, rows, cols[, samples])
    view of it: edits through the view land in the flat copy."""
    dtype = np.dtype(_DTYPES[bits]).newbyteorder("<" if transfer_syntax.is_little_endian else ">")
    rows, cols = int(ds.Rows), int(ds.Columns)
    frames = int(ds.get("NumberOfFrames") or 1)
    samples = int(ds.get("SamplesPerPixel") or 1)
    count = rows * cols * frames * samples
    flat = np.frombuffer(ds.PixelData, dtype=dtype, count=count).copy()
    if samples == 1:
        return flat, flat.reshape(frames, rows, cols)
    if int(ds.get("PlanarConfiguration") or 0) == 1:
        # colour-by-plane: move samples last so [:, ~keep] addresses pixels
        return flat, flat.reshape(frames, samples, rows, cols).transpose(0, 2, 3, 1)
    return flat, flat.reshape(frames, rows, cols, samples)
