"""Quarantine: raw, identifying bytes wait here for de-identification.

It lives outside MEDIA_ROOT, no URL serves it, and files are named by the UploadedFile's random
id, never by the upload filename.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from django.conf import settings

CHUNK_SIZE = 1024 * 1024


def path_for(file_id: UUID | str) -> Path:
    root = Path(settings.QUARANTINE_ROOT)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root / f"{UUID(str(file_id)).hex}.raw"


def append(file_id: UUID | str, offset: int, stream: BinaryIO, limit: int) -> int:
    """Write at most `limit` bytes from `stream` at `offset`, chunk by chunk; bytes written."""
    path = path_for(file_id)
    written = 0
    flags = os.O_WRONLY | os.O_CREAT
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "r+b") as out:
        out.seek(offset)
        while written < limit:
            chunk = stream.read(min(CHUNK_SIZE, limit - written))
            if not chunk:
                break
            out.write(chunk)
            written += len(chunk)
        out.truncate(offset + written)
    return written


def erase(file_id: UUID | str) -> None:
    path_for(file_id).unlink(missing_ok=True)


def stale_paths(known_ids: set[str]) -> list[Path]:
    """Quarantine files with no UploadedFile row (left by a crash between write and commit)."""
    root = Path(settings.QUARANTINE_ROOT)
    if not root.exists():
        return []
    return [p for p in root.glob("*.raw") if p.stem not in known_ids]
