"""Lymph-node submissions: zips of NIfTI masks, scored by hand and refused when faulty."""

import gzip
import zipfile

import nibabel as nib
import numpy as np
import pytest
from scoring_helpers import masks_zip, nifti_bytes, write_zip

from scoring import InvalidTruth, SubmissionInvalid, evaluate
from scoring.masks import MaskError, gunzip, mask_counts

SHAPE = (6, 5, 4)


def _mask(*voxels):
    mask = np.zeros(SHAPE, np.uint8)
    for v in voxels:
        mask[v] = 1
    return mask


@pytest.fixture
def truth(tmp_path):
    """Two sick exams on unequal grids, two healthy ones, as a folder of .nii.gz."""
    folder = tmp_path / "truth"
    folder.mkdir()
    grids = {
        "LN-S1": (0.5, 0.5, 2.0),
        "LN-S2": (1.0, 1.0, 3.0),
        "LN-H1": (0.8, 0.8, 2.5),
        "LN-H2": (1.0, 1.0, 1.0),
    }
    masks = {
        "LN-S1": _mask((0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 0)),
        "LN-S2": _mask((2, 2, 2), (2, 2, 3)),
        "LN-H1": _mask(),
        "LN-H2": _mask(),
    }
    for exam, mask in masks.items():
        (folder / f"{exam}.nii.gz").write_bytes(nifti_bytes(mask, grids[exam]))
    return folder, grids


def _submission(tmp_path, grids, masks, name="pred.zip", dtype=np.uint8):
    return write_zip(
        tmp_path / name, {f"{e}.nii.gz": nifti_bytes(m, grids[e], dtype) for e, m in masks.items()}
    )


GOOD = {
    "LN-S1": _mask((0, 0, 0), (0, 1, 0), (3, 3, 3)),  # overlap 2 of truth 4, pred 3 -> Dice 4/7
    "LN-S2": _mask((2, 2, 2), (2, 2, 3)),  # perfect -> 1
    "LN-H1": _mask((0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 0, 0)),  # A = 5 x 1.6 = 8 mm3
    "LN-H2": _mask(),  # nothing predicted -> 1
}


def test_lymph_node_score_from_files_equals_the_hand_computation(tmp_path, truth):
    folder, grids = truth
    result = evaluate("lymph-node", folder, _submission(tmp_path, grids, GOOD))
    m = (4 * 0.5 + 2 * 3.0) / 2  # mean sick volume, mm3
    assert result.secondary["m_mm3"] == pytest.approx(m)
    assert result.per_exam == pytest.approx(
        {"LN-S1": 4 / 7, "LN-S2": 1.0, "LN-H1": m / (8 + m), "LN-H2": 1.0}
    )
    assert result.score == pytest.approx((4 / 7 + 1 + m / (8 + m) + 1) / 4)
    assert result.secondary["dice"] == pytest.approx({"LN-S1": 4 / 7, "LN-S2": 1.0})
    assert result.secondary["false_positive_mm3"]["LN-S1"] == pytest.approx(0.5)
    assert result.secondary["false_positive_mm3"]["LN-H1"] == pytest.approx(8.0)
    assert result.to_dict()["secondary"]["n_sick"] == 2


def test_float_and_int16_binary_masks_are_accepted(tmp_path, truth):
    folder, grids = truth
    for dtype in (np.float32, np.int16):
        result = evaluate(
            "lymph-node", folder, _submission(tmp_path, grids, GOOD, f"{dtype.__name__}.zip", dtype)
        )
        assert result.per_exam["LN-S1"] == pytest.approx(4 / 7)


def test_truth_as_a_zip_gives_the_same_score(tmp_path, truth):
    folder, grids = truth
    zipped = write_zip(tmp_path / "truth.zip", {p.name: p.read_bytes() for p in folder.iterdir()})
    submission = _submission(tmp_path, grids, GOOD)
    assert (
        evaluate("lymph-node", zipped, submission).score
        == evaluate("lymph-node", folder, submission).score
    )


def test_every_mask_fault_is_reported_in_one_pass(tmp_path, truth):
    folder, grids = truth
    wrong_shape = np.zeros((6, 5, 3), np.uint8)
    non_binary = _mask((1, 1, 1))
    non_binary[2, 2, 2] = 2
    members = {
        "LN-S1.nii.gz": nifti_bytes(wrong_shape, grids["LN-S1"]),
        "LN-S2.nii.gz": nifti_bytes(GOOD["LN-S2"], (1.0, 1.0, 2.0)),  # wrong spacing
        "LN-H1.nii.gz": nifti_bytes(non_binary, grids["LN-H1"]),
        # LN-H2 missing
        "LN-X9.nii.gz": nifti_bytes(_mask(), (1, 1, 1)),  # unknown exam
        "sub/LN-H2.nii.gz": nifti_bytes(_mask(), (1, 1, 1)),  # nested in a folder
        "../evil.nii.gz": b"x",  # path traversal
        "/etc/passwd.nii.gz": b"x",  # absolute path
        "inner.zip": b"PK",  # nested archive
        "notes.txt": b"hello",
        "__MACOSX/._LN-S1.nii.gz": b"litter",  # ignored
    }
    with pytest.raises(SubmissionInvalid) as caught:
        evaluate("lymph-node", folder, write_zip(tmp_path / "bad.zip", members))
    found = [str(p) for p in caught.value.problems]
    expected = [
        "LN-S1.nii.gz: has shape (6, 5, 3), the exam's grid is (6, 5, 4)",
        "LN-S2.nii.gz: has voxel spacing (1.0, 1.0, 2.0) mm, the exam's is (1.0, 1.0, 3.0) mm",
        "LN-H1.nii.gz: is not binary: 1 voxels are neither 0 nor 1 (e.g. 2)",
        "LN-H2: has no mask in the predictions",
        "LN-X9.nii.gz: is not an exam of this test set",
        "'sub/LN-H2.nii.gz': is inside a folder: masks must be at the top level",
        "'../evil.nii.gz': has an unsafe path (absolute or '..'): refused",
        "'/etc/passwd.nii.gz': has an unsafe path (absolute or '..'): refused",
        "'inner.zip': is an archive inside the archive: give the masks themselves",
        "'notes.txt': is not a mask named <exam_id>.nii.gz",
    ]
    assert sorted(found) == sorted(expected)


