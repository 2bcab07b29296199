"""Find burned-in text in an ultrasound frame: a cheap band heuristic and Tesseract.

Only boxes leave this module. The recognised text (the patient's name, birth date)
is read to decide whether a box is text and then discarded: it is never logged,
returned or stored. pytesseract passes the image through temporary files that it
deletes itself.
"""

from __future__ import annotations

import shutil

import numpy as np

Box = tuple[int, int, int, int]  # (left, top, right, bottom), right/bottom exclusive

BRIGHT = 170  # burned-in text is drawn near white on the black frame
MIN_TRANSITIONS = 6  # at least three bright strokes across a row
HEADER_FRACTION = 0.2  # scanners put the identity header in the top fifth
OCR_MIN_CONFIDENCE = 50


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def header_band_boxes(gray: np.ndarray) -> list[Box]:
    """Rows of the header with many bright strokes on a dark background: text bands.

    Needs no OCR. Ultrasound speckle is mid-grey and fills the sector, text is thin
    bright strokes on black: a row qualifies when it crosses the bright threshold
    often and few of its pixels are mid-grey.
    """
    height, width = gray.shape
    top = gray[: max(1, int(height * HEADER_FRACTION))]
    bright = top >= BRIGHT
    transitions = np.count_nonzero(bright[:, 1:] != bright[:, :-1], axis=1)
    mid_grey = np.count_nonzero((top > 40) & (top < BRIGHT), axis=1) / width
    text_rows = (transitions >= MIN_TRANSITIONS) & (mid_grey < 0.35)
    boxes = []
    for start, stop in _runs(text_rows, max_gap=3):
        if stop - start < 3:
            continue  # a single bright line is a border, not text
        columns = np.flatnonzero(bright[start:stop].any(axis=0))
        boxes.append(_pad((int(columns[0]), start, int(columns[-1]) + 1, stop), 3, width, height))
    return boxes


def ocr_text_boxes(gray: np.ndarray) -> list[Box]:
    """Word boxes Tesseract reads anywhere in the frame (French and English)."""
    import pytesseract
    from PIL import Image

    height, width = gray.shape
    scale = 2 if max(height, width) < 500 else 1  # small frames: upscale the small text
    image = Image.fromarray(gray)
    if scale > 1:
        image = image.resize((width * scale, height * scale), Image.Resampling.LANCZOS)
    words = pytesseract.image_to_data(
        image, lang=_languages(), config="--psm 3", output_type=pytesseract.Output.DICT, timeout=60
    )
    boxes = []
    for i, text in enumerate(words["text"]):
        if float(words["conf"][i]) < OCR_MIN_CONFIDENCE or sum(c.isalnum() for c in text) < 2:
            continue
        left, top = words["left"][i] // scale, words["top"][i] // scale
        right = (words["left"][i] + words["width"][i] + scale - 1) // scale
        bottom = (words["top"][i] + words["height"][i] + scale - 1) // scale
        if _looks_like_burned_text(gray[top:bottom, left:right]):
            boxes.append(_pad((left, top, right, bottom), 2, width, height))
    del words  # holds the recognised text
    return boxes


def _looks_like_burned_text(patch: np.ndarray) -> bool:
    # Burned-in text is bright strokes on black; Tesseract also "reads" words in
    # speckle, which is mostly mid-grey. Masking those would destroy image content.
    if patch.size == 0:
        return False
    mid_grey = np.count_nonzero((patch > 40) & (patch < BRIGHT)) / patch.size
    return mid_grey < 0.35 and np.count_nonzero(patch >= BRIGHT) > 0


def _languages() -> str:
    import pytesseract

    installed = set(pytesseract.get_languages(config=""))
    return "+".join(lang for lang in ("fra", "eng") if lang in installed) or "eng"


def merge_boxes(boxes: list[Box]) -> list[Box]:
    """Merge overlapping boxes so each masked area is reported once."""
    merged: list[Box] = []
    for box in sorted(boxes):
        for i, other in enumerate(merged):
            if (
                box[0] <= other[2]
                and other[0] <= box[2]
                and box[1] <= other[3]
                and other[1] <= box[3]
            ):
                merged[i] = (
                    min(box[0], other[0]),
                    min(box[1], other[1]),
                    max(box[2], other[2]),
                    max(box[3], other[3]),
                )
                break
        else:
            merged.append(box)
    return merged if len(merged) == len(boxes) else merge_boxes(merged)


def _runs(mask: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """[start, stop) of runs of True, bridging gaps of at most `max_gap` rows."""
    runs: list[list[int]] = []
    for index in np.flatnonzero(mask):
        if runs and index - runs[-1][1] <= max_gap:
            runs[-1][1] = int(index) + 1
        else:
            runs.append([int(index), int(index) + 1])
    return [(a, b) for a, b in runs]


def _pad(box: Box, pad: int, width: int, height: int) -> Box:
    left, top, right, bottom = box
    return (
        max(0, left - pad),
        max(0, top - pad),
        min(width, right + pad),
        min(height, bottom + pad),
    )
