"""Readers and validators for the CSV formats of DESIGN.md (binary and ordinal tasks).

Every problem of a file is collected in one pass; a reader raises ``SubmissionInvalid``
(or ``InvalidTruth`` for ground truth) carrying all of them, and returns values only when
the whole file is valid. Segmentation masks are read by ``scoring.masks``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring.errors import InvalidTruth, Problem, SubmissionInvalid, shown
from scoring.metrics import CLASSES
from scoring.tables import cells_of, parse_number, read_table

LABELS = {"benign": 0, "malignant": 1}
CLASS_CODES = {name: code for code, name in enumerate(CLASSES)}
TRUTH_FILE, PREDICTIONS_FILE = "truth file", "predictions file"

Parser = Callable[[str, str], tuple[float | int | None, str | None]]


@dataclass
class Keyed:
    """Values by exam id, read from the named column; ``rows`` gives each id's row."""

    column: str
    values: dict[str, float | int]
    rows: dict[str, int]

    def aligned(self, exam_ids: Iterable[str]) -> np.ndarray:
        """Values in the order of ``exam_ids`` (ints for classes and labels)."""
        dtype = np.int64 if self.column in ("class", "label") else np.float64
        return np.fromiter((self.values[e] for e in exam_ids), dtype=dtype)


def _label(cell: str, _delimiter: str) -> tuple[int | None, str | None]:
    code = LABELS.get(cell.lower())
    return (
        (code, None)
        if code is not None
        else (None, f"is {shown(cell)}, expected benign or malignant")
    )


def _class(cell: str, _delimiter: str) -> tuple[int | None, str | None]:
    code = CLASS_CODES.get(cell.upper())
    if code is None:
        return None, f"is {shown(cell)}, not one of the classes {', '.join(CLASSES)}"
    return code, None


def _header_problems(columns: list[str], wanted: tuple[str, ...]) -> list[Problem]:
    expected = f"expected exam_id and {' or '.join(repr(w) for w in wanted)}"
    problems = []
    if "exam_id" not in columns:
        problems.append(Problem("column 'exam_id'", f"is missing from the header ({expected})"))
    present = [w for w in wanted if w in columns]
    if not present:
        problems.append(
            Problem(f"column {wanted[0]!r}", f"is missing from the header ({expected})")
        )
    elif len(present) > 1:
        problems.append(Problem("header", f"has both {present[0]!r} and {present[1]!r}: give one"))
    for name in sorted({c for c in columns if columns.count(c) > 1}):
        problems.append(Problem(f"column {name!r}", "appears more than once in the header"))
    for name in columns:
        if name not in ("exam_id", *wanted):
            problems.append(Problem(f"column {shown(name)}", f"is not expected ({expected})"))
    return problems


def read_keyed(path: Path, label: str, parsers: dict[str, Parser]) -> tuple[Keyed, list[Problem]]:
    """exam_id plus one value column (one of ``parsers``' keys), all problems collected."""
    table = read_table(path, label)
    keyed = Keyed(column="", values={}, rows={})
    if table.problems:
        return keyed, table.problems
    problems = _header_problems(table.columns, tuple(parsers))
    if problems:
        return keyed, problems
    keyed.column = next(c for c in table.columns if c in parsers)
    id_at, value_at = table.columns.index("exam_id"), table.columns.index(keyed.column)
    parse = parsers[keyed.column]
    for row, raw_cells in table.rows:
        cells, problem = cells_of(table, row, raw_cells)
        if problem:
            problems.append(problem)
            continue
        exam = cells[id_at]
        if not exam:
            problems.append(Problem(f"row {row}", "exam_id is empty"))
            continue
        if exam in keyed.rows:
            problems.append(
                Problem(
                    f"row {row}",
                    f"exam {shown(exam)} appears again (first in row {keyed.rows[exam]})",
                )
            )
            continue
        keyed.rows[exam] = row
        value, why = parse(cells[value_at], table.delimiter)
        if why:
            problems.append(Problem(f"row {row}", f"exam {shown(exam)}: {keyed.column} {why}"))
        else:
            keyed.values[exam] = value
    if not table.rows:
        problems.append(Problem(label, "has a header but no rows"))
    return keyed, problems


def _truth(path: Path, parsers: dict[str, Parser]) -> Keyed:
    keyed, problems = read_keyed(path, TRUTH_FILE, parsers)
    if problems:
        raise InvalidTruth(problems)
    return keyed


def _predictions(path: Path, truth_ids: Iterable[str], parsers: dict[str, Parser]) -> Keyed:
    keyed, problems = read_keyed(path, PREDICTIONS_FILE, parsers)
    if keyed.column:  # the header was readable: check the ids against the test set
        known = set(truth_ids)
        problems += [
            Problem(f"row {row}", f"exam {shown(exam)} is not an exam of this test set")
            for exam, row in keyed.rows.items()
            if exam not in known
        ]
        problems += [
            Problem(exam, "is missing from the predictions")
            for exam in sorted(known - keyed.rows.keys())
        ]
    if problems:
        raise SubmissionInvalid(problems)
    return keyed


def read_binary_truth(path: Path) -> Keyed:
    """Truth CSV ``exam_id,label`` with benign/malignant; values 0/1 (malignant positive)."""
    return _truth(path, {"label": _label})


def read_binary_predictions(path: Path, truth_ids: Iterable[str]) -> Keyed:
    """Predictions CSV ``exam_id,probability`` (any finite real, higher = malignant)."""
    return _predictions(path, truth_ids, {"probability": parse_number})


def read_ordinal_truth(path: Path) -> Keyed:
    """Truth CSV ``exam_id,class`` with classes A-E; values are codes 0-4."""
    return _truth(path, {"class": _class})


def read_ordinal_predictions(path: Path, truth_ids: Iterable[str]) -> Keyed:
    """Predictions CSV ``exam_id,class`` (A-E) or ``exam_id,score`` (finite real)."""
    return _predictions(path, truth_ids, {"class": _class, "score": parse_number})
