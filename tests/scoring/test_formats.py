"""CSV submissions and truths: every kind of bad file is named in its message."""

import numpy as np
import pytest
from scoring_helpers import write_csv

from scoring import InvalidTruth, SubmissionInvalid, evaluate
from scoring.formats import read_binary_predictions, read_ordinal_predictions, read_ordinal_truth

TRUTH = "exam_id,label\nBRS-A1,benign\nBRS-B2,malignant\nBRS-C3,benign\nBRS-D4,malignant\n"
IDS = ["BRS-A1", "BRS-B2", "BRS-C3", "BRS-D4"]
GOOD = "exam_id,probability\nBRS-A1,0.1\nBRS-B2,0.8\nBRS-C3,0.3\nBRS-D4,0.3\n"


def problems_of(tmp_path, text, reader=read_binary_predictions):
    path = write_csv(tmp_path / "predictions.csv", text)
    with pytest.raises(SubmissionInvalid) as caught:
        reader(path, IDS)
    return [str(p) for p in caught.value.problems]


def test_good_binary_submission_scores(tmp_path):
    truth = write_csv(tmp_path / "truth.csv", TRUTH)
    result = evaluate("auroc", truth, write_csv(tmp_path / "p.csv", GOOD))
    # malignant 0.8 and 0.3 against benign 0.1 and 0.3: 1 + 1 + 1 + 0.5 of 4 pairs.
    assert result.score == pytest.approx(3.5 / 4)
    assert set(result.per_exam) == set(IDS)
    assert result.secondary["n_malignant"] == 2


@pytest.mark.parametrize(
    "raw",
    [
        GOOD.encode("utf-8-sig"),  # Excel's UTF-8 with BOM
        GOOD.replace(",", ";").replace("0.", "0,").encode(),  # French locale: ';' and decimal comma
        GOOD.replace(",", "\t").encode("utf-16"),  # Excel "Unicode text"
        GOOD.replace("\n", "\r\n").encode(),  # Windows line ends
        GOOD.upper().replace("BRS-", "BRS-").replace("EXAM_ID", "Exam_ID ").encode(),
        (GOOD + "\n\n,\n").encode(),  # trailing blank lines and an empty spreadsheet row
    ],
)
def test_bom_delimiter_and_encoding_variants_are_read(tmp_path, raw):
    keyed = read_binary_predictions(write_csv(tmp_path / "p.csv", raw), IDS)
    assert keyed.values == {"BRS-A1": 0.1, "BRS-B2": 0.8, "BRS-C3": 0.3, "BRS-D4": 0.3}


def test_all_row_problems_are_reported_together(tmp_path):
    text = (
        "exam_id,probability\n"
        "BRS-A1,0.1\n"
        "BRS-A1,0.2\n"  # duplicate
        "BRS-B2,NaN\n"
        "BRS-C3,inf\n"
        "BRS-Z9,0.5\n"  # unknown
        ",0.5\n"  # empty id
        "BRS-E5,0.1,extra\n"  # wrong field count
        "BRS-F6,high\n"  # not a number (and unknown)
        "BRS-G7,1_000\n"
    )
    found = problems_of(tmp_path, text)
    expected = [
        "row 3: exam 'BRS-A1' appears again (first in row 2)",
        "row 4: exam 'BRS-B2': probability is NaN",
        "row 5: exam 'BRS-C3': probability is infinite: 'inf'",
        "row 6: exam 'BRS-Z9' is not an exam of this test set",
        "row 7: exam_id is empty",
        "row 8: has 3 fields, expected 2 (exam_id, probability)",
        "row 9: exam 'BRS-F6': probability is not a number: 'high'",
        "row 10: exam 'BRS-G7': probability is not a number: '1_000'",
        "BRS-D4: is missing from the predictions",
    ]
    for message in expected:
        assert message in found
    # The id of a row in error is still known, so it is not also called missing.
    assert not any(p.startswith(("BRS-B2:", "BRS-C3:")) for p in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exam_id,prob\nBRS-A1,0.1\n", "column 'probability': is missing from the header"),
        ("id,probability\nBRS-A1,0.1\n", "column 'exam_id': is missing from the header"),
        ("exam_id,probability,comment\nBRS-A1,0.1,x\n", "column 'comment': is not expected"),
        (
            "exam_id,probability,probability\nBRS-A1,0.1,0.2\n",
            "column 'probability': appears more than once",
        ),
        ("exam_id,probability\n", "predictions file: has a header but no rows"),
        ("", "predictions file: is empty"),
    ],
)
def test_wrong_missing_or_extra_columns(tmp_path, text, expected):
    assert any(expected in p for p in problems_of(tmp_path, text))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"exam_id,probability\nBRS-A1,0.1\nBRS-B2,\xe9t\xe9\n",
            "not UTF-8 text (byte 0xe9 in row 3)",
        ),
        (bytes(range(256)) * 4, "binary data (NUL bytes)"),
        (b"PK\x03\x04\x14\x00\x00\x00garbage", "is a zip archive, not a CSV"),
        (b"\x1f\x8b\x08\x00rest", "is a gzip file, not a CSV"),
        (b'exam_id,probability\n"BRS-A1,0.1\n', "has 1 fields, expected 2"),
    ],
)
def test_non_utf8_and_binary_garbage(tmp_path, raw, expected):
    assert any(expected in p for p in problems_of(tmp_path, raw))


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(SubmissionInvalid, match="predictions file: cannot be read"):
        read_binary_predictions(tmp_path / "absent.csv", IDS)
    with pytest.raises(SubmissionInvalid, match="predictions file: is a folder"):
        read_binary_predictions(tmp_path, IDS)


