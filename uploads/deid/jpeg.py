"""De-identify an ultrasound JPEG: drop every metadata segment, mask burned-in text.

Segment filter (lossless): keep SOI, the frame and table segments (SOFn, DHT, DAC,
DQT, DRI, DNL, DHP, EXP, JPEG-LS SOF55/LSE), every SOS with its entropy-coded data,
and EOI; drop APP0-APP15 (JFIF/JFXX thumbnails, EXIF with GPS and serial numbers,
XMP, ICC, IPTC/Photoshop), COM, unknown markers and any byte after EOI. The one
exception is the Adobe APP14 segment, rebuilt with only its colour-transform fields
(no free text): without it RGB- and CMYK-coded JPEGs would decode with wrong colours.

Re-encoding (quality 100, 4:4:4, never carrying info from the source) happens only
when the pixels must change:
- EXIF orientation other than 1: the orientation tag goes with EXIF, so the pixels
  are rotated to keep the image upright. JPEG lossless rotation (jpegtran) needs
  dimensions that are multiples of the MCU, so we re-encode instead, and say so in
  `metadata["reencoded"]` / `metadata["orientation_applied"]`.
- burned-in text was found: its boxes are painted black.
The duplicate key is computed over the ORIGINAL entropy-coded scans, so it survives
segment stripping and is the same whether or not we later re-encode.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

from . import ocr
from .errors import DeidRejected
from .uids import keyed_hash

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in pixels, right/bottom exclusive

# C0-CF: SOF0-15, DHT (C4), JPG (C8, reserved, dropped), DAC (CC); DB DQT, DC DNL,
# DD DRI, DE DHP, DF EXP; F7 SOF55 and F8 LSE of JPEG-LS.
_KEPT = (set(range(0xC0, 0xD0)) - {0xC8}) | {0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF7, 0xF8}
_SOS, _EOI, _APP14 = 0xDA, 0xD9, 0xEE
_STANDALONE = set(range(0xD0, 0xD8)) | {0x01}  # RSTn and TEM carry no length


@dataclass
class JpegOutcome:
    """What the pipeline keeps about one de-identified JPEG. `text_regions` are boxes
    (left, top, right, bottom), right/bottom exclusive, in the output image."""

    pixel_key: str
    metadata: dict = field(default_factory=dict)
    text_regions: list[Box] = field(default_factory=list)
    hold_reasons: list[str] = field(default_factory=list)


@dataclass
class Stripped:
    data: bytes  # the JPEG with only the kept segments
    scans: bytes  # every SOS header and its entropy-coded data, for the duplicate key


def deidentify_jpeg(
    src: BinaryIO | Path, dst: BinaryIO | Path, *, key: bytes, ocr: bool = True
) -> JpegOutcome:
    """Read one JPEG from `src`, write its de-identified copy to `dst`."""
    data = src.read_bytes() if isinstance(src, Path) else src.read()
    stripped = strip_segments(data)
    image, orientation = _decode(data)
    hold: list[str] = []
    boxes = _find_text(image, use_ocr=ocr, hold=hold)
    output = stripped.data
    if orientation != 1 or boxes:
        output = _reencode(image, boxes)
    if boxes:
        hold.append("burned_in_text_masked")  # a reviewer confirms nothing is left
    if isinstance(dst, Path):
        dst.write_bytes(output)
    else:
        dst.write(output)
    metadata = {
        "modality": "US",
        "rows": image.height,
        "columns": image.width,
        "orientation_applied": orientation,
        "reencoded": output is not stripped.data,
    }
    return JpegOutcome(keyed_hash(stripped.scans, key=key), metadata, boxes, hold)


def strip_segments(data: bytes) -> Stripped:
    """Keep only the segments needed to decode; raise DeidRejected on a broken file."""
    if not data:
        raise DeidRejected("empty", "The file is empty (zero bytes).")
    if not data.startswith(b"\xff\xd8\xff"):
        raise DeidRejected("not_jpeg", "The file is not a JPEG image.")
    kept, scans, pos = [b"\xff\xd8"], [], 2
    while True:
        pos = _next_marker(data, pos)
        marker = data[pos + 1]
        if marker == _EOI:
            kept.append(b"\xff\xd9")
            return Stripped(b"".join(kept), b"".join(scans))
        if marker in _STANDALONE:
            pos += 2
            continue
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end > len(data) or end < pos + 4:
            raise DeidRejected("truncated", "The JPEG file is cut short.")
        if marker == _SOS:
            end = _end_of_entropy_data(data, end)
            scans.append(data[pos:end])
            kept.append(data[pos:end])
        elif marker in _KEPT:
            kept.append(data[pos:end])
        elif marker == _APP14 and data[pos + 4 : pos + 9] == b"Adobe" and end - pos >= 16:
            kept.append(b"\xff\xee\x00\x0e" + data[pos + 4 : pos + 16])
        pos = end


def _next_marker(data: bytes, pos: int) -> int:
    if pos >= len(data) - 1 or data[pos] != 0xFF:
        raise DeidRejected("truncated", "The JPEG file is cut short or damaged.")
    while data[pos + 1] == 0xFF:  # fill bytes before a marker
        pos += 1
        if pos >= len(data) - 1:
            raise DeidRejected("truncated", "The JPEG file is cut short.")
    return pos


def _end_of_entropy_data(data: bytes, pos: int) -> int:
    # Inside a scan, 0xFF is followed by 0x00 (stuffing) or RSTn; anything else is
    # the next marker.
    while True:
        pos = data.find(b"\xff", pos)
        if pos == -1 or pos + 1 >= len(data):
            raise DeidRejected("truncated", "The JPEG file is cut short in its image data.")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def _decode(data: bytes) -> tuple[Image.Image, int]:
    """The image upright (EXIF orientation applied) and the orientation found."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            orientation = int(opened.getexif().get(0x0112, 1) or 1)
            opened.load()
            image = ImageOps.exif_transpose(opened) if orientation in range(2, 9) else opened.copy()
    except DeidRejected:
        raise
    except Exception:  # damaged scan data: Pillow's message may quote file contents
        raise DeidRejected("unreadable", "The JPEG image data cannot be decoded.") from None
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return image, orientation if orientation in range(2, 9) else 1


def _find_text(image: Image.Image, *, use_ocr: bool, hold: list[str]) -> list[Box]:
    gray = np.asarray(image.convert("L"))
    boxes = ocr.header_band_boxes(gray)
    if use_ocr:
        if ocr.tesseract_available():
            boxes += ocr.ocr_text_boxes(gray)
        else:
            hold.append("ocr_unavailable")
    return ocr.merge_boxes(boxes)


def _reencode(image: Image.Image, boxes: list[Box]) -> bytes:
    # A fresh image with an empty `info`: Pillow would otherwise write back the
    # source's comment, EXIF or ICC profile.
    pixels = np.array(image)
    for left, top, right, bottom in boxes:
        pixels[top:bottom, left:right] = 0
    clean = Image.fromarray(pixels, mode=image.mode)
    buffer = io.BytesIO()
    clean.save(buffer, "JPEG", quality=100, subsampling=0)
    return strip_segments(buffer.getvalue()).data  # drops the JFIF APP0 Pillow adds
