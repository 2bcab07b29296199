"""Safe reading of uploaded zip archives (pure Python).

Entries are opened one at a time and streamed; the archive is refused as a whole when it looks
like a zip bomb (total declared size or compression ratio over the limits), and entries with
unsafe paths or nested archives are skipped with a reason. Problems name the entry by its
position, never by its name (names of exported DICOM files often carry the patient's name).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

MAX_ENTRIES = 20_000
MAX_TOTAL_UNCOMPRESSED = 20 * 1024**3
MAX_RATIO = 200  # DICOM compresses 2–10×; a ratio of 200 is no imaging archive.
MAX_ENTRY_SIZE = 2 * 1024**3
NESTED_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")


class ArchiveRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Skipped:
    entry: int
    code: str
    message: str


@dataclass(frozen=True)
class Entry:
    number: int  # 1-based position in the archive, how problems name it
    info: zipfile.ZipInfo


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _is_metadata_entry(name: str) -> bool:
    # macOS and Windows add these to zips made by hand; they hold no exam data.
    parts = PurePosixPath(name).parts
    return any(p == "__MACOSX" or p.startswith("._") for p in parts) or name.endswith(
        ("Thumbs.db", ".DS_Store")
    )


def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArchiveRefused("zip_unreadable", "The zip archive cannot be read.") from error
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArchiveRefused("zip_too_many_entries", f"More than {MAX_ENTRIES} entries.")
    total = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if total > MAX_TOTAL_UNCOMPRESSED or total / compressed > MAX_RATIO:
        raise ArchiveRefused("zip_bomb", "The archive expands beyond the size or ratio limits.")
    return archive


def entries(archive: zipfile.ZipFile) -> Iterator[Entry | Skipped]:
    """Yield each regular entry to process, or why it was skipped."""
    for number, info in enumerate(archive.infolist(), start=1):
        if info.is_dir() or _is_metadata_entry(info.filename):
            continue
        if _unsafe(info.filename):
            yield Skipped(number, "zip_unsafe_path", f"Entry {number} has an unsafe path.")
        elif info.file_size > MAX_ENTRY_SIZE:
            yield Skipped(number, "too_large", f"Entry {number} is over the size limit.")
        elif info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            yield Skipped(number, "zip_bomb", f"Entry {number} expands beyond the ratio limit.")
        else:
            yield Entry(number, info)


class BoundedReader:
    """Read an entry but never more than its declared size (a lying header cannot inflate)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            if self._raw.read(1):
                raise ArchiveRefused("zip_bomb", "An entry expands beyond its declared size.")
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._raw.read(size)
        self._left -= len(data)
        return data


def is_nested_archive(head: bytes) -> bool:
    return head.startswith(NESTED_MAGIC)
