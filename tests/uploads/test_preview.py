"""Reviewers and the exam's center see its images; nobody else; masked text is outlined."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity
from synthetic.ultrasound import breast_ultrasound_jpeg
from uploads.models import Exam


def test_ct_images_open_for_the_reviewer_and_the_center_only(pipeline, client, tmp_path):
    series = calcium_ct_series(seed=8101, target_class="B", identity=PlantedIdentity.from_seed(
        8101), n_slices=8, size=64)  # fmt: skip
    series.write(tmp_path / "ct")
    upload = pipeline.start("coronary-calcium")
    pipeline.send(upload, tmp_path / "ct")
    pipeline.settle(upload)
    exam = Exam.objects.get(task__slug="coronary-calcium")
    url = f"/uploads/exams/{exam.public_id}/images/"
    for username, allowed in (
        ("reviewer", True),
        ("uploader", True),
        ("uploader2", False),
        ("team", False),
    ):
        client.login(username=username, password="radchallenge-demo")
        response = client.get(url + "3.png")
        assert (response.status_code == 200) is allowed, username
        if allowed:
            assert response["Content-Type"] == "image/png"
            assert Image.open(io.BytesIO(response.content)).size == (64, 64)
        client.logout()
    client.login(username="reviewer", password="radchallenge-demo")
    assert client.get(url + "8.png").status_code == 404  # 8 images: 0 to 7
    page = client.get(f"/uploads/exams/{exam.public_id}/").content.decode()
    assert 'id="viewer-index"' in page and 'max="7"' in page


def test_masked_header_band_is_outlined_for_the_reviewer(pipeline, client, tmp_path):
    source = tmp_path / "DUPONT_Marie_breast.jpg"
    source.write_bytes(
        breast_ultrasound_jpeg(seed=8102, malignant=False, identity=PlantedIdentity.from_seed(8102))
    )
    upload = pipeline.start("breast-us")
    pipeline.send(upload, source)
    pipeline.settle(upload)
    exam = Exam.objects.get(task__slug="breast-us")
    assert "burned_in_text_masked" in exam.hold_reasons
    [info] = exam.series_info.values()
    assert info["text_regions"], "the masked boxes are kept for the reviewer"
    client.login(username="reviewer", password="radchallenge-demo")
    png = client.get(f"/uploads/exams/{exam.public_id}/images/0.png").content
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    orange = np.all(pixels == (255, 170, 0), axis=-1)
    assert orange.sum() > 100  # the outline is drawn
