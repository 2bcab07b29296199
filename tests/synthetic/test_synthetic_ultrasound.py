"""Breast ultrasound JPEG: metadata segments, burned-in header, nodule shape, determinism."""

import io
import shutil

import numpy as np
import pytest
from PIL import Image

from synthetic.identity import PlantedIdentity
from synthetic.ultrasound import (
    breast_nodule_mask,
    breast_ultrasound_jpeg,
    field_box,
    header_band_box,
)

SIZE = (300, 400)


def _jpeg(seed=3, malignant=False, size=SIZE):
    identity = PlantedIdentity.from_seed(seed, sex="F")
    return breast_ultrasound_jpeg(seed=seed, malignant=malignant, identity=identity, size=size)


def _segments(data: bytes) -> list[int]:
    """JPEG marker codes from SOI up to SOS (metadata lives before the scan)."""
    markers, i = [], 2
    while i < len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


def test_opens_with_pillow_and_carries_every_metadata_segment():
    data = _jpeg()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (SIZE[1], SIZE[0])
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(image.info)
    exif = image.getexif()
    identity = PlantedIdentity.from_seed(3, sex="F")
    assert identity.patient_name in exif[0x010E]
    assert exif[0x0132] == identity.exif_datetime
    assert exif.get_ifd(0x8769)[0xA431] == identity.device_serial_number
    assert exif.get_ifd(0x8825)[1] == "N"
    markers = _segments(data)
    assert 0xE1 in markers and 0xE2 in markers and 0xFE in markers  # APP1, APP2 (ICC), COM
    eoi = data.rindex(b"\xff\xd9")
    assert identity.patient_id.encode() in data[eoi + 2 :]  # trailing bytes after EOI


def test_every_jpeg_token_is_in_the_raw_bytes():
    identity = PlantedIdentity.from_seed(3, sex="F")
    data = _jpeg()
    for token in identity.jpeg_tokens():
        assert token.encode() in data, token


def test_header_band_is_burned_in_and_field_below_it():
    pixels = np.asarray(Image.open(io.BytesIO(_jpeg())).convert("L"))
    left, top, right, bottom = header_band_box(SIZE)
    band = pixels[top:bottom, left:right]
    assert (band > 150).mean() > 0.02  # text strokes
    assert np.median(band) < 30  # on a black band
    assert field_box(SIZE)[1] >= bottom


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_tesseract_reads_the_burned_in_date():
    pytesseract = pytest.importorskip("pytesseract")
    image = Image.open(io.BytesIO(_jpeg(size=(600, 800))))
    text = pytesseract.image_to_string(image.crop(header_band_box((600, 800))))
    assert PlantedIdentity.from_seed(3, sex="F").study_date_burned in text


def _irregularity(mask: np.ndarray) -> float:
    """Perimeter² / (4 pi area): 1 for a disc, larger for lobulated or spiculated outlines."""
    m = mask.astype(np.int8)
    perimeter = np.abs(np.diff(m, axis=0)).sum() + np.abs(np.diff(m, axis=1)).sum()
    perimeter *= np.pi / 4  # 4-neighbour edge count overestimates a smooth outline by 4/pi
    return float(perimeter**2 / (4 * np.pi * m.sum()))


def test_malignant_outlines_are_more_irregular_and_taller_than_wide():
    benign = [breast_nodule_mask(seed=s, malignant=False, size=SIZE) for s in range(6)]
    malignant = [breast_nodule_mask(seed=s, malignant=True, size=SIZE) for s in range(6)]
    assert max(map(_irregularity, benign)) < min(map(_irregularity, malignant))

    def height_over_width(mask):
        rows, cols = np.nonzero(mask)
        return np.ptp(rows) / np.ptp(cols)

    assert all(height_over_width(m) < 1 for m in benign)
    assert np.median([height_over_width(m) for m in malignant]) > 1


@pytest.mark.parametrize("malignant", [False, True])
def test_nodule_is_hypoechoic(malignant):
    pixels = np.asarray(Image.open(io.BytesIO(_jpeg(malignant=malignant))).convert("L"))
    mask = breast_nodule_mask(seed=3, malignant=malignant, size=SIZE)
    left, top, right, bottom = field_box(SIZE)
    field = np.zeros_like(mask)
    field[top:bottom, left:right] = True
    assert pixels[mask].mean() < 0.5 * pixels[field & ~mask].mean()


def test_same_seed_same_bytes():
    assert _jpeg(seed=7) == _jpeg(seed=7)
    assert _jpeg(seed=7) != _jpeg(seed=8)


def test_too_small_size_is_refused():
    with pytest.raises(ValueError, match="size"):
        _jpeg(size=(100, 100))
