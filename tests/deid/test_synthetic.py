"""The privacy checks again, over the richer generator in synthetic/ when it is there."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from conftest import KEY
from PIL import Image

from uploads.deid import deidentify_dicom, deidentify_jpeg

synthetic_identity = pytest.importorskip("synthetic.identity")
synthetic_ct = pytest.importorskip("synthetic.ct")


def _write(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("transfer_syntax", ["explicit", "implicit", "rle"])
def test_calcium_series_leaves_no_planted_identifier(transfer_syntax):
    identity = synthetic_identity.PlantedIdentity.from_seed(11)
    series = synthetic_ct.calcium_ct_series(
        seed=11, target_class="C", identity=identity, n_slices=8, size=64
    )
    tokens = [t.encode() for t in identity.dicom_tokens()]
    series_uids, study_keys = set(), set()
    for ds in series.datasets(transfer_syntax=transfer_syntax):
        source = _write(ds)
        assert any(t in source for t in tokens)
        out = io.BytesIO()
        outcome = deidentify_dicom(io.BytesIO(source), out, key=KEY, exam_label="CAC-0001")
        leaked = [t for t in tokens if t in out.getvalue()]
        assert leaked == []
        result = pydicom.dcmread(io.BytesIO(out.getvalue()))
        for keyword, value in identity.retained().items():
            assert result[keyword].value == value
        assert result.PixelData == ds.PixelData
        series_uids.add(result.SeriesInstanceUID)
        study_keys.add(outcome.study_key)
    assert len(series_uids) == 1 and len(study_keys) == 1


def test_breast_ultrasound_jpeg_header_and_metadata_removed():
    synthetic_us = pytest.importorskip("synthetic.ultrasound")
    identity = synthetic_identity.PlantedIdentity.from_seed(5)
    source = synthetic_us.breast_ultrasound_jpeg(seed=5, malignant=True, identity=identity)
    out = io.BytesIO()
    outcome = deidentify_jpeg(io.BytesIO(source), out, key=KEY, ocr=False)
    assert [t for t in identity.jpeg_tokens() if t.encode() in out.getvalue()] == []
    left, top, right, bottom = synthetic_us.header_band_box()
    result = np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("L"))
    assert result[top:bottom, left:right].max() < 60, "the burned-in header must be masked"
    field = synthetic_us.field_box()
    masked = [b for b in outcome.text_regions if b[1] >= field[1]]
    assert masked == [], "nothing inside the B-mode field is masked"
