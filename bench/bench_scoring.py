"""Scoring benchmarks: AUROC and C-index against sklearn and lifelines, ranking speed.

    .venv/bin/python bench/bench_scoring.py

Every figure is a ratio or a time measured in this one run (best of a few repeats).
"""

from __future__ import annotations

import time

import numpy as np
from lifelines.utils import concordance_index
from sklearn.metrics import roc_auc_score

from scoring import metrics, ranking


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(2020)

    n = 10**6
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n) + 0.3 * y, 4)  # ties, as probabilities rounded by a team
    assert abs(metrics.auroc(y, s) - roc_auc_score(y, s)) <= 1e-12
    ours, ref = best_of(lambda: metrics.auroc(y, s)), best_of(lambda: roc_auc_score(y, s), 3)
    print(
        f"AUROC 10^6 cases: ours {ours * 1e3:.1f} ms, sklearn {ref * 1e3:.1f} ms, {ref / ours:.1f}x faster"
    )

    n = 10**5
    t = rng.integers(0, 5, n)
    for label, p in (
        ("5 predicted classes", np.clip(t + rng.integers(-1, 2, n), 0, 4)),
        ("continuous scores", t + rng.normal(size=n)),
    ):
        assert abs(metrics.cindex(t, p) - concordance_index(t, p)) <= 1e-12
        ours = best_of(lambda p=p: metrics.cindex(t, p), 20)
        ref = best_of(lambda p=p: concordance_index(t, p), 2)
        print(
            f"C-index 10^5 cases, {label}: ours {ours * 1e3:.2f} ms, lifelines {ref * 1e3:.0f} ms, {ref / ours:.0f}x faster"
        )

    exams = 150
    for metric in ("auroc", "cindex", "lymph-node"):
        if metric == "auroc":
            truth = rng.integers(0, 2, exams)
            teams = {
                f"team{k:02d}": truth * rng.random() + rng.normal(size=exams) for k in range(20)
            }
        elif metric == "cindex":
            truth = rng.integers(0, 5, exams)
            teams = {
                f"team{k:02d}": np.clip(truth + rng.integers(-1, 2, exams), 0, 4) for k in range(20)
            }
        else:
            truth = (rng.random(exams) < 0.65).astype(int)
            teams = {f"team{k:02d}": rng.beta(2 + k / 4, 2, exams) for k in range(20)}
        elapsed = best_of(
            lambda m=metric, tr=truth, tm=teams: ranking.rank(m, tr, tm, n_boot=1000, seed=1), 3
        )
        print(f"Ranking 20 teams x {exams} exams x 1000 samples ({metric}): {elapsed:.3f} s")


if __name__ == "__main__":
    main()