def test_ordinal_classes_scores_and_their_faults(tmp_path):
    truth = write_csv(tmp_path / "t.csv", "exam_id,class\nX1,A\nX2,C\nX3,E\n")
    keyed = read_ordinal_truth(truth)
    assert keyed.values == {"X1": 0, "X2": 2, "X3": 4}
    ids = list(keyed.values)
    classes = read_ordinal_predictions(
        write_csv(tmp_path / "c.csv", "exam_id,class\nX1,a\nX2, B \nX3,E\n"), ids
    )
    assert (classes.column, classes.values) == ("class", {"X1": 0, "X2": 1, "X3": 4})
    scores = read_ordinal_predictions(
        write_csv(tmp_path / "s.csv", "exam_id,score\nX1,-3\nX2,1e2\nX3,7.5\n"), ids
    )
    assert scores.column == "score"
    with pytest.raises(SubmissionInvalid) as caught:
        read_ordinal_predictions(
            write_csv(tmp_path / "b.csv", "exam_id,class\nX1,F\nX2,3\nX3,E\n"), ids
        )
    found = [str(p) for p in caught.value.problems]
    assert "row 2: exam 'X1': class is 'F', not one of the classes A, B, C, D, E" in found
    assert "row 3: exam 'X2': class is '3', not one of the classes A, B, C, D, E" in found
    with pytest.raises(SubmissionInvalid, match="has both 'class' and 'score'"):
        read_ordinal_predictions(
            write_csv(tmp_path / "d.csv", "exam_id,class,score\nX1,A,1\n"), ids
        )


def test_ground_truth_faults_raise_invalid_truth(tmp_path):
    preds = write_csv(tmp_path / "p.csv", GOOD)
    bad = write_csv(tmp_path / "t.csv", "exam_id,label\nBRS-A1,benign\nBRS-B2,cancer\n")
    with pytest.raises(
        InvalidTruth, match="row 3: exam 'BRS-B2': label is 'cancer', expected benign or malignant"
    ):
        evaluate("auroc", bad, preds)
    one_class = write_csv(tmp_path / "o.csv", "exam_id,label\nBRS-A1,benign\nBRS-B2,benign\n")
    with pytest.raises(InvalidTruth, match="every exam is benign: AUROC needs both classes"):
        evaluate("auroc", one_class, preds)
    ordinal = write_csv(tmp_path / "c.csv", "exam_id,class\nX1,B\nX2,B\n")
    with pytest.raises(InvalidTruth, match="every exam is class B"):
        evaluate("cindex", ordinal, preds)


def test_ordinal_evaluation_secondary_metrics(tmp_path):
    truth = write_csv(tmp_path / "t.csv", "exam_id,class\nX1,A\nX2,B\nX3,C\nX4,E\n")
    preds = write_csv(tmp_path / "p.csv", "exam_id,class\nX1,A\nX2,C\nX3,C\nX4,D\n")
    result = evaluate("cindex", truth, preds)
    # Pairs by true class: (A,B) (A,C) (A,E) (B,C) (B,E) (C,E); only (B,C) is tied in prediction.
    assert result.score == pytest.approx(5.5 / 6)
    assert result.secondary["accuracy"] == pytest.approx(0.5)
    assert result.secondary["confusion_matrix"][1] == [0, 0, 1, 0, 0]
    assert result.secondary["quadratic_weighted_kappa"] is not None
    shifted = write_csv(tmp_path / "s.csv", "exam_id,score\nX1,10\nX2,12\nX3,12\nX4,11.5\n")
    scored = evaluate("cindex", truth, shifted)
    assert scored.secondary["accuracy"] is None
    # (A,x) concordant x3, (B,C) tied, (B,E) and (C,E) discordant.
    assert scored.to_dict()["score"] == pytest.approx(3.5 / 6)


@pytest.mark.parametrize("metric", ["auroc", "cindex"])
def test_shuffling_the_rows_of_a_file_changes_nothing(tmp_path, metric):
    rng = np.random.default_rng(4)
    ids = [f"BRS-{k:04d}" for k in range(40)]
    if metric == "auroc":
        truth_rows = [f"{e},{'malignant' if k % 3 else 'benign'}" for k, e in enumerate(ids)]
        pred_rows = [f"{e},{rng.integers(0, 5) / 4}" for e in ids]
        header = ("exam_id,label", "exam_id,probability")
    else:
        truth_rows = [f"{e},{'ABCDE'[k % 5]}" for k, e in enumerate(ids)]
        pred_rows = [f"{e},{'ABCDE'[rng.integers(0, 5)]}" for e in ids]
        header = ("exam_id,class", "exam_id,class")
    truth = write_csv(tmp_path / "t.csv", "\n".join([header[0], *truth_rows]))
    results = []
    for attempt in range(3):
        shuffled = [pred_rows[k] for k in rng.permutation(len(pred_rows))]
        preds = write_csv(tmp_path / f"p{attempt}.csv", "\n".join([header[1], *shuffled]))
        results.append(evaluate(metric, truth, preds).to_dict())
    assert results[0] == results[1] == results[2]
