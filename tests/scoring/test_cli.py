"""The offline CLI, run as a real process: scores, JSON last line, problems, no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from scoring_helpers import masks_zip, write_csv

ROOT = Path(__file__).resolve().parents[2]
TRUTH = "exam_id,label\nBRS-1,benign\nBRS-2,malignant\nBRS-3,benign\nBRS-4,malignant\n"


def run(*args):
    done = subprocess.run(
        [sys.executable, "-m", "scoring", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    return done


def test_score_with_json_last_line(tmp_path):
    truth = write_csv(tmp_path / "t.csv", TRUTH)
    preds = write_csv(
        tmp_path / "p.csv", "exam_id,probability\nBRS-1,0.2\nBRS-2,0.9\nBRS-3,0.4\nBRS-4,0.4\n"
    )
    done = run("--metric", "auroc", "--truth", truth, "--predictions", preds, "--json")
    assert done.returncode == 0
    assert "score: 0.875000" in done.stdout
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert last["score"] == 0.875 and last["metric"] == "auroc"


def test_bad_submission_exits_non_zero_listing_every_problem(tmp_path):
    truth = write_csv(tmp_path / "t.csv", TRUTH)
    preds = write_csv(tmp_path / "p.csv", "exam_id,probability\nBRS-1,NaN\nBRS-1,0.3\nBRS-7,0.1\n")
    done = run("--metric", "auroc", "--truth", truth, "--predictions", preds, "--json")
    assert done.returncode == 1
    for fragment in (
        "row 2: exam 'BRS-1': probability is NaN",
        "row 3: exam 'BRS-1' appears again",
        "BRS-7",
        "BRS-4",
    ):
        assert fragment in done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert last["valid"] is False and len(last["problems"]) == 6


def test_bad_truth_and_bad_usage_exit_codes(tmp_path):
    truth = write_csv(tmp_path / "t.csv", "exam_id,label\nBRS-1,benign\n")
    preds = write_csv(tmp_path / "p.csv", "exam_id,probability\nBRS-1,0.2\n")
    done = run("--metric", "auroc", "--truth", truth, "--predictions", preds)
    assert done.returncode == 3 and "every exam is benign" in done.stderr
    assert run("--metric", "dice", "--truth", truth, "--predictions", preds).returncode == 2
    assert run("rank", "--metric", "auroc", "--truth", truth, "no-equals-sign").returncode == 2


def test_lymph_node_from_zip(tmp_path):
    sick = np.zeros((4, 4, 3), np.uint8)
    sick[1:3, 1:3, 1] = 1
    truth = masks_zip(tmp_path / "truth.zip", {"LN-1": sick, "LN-2": np.zeros_like(sick)})
    preds = masks_zip(tmp_path / "pred.zip", {"LN-1": sick, "LN-2": np.zeros_like(sick)})
    done = run("--metric", "lymph-node", "--truth", truth, "--predictions", preds, "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout.splitlines()[-1])["score"] == 1.0


def test_rank_prints_a_table_and_json(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 40)
    labels[:2] = (0, 1)
    truth = write_csv(
        tmp_path / "t.csv",
        "exam_id,label\n"
        + "".join(f"E{i},{'malignant' if y else 'benign'}\n" for i, y in enumerate(labels)),
    )
    teams = []
    for name, signal in (("alpha", 3.0), ("beta", 0.5)):
        scores = labels * signal + rng.normal(size=40)
        path = write_csv(
            tmp_path / f"{name}.csv",
            "exam_id,probability\n" + "".join(f"E{i},{s}\n" for i, s in enumerate(scores)),
        )
        teams.append(f"{name}={path}")
    done = run("rank", "--metric", "auroc", "--truth", truth, "--seed", "11", "--json", *teams)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split()[:2] == ["1", "alpha"] and lines[2].split()[:2] == ["2", "beta"]
    assert "seed 11" in done.stdout
    result = json.loads(lines[-1])
    assert result["seed"] == 11 and result["n_boot"] == 1000
    bad = run(
        "rank",
        "--metric",
        "auroc",
        "--truth",
        truth,
        "alpha=" + str(tmp_path / "missing.csv"),
        teams[1],
    )
    assert bad.returncode == 1 and "alpha: predictions file: cannot be read" in bad.stderr


def test_rank_of_identical_teams_says_tau_is_undefined(tmp_path):
    truth = write_csv(tmp_path / "t.csv", TRUTH)
    same = "exam_id,probability\nBRS-1,0.2\nBRS-2,0.9\nBRS-3,0.4\nBRS-4,0.4\n"
    a = write_csv(tmp_path / "a.csv", same)
    b = write_csv(tmp_path / "b.csv", same)
    done = run("rank", "--metric", "auroc", "--truth", truth, f"A={a}", f"B={b}")
    assert done.returncode == 0, done.stderr
    assert "undefined (teams tie)" in done.stdout
