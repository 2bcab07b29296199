"""Recognise an upload from its first bytes, never from its (identifying) file name."""

from __future__ import annotations

from typing import Literal

Kind = Literal["dicom", "jpeg", "zip", "unknown"]


def detect_kind(head: bytes) -> Kind:
    """Kind of file from its magic bytes; pass at least the first 132 bytes."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return "unknown"
