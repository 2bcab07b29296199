"""Fixtures for the de-identification tests: planted DICOM files built with pydicom."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # planted.py is shared with bench/

import planted  # noqa: E402
from planted import leaked_tokens  # noqa: E402, F401 - re-exported for the tests

KEY = b"test-platform-secret-0123456789ab"
OTHER_KEY = b"another-platform-secret-98765432"


@pytest.fixture
def key() -> bytes:
    return KEY


def encode(ds) -> bytes:
    buffer = io.BytesIO()
    planted.save(ds, buffer)
    return buffer.getvalue()
