"""Fixtures for the de-identification tests: planted DICOM files built with pydicom."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # planted.py is shared with bench/

import planted  # noqa: E402

KEY = b"test-platform-secret-0123456789ab"
OTHER_KEY = b"another-platform-secret-98765432"


@pytest.fixture
def key() -> bytes:
    return KEY


def encode(ds) -> bytes:
    buffer = io.BytesIO()
    planted.save(ds, buffer)
    return buffer.getvalue()


def leaked_tokens(data: bytes) -> list[str]:
    """Every planted token found in `data`, in the encodings a writer might use."""
    found = []
    for token in planted.all_ascii_tokens():
        for form in _forms(token):
            if form in data:
                found.append(token)
                break
    for fragment in planted.NON_ASCII_FRAGMENTS:
        codecs = ("utf-8", "latin-1", "cp1252", "iso2022_jp", "shift_jis", "euc_jp", "utf-16-le")
        for codec in codecs:
            try:
                form = fragment.encode(codec)
            except UnicodeEncodeError:
                continue
            if codec == "iso2022_jp":  # the escape sequences around it may differ
                form = form.removeprefix(b"\x1b$B").removesuffix(b"\x1b(B")
            if form in data:
                found.append(f"{fragment} ({codec})")
    return found


def _forms(token: str) -> list[bytes]:
    forms = [token.encode(), token.encode("utf-16-le")]
    if "^" in token:  # a PN's components may be written on their own
        forms += [part.encode() for part in token.split("^") if len(part) > 4]
    return forms
