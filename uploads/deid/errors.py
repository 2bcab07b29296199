"""The one exception the de-identification core raises on input it will not process.

Messages are written for the uploading radiologist and are safe to log: they never
carry a file name, a tag value or anything else read from the file.
"""

from __future__ import annotations


class DeidRejected(Exception):
    """The file cannot be de-identified; `code` is stable, `message` is human English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
