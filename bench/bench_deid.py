"""De-identification benchmark: a 300-slice 512x512 CT series with planted identifiers.

Times, on one core, (a) plain pydicom dcmread + save_as of each file (the floor),
(b) uploads.deid.deidentify_dicom, and (c) when installed, the `deid` package's
default recipe, dicognito and dicom-anonymizer, on the same files; then counts the
planted tokens left in each tool's output.

    .venv/bin/python bench/bench_deid.py [--slices 300] [--size 512] [--repeat 3]

Each tool runs over all files `--repeat` times, tools interleaved round by round, and
the fastest round counts: on a shared 2-core machine a single pass is mostly noise.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "deid")]

import pydicom  # noqa: E402
from planted import leaked_tokens, planted_dataset, save  # noqa: E402

from uploads.deid import deidentify_dicom  # noqa: E402

KEY = b"bench-secret-not-for-production!"


def generate(folder: Path, slices: int, size: int) -> list[Path]:
    paths = []
    for index in range(slices):
        ds, _ = planted_dataset(rows=size, columns=size, index=index)
        # The input file name carries the patient ID, as in the wild.
        path = folder / f"ZZPID0001_{index:04d}.dcm"
        save(ds, path)
        paths.append(path)
    return paths


def floor(src: Path, dst: Path) -> None:
    pydicom.dcmread(src).save_as(dst)


def ours(src: Path, dst: Path) -> None:
    deidentify_dicom(src, dst, key=KEY, exam_label="BENCH-0001")


def deid_default_recipe() -> Callable[[Path, Path], None] | None:
    try:
        from deid.config import DeidRecipe
        from deid.dicom import replace_identifiers
    except ImportError:
        return None
    recipe = DeidRecipe()  # the package's default dicom recipe

    def run(src: Path, dst: Path) -> None:
        [ds] = replace_identifiers([str(src)], deid=recipe, save=False)
        ds.save_as(dst)

    return run


def dicognito_default() -> Callable[[Path, Path], None] | None:
    try:
        from dicognito.anonymizer import Anonymizer
    except ImportError:
        return None
    anonymizer = Anonymizer()

    def run(src: Path, dst: Path) -> None:
        ds = pydicom.dcmread(src)
        anonymizer.anonymize(ds)
        ds.save_as(dst)

    return run


def dicom_anonymizer_default() -> Callable[[Path, Path], None] | None:
    try:
        from dicomanonymizer import anonymize_dicom_file
    except ImportError:
        return None
    return lambda src, dst: anonymize_dicom_file(str(src), str(dst))


def timed(run: Callable[[Path, Path], None], paths: list[Path], out: Path) -> float:
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    for index, path in enumerate(paths):
        run(path, out / f"{index:04d}.dcm")
    return time.perf_counter() - start


def leftovers(out: Path) -> dict[str, int]:
    """Planted token -> number of output files that still contain it."""
    counts: dict[str, int] = {}
    for path in sorted(out.iterdir()):
        for token in leaked_tokens(path.read_bytes()):
            counts[token] = counts.get(token, 0) + 1
    return counts


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)  # the tools warn per file; keep the report readable
    tools = {
        "pydicom read+write (floor)": floor,
        "radchallenge uploads.deid": ours,
        f"deid {version('deid')} default recipe": deid_default_recipe(),
        f"dicognito {version('dicognito')}": dicognito_default(),
        f"dicom-anonymizer {version('dicom-anonymizer')}": dicom_anonymizer_default(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        paths = generate(root / "in", args.slices, args.size)
        mib = sum(p.stat().st_size for p in paths) / 2**20
        print(f"{len(paths)} files, {args.size}x{args.size}, {mib:.0f} MiB, 1 core")
        tools = {name: run for name, run in tools.items() if run is not None}
        best = {name: float("inf") for name in tools}
        for _ in range(args.repeat):
            for index, (name, run) in enumerate(tools.items()):
                seconds = timed(run, paths, root / f"out{index}")
                best[name] = min(best[name], seconds)
        base = best["pydicom read+write (floor)"]
        print("| tool | files/s | time per file vs floor | planted tokens left: count (files) |")
        print("|---|---:|---:|---|")
        for index, name in enumerate(tools):
            left = leftovers(root / f"out{index}")
            shown = ", ".join(f"{t} ({n})" for t, n in sorted(left.items())) or "none"
            rate = len(paths) / best[name]
            print(f"| {name} | {rate:.0f} | {best[name] / base:.2f}x | {len(left)}: {shown} |")


if __name__ == "__main__":
    main()
