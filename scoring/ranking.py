"""Statistical ranking of teams on one test set (after challengeR, Wiesenfarth et al. 2021).

Every team is re-scored on the same stratified bootstrap resamples of the exams, drawn
from a recorded seed: the resamples are multiplicity weights (B, n), so no array is
copied per sample and the concordance metrics stay exact on each resample. The result is
plain data (lists, dicts, floats) that a page or a report can draw.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from scipy import stats

from scoring import formats, metrics
from scoring.errors import InvalidTruth, Problem, SubmissionInvalid
from scoring.evaluate import METRICS, evaluate

MIN_SAMPLES = 1000


def bootstrap_weights(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) multiplicities: each stratum resampled with replacement to its own size."""
    n = strata.size
    picked = np.empty((n_boot, n), dtype=np.int64)
    start = 0
    for stratum in np.unique(strata):  # a handful of classes, not exams
        members = np.flatnonzero(strata == stratum)
        draws = rng.integers(0, members.size, size=(n_boot, members.size))
        picked[:, start : start + members.size] = members[draws]
        start += members.size
    cells = (np.arange(n_boot)[:, None] * n + picked).ravel()
    return np.bincount(cells, minlength=n_boot * n).reshape(n_boot, n)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    factors = p.size - np.arange(p.size)
    adjusted = np.minimum(np.maximum.accumulate(factors * p[order]), 1.0)
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def _statistics(metric: str, truth: np.ndarray, values: np.ndarray, weights: np.ndarray):
    """Point estimate and the B bootstrap values of one team."""
    if metric == "lymph-node":  # per-exam scores, M fixed on the whole truth set
        return float(values.mean()), weights @ values / values.size
    point = metrics.cindex(truth, values)
    return point, metrics.weighted_concordance(truth, values, weights)


def _kendall_tau(official: np.ndarray, boot_ranks: np.ndarray) -> np.ndarray:
    """Kendall's tau-b between the official ranking and each bootstrap ranking."""
    i, j = np.triu_indices(official.size, k=1)
    a = np.sign(official[i] - official[j])
    b = np.sign(boot_ranks[:, i] - boot_ranks[:, j])
    untied_a = np.count_nonzero(a)
    untied_b = np.count_nonzero(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (b * a).sum(axis=1) / np.sqrt(untied_a * untied_b)


def _tau_summary(tau: np.ndarray, alpha: float) -> dict[str, object]:
    """Summary and samples; tau is undefined (None) when the official ranking is all ties."""
    defined = tau[~np.isnan(tau)]
    if defined.size == 0:
        return {
            "mean": None,
            "median": None,
            "low": None,
            "high": None,
            "samples": [None] * tau.size,
        }
    low, high = np.quantile(defined, [alpha / 2, 1 - alpha / 2])
    return {
        "mean": float(defined.mean()),
        "median": float(np.median(defined)),
        "low": float(low),
        "high": float(high),
        "samples": [None if np.isnan(x) else float(x) for x in tau],
    }


def _wilcoxon_greater(x: np.ndarray, y: np.ndarray) -> float:
    if np.all(x == y):
        return 1.0
    return float(stats.wilcoxon(x, y, alternative="greater").pvalue)


def _pairwise(metric, names, points, boot, values, alpha) -> list[dict[str, object]]:
    """Every pair, the better-ranked team first: paired bootstrap of the difference."""
    i, j = np.triu_indices(len(names), k=1)  # names are in official order
    diffs = boot[:, i] - boot[:, j]
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2], axis=0)
    p_boot = (1 + np.count_nonzero(diffs <= 0, axis=0)) / (diffs.shape[0] + 1)
    p_boot_holm = holm(p_boot)
    wilcoxon = metric == "lymph-node"
    if wilcoxon:
        p_wil = np.array(
            [_wilcoxon_greater(values[a], values[b]) for a, b in zip(i, j, strict=True)]
        )
        p_wil_holm = holm(p_wil)
    pairs = []
    for k, (a, b) in enumerate(zip(i, j, strict=True)):
        pair = {
            "better": names[a],
            "worse": names[b],
            "difference": points[a] - points[b],
            "ci_low": float(low[k]),
            "ci_high": float(high[k]),
            "p_bootstrap": float(p_boot[k]),
            "p_bootstrap_holm": float(p_boot_holm[k]),
            "significant": bool(p_boot_holm[k] < alpha),
        }
        if wilcoxon:
            pair.update(
                p_wilcoxon=float(p_wil[k]),
                p_wilcoxon_holm=float(p_wil_holm[k]),
                significant_wilcoxon=bool(p_wil_holm[k] < alpha),
            )
        pairs.append(pair)
    return pairs


