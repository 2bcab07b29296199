"""Render de-identified images for review pages (pure: pydicom, numpy, Pillow; no Django).

A CT slice is shown through a window (centre/width in HU: soft tissue by default, or the
file's own window); an ultrasound JPEG is shown as is. Regions where burned-in text was masked
are outlined so the reviewer checks them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pydicom
from PIL import Image, ImageDraw

SOFT_TISSUE = (40.0, 400.0)  # window centre, width (HU)
Box = tuple[int, int, int, int]


class RenderError(Exception):
    """The stored file cannot be shown; the message names no content of the file."""


def _first(value) -> float:
    return float(value[0] if isinstance(value, pydicom.multival.MultiValue) else value)


def window_to_8bit(values: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Map values through a linear window to 0–255 (DICOM PS3.3 C.11.2.1.2, simplified)."""
    low = centre - width / 2
    scaled = (values.astype(np.float32) - low) * (255.0 / max(width, 1.0))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def dicom_slice_png(
    source: Path | BinaryIO, *, window: tuple[float, float] | None = None, max_size: int = 512
) -> bytes:
    try:
        ds = pydicom.dcmread(source)
        pixels = ds.pixel_array
    except Exception as error:  # noqa: BLE001 - any decoding failure means "cannot show"
        raise RenderError("This image cannot be decoded for display.") from error
    if pixels.ndim == 3 and pixels.shape[-1] not in (3, 4):
        pixels = pixels[pixels.shape[0] // 2]  # multi-frame: the middle frame
    if pixels.ndim == 3:
        image = Image.fromarray(pixels.astype(np.uint8))
    else:
        slope = float(getattr(ds, "RescaleSlope", 1) or 1)
        intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
        values = pixels * slope + intercept
        if window is None and "WindowCenter" in ds and "WindowWidth" in ds:
            window = (_first(ds.WindowCenter), _first(ds.WindowWidth))
        image = Image.fromarray(window_to_8bit(values, *(window or SOFT_TISSUE)))
    return _png(image, max_size=max_size)


def jpeg_png(source: Path | BinaryIO, *, outline: Sequence[Box] = (), max_size: int = 800) -> bytes:
    try:
        image = Image.open(source)
        image.load()
    except Exception as error:  # noqa: BLE001
        raise RenderError("This image cannot be decoded for display.") from error
    image = image.convert("RGB")
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom in outline:
        draw.rectangle((left, top, right - 1, bottom - 1), outline=(255, 170, 0), width=3)
    return _png(image, max_size=max_size)


def _png(image: Image.Image, *, max_size: int) -> bytes:
    image.thumbnail((max_size, max_size))
    out = io.BytesIO()
    image.save(out, format="PNG")  # Pillow writes no text chunks unless asked to
    return out.getvalue()
