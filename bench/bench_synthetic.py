"""Benchmark the synthetic generators (run by hand, pinned to one core):

    taskset -c 0 .venv/bin/python bench/bench_synthetic.py

Target (issue point 6): a 120-slice 512 x 512 calcium CT series generated in under 2 s on one
core, writing to disk included. Prints one line per measurement.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from synthetic.ct import calcium_ct_series
from synthetic.dect import neck_dect_series
from synthetic.identity import PlantedIdentity
from synthetic.ultrasound import breast_ultrasound_jpeg


def _timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:7.3f} s")
    return result, elapsed


def main() -> None:
    print(f"cpu count: {os.cpu_count()}, usable: {len(os.sched_getaffinity(0))}")
    identity = PlantedIdentity.from_seed(1)
    for target in ("A", "E"):
        series, build = _timed(
            f"CT 120x512x512 class {target}: build (phantom + truth)",
            lambda t=target: calcium_ct_series(seed=1, target_class=t, identity=identity),
        )
        _, gen = _timed(
            f"CT 120x512x512 class {target}: generate 120 datasets",
            lambda s=series: sum(1 for _ in s.datasets()),
        )
        with tempfile.TemporaryDirectory() as tmp:
            series2 = calcium_ct_series(seed=1, target_class=target, identity=identity)
            start = time.perf_counter()
            paths = series2.write(Path(tmp))
            write = time.perf_counter() - start
            print(
                f"{f'CT 120x512x512 class {target}: write 120 files (generation incl.)':<58} "
                f"{write:7.3f} s  ({sum(p.stat().st_size for p in paths) / 2**20:.0f} MiB)"
            )
        total = build + write
        print(
            f"{f'CT class {target}: build + write, target < 2 s':<58} {total:7.3f} s "
            f"(ratio to target {total / 2:.2f})"
        )
    dect, build = _timed(
        "DECT 2 x 60 x 512 x 512 sick: build",
        lambda: neck_dect_series(seed=2, sick=True, identity=identity),
    )
    with tempfile.TemporaryDirectory() as tmp:
        _timed("DECT 2 x 60 x 512 x 512: write 120 files", lambda: dect.write(Path(tmp)))
    _timed(
        "Ultrasound 600x800 JPEG x 10",
        lambda: [
            breast_ultrasound_jpeg(seed=s, malignant=bool(s % 2), identity=identity)
            for s in range(10)
        ],
    )


if __name__ == "__main__":
    main()
