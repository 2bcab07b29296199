"""Rendering for review pages: windows map HU as defined, masked regions are outlined."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.rendering import RenderError, dicom_slice_png, jpeg_png, window_to_8bit
from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity


def test_window_maps_its_edges_to_black_and_white():
    values = np.array([-200.0, -160.0, 40.0, 240.0, 1000.0])
    assert window_to_8bit(values, 40, 400).tolist() == [0, 0, 127, 255, 255]


def test_a_ct_slice_renders_with_body_and_air_apart(tmp_path):
    series = calcium_ct_series(
        seed=3, target_class="C", identity=PlantedIdentity.from_seed(3), n_slices=8, size=64
    )
    [path, *_] = series.write(tmp_path, filename_style="instance")
    image = Image.open(io.BytesIO(dicom_slice_png(path)))
    pixels = np.asarray(image)
    assert image.size == (64, 64) and pixels[0, 0] == 0  # air outside the body is black
    assert pixels[32, 32] > 0  # the mediastinum is not


def test_masked_regions_are_outlined_in_orange(tmp_path):
    source = tmp_path / "us.jpg"
    Image.new("RGB", (100, 60), (20, 20, 20)).save(source, quality=95)
    pixels = np.asarray(Image.open(io.BytesIO(jpeg_png(source, outline=[(10, 5, 50, 25)]))))
    assert tuple(pixels[5, 30]) == (255, 170, 0) and tuple(pixels[40, 80])[0] < 60


def test_undecodable_files_raise_a_clear_error(tmp_path):
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\0" * 128 + b"DICM" + b"garbage")
    with pytest.raises(RenderError, match="cannot be decoded"):
        dicom_slice_png(junk)
    with pytest.raises(RenderError):
        jpeg_png(io.BytesIO(b"not a jpeg"))