def test_unreadable_entries_are_named(tmp_path, truth):
    folder, grids = truth
    good = {f"{e}.nii.gz": nifti_bytes(m, grids[e]) for e, m in GOOD.items()}
    corrupt = bytearray(good["LN-S1.nii.gz"])
    corrupt[len(corrupt) // 2] ^= 0xFF
    members = {
        **good,
        "LN-S1.nii.gz": bytes(corrupt),  # gzip CRC or inflate error
        "LN-S2.nii.gz": good["LN-S2.nii.gz"][:-20],  # truncated gzip
        "LN-H1.nii.gz": gzip.compress(b"not a nifti at all" * 30),
        "LN-H2.nii.gz": gzip.compress(
            nib.Nifti1Image(_mask(), np.eye(4)).to_bytes()[:400]
        ),  # short data
    }
    with pytest.raises(SubmissionInvalid) as caught:
        evaluate("lymph-node", folder, write_zip(tmp_path / "bad.zip", members))
    found = {p.where: p.message for p in caught.value.problems}
    assert set(found) == {"LN-S1.nii.gz", "LN-S2.nii.gz", "LN-H1.nii.gz", "LN-H2.nii.gz"}
    assert found["LN-S1.nii.gz"].startswith("is not valid gzip data")
    assert found["LN-S2.nii.gz"] == "is a truncated gzip file"
    assert found["LN-H1.nii.gz"] == "is not a NIfTI file (bad header size)"
    assert found["LN-H2.nii.gz"].startswith("is truncated")


def test_zip_with_bad_crc_is_named(tmp_path, truth):
    folder, grids = truth
    path = _submission(tmp_path, grids, GOOD)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("LN-S2.nii.gz")
    start = info.header_offset + 30 + len(info.filename) + 5  # inside the stored member's data
    data[start] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(SubmissionInvalid) as caught:
        evaluate("lymph-node", folder, path)
    (problem,) = caught.value.problems
    assert problem.where == "LN-S2.nii.gz"
    assert problem.message.startswith("cannot be read from the archive (Bad CRC-32")


def test_zip_bomb_stops_at_the_limit(tmp_path, truth):
    folder, grids = truth
    # A valid-looking gzip that inflates to 64 MiB for a 120-voxel exam.
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9)
    submission = write_zip(
        tmp_path / "bomb.zip",
        {
            **{f"{e}.nii.gz": nifti_bytes(m, grids[e]) for e, m in GOOD.items()},
            "LN-S1.nii.gz": bomb,
        },
    )
    with pytest.raises(SubmissionInvalid) as caught:
        evaluate("lymph-node", folder, submission)
    (problem,) = caught.value.problems
    assert problem.where == "LN-S1.nii.gz"
    assert "possible gzip bomb" in problem.message
    with pytest.raises(MaskError, match="possible gzip bomb"):
        gunzip(bomb, 1000)


def test_not_a_zip_and_missing_paths(tmp_path, truth):
    folder, _ = truth
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(SubmissionInvalid, match="predictions: is not a readable zip archive"):
        evaluate("lymph-node", folder, junk)
    with pytest.raises(SubmissionInvalid, match="predictions: does not exist"):
        evaluate("lymph-node", folder, tmp_path / "absent.zip")


def test_faulty_truth_is_an_invalid_truth(tmp_path, truth):
    folder, grids = truth
    (folder / "LN-H2.nii.gz").write_bytes(nifti_bytes(_mask((0, 0, 0)) * 3, grids["LN-H2"]))
    with pytest.raises(InvalidTruth, match="LN-H2.nii.gz: is not binary"):
        evaluate("lymph-node", folder, _submission(tmp_path, grids, GOOD))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidTruth, match="holds no <exam_id>.nii.gz mask"):
        mask_counts(empty, _submission(tmp_path, grids, GOOD))


def test_all_healthy_truth_is_refused(tmp_path):
    folder = tmp_path / "healthy"
    folder.mkdir()
    (folder / "LN-H.nii.gz").write_bytes(nifti_bytes(_mask()))
    submission = masks_zip(tmp_path / "p.zip", {"LN-H": _mask()})
    with pytest.raises(InvalidTruth, match="at least one sick exam"):
        evaluate("lymph-node", folder, submission)


def test_gunzip_reads_several_members_and_refuses_a_lying_trailer():
    first, second = b"x" * 1000, b"y" * 500
    assert gunzip(gzip.compress(first) + gzip.compress(second), 10**7) == first + second
    lying = bytearray(gzip.compress(first))
    lying[-4:] = (10).to_bytes(4, "little")  # announced size differs from the data
    with pytest.raises(MaskError, match="not valid gzip data"):
        gunzip(bytes(lying), 10**7)