def rank(
    metric: str,
    truth: object,
    teams: Mapping[str, object],
    *,
    n_boot: int = MIN_SAMPLES,
    seed: int | None = None,
    alpha: float = 0.05,
) -> dict[str, object]:
    """Rank teams on the same exams, with bootstrap confidence and rank stability.

    ``truth`` and each team's values are aligned arrays over the same exams:
    auroc: labels 0/1 and probabilities; cindex: class codes and predicted classes or
    scores; lymph-node: sick flags (the strata) and the per-exam scores of ``evaluate``.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    if n_boot < MIN_SAMPLES:
        raise ValueError(f"use at least {MIN_SAMPLES} bootstrap samples, not {n_boot}")
    if len(teams) < 2:
        raise ValueError("ranking needs at least two teams")
    strata = np.asarray(truth).astype(np.int64)
    if np.unique(strata).size < 2 and metric != "lymph-node":
        raise metrics.MetricUndefined("the truth has a single class")
    seed = secrets.randbits(32) if seed is None else int(seed)
    weights = bootstrap_weights(strata, n_boot, np.random.default_rng(seed))

    names = list(teams)
    values = [np.asarray(teams[name], dtype=float) for name in names]
    if any(v.shape != strata.shape for v in values):
        raise ValueError("every team needs one value per exam of the truth")
    points, boot = zip(*(_statistics(metric, strata, v, weights) for v in values), strict=True)
    points, boot = np.array(points), np.column_stack(boot)  # boot: (B, teams)

    official = stats.rankdata(-points, method="min")
    order = np.argsort(official, kind="stable")
    names = [names[k] for k in order]
    points, boot, official = points[order], boot[:, order], official[order]
    values = [values[k] for k in order]
    boot_ranks = stats.rankdata(-boot, method="min", axis=1)
    ci = np.quantile(boot, [alpha / 2, 1 - alpha / 2], axis=0)
    n_teams = len(names)
    distribution = np.stack(
        [np.bincount(boot_ranks[:, t].astype(int) - 1, minlength=n_teams) for t in range(n_teams)]
    )
    tau = _kendall_tau(official, boot_ranks)
    return {
        "metric": metric,
        "n_exams": int(strata.size),
        "n_boot": n_boot,
        "seed": seed,
        "alpha": alpha,
        "stratified_by": "sick/healthy" if metric == "lymph-node" else "true class",
        "teams": [
            {
                "team": name,
                "score": float(points[t]),
                "rank": int(official[t]),
                "ci_low": float(ci[0, t]),
                "ci_high": float(ci[1, t]),
                "rank_distribution": (distribution[t] / n_boot).tolist(),
                "p_first": float(distribution[t, 0] / n_boot),
                "mean_rank": float(boot_ranks[:, t].mean()),
            }
            for t, name in enumerate(names)
        ],
        "kendall_tau": _tau_summary(tau, alpha),
        "pairwise": _pairwise(metric, names, points, boot, values, alpha),
    }


def _team_values(metric: str, truth: Path, team_paths: Mapping[str, Path]):
    """Read every team's file; all problems of all teams, each prefixed by its team."""
    problems: list[Problem] = []
    values = {}
    if metric in ("auroc", "cindex"):
        keyed = (formats.read_binary_truth if metric == "auroc" else formats.read_ordinal_truth)(
            truth
        )
        ids = sorted(keyed.values)
        strata = keyed.aligned(ids)
        read = (
            formats.read_binary_predictions
            if metric == "auroc"
            else formats.read_ordinal_predictions
        )
    for team, path in team_paths.items():
        try:
            if metric == "lymph-node":
                evaluation = evaluate(metric, truth, path)
                ids = sorted(evaluation.per_exam)
                sick = evaluation.secondary["dice"]
                strata = np.array([exam in sick for exam in ids], dtype=np.int64)
                values[team] = np.array([evaluation.per_exam[e] for e in ids])
            else:
                values[team] = read(Path(path), ids).aligned(ids)
        except SubmissionInvalid as error:
            problems += [Problem(f"{team}: {p.where}", p.message) for p in error.problems]
    if problems:
        raise SubmissionInvalid(problems)
    return strata, values


def rank_files(metric: str, truth: Path | str, team_paths: Mapping[str, Path | str], **options):
    """``rank`` from files: every team's submission is validated exactly like ``evaluate``."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    strata, values = _team_values(metric, Path(truth), {t: Path(p) for t, p in team_paths.items()})
    try:
        return rank(metric, strata, values, **options)
    except metrics.MetricUndefined as error:
        raise InvalidTruth([Problem("truth file", str(error))]) from None
