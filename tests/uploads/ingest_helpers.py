"""Helpers shared by the pipeline tests (tests/uploads) and the browser test (tests/e2e):
sending files through the real pipeline, waiting for its jobs, and scanning every place a
patient identifier could end up (database, file stores, logs) for planted tokens."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import subprocess
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import wait_for

DONE_STATES = ("done", "rejected")



@dataclass
class Pipeline:
    demo: dict
    worker: object | None
    settings: object
    # Files already in the stores when the test began: in worker mode the stores are shared
    # by the whole session (set by .ci/run), so a test looks only at what it added.
    baseline: frozenset = frozenset()

    def __post_init__(self) -> None:
        if self.settings is not None:
            self.baseline = frozenset(self._all_store_files())

    @property
    def on_worker(self) -> bool:
        return self.worker is not None

    def start(self, task: str, *, username: str = "uploader", center: str = "chu-lyon"):
        from challenges.models import Task
        from uploads import services

        return services.start_upload(
            user=self.demo["users"][username],
            task=Task.objects.get(slug=task),
            center=self.demo["centers"][center],
            information_letter_version="2024-v3",
            information_letter_date=dt.date(2024, 1, 15),
            consent_attested=True,
        )

    def send(self, upload, *paths: Path) -> list:
        """Send files, folders or zips like the ingest command; the files in send order."""
        from uploads import bulk

        return [sent.uploaded for sent in bulk.send_all(upload=upload, paths=list(paths))]

    def settle(self, upload, timeout: float = 120) -> list:
        """Wait until every file of the upload is done or rejected; return them (fresh)."""
        files = upload.files.all()
        wait_for(lambda: not files.exclude(state__in=DONE_STATES).exists(), timeout)
        return list(upload.files.order_by("created_at"))

    # --- where identifiers could end up -----------------------------------------------------
    def database_bytes(self) -> bytes:
        from django.db import connection

        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            dump = subprocess.run(
                ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", name],
                check=True,
                capture_output=True,
                timeout=120,
            )
            return dump.stdout
        assert connection.vendor == "sqlite", connection.vendor
        connection.ensure_connection()
        raw: sqlite3.Connection = connection.connection
        # The file image of the database (in-memory test DB: its serialized pages), plus
        # the SQL dump so that text stored compressed or split across pages is seen too.
        return raw.serialize() + "\n".join(raw.iterdump()).encode()

    def _all_store_files(self) -> Iterator[Path]:
        for root in (Path(self.settings.MEDIA_ROOT), Path(self.settings.QUARANTINE_ROOT)):
            if root.exists():
                yield from (p for p in root.rglob("*") if p.is_file())

    def store_files(self) -> list[Path]:
        """Files this test added to the dataset store and the quarantine."""
        return [p for p in self._all_store_files() if p not in self.baseline]

    def exam_files(self) -> set[Path]:
        """Files this test added under the dataset store's exams/ folder."""
        root = Path(self.settings.MEDIA_ROOT) / "exams"
        return {p for p in self.store_files() if root in p.parents}

    def quarantine_files(self) -> list[Path]:
        root = Path(self.settings.QUARANTINE_ROOT)
        return [p for p in self.store_files() if root in p.parents]

    def worker_log(self) -> bytes:
        return self.worker.log_path.read_bytes() if self.worker else b""


_DIGITS = re.compile(rb"\d")


def leaked(haystack: bytes, tokens: Iterable[str]) -> list[str]:
    """Tokens found in `haystack`: as UTF-8 in any letter case, and as UTF-16 (LE and BE).

    A purely numeric token (a DICOM time HHMMSS, a date YYYYMMDD) only counts when it is not
    part of a longer run of digits: a de-identified file is full of 40-digit `2.25.` UIDs in
    which any six digits occur by chance, while a leaked date or time stands on its own."""
    lowered = haystack.lower()
    found = []
    for token in tokens:
        needle = token.lower().encode()
        if token.isdigit():
            if _standalone_digits(lowered, needle):
                found.append(token)
            continue
        if needle in lowered or any(
            token.encode(codec) in haystack for codec in ("utf-16-le", "utf-16-be")
        ):
            found.append(token)
    return found


def _standalone_digits(haystack: bytes, needle: bytes) -> bool:
    start = haystack.find(needle)
    while start != -1:
        before = haystack[start - 1 : start] if start else b""
        after = haystack[start + len(needle) : start + len(needle) + 1]
        if not _DIGITS.match(before or b"x") and not _DIGITS.match(after or b"x"):
            return True
        start = haystack.find(needle, start + 1)
    return False


def zip_folder(folder: Path, target: Path, *, prefix: str = "") -> Path:
    """Zip every file of `folder` under its own (identifying) name, like a PACS export."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return target
