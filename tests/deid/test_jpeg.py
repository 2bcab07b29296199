"""Ultrasound JPEG: metadata segments gone losslessly, burned-in text masked."""

from __future__ import annotations

import io

import numpy as np
import planted
import pytest
from conftest import KEY, OTHER_KEY
from PIL import Image

from uploads.deid import DeidRejected, deidentify_jpeg, detect_kind
from uploads.deid import ocr as ocr_module
from uploads.deid.jpeg import strip_segments

needs_tesseract = pytest.mark.skipif(
    not ocr_module.tesseract_available(), reason="tesseract binary not installed"
)


def run(data: bytes, **kwargs):
    out = io.BytesIO()
    outcome = deidentify_jpeg(io.BytesIO(data), out, key=kwargs.pop("key", KEY), **kwargs)
    return out.getvalue(), outcome


def markers(data: bytes) -> list[int]:
    """Marker codes of the segments before the first scan, walking lengths."""
    found, pos = [], 2
    while data[pos + 1] != 0xDA:
        found.append(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return found


def leaked(data: bytes) -> list[str]:
    return [t for t in planted.JPEG_TOKENS.values() if t.encode() in data]


def test_metadata_segments_removed_and_scan_bytes_unchanged():
    source = planted.jpeg_with_metadata(planted.ultrasound_frame(header=False))
    assert len(leaked(source)) == len(planted.JPEG_TOKENS)
    output, outcome = run(source, ocr=False)
    assert leaked(output) == []
    assert not any(0xE0 <= m <= 0xEF or m == 0xFE for m in markers(output))
    assert output.endswith(b"\xff\xd9") and output.count(b"\xff\xd9") == 1
    assert strip_segments(output).scans == strip_segments(source).scans
    sos = source.index(b"\xff\xda")
    assert output[output.index(b"\xff\xda") :] == source[sos : source.rindex(b"\xff\xd9") + 2]
    original = np.asarray(Image.open(io.BytesIO(source)))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(output))), original)
    assert outcome.metadata == {
        "modality": "US",
        "rows": 240,
        "columns": 320,
        "orientation_applied": 1,
        "reencoded": False,
    }
    assert outcome.text_regions == [] and outcome.hold_reasons == []


def test_header_band_masked_without_ocr():
    image = planted.ultrasound_frame()
    output, outcome = run(planted.jpeg_with_metadata(image), ocr=False)
    assert outcome.text_regions, "the header band must be found"
    assert all(top < 240 * 0.2 for _, top, _, _ in outcome.text_regions)
    result = np.asarray(Image.open(io.BytesIO(output)).convert("L"))
    for left, top, right, bottom in outcome.text_regions:
        assert result[top:bottom, left:right].max() < 40
    assert (np.asarray(image)[6:40, 8:150] >= 200).any()  # there was text to mask
    assert result[60:, :].astype(int).sum() > 0  # the sector is still there
    assert outcome.hold_reasons == ["burned_in_text_masked"]
    assert outcome.metadata["reencoded"] is True
    assert leaked(output) == [] and not any(0xE0 <= m <= 0xEF for m in markers(output))


def test_ocr_unavailable_is_flagged(monkeypatch):
    monkeypatch.setattr(ocr_module, "tesseract_available", lambda: False)
    _, outcome = run(planted.jpeg_with_metadata(planted.ultrasound_frame(header=False)))
    assert outcome.hold_reasons == ["ocr_unavailable"]


@needs_tesseract
def test_ocr_finds_header_words_and_returns_boxes_only():
    image = planted.ultrasound_frame(width=480, height=360)
    boxes = ocr_module.ocr_text_boxes(np.asarray(image))
    assert len(boxes) >= 3
    assert all(top < 360 * 0.25 for _, top, _, _ in boxes)  # no "words" in the speckle
    _, outcome = run(planted.jpeg_with_metadata(image))
    assert "DUPONT" not in repr(outcome) and "1961" not in repr(outcome)


@needs_tesseract
def test_ocr_finds_nothing_in_a_clean_frame():
    assert ocr_module.ocr_text_boxes(np.asarray(planted.ultrasound_frame(header=False))) == []


def test_exif_orientation_is_applied_by_reencoding():
    image = planted.ultrasound_frame(header=False)
    output, outcome = run(planted.jpeg_with_metadata(image, orientation=6), ocr=False)
    result = Image.open(io.BytesIO(output))
    assert result.size == (240, 320)  # rotated 90 degrees: width and height swap
    assert outcome.metadata["orientation_applied"] == 6 and outcome.metadata["reencoded"]
    assert "exif" not in result.info and leaked(output) == []
    rotated = np.asarray(image.transpose(Image.Transpose.ROTATE_270), dtype=int)
    assert np.abs(np.asarray(result, dtype=int) - rotated).mean() < 6


def test_pixel_key_ignores_metadata_and_depends_on_key_and_pixels():
    image = planted.ultrasound_frame(header=False)
    plain = io.BytesIO()
    image.save(plain, "JPEG", quality=90)
    _, with_metadata = run(planted.jpeg_with_metadata(image), ocr=False)
    _, without = run(plain.getvalue(), ocr=False)
    assert with_metadata.pixel_key == without.pixel_key
    assert run(plain.getvalue(), ocr=False, key=OTHER_KEY)[1].pixel_key != without.pixel_key
    other = planted.jpeg_with_metadata(planted.ultrasound_frame(header=False, seed=1))
    assert run(other, ocr=False)[1].pixel_key != without.pixel_key


def test_adobe_segment_rebuilt_so_cmyk_colours_survive():
    cmyk = Image.new("CMYK", (32, 16), (10, 200, 30, 5))
    buffer = io.BytesIO()
    cmyk.save(buffer, "JPEG", quality=95)
    source = buffer.getvalue()
    output, _ = run(source, ocr=False)
    assert 0xEE in markers(output)
    app14 = output[output.index(b"\xff\xee") :][:16]
    assert app14[4:9] == b"Adobe" and int.from_bytes(app14[2:4], "big") == 14
    decoded = [np.asarray(Image.open(io.BytesIO(x))) for x in (source, output)]
    assert np.array_equal(*decoded)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_jpeg"),
        (planted.jpeg_with_metadata(planted.ultrasound_frame(header=False))[:3000], "truncated"),
        (b"\xff\xd8\xff\xe0\x00", "truncated"),
    ],
    ids=["empty", "png", "cut-in-scan", "cut-in-header"],
)
def test_rejections(data, code):
    with pytest.raises(DeidRejected) as caught:
        run(data, ocr=False)
    assert caught.value.code == code
    assert leaked(caught.value.message.encode()) == []


def test_detect_kind_from_magic_bytes():
    dicom = b"\x00" * 128 + b"DICM" + b"\x02\x00"
    assert detect_kind(dicom) == "dicom"
    assert detect_kind(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "jpeg"
    assert detect_kind(b"PK\x03\x04\x14\x00") == "zip"
    assert detect_kind(b"%PDF-1.7") == "unknown"
    assert detect_kind(b"") == "unknown"
