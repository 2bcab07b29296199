"""Bootstrap ranking: stratified shared resamples, exact per-sample scores, stability."""

import numpy as np
import pytest
from scoring_helpers import write_csv

from scoring import SubmissionInvalid, metrics, ranking

RNG = np.random.default_rng(7)
N = 60
LABELS = np.r_[np.zeros(35, int), np.ones(25, int)]


def _teams():
    noise = RNG.normal(size=(3, N))
    return {
        "weak": LABELS * 0.3 + noise[0],
        "strong": LABELS * 3.0 + noise[1],
        "middle": LABELS * 1.0 + noise[2],
    }


def test_bootstrap_weights_are_stratified_resamples():
    strata = np.r_[np.zeros(7, int), np.ones(5, int), np.full(3, 4)]
    weights = ranking.bootstrap_weights(strata, 1000, np.random.default_rng(1))
    assert weights.shape == (1000, 15)
    for stratum in (0, 1, 4):
        assert (
            weights[:, strata == stratum].sum(axis=1) == np.count_nonzero(strata == stratum)
        ).all()
    assert weights.max() > 1  # with replacement


def test_bootstrap_values_are_the_scores_of_the_resampled_exams():
    teams = _teams()
    seed = 12345
    result = ranking.rank("auroc", LABELS, teams, seed=seed)
    weights = ranking.bootstrap_weights(LABELS, 1000, np.random.default_rng(seed))
    for entry in result["teams"]:
        s = teams[entry["team"]]
        by_hand = [
            metrics.auroc(LABELS[np.repeat(np.arange(N), w)], s[np.repeat(np.arange(N), w)])
            for w in weights
        ]
        low, high = np.quantile(by_hand, [0.025, 0.975])
        assert (entry["ci_low"], entry["ci_high"]) == pytest.approx((low, high), abs=1e-12)
        assert entry["score"] == pytest.approx(metrics.auroc(LABELS, s), abs=1e-12)


def test_ranking_is_reproducible_from_its_recorded_seed():
    teams = _teams()
    first = ranking.rank("auroc", LABELS, teams)
    again = ranking.rank("auroc", LABELS, teams, seed=first["seed"])
    assert first == again


def test_clear_winner_ranks_first_stably():
    result = ranking.rank("auroc", LABELS, _teams(), seed=3)
    names = [t["team"] for t in result["teams"]]
    assert names == ["strong", "middle", "weak"]
    assert [t["rank"] for t in result["teams"]] == [1, 2, 3]
    strong = result["teams"][0]
    assert strong["p_first"] > 0.99
    assert strong["rank_distribution"][0] == strong["p_first"]
    for team in result["teams"]:
        assert sum(team["rank_distribution"]) == pytest.approx(1.0)
        assert team["ci_low"] <= team["score"] <= team["ci_high"]
    assert len(result["kendall_tau"]["samples"]) == 1000
    assert result["kendall_tau"]["median"] == pytest.approx(1.0)
    strong_vs_weak = next(
        p for p in result["pairwise"] if (p["better"], p["worse"]) == ("strong", "weak")
    )
    assert strong_vs_weak["significant"] and strong_vs_weak["p_bootstrap_holm"] < 0.01
    assert "p_wilcoxon" not in strong_vs_weak


def test_identical_teams_tie_and_are_not_significant():
    s = LABELS + RNG.normal(size=N)
    result = ranking.rank("cindex", LABELS, {"a": s, "b": s.copy()}, seed=5)
    assert [t["rank"] for t in result["teams"]] == [1, 1]
    (pair,) = result["pairwise"]
    assert pair["difference"] == 0 and not pair["significant"]
    assert result["teams"][0]["p_first"] == 1.0 and result["teams"][1]["p_first"] == 1.0


def test_lymph_node_ranking_adds_wilcoxon_with_holm():
    sick = np.r_[np.ones(30, int), np.zeros(20, int)]
    good = np.clip(0.8 + 0.1 * RNG.normal(size=50), 0, 1)
    bad = np.clip(good - 0.2 + 0.05 * RNG.normal(size=50), 0, 1)
    result = ranking.rank(
        "lymph-node", sick, {"bad": bad, "good": good, "same": good.copy()}, seed=9
    )
    assert result["stratified_by"] == "sick/healthy"
    pair = next(p for p in result["pairwise"] if p["worse"] == "bad" and p["better"] == "good")
    assert pair["p_wilcoxon"] < 1e-6 and pair["significant_wilcoxon"]
    assert pair["p_wilcoxon_holm"] == pytest.approx(
        min(1.0, 3 * pair["p_wilcoxon"])
    )  # smallest of 3
    same = next(p for p in result["pairwise"] if {p["better"], p["worse"]} == {"good", "same"})
    assert same["p_wilcoxon"] == 1.0


def test_holm_adjustment_by_hand():
    adjusted = ranking.holm(np.array([0.01, 0.04, 0.03, 0.5]))
    np.testing.assert_allclose(adjusted, [0.04, 0.09, 0.09, 0.5])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="at least 1000"):
        ranking.rank("auroc", LABELS, _teams(), n_boot=100)
    with pytest.raises(ValueError, match="at least two teams"):
        ranking.rank("auroc", LABELS, {"solo": LABELS})
    with pytest.raises(ValueError, match="one value per exam"):
        ranking.rank("auroc", LABELS, {"a": LABELS, "b": LABELS[:-1]})


def test_rank_files_reports_every_team_problem(tmp_path):
    truth = write_csv(tmp_path / "t.csv", "exam_id,class\nX1,A\nX2,B\nX3,C\nX4,D\n")
    good = write_csv(tmp_path / "g.csv", "exam_id,class\nX1,A\nX2,B\nX3,C\nX4,D\n")
    okay = write_csv(tmp_path / "o.csv", "exam_id,score\nX1,1\nX2,0\nX3,3\nX4,4\n")
    result = ranking.rank_files("cindex", truth, {"good": good, "okay": okay}, seed=1)
    assert [t["team"] for t in result["teams"]] == ["good", "okay"]
    assert result["teams"][0]["score"] == 1.0
    bad = write_csv(tmp_path / "b.csv", "exam_id,class\nX1,Z\n")
    with pytest.raises(SubmissionInvalid) as caught:
        ranking.rank_files(
            "cindex", truth, {"good": good, "bad": bad, "worse": tmp_path / "none.csv"}
        )
    wheres = [p.where for p in caught.value.problems]
    assert "bad: row 2" in wheres and "bad: X2" in wheres and "worse: predictions file" in wheres


def test_result_is_plain_json():
    import json

    s = LABELS + RNG.normal(size=N)
    result = ranking.rank("auroc", LABELS, {"a": s, "b": s.copy()}, seed=2)
    assert result["kendall_tau"]["median"] is None  # all tied: tau undefined, not NaN
    assert json.loads(json.dumps(result, allow_nan=False)) == result
