"""Lymph-node scoring from zips of NIfTI masks: time against decoding alone, peak memory.

    .venv/bin/python bench/bench_scoring_masks.py [--exams 142] [--shape 512 512 100]

Synthetic sparse masks (a few lymph-node-sized blobs on two thirds of the exams, the
prediction shifted and with false positives) are written with nibabel's default gzip into
a temporary folder and zipped, as a team would submit them; nothing is kept afterwards.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np

from scoring import evaluate


def _blobs(shape, rng, count, shift=(0, 0, 0)) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for _ in range(count):
        radius = rng.integers(4, 12, 3)
        centre = [int(rng.integers(r, s - r)) for r, s in zip(radius, shape, strict=True)]
        box = tuple(
            slice(c - r + d, c + r + d) for c, r, d in zip(centre, radius, shift, strict=True)
        )
        grid = np.ogrid[tuple(slice(-r, r) for r in radius)]
        mask[box] |= (sum((g / r) ** 2 for g, r in zip(grid, radius, strict=True)) <= 1).astype(
            np.uint8
        )
    return mask


def make_inputs(folder: Path, exams: int, shape: tuple[int, ...]) -> tuple[Path, Path]:
    rng = np.random.default_rng(142)
    spacing = (0.7, 0.7, 2.5)
    affine = np.diag([*spacing, 1.0])
    truth_zip, pred_zip = folder / "truth.zip", folder / "predictions.zip"
    with zipfile.ZipFile(truth_zip, "w") as truth, zipfile.ZipFile(pred_zip, "w") as pred:
        for k in range(exams):
            exam = f"LN-{k:06X}"
            seed = int(rng.integers(1 << 31))
            sick = k % 3 != 0
            for archive, shift, extra in ((truth, (0, 0, 0), 0), (pred, (1, 2, 0), 1)):
                blob_rng = np.random.default_rng(seed)  # same blobs, the prediction shifted
                mask = _blobs(shape, blob_rng, 3 * sick, shift)
                if extra and k % 2:
                    mask |= _blobs(shape, np.random.default_rng(seed + 1), 1)  # a false positive
                path = folder / f"{exam}.nii.gz"
                nib.save(nib.Nifti1Image(mask, affine), path)
                archive.write(path, path.name, compress_type=zipfile.ZIP_STORED)
                path.unlink()
    return truth_zip, pred_zip


def decode_only(truth_zip: Path, pred_zip: Path) -> int:
    """The floor: read and inflate every member of both zips (at the fastest), view the voxels."""
    total = 0
    for path in (truth_zip, pred_zip):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                packed = archive.read(info)
                size = int.from_bytes(packed[-4:], "little")  # the gzip trailer: no regrowth
                data = zlib.decompress(packed, wbits=31, bufsize=size)
                offset = int(nib.Nifti1Header.from_fileobj(io.BytesIO(data)).get_data_offset())
                total += np.frombuffer(data, np.uint8, offset=offset).size
    return total


def decode_nibabel(truth_zip: Path, pred_zip: Path) -> int:
    """What a script would do with nibabel: load each file, take its array."""
    total = 0
    for path in (truth_zip, pred_zip):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                image = nib.Nifti1Image.from_bytes(zlib.decompress(archive.read(info), wbits=31))
                total += np.asanyarray(image.dataobj).size
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exams", type=int, default=142)
    parser.add_argument("--shape", type=int, nargs=3, default=(512, 512, 100))
    args = parser.parse_args()
    shape = tuple(args.shape)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        truth_zip, pred_zip = make_inputs(Path(tmp), args.exams, shape)
        sizes = truth_zip.stat().st_size + pred_zip.stat().st_size
        print(
            f"generated {args.exams} exams of {shape} in {time.perf_counter() - start:.0f} s, zips {sizes / 1e6:.1f} MB"
        )

        timings = {}
        for name, fn in (
            ("decode", lambda: decode_only(truth_zip, pred_zip)),
            ("nibabel", lambda: decode_nibabel(truth_zip, pred_zip)),
            ("score", lambda: evaluate("lymph-node", truth_zip, pred_zip)),
        ):
            best = float("inf")
            for _ in range(2):
                begin = time.perf_counter()
                result = fn()
                best = min(best, time.perf_counter() - begin)
            timings[name] = best
        print(
            f"score {result.score:.4f} (M = {result.secondary['m_mm3']:.0f} mm3, {result.secondary['n_sick']} sick)"
        )
        print(
            f"decode only {timings['decode']:.2f} s, nibabel load {timings['nibabel']:.2f} s, "
            f"scoring {timings['score']:.2f} s: {timings['score'] / timings['decode']:.2f}x decoding"
        )

        tracemalloc.start()
        evaluate("lymph-node", truth_zip, pred_zip)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        one_exam = int(np.prod(shape))  # uint8 voxels of one decoded mask
        print(
            f"peak traced memory while scoring {peak / 1e6:.0f} MB = {peak / one_exam:.1f} decoded masks "
            f"(one mask {one_exam / 1e6:.1f} MB, the whole set {2 * args.exams * one_exam / 1e9:.1f} GB)"
        )


if __name__ == "__main__":
    main()
