"""CSV decoding shared by the binary and ordinal formats: encodings, BOMs, delimiters.

Spreadsheets save CSV in many ways (UTF-8 with a BOM, UTF-16 "Unicode text" with tabs,
French locales with ';' and decimal commas); all of these are accepted. What cannot be
read is reported with the row at fault, never guessed at.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from scoring.errors import Problem, shown

MAX_CSV_BYTES = 64 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
_MAGIC = {b"PK\x03\x04": "a zip archive", b"\x1f\x8b": "a gzip file", b"%PDF": "a PDF"}
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


@dataclass
class Table:
    """Rows of a CSV file, each with the row number a spreadsheet would show (header = 1)."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    delimiter: str = ","
    problems: list[Problem] = field(default_factory=list)


def _decode(raw: bytes, where: str) -> tuple[str | None, Problem | None]:
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(codec if codec == "utf-16" else "utf-8-sig"), None
            except UnicodeDecodeError:
                return None, Problem(
                    where, f"starts with a {codec} byte-order mark but is not {codec} text"
                )
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            return None, Problem(where, f"is {what}, not a CSV text file")
    if b"\x00" in raw[:65536]:
        return None, Problem(where, "contains binary data (NUL bytes), not CSV text")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        row = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start]
        return None, Problem(
            where, f"is not UTF-8 text (byte 0x{byte:02x} in row {row}); save it as UTF-8 CSV"
        )


def _sniff(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def read_table(path: Path, label: str) -> Table:
    """Read a CSV file into header and rows; ``label`` names the file in messages."""
    table = Table()
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            table.problems.append(
                Problem(label, f"is {size} bytes, over the {MAX_CSV_BYTES} limit")
            )
            return table
        raw = path.read_bytes()
    except IsADirectoryError:
        table.problems.append(Problem(label, "is a folder, expected a CSV file"))
        return table
    except OSError as error:
        table.problems.append(Problem(label, f"cannot be read ({error.strerror or error})"))
        return table
    if not raw.strip():
        table.problems.append(Problem(label, "is empty"))
        return table
    text, problem = _decode(raw, label)
    if problem:
        table.problems.append(problem)
        return table
    table.delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=table.delimiter)
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank lines, or a spreadsheet's row of empty cells
            if not table.columns:
                while cells and not cells[-1].strip():
                    cells.pop()
                table.columns = [c.strip().lower() for c in cells]
            else:
                table.rows.append((reader.line_num, cells))
    except csv.Error as error:
        table.problems.append(Problem(f"row {reader.line_num}", f"is not valid CSV ({error})"))
    return table


def cells_of(table: Table, row: int, cells: list[str]) -> tuple[list[str] | None, Problem | None]:
    """The row's cells, one per column, or the problem with its field count."""
    width = len(table.columns)
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        cells = cells[:width]  # trailing empty cells left by a spreadsheet
    if len(cells) != width:
        return None, Problem(
            f"row {row}", f"has {len(cells)} fields, expected {width} ({', '.join(table.columns)})"
        )
    return [c.strip() for c in cells], None


def parse_number(cell: str, delimiter: str) -> tuple[float | None, str | None]:
    """A finite real number, or why not. Decimal commas are accepted unless ',' separates."""
    if delimiter != "," and _DECIMAL_COMMA.fullmatch(cell):
        cell = cell.replace(",", ".")
    if not cell:
        return None, "is empty"
    try:
        if "_" in cell:  # float() would accept "1_000"; a spreadsheet never writes that
            raise ValueError(cell)
        value = float(cell)
    except ValueError:
        return None, f"is not a number: {shown(cell)}"
    if math.isnan(value):
        return None, "is NaN"
    if math.isinf(value):
        return None, f"is infinite: {shown(cell)}"
    return value, None
