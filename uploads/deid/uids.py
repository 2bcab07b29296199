"""Keyed hashes and `2.25.` UIDs derived from original UIDs.

Unkeyed hashes of UIDs can be reversed by hashing candidate UIDs (org roots and
counters are guessable), so everything here is an HMAC-SHA256 with the platform
secret. The same original and key give the same result in any process, which keeps a
series grouped across uploads and lets a re-uploaded study be recognised without
keeping its original UIDs.
"""

from __future__ import annotations

import hashlib
import hmac

# Domain separation: the public UID and the private duplicate-detection key derived
# from the same original UID must not be computable from one another.
_UID_DOMAIN = b"radchallenge/uid\x00"


def keyed_hash(value: str | bytes, *, key: bytes) -> str:
    """HMAC-SHA256 of `value` under `key`, as 64 hex characters."""
    data = value.encode("ascii", "surrogateescape") if isinstance(value, str) else value
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def uid_for(original_uid: str, *, key: bytes) -> str:
    """`2.25.` UID derived from `original_uid` (at most 44 characters).

    The first 128 bits of the HMAC get the RFC 9562 version 8 (vendor-specific) and
    variant bits, so the integer is a valid UUID as PS3.5 B.2 expects under `2.25`.
    """
    uid = original_uid.strip("\x00 ")
    digest = hmac.new(key, _UID_DOMAIN + uid.encode("ascii", "replace"), hashlib.sha256)
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC variant
    return "2.25." + str(int.from_bytes(raw, "big"))
