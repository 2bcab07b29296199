"""Small DICOM files with a unique token planted in every identifying place.

Used by the tests (tiny images) and by bench/bench_deid.py (512x512 slices). Each
token is a string that cannot occur by chance in a de-identified file, so finding
it in the output bytes is a leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    CTImageStorage,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    UltrasoundImageStorage,
)

ORG_ROOT = "1.3.6.1.4.1.99999.4242."  # the site's UID root: must not survive
BIRTH = dt.date(1947, 3, 14)
STUDY = dt.date(2023, 9, 19)
AGE_YEARS = 76

# category -> token planted there (ASCII; the charset names are added separately)
TOKENS: dict[str, str] = {
    "PatientName": "ZZPNAME^ZZGIVEN",
    "PatientID": "ZZPID0001",
    "OtherPatientIDs": "ZZOTHERID",
    "IssuerOfPatientID": "ZZISSUER",
    "PatientAddress": "ZZADDRESS",
    "PatientTelephoneNumbers": "ZZPHONE",
    "PatientMotherBirthName": "ZZMOTHER",
    "PatientBirthDate": BIRTH.strftime("%Y%m%d"),
    "PatientBirthTime": "031415.271828",
    "StudyDate": STUDY.strftime("%Y%m%d"),
    "SeriesDate": "20230918",
    "AcquisitionDate": "20230917",
    "ContentDate": "20230916",
    "InstanceCreationDate": "20230915",
    "StudyTime": "111213.987654",
    "SeriesTime": "121314.876543",
    "AcquisitionTime": "131415.765432",
    "ContentTime": "141516.654321",
    "InstanceCreationTime": "151617.543210",
    "AcquisitionDateTime": "20230914161718.432109",
    "AccessionNumber": "ZZACCESSION",
    "StudyID": "ZZSTUDYID",
    "InstitutionName": "ZZINSTITUTION",
    "InstitutionAddress": "ZZINSTADDR",
    "InstitutionalDepartmentName": "ZZDEPARTMENT",
    "StationName": "ZZSTATION",
    "DeviceSerialNumber": "ZZSERIAL",
    "ReferringPhysicianName": "ZZREFERRING",
    "PerformingPhysicianName": "ZZPERFORMING",
    "NameOfPhysiciansReadingStudy": "ZZREADING",
    "OperatorsName": "ZZOPERATOR",
    "RequestingPhysician": "ZZREQUESTING",
    "StudyDescription": "ZZSTUDYDESC",
    "SeriesDescription": "ZZSERIESDESC",
    "ImageComments": "ZZCOMMENTS",
    "AdditionalPatientHistory": "ZZHISTORY",
    "ProtocolName": "ZZPROTOCOL",
    "PerformedProcedureStepDescription": "ZZPPSDESC",
    "DerivationDescription": "ZZDERIVATION",
    "WindowCenterWidthExplanation": "ZZWINDOWEXPL",
}
NESTED_TOKENS = {
    "depth3": "ZZNESTED3",  # RequestAttributesSequence > ScheduledProtocolCode > Modifier
    "in_retained_sequence": "ZZREFPURPOSE",  # inside ReferencedImageSequence (kept)
    "private_in_retained_sequence": "ZZPRIVNESTED",
}
PRIVATE_TOKENS = {"creator": "ZZCREATOR", "lo": "ZZPRIVLO", "sq": "ZZPRIVSQ", "ob": "ZZPRIVOB"}
OTHER_TOKENS = {
    "overlay_data": "ZZOVERLAYDATA",
    "overlay_description": "ZZOVERLAYDESC",
    "curve_data": "ZZCURVEDATA",
    "curve_label": "ZZCURVELABEL",
    "icon": "ZZICONPIXELS",
    "source_ae": "ZZSRCAE",
    "implementation_version": "ZZIMPLVER",
    "preamble": "ZZPREAMBLE",
}
# Names in other character sets: (SpecificCharacterSet, PN value, python codecs to try)
UTF8_NAME = "ZZÉLOÏSE^MÜLLERŒ"
JIS_NAME = "ZZYAMADA^TAROU=山田^太郎=やまだ^たろう"
NON_ASCII_FRAGMENTS = ("ÉLOÏSE", "MÜLLERŒ", "山田", "太郎", "やまだ", "たろう")


@dataclass
class Planted:
    """What a planted file holds: the tokens to look for and the original UIDs."""

    uids: dict[str, str]
    retained: dict[str, object] = field(default_factory=dict)


def all_ascii_tokens() -> list[str]:
    return [
        *TOKENS.values(),
        *NESTED_TOKENS.values(),
        *PRIVATE_TOKENS.values(),
        *OTHER_TOKENS.values(),
        ORG_ROOT.rstrip("."),
    ]


def planted_dataset(
    *,
    rows: int = 16,
    columns: int = 16,
    index: int = 0,
    series: int = 1,
    implicit: bool = False,
    charset: str = "ISO_IR 100",
    sop_class: str = CTImageStorage,
    with_age: bool = False,
) -> tuple[FileDataset, Planted]:
    """One CT slice (or another class via `sop_class`) with every token planted."""
    uids = {
        "StudyInstanceUID": ORG_ROOT + "1",
        "SeriesInstanceUID": f"{ORG_ROOT}2.{series}",
        "SOPInstanceUID": f"{ORG_ROOT}3.{series}.{index + 1}",
        "FrameOfReferenceUID": ORG_ROOT + "4",
        "ReferencedSOPInstanceUID": f"{ORG_ROOT}3.{series}.{index + 100}",
    }
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uids["SOPInstanceUID"]
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    meta.ImplementationClassUID = ORG_ROOT + "99"
    meta.ImplementationVersionName = OTHER_TOKENS["implementation_version"]
    meta.SourceApplicationEntityTitle = OTHER_TOKENS["source_ae"]
    preamble = OTHER_TOKENS["preamble"].encode().ljust(128, b"\x00")
    ds = FileDataset(None, {}, file_meta=meta, preamble=preamble)
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    for keyword, value in uids.items():
        if keyword != "ReferencedSOPInstanceUID":
            setattr(ds, keyword, value)
    for keyword, value in TOKENS.items():
        setattr(ds, keyword, value)
    if charset == "ISO_IR 192":
        ds.PatientName = UTF8_NAME
    elif "ISO 2022 IR 87" in charset:
        ds.PatientName = JIS_NAME
    retained = _set_retained(ds, rows, columns, index, with_age)
    _plant_sequences(ds, uids["ReferencedSOPInstanceUID"])
    _plant_private(ds)
    _plant_overlay_curve_icon(ds)
    ds.PixelData = _pixels(rows, columns, index).tobytes()
    ds.set_original_encoding(implicit, True, None)
    return ds, Planted(uids=uids, retained=retained)


def _set_retained(ds: Dataset, rows: int, columns: int, index: int, with_age: bool) -> dict:
    retained = {
        "Modality": "CT",
        "PatientSex": "F",
        "PatientSize": "1.62",
        "PatientWeight": "58",
        "Rows": rows,
        "Columns": columns,
        "SamplesPerPixel": 1,
        "PhotometricInterpretation": "MONOCHROME2",
        "BitsAllocated": 16,
        "BitsStored": 12,
        "HighBit": 11,
        "PixelRepresentation": 0,
        "PixelSpacing": [0.7, 0.7],
        "SliceThickness": "3.0",
        "SpacingBetweenSlices": "3.0",
        "ImageOrientationPatient": [1, 0, 0, 0, 1, 0],
        "ImagePositionPatient": [-180, -180, -3.0 * index],
        "RescaleIntercept": "-1024",
        "RescaleSlope": "1",
        "RescaleType": "HU",
        "WindowCenter": "40",
        "WindowWidth": "400",
        "KVP": "120",
        "ConvolutionKernel": "B30f",
        "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
        "InstanceNumber": index + 1,
        "Manufacturer": "ACME",
    }
    if with_age:
        retained["PatientAge"] = "063Y"
    for keyword, value in retained.items():
        setattr(ds, keyword, value)
    return retained


def _code(meaning: str, value: str = "X1") -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "99ZZ"
    item.CodeMeaning = meaning
    return item


def _plant_sequences(ds: Dataset, referenced_uid: str) -> None:
    # Three levels deep inside a sequence that is not kept at all.
    modifier = _code(NESTED_TOKENS["depth3"])
    protocol = _code("PROTOCOL")
    protocol.ProtocolContextSequence = Sequence([modifier])
    request = Dataset()
    request.RequestedProcedureID = "ZZACCESSION"
    request.ScheduledProtocolCodeSequence = Sequence([protocol])
    ds.RequestAttributesSequence = Sequence([request])
    # Inside a sequence that IS kept: only its allow-listed items may survive.
    reference = Dataset()
    reference.ReferencedSOPClassUID = CTImageStorage
    reference.ReferencedSOPInstanceUID = referenced_uid
    reference.PurposeOfReferenceCodeSequence = Sequence(
        [_code(NESTED_TOKENS["in_retained_sequence"])]
    )
    reference.add_new(0x00310010, "LO", PRIVATE_TOKENS["creator"])
    reference.add_new(0x00311001, "LO", NESTED_TOKENS["private_in_retained_sequence"])
    ds.ReferencedImageSequence = Sequence([reference])


def _plant_private(ds: Dataset) -> None:
    ds.add_new(0x00290010, "LO", PRIVATE_TOKENS["creator"])
    ds.add_new(0x00291001, "LO", PRIVATE_TOKENS["lo"])
    ds.add_new(0x00291002, "OB", PRIVATE_TOKENS["ob"].encode() + b"\x00\x01\x02\x03")
    item = Dataset()
    item.PatientID = PRIVATE_TOKENS["sq"]
    inner = Dataset()
    inner.add_new(0x00291010, "LO", PRIVATE_TOKENS["creator"])
    item.add_new(0x00290010, "LO", PRIVATE_TOKENS["creator"])
    item.add_new(0x00291003, "SQ", Sequence([inner]))
    ds.add_new(0x00291003, "SQ", Sequence([item]))


def _plant_overlay_curve_icon(ds: Dataset) -> None:
    ds.add_new(0x60000010, "US", 8)
    ds.add_new(0x60000011, "US", 8)
    ds.add_new(0x60000022, "LO", OTHER_TOKENS["overlay_description"])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60003000, "OW", OTHER_TOKENS["overlay_data"].encode().ljust(16, b"\x00"))
    ds.add_new(0x50002500, "LO", OTHER_TOKENS["curve_label"])
    ds.add_new(0x50003000, "OB", OTHER_TOKENS["curve_data"].encode().ljust(16, b"\x00"))
    icon = Dataset()
    icon.Rows, icon.Columns, icon.SamplesPerPixel = 4, 4, 1
    icon.BitsAllocated, icon.BitsStored, icon.HighBit, icon.PixelRepresentation = 8, 8, 7, 0
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.PixelData = OTHER_TOKENS["icon"].encode().ljust(16, b"\x00")
    ds.IconImageSequence = Sequence([icon])


def _pixels(rows: int, columns: int, index: int) -> np.ndarray:
    # Values below 0x20 in every byte never spell an ASCII token by accident.
    rng = np.random.default_rng(index)
    return rng.integers(0, 0x1F, size=(rows, columns), dtype=np.uint16)


def save(ds: FileDataset, path_or_buffer) -> None:
    implicit = ds.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    ds.save_as(path_or_buffer, implicit_vr=implicit, little_endian=True, enforce_file_format=True)


def ultrasound_dataset(*, regions: bool = True, rows: int = 48, columns: int = 64):
    """A native RGB-less (MONOCHROME2, 8-bit) US image with a burned-in header band."""
    ds, planted = planted_dataset(rows=rows, columns=columns, sop_class=UltrasoundImageStorage)
    ds.Modality = "US"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    for keyword in ("RescaleIntercept", "RescaleSlope", "RescaleType", "KVP", "ConvolutionKernel"):
        delattr(ds, keyword)
    pixels = np.full((rows, columns), 60, dtype=np.uint8)
    pixels[2:8, 4:60] = 255  # "text" in the header band
    if regions:
        region = Dataset()
        region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
        region.RegionLocationMinX0, region.RegionLocationMinY0 = 8, 12
        region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 55, 43
        region.PhysicalUnitsXDirection, region.PhysicalUnitsYDirection = 3, 3
        region.PhysicalDeltaX, region.PhysicalDeltaY = 0.01, 0.01
        ds.SequenceOfUltrasoundRegions = Sequence([region])
    ds.PixelData = pixels.tobytes()
    return ds, planted


# --- ultrasound JPEG -------------------------------------------------------------------
JPEG_TOKENS = {
    "exif_make": "ZZEXIFMAKE",
    "exif_serial": "ZZBODYSERIAL",
    "exif_artist": "ZZARTIST",
    "gps": "ZZGPSAREA",
    "xmp": "ZZXMPCREATOR",
    "iptc": "ZZIPTCBYLINE",
    "icc": "ZZICCPROFILE",
    "comment": "ZZJPEGCOMMENT",
    "thumbnail": "ZZTHUMBNAIL",
    "trailer": "ZZTRAILER",
}
BURNED_NAME = "DUPONT JEAN"


def ultrasound_frame(width: int = 320, height: int = 240, *, header: bool = True, seed: int = 0):
    """A grey-level ultrasound-like frame: black frame, speckled sector, text header."""
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    cx, top = width / 2, height * 0.22
    angle = np.abs(np.arctan2(x - cx, y - top + 1e-9))
    radius = np.hypot(x - cx, y - top)
    sector = (y > top) & (angle < 0.6) & (radius < height * 0.75)
    pixels = np.zeros((height, width), dtype=np.uint8)
    pixels[sector] = rng.gamma(2.0, 30.0, size=int(sector.sum())).clip(0, 160).astype(np.uint8)
    image = Image.fromarray(pixels, mode="L")
    if header:
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=max(12, height // 18))
        draw.text((8, 6), f"{BURNED_NAME}  12/03/1961", fill=255, font=font)
        draw.text((8, 6 + height // 14), "CHU LYON  19/09/2023 10:42", fill=255, font=font)
    return image


def jpeg_with_metadata(image, *, orientation: int = 1) -> bytes:
    """Encode `image` with EXIF (GPS, serial), XMP, IPTC, ICC, COM, JFXX thumbnail and
    bytes after EOI, each carrying a token."""
    import io as _io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = JPEG_TOKENS["exif_make"]  # Make
    exif[0x013B] = JPEG_TOKENS["exif_artist"]  # Artist
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0xA431] = JPEG_TOKENS["exif_serial"]  # BodySerialNumber
    exif.get_ifd(0x8825)[0x001C] = JPEG_TOKENS["gps"]  # GPSAreaInformation
    buffer = _io.BytesIO()
    icc = b"\x00" * 16 + JPEG_TOKENS["icc"].encode() + b"\x00" * 16
    image.save(
        buffer, "JPEG", quality=90, exif=exif, icc_profile=icc, comment=JPEG_TOKENS["comment"]
    )
    data = buffer.getvalue()
    extra = (
        _segment(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"
            + JPEG_TOKENS["xmp"].encode()
            + b"</x:xmpmeta>",
        )
        + _segment(
            0xED,
            b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10" + JPEG_TOKENS["iptc"].encode(),
        )
        + _segment(
            0xE0, b"JFXX\x00\x10" + b"\xff\xd8" + JPEG_TOKENS["thumbnail"].encode() + b"\xff\xd9"
        )
    )
    return data[:2] + extra + data[2:] + JPEG_TOKENS["trailer"].encode()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def leaked_tokens(data: bytes) -> list[str]:
    """Every planted token found in `data`, in the encodings a writer might use."""
    found = []
    for token in all_ascii_tokens():
        forms = [token.encode(), token.encode("utf-16-le")]
        if "^" in token:  # a PN's components may be written on their own
            forms += [part.encode() for part in token.split("^") if len(part) > 4]
        if any(form in data for form in forms):
            found.append(token)
    codecs = ("utf-8", "latin-1", "cp1252", "iso2022_jp", "shift_jis", "euc_jp", "utf-16-le")
    for fragment in NON_ASCII_FRAGMENTS:
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
