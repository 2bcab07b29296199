"""De-identify one DICOM Part 10 file by copying only allow-listed attributes.

Why not the `deid` package's recipes: its default recipe is a deny-list (it keeps
institution, station, free text and, in implicit-VR files, private tags read as UN)
and its `REMOVE contains:UID` rule deletes SOPClassUID. Expressing our allow-list as
a recipe (`REMOVE ALL`, `KEEP ...`, `REPLACE ... func:`) would work but walks and
deletes every element of every file through its header parser, an order of magnitude
slower than the copy below (see bench/RESULTS.md), and gives no control over raw
bytes (character sets, UN-encoded sequences). So the profile lives in profile.py as
plain keyword lists, and this module builds a NEW dataset from them.

Fast path: pydicom reads elements lazily as raw bytes. Allow-listed non-sequence
elements are copied raw into the new dataset and written back byte for byte under
the unchanged transfer syntax (pixel data included, compressed or not: never decoded).
Only sequences are parsed, to be filtered item by item with the same allow-list.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from pydicom import dcmread
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import UID, UID_dictionary

from . import profile
from .errors import DeidRejected
from .uids import keyed_hash, uid_for
from .ultrasound import blank_outside_regions

# Our own implementation class UID: the source's (and its version name) would tell
# which PACS or modality wrote the file.
IMPLEMENTATION_CLASS_UID = uid_for("radchallenge.deid", key=b"radchallenge")
IMPLEMENTATION_VERSION_NAME = "RADCHALLENGE_1"
DEID_METHOD = "radchallenge allow-list, PS3.15 E basic + retain patient chars"

_STRING_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST"}
_STRING_VRS |= {"TM", "UC", "UI", "UR", "UT"}
# Printable ASCII plus NUL padding: anything else (ISO 2022 escapes, UTF-8, Latin-1)
# means text in a character set we do not carry over, so the value is dropped.
_ASCII = bytes(range(0x20, 0x7F)) + b"\x00"
_AGE = re.compile(r"\d{3}[DWMY]")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_PIXEL_DATA = 0x7FE00010
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
_UNDEFINED = 0xFFFFFFFF


@dataclass
class DicomOutcome:
    """What the pipeline keeps about one de-identified file (no original values)."""

    study_key: str
    series_key: str
    instance_key: str
    sop_class_uid: str
    metadata: dict = field(default_factory=dict)
    hold_reasons: list[str] = field(default_factory=list)


def deidentify_dicom(
    src: BinaryIO | Path, dst: BinaryIO | Path, *, key: bytes, exam_label: str = ""
) -> DicomOutcome:
    """Read one DICOM file from `src`, write its de-identified copy to `dst`.

    Raises DeidRejected (never with an identifier in it) for files that are not
    image DICOM or cannot be read whole.
    """
    if not exam_label.isascii() or "\\" in exam_label:
        raise ValueError("exam_label must be plain ASCII without backslash")
    data = _read_all(src)  # an OSError here is the platform's problem, not the file's
    try:
        out, outcome = _deidentify(data, key, exam_label)
    except DeidRejected:
        raise
    except Exception:  # untrusted bytes: pydicom may fail in many ways on a damaged file
        # `from None`: pydicom's own message may quote values read from the file.
        raise DeidRejected("unreadable", "The DICOM file is damaged and cannot be read.") from None
    # Written straight to dst (no extra copy of the pixel data): every check that can
    # reject the file has run; an I/O error here is the platform's to handle.
    implicit, little = out.original_encoding
    target = str(dst) if isinstance(dst, Path) else dst
    dcmwrite(target, out, implicit_vr=implicit, little_endian=little, enforce_file_format=True)
    return outcome


def _deidentify(data: bytes, key: bytes, exam_label: str) -> tuple[Dataset, DicomOutcome]:
    source = _parse(data)
    sop_class = _sop_class(source)
    study, series, instance = (_required_uid(source, kw) for kw in _INSTANCE_UID_KEYWORDS)
    hold = _hold_reasons(source, sop_class)

    out = _filtered(source, key)
    _set_patient_and_deid_attributes(out, source, exam_label)
    if sop_class in profile.ULTRASOUND_CLASSES and "us_no_regions" not in hold:
        not_blanked = blank_outside_regions(out, source.file_meta.TransferSyntaxUID)
        hold += not_blanked
        if not not_blanked:
            _add_method_code(out, "113101", "Clean Pixel Data Option")

    _set_file_meta(out, sop_class, source.file_meta.TransferSyntaxUID)
    return out, DicomOutcome(
        study_key=keyed_hash(study, key=key),
        series_key=keyed_hash(series, key=key),
        instance_key=keyed_hash(instance, key=key),
        sop_class_uid=sop_class,
        metadata=_metadata(out, source.file_meta.TransferSyntaxUID),
        hold_reasons=hold,
    )


# --- reading and rejecting ----------------------------------------------------------


def _read_all(src: BinaryIO | Path) -> bytes:
    # Read into memory and parse from an anonymous buffer: pydicom puts the file
    # name in its warnings, and upload file names often carry the patient ID.
    return src.read_bytes() if isinstance(src, Path) else src.read()


def _parse(data: bytes) -> Dataset:
    if not data:
        raise DeidRejected("empty", "The file is empty (zero bytes).")
    if len(data) < 132 or data[128:132] != b"DICM":
        if len(data) < 132 and not data.strip(b"\x00"):  # a cut-off preamble
            raise DeidRejected("truncated", "The file is too short to be a DICOM file.")
        raise DeidRejected("not_dicom", "The file is not a DICOM Part 10 file (no 'DICM' marker).")
    try:
        ds = dcmread(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - any parse failure of untrusted bytes
        raise DeidRejected("truncated", "The DICOM file is damaged or cut short.") from None
    if "TransferSyntaxUID" not in ds.file_meta:
        raise DeidRejected("truncated", "The DICOM file meta information is cut short.")
    _check_complete(ds, data)
    return ds


def _check_complete(ds: Dataset, data: bytes) -> None:
    # pydicom silently returns a short value for the last element of a cut file and
    # drops an undefined-length element whose delimiter never came.
    # Only the last element read can be short (a cut inside a sequence leaves the
    # enclosing top-level sequence last).
    tags = list(ds.keys())
    raw = ds.get_item(tags[-1]) if tags else None
    defined = isinstance(raw, RawDataElement) and raw.length != _UNDEFINED
    if defined and raw.value is not None and len(raw.value) < raw.length:
        raise DeidRejected("truncated", "The DICOM file is cut short.")
    if any(tag in ds for tag in _PIXEL_TAGS) or _sop_class_of(ds) not in profile.IMAGE_STORAGE:
        return
    # A Pixel Data tag at or after the last element pydicom could read means the file
    # was cut inside it (an icon's pixel data sits earlier, inside its sequence).
    last = max((getattr(ds.get_item(t), "value_tell", 0) or 0) for t in ds.keys())  # noqa: SIM118
    if data.find(b"\xe0\x7f\x10\x00", last) != -1:
        raise DeidRejected("truncated", "The DICOM file is cut short in its pixel data.")
    raise DeidRejected("no_pixel_data", "The DICOM file holds no pixel data (it may be cut short).")


def _sop_class_of(ds: Dataset) -> str:
    return _ascii_value(ds, "SOPClassUID")


def _sop_class(ds: Dataset) -> str:
    media_class = str(ds.file_meta.get("MediaStorageSOPClassUID", ""))
    if "SOPClassUID" not in ds and media_class in profile.IMAGE_STORAGE:
        raise DeidRejected("truncated", "The DICOM file is cut short before its SOP Class.")
    if "SOPClassUID" not in ds:
        kind = "a DICOMDIR" if media_class == "1.2.840.10008.1.3.10" else "not an image"
        raise DeidRejected("unsupported_sop_class", f"The DICOM file is {kind}.")
    sop_class = _sop_class_of(ds)
    if sop_class not in profile.IMAGE_STORAGE:
        # Only the standard's own name is shown: a private class UID has an org root.
        name = UID_dictionary.get(sop_class, ("a non-standard object",))[0]
        raise DeidRejected(
            "unsupported_sop_class", f"Only images are accepted; this file is {name}."
        )
    _check_pixel_size(ds)
    return sop_class


def _check_pixel_size(ds: Dataset) -> None:
    try:
        rows, cols, bits = int(ds.Rows), int(ds.Columns), int(ds.BitsAllocated)
    except (AttributeError, TypeError, ValueError) as exc:
        raise DeidRejected("invalid_image", "Rows, Columns or Bits Allocated is missing.") from exc
    if ds.file_meta.TransferSyntaxUID.is_compressed or _PIXEL_DATA not in ds:
        return
    frames = int(ds.get("NumberOfFrames") or 1)
    samples = int(ds.get("SamplesPerPixel") or 1)
    expected = (rows * cols * frames * samples * bits + 7) // 8
    raw = ds.get_item(_PIXEL_DATA)
    if raw.value is None or len(raw.value) < expected:
        raise DeidRejected("truncated", "The pixel data is shorter than the image size.")


_INSTANCE_UID_KEYWORDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")


def _required_uid(ds: Dataset, keyword: str) -> str:
    value = _ascii_value(ds, keyword)
    if not value:
        raise DeidRejected("missing_uid", f"The DICOM file has no {keyword}.")
    return value


def _hold_reasons(ds: Dataset, sop_class: str) -> list[str]:
    reasons = []
    if _ascii_value(ds, "BurnedInAnnotation").upper() == "YES":
        reasons.append("burned_in_annotation")
    if _ascii_value(ds, "RecognizableVisualFeatures").upper() == "YES":
        reasons.append("recognizable_visual_features")
    if sop_class in profile.SECONDARY_CAPTURE:
        reasons.append("secondary_capture")
    if sop_class in profile.ULTRASOUND_CLASSES and not ds.get("SequenceOfUltrasoundRegions"):
        reasons.append("us_no_regions")
    if _overlay_in_pixel_data(ds):
        reasons.append("overlay_in_pixel_data")
    return reasons


def _overlay_in_pixel_data(ds: Dataset) -> bool:
    # Retired practice: overlay planes stored in the unused high bits of the pixels
    # (OverlayBitPosition != 0, no OverlayData). Dropping 60xx does not remove them.
    for tag in ds.keys():  # noqa: SIM118 - iterating a Dataset would decode every element
        bit_position = 0x6000 <= tag.group <= 0x601E and tag.element == 0x0102
        if bit_position and (tag.group << 16 | 0x3000) not in ds and int(ds[tag].value or 0):
            return True
    return False


# --- filtering ------------------------------------------------------------------------


def _filtered(source: Dataset, key: bytes) -> Dataset:
    out = _copy_allowed(source, key)
    out.set_original_encoding(*source.original_encoding, "iso8859")
    return out


def _copy_allowed(src: Dataset, key: bytes) -> Dataset:
    out = Dataset()
    out.set_original_encoding(*src.original_encoding, "iso8859")
    for tag in src.keys():  # noqa: SIM118 - iterating a Dataset would decode every element
        vr = profile.VR_OF.get(int(tag))  # None: not allow-listed (private tags never are)
        if vr is not None:
            elem = _clean(src, tag, vr, key)
            if elem is not None:
                out[tag] = elem
    return out


def _clean(src: Dataset, tag: int, vr: str, key: bytes) -> DataElement | RawDataElement | None:
    raw = src.get_item(tag)
    if vr == "SQ":
        return _clean_sequence(src, tag, key)
    if vr in _STRING_VRS:
        text = _value_bytes(raw)
        if text.translate(None, _ASCII):
            return None  # non-ASCII text: a character set we do not carry over
        if int(tag) in profile.REMAPPED:
            return _remapped_uid(tag, text, key)
        if int(tag) in profile.CLASSES:
            return _standard_class_uid(tag, text)
    if isinstance(raw, RawDataElement) and raw.VR not in (None, vr) and raw.VR not in vr:
        # An explicit VR that disagrees with the dictionary (often UN): let pydicom
        # decode it with the dictionary VR rather than copy bytes we cannot vouch for.
        elem = src[tag]
        return elem if elem.VR != "SQ" else None
    return raw


def _value_bytes(elem: DataElement | RawDataElement) -> bytes:
    if isinstance(elem, RawDataElement):
        return elem.value or b""
    value = elem.value
    if isinstance(value, list | tuple | MultiValue):
        value = "\\".join(str(v) for v in value)
    return str(value if value is not None else "").encode("utf-8")


def _clean_sequence(src: Dataset, tag: int, key: bytes) -> DataElement | None:
    elem = src[tag]  # parses the items; their own elements stay raw
    if not isinstance(elem.value, Sequence):
        return None
    items = [_copy_allowed(item, key) for item in elem.value]
    return DataElement(tag, "SQ", Sequence(items))


def _remapped_uid(tag: int, text: bytes, key: bytes) -> DataElement | None:
    uids = [u.strip(" \x00") for u in text.decode("ascii").split("\\")]
    uids = [uid_for(u, key=key) for u in uids if u]
    return DataElement(tag, "UI", uids if len(uids) > 1 else uids[0]) if uids else None


def _standard_class_uid(tag: int, text: bytes) -> DataElement | None:
    value = text.decode("ascii").strip(" \x00")
    return DataElement(tag, "UI", value) if value in UID_dictionary else None


# --- patient module and de-identification markers --------------------------------------


def _set_patient_and_deid_attributes(out: Dataset, source: Dataset, exam_label: str) -> None:
    # DataElements by tag rather than keyword attributes: this runs once per file.
    out[0x00100010] = DataElement(0x00100010, "PN", exam_label)  # PatientName
    out[0x00100020] = DataElement(0x00100020, "LO", exam_label)  # PatientID
    age = _patient_age(source)
    if age:
        out[0x00101010] = DataElement(0x00101010, "AS", age)  # PatientAge
    elif 0x00101010 in out:
        del out[0x00101010]
    if 0x00100040 in out and _ascii_value(out, "PatientSex") not in ("M", "F", "O"):
        del out[0x00100040]
    out[0x00120062] = DataElement(0x00120062, "CS", "YES")  # PatientIdentityRemoved
    out[0x00120063] = DataElement(0x00120063, "LO", DEID_METHOD)  # DeidentificationMethod
    codes = [_code_item(*code) for code in _METHOD_CODES]
    out[0x00120064] = DataElement(0x00120064, "SQ", Sequence(codes))
    # LongitudinalTemporalInformationModified: every date and time is gone.
    out[0x00280303] = DataElement(0x00280303, "CS", "REMOVED")


_METHOD_CODES = (
    ("113100", "Basic Application Confidentiality Profile"),
    ("113108", "Retain Patient Characteristics Option"),
)


def _code_item(value: str, meaning: str) -> Dataset:
    code = Dataset()
    code[0x00080100] = DataElement(0x00080100, "SH", value)  # CodeValue
    code[0x00080102] = DataElement(0x00080102, "SH", "DCM")  # CodingSchemeDesignator
    code[0x00080104] = DataElement(0x00080104, "LO", meaning)  # CodeMeaning
    return code


def _add_method_code(out: Dataset, value: str, meaning: str) -> None:
    out.DeidentificationMethodCodeSequence.append(_code_item(value, meaning))


def _patient_age(source: Dataset) -> str | None:
    given = _ascii_value(source, "PatientAge")
    if given and _AGE.fullmatch(given):
        return given
    birth = _parse_date(_ascii_value(source, "PatientBirthDate"))
    for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        seen = _parse_date(_ascii_value(source, keyword))
        if birth and seen and seen >= birth:
            return format_age(birth, seen)
    return None


def format_age(birth: date, seen: date) -> str:
    """DICOM AS string: completed years, else months, else weeks, else days."""
    years = seen.year - birth.year - ((seen.month, seen.day) < (birth.month, birth.day))
    if years >= 1:
        return f"{min(years, 999):03d}Y"
    months = (seen.year - birth.year) * 12 + seen.month - birth.month - (seen.day < birth.day)
    if months >= 1:
        return f"{months:03d}M"
    days = (seen - birth).days
    return f"{days // 7:03d}W" if days >= 7 else f"{days:03d}D"


def _ascii_value(ds: Dataset, keyword: str) -> str:
    raw = ds.get_item(keyword)
    return "" if raw is None else _value_bytes(raw).decode("ascii", "replace").strip(" \x00")


def _parse_date(text: str) -> date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


# --- writing ------------------------------------------------------------------------------


def _set_file_meta(out: Dataset, sop_class: str, transfer_syntax: UID) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = out.SOPInstanceUID
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    out.file_meta = meta
    out.preamble = b"\x00" * 128  # pydicom would otherwise write back the source's


# --- metadata ---------------------------------------------------------------------------


def _metadata(out: Dataset, transfer_syntax: UID) -> dict:
    # Parsed from the (ASCII-checked) raw bytes: cheaper than pydicom's conversion.
    return {
        "modality": _text(out, "Modality"),
        "patient_age": _text(out, "PatientAge"),
        "patient_age_years": age_years(_text(out, "PatientAge")),
        "patient_sex": _text(out, "PatientSex"),
        "rows": int(out.Rows),
        "columns": int(out.Columns),
        "number_of_frames": _number(out, "NumberOfFrames", int) or 1,
        "pixel_spacing_mm": _floats(out, "PixelSpacing", 2),
        "slice_thickness_mm": _number(out, "SliceThickness", float),
        "spacing_between_slices_mm": _number(out, "SpacingBetweenSlices", float),
        "slice_position_mm": slice_position(out),
        "kvp": _number(out, "KVP", float),
        "image_type": _ascii_value(out, "ImageType").split("\\") if "ImageType" in out else None,
        "convolution_kernel": _text(out, "ConvolutionKernel"),
        "manufacturer": _text(out, "Manufacturer"),
        "photometric_interpretation": _text(out, "PhotometricInterpretation"),
        "transfer_syntax_uid": str(transfer_syntax),
    }


def age_years(age: str | None) -> int | None:
    """Whole years from a DICOM AS string (`047Y` -> 47, `006M` -> 0)."""
    if not age or not _AGE.fullmatch(age):
        return None
    return int(age[:3]) if age[3] == "Y" else 0


def slice_position(ds: Dataset) -> float | None:
    """ImagePositionPatient projected on the slice normal, in mm (for gap checks)."""
    orientation = _floats(ds, "ImageOrientationPatient", 6)
    position = _floats(ds, "ImagePositionPatient", 3)
    if orientation is None or position is None:
        return None
    r, c = orientation[:3], orientation[3:]
    normal = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
    return float(sum(p * n for p, n in zip(position, normal, strict=True)))


def _text(ds: Dataset, keyword: str) -> str | None:
    return _ascii_value(ds, keyword) or None


def _number(ds: Dataset, keyword: str, kind: type) -> float | int | None:
    try:
        return kind(_ascii_value(ds, keyword)) if keyword in ds else None
    except ValueError:
        return None


def _floats(ds: Dataset, keyword: str, count: int) -> list[float] | None:
    try:
        values = [float(v) for v in _ascii_value(ds, keyword).split("\\")]
    except ValueError:
        return None
    return values if len(values) == count else None
