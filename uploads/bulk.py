"""Bulk ingest of local files, folders and zips through the same pipeline as the browser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from uploads import services
from uploads.models import Upload, UploadedFile


@dataclass(frozen=True)
class SentFile:
    path: Path
    uploaded: UploadedFile


def files_under(paths: list[Path]) -> Iterator[Path]:
    """Each file named, and every file below each folder named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def send(*, upload: Upload, path: Path) -> UploadedFile:
    size = path.stat().st_size
    uploaded = services.add_file(upload=upload, size=size)
    if size:
        with open(path, "rb") as stream:
            services.receive_chunk(uploaded_file=uploaded, offset=0, stream=stream, length=size)
    return uploaded


def send_all(*, upload: Upload, paths: list[Path]) -> list[SentFile]:
    return [SentFile(p, send(upload=upload, path=p)) for p in files_under(paths)]
