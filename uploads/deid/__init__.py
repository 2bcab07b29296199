"""De-identification core of radchallenge: pure Python, no Django.

DICOM files are rebuilt from an allow-list (profile.py), UIDs replaced by keyed
`2.25.` UIDs (uids.py); ultrasound JPEGs are stripped segment by segment and checked
for burned-in text (jpeg.py, ocr.py). Nothing read from a file reaches an exception,
a return value or a log line unless the allow-list lets it through.
"""

from .dicom import DicomOutcome, deidentify_dicom
from .errors import DeidRejected
from .jpeg import JpegOutcome, deidentify_jpeg
from .kinds import detect_kind
from .uids import keyed_hash, uid_for

__all__ = [
    "DeidRejected",
    "DicomOutcome",
    "JpegOutcome",
    "deidentify_dicom",
    "deidentify_jpeg",
    "detect_kind",
    "keyed_hash",
    "uid_for",
]
