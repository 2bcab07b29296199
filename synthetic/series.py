"""SyntheticSeries: a lazily generated DICOM CT study (one or more series on one grid).

Every dataset carries the identifiers of a :class:`~synthetic.identity.PlantedIdentity` in the
places real scanners and PACS put them (see ``identity.DICOM_PLANTED_PLACES``). Pixels are
generated slice by slice by the caller's ``pixels(k)`` so a long series needs no big memory.

Grid and axis order: slice ``k`` (0-based) is InstanceNumber ``k + 1``; its z position grows
with ``k`` (ImagePositionPatient z = ``z0 + k * thickness``), so sorting by position gives the
same order as sorting by instance number, and every volume or mask here is shaped
(slices, rows, cols) in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    CTImageStorage,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)

from .identity import PRIVATE_CREATOR, PRIVATE_GROUP, PlantedIdentity

RESCALE_INTERCEPT = -1024
FILENAME_STYLES = ("patient", "instance", "uid")
TRANSFER_SYNTAXES = ("explicit", "implicit", "rle")


@dataclass(frozen=True)
class Grid:
    """Geometry shared by every series of the study."""

    rows: int
    cols: int
    n_slices: int
    pixel_spacing_mm: tuple[float, float]  # (row spacing, column spacing)
    slice_thickness_mm: float

    @property
    def origin_mm(self) -> tuple[float, float, float]:
        """ImagePositionPatient of slice 0: image centred on the isocentre."""
        return (
            -self.cols * self.pixel_spacing_mm[1] / 2,
            -self.rows * self.pixel_spacing_mm[0] / 2,
            -self.n_slices * self.slice_thickness_mm / 2,
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.n_slices, self.rows, self.cols)

    @property
    def voxel_volume_mm3(self) -> float:
        return self.pixel_spacing_mm[0] * self.pixel_spacing_mm[1] * self.slice_thickness_mm

    def affine_ras(self) -> np.ndarray:
        """NIfTI affine for an array indexed (col, row, slice), DICOM LPS turned into RAS."""
        x0, y0, z0 = self.origin_mm
        lps = np.array(
            [
                [self.pixel_spacing_mm[1], 0, 0, x0],
                [0, self.pixel_spacing_mm[0], 0, y0],
                [0, 0, self.slice_thickness_mm, z0],
                [0, 0, 0, 1],
            ]
        )
        return np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps


@dataclass(frozen=True)
class SeriesSpec:
    """One DICOM series of the study: its pixels come from ``pixels(k)`` (stored int16)."""

    number: int
    description: str  # free text; the patient's name is appended to it
    kvp: float
    pixels: Callable[[int], np.ndarray]
    extra: dict[str, Any] = field(default_factory=dict)  # additional keyword -> value


class SyntheticSeries:
    """A synthetic CT study with planted identifiers and its ground truth in ``truth``."""

    def __init__(
        self,
        *,
        identity: PlantedIdentity,
        grid: Grid,
        series: list[SeriesSpec],
        truth: Any,
        study_description: str,
        procedure: tuple[str, str],  # (code value, code meaning) of the requested procedure
    ) -> None:
        self.identity = identity
        self.grid = grid
        self.series = series
        self.truth = truth
        self.study_description = study_description
        self.procedure = procedure

    # --- UIDs -----------------------------------------------------------------------------
    @property
    def study_uid(self) -> str:
        return self.identity.uid(1)

    @property
    def frame_of_reference_uid(self) -> str:
        return self.identity.uid(4)

    def series_uid(self, spec: SeriesSpec) -> str:
        return self.identity.uid(2, spec.number)

    def sop_uid(self, spec: SeriesSpec, k: int) -> str:
        return self.identity.uid(3, spec.number, k + 1)

    def __len__(self) -> int:
        return len(self.series) * self.grid.n_slices

    # --- datasets -------------------------------------------------------------------------
    def datasets(self, *, transfer_syntax: str = "explicit") -> Iterator[FileDataset]:
        """Yield every slice of every series, series by series, generated on demand.

        ``transfer_syntax``: "explicit" (VR little endian, the default), "implicit" (private
        elements then read back as UN) or "rle" (RLE Lossless, encoded by pydicom's numpy
        encoder).
        """
        if transfer_syntax not in TRANSFER_SYNTAXES:
            raise ValueError(f"transfer_syntax must be one of {TRANSFER_SYNTAXES}")
        for spec in self.series:
            for k in range(self.grid.n_slices):
                ds = self._slice_dataset(spec, k)
                if transfer_syntax == "implicit":
                    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
                elif transfer_syntax == "rle":
                    ds.compress(RLELossless, encoding_plugin="pydicom", generate_instance_uid=False)
                yield ds

    def volume_hu(self, series_index: int = 0) -> np.ndarray:
        """HU volume (slices, rows, cols) of one series, straight from the generator."""
        spec = self.series[series_index]
        return np.stack([spec.pixels(k) for k in range(self.grid.n_slices)]).astype(
            np.float32
        ) + np.float32(RESCALE_INTERCEPT)

    def filename(self, ds: Dataset, index: int, style: str) -> str:
        if style == "patient":  # like a PACS export: <PATIENTNAME>_<PATIENTID>_0001.dcm
            return f"{self.identity.patient_family_name}_{self.identity.patient_id}_{index:04d}.dcm"
        if style == "instance":
            return f"IM_{index:04d}.dcm"
        return f"{ds.SOPInstanceUID}.dcm"

    def write(
        self,
        directory: Path,
        *,
        filename_style: str = "patient",
        transfer_syntax: str = "explicit",
    ) -> list[Path]:
        """Write every slice as a DICOM Part 10 file; return the paths in generation order.

        ``filename_style``: "patient" (``<FAMILYNAME>_<PATIENTID>_0001.dcm``, identifiers in
        the name as real exports do), "instance" (``IM_0001.dcm``) or "uid" (SOP Instance UID).
        """
        if filename_style not in FILENAME_STYLES:
            raise ValueError(f"filename_style must be one of {FILENAME_STYLES}")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for index, ds in enumerate(self.datasets(transfer_syntax=transfer_syntax), start=1):
            path = directory / self.filename(ds, index, filename_style)
            ds.save_as(path, enforce_file_format=True)
            paths.append(path)
        return paths

    def write_mask_nifti(self, path: Path) -> Path:
        """Write ``truth.mask`` as NIfTI (see :func:`write_mask_nifti`)."""
        mask = getattr(self.truth, "mask", None)
        if mask is None:
            raise ValueError("this synthetic series has no mask in its truth")
        return write_mask_nifti(mask, self.grid, path)

    # --- one slice ------------------------------------------------------------------------
    def _slice_dataset(self, spec: SeriesSpec, k: int) -> FileDataset:
        ident = self.identity
        sop_uid = self.sop_uid(spec, k)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = ident.uid(9, 1)
        meta.ImplementationVersionName = ident.station_name
        meta.SourceApplicationEntityTitle = ident.station_name
        # A non-zero preamble carrying the name: pydicom writes back whatever it read.
        preamble = f"ZQSYNTH {ident.patient_name} {ident.patient_id} ".encode("latin-1")
        ds = FileDataset("", Dataset(), file_meta=meta, preamble=preamble.ljust(128, b"\x01"))
        self._patient_study(ds)
        self._series_equipment(ds, spec)
        self._image(ds, spec, k, sop_uid)
        self._nested(ds)
        self._private(ds)
        for keyword, value in spec.extra.items():
            setattr(ds, keyword, value)
        pixels = spec.pixels(k)
        ds.PixelData = np.ascontiguousarray(pixels, dtype="<i2").tobytes()
        return ds

    def _patient_study(self, ds: Dataset) -> None:
        ident = self.identity
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.PatientName = ident.patient_name
        ds.PatientID = ident.patient_id
        ds.OtherPatientIDs = ident.other_patient_id
        ds.PatientBirthDate = ident.birth_date_dicom
        ds.PatientSex = ident.sex
        ds.PatientAge = ident.patient_age_dicom
        ds.PatientAddress = ident.patient_address
        ds.PatientTelephoneNumbers = ident.patient_telephone
        ds.AdditionalPatientHistory = (
            f"Patient {ident.patient_name_burned} ({ident.patient_id}), born "
            f"{ident.birth_date_burned}, referred by Dr {ident.referring_physician}"
        )
        ds.StudyInstanceUID = self.study_uid
        ds.StudyDate = ident.study_date_dicom
        ds.StudyTime = ident.study_time
        ds.StudyID = ident.study_id
        ds.AccessionNumber = ident.accession_number
        ds.StudyDescription = f"{self.study_description} {ident.patient_family_name}"[:64]
        ds.ReferringPhysicianName = ident.referring_physician
        ds.InstitutionName = ident.institution_name
        ds.InstitutionAddress = ident.institution_address
        ds.InstitutionalDepartmentName = ident.department_name

    def _series_equipment(self, ds: Dataset, spec: SeriesSpec) -> None:
        ident = self.identity
        ds.Modality = "CT"
        ds.SeriesInstanceUID = self.series_uid(spec)
        ds.SeriesNumber = spec.number
        ds.SeriesDate = ident.study_date_dicom
        ds.SeriesTime = ident.series_time
        ds.SeriesDescription = f"{spec.description} {ident.patient_family_name}"[:64]
        ds.ProtocolName = f"{self.study_description[:30]} {ident.patient_family_name}"[:64]
        ds.PerformingPhysicianName = ident.performing_physician
        ds.OperatorsName = ident.operator_name
        ds.Manufacturer = "SYNTHETIC MEDICAL SYSTEMS"
        ds.ManufacturerModelName = "SYNTHCT 64"
        ds.StationName = ident.station_name
        ds.DeviceSerialNumber = ident.device_serial_number
        ds.SoftwareVersions = "VB10"
        ds.FrameOfReferenceUID = self.frame_of_reference_uid
        ds.PositionReferenceIndicator = ""
        ds.PatientPosition = "HFS"
        ds.KVP = spec.kvp
        ds.ConvolutionKernel = "Br40"

    def _image(self, ds: Dataset, spec: SeriesSpec, k: int, sop_uid: str) -> None:
        ident, grid = self.identity, self.grid
        x0, y0, z0 = grid.origin_mm
        z = z0 + k * grid.slice_thickness_mm
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = sop_uid
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.AcquisitionDate = ident.study_date_dicom
        ds.AcquisitionTime = ident.acquisition_time
        ds.ContentDate = ident.study_date_dicom
        ds.ContentTime = ident.content_time
        ds.AcquisitionNumber = 1
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [round(x0, 4), round(y0, 4), round(z, 4)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceLocation = round(z, 4)
        ds.SliceThickness = grid.slice_thickness_mm
        ds.SpacingBetweenSlices = grid.slice_thickness_mm
        ds.PixelSpacing = [round(v, 6) for v in grid.pixel_spacing_mm]
        ds.ImageComments = (
            f"{ident.patient_name_burned} {ident.study_date_burned} slice {k + 1}/{grid.n_slices}"
        )
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = grid.rows
        ds.Columns = grid.cols
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.RescaleIntercept = RESCALE_INTERCEPT
        ds.RescaleSlope = 1
        ds.RescaleType = "HU"
        ds.WindowCenter = 40
        ds.WindowWidth = 400

    def _nested(self, ds: Dataset) -> None:
        ident = self.identity
        scout = Dataset()
        scout.ReferencedSOPClassUID = CTImageStorage
        scout.ReferencedSOPInstanceUID = ident.uid(5, 1, 1)  # the localizer of the study
        ds.ReferencedImageSequence = Sequence([scout])
        prior = Dataset()
        prior.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Management
        prior.ReferencedSOPInstanceUID = ident.uid(6, 1)  # a prior study of the same patient
        ds.ReferencedStudySequence = Sequence([prior])
        code_value, code_meaning = self.procedure
        ds.ProcedureCodeSequence = Sequence(
            [_code(code_value, f"{code_meaning} {ident.patient_id}")]
        )
        request = Dataset()
        request.RequestedProcedureID = ident.requested_procedure_id
        request.ScheduledProcedureStepID = ident.scheduled_step_id
        request.RequestedProcedureDescription = f"{code_meaning} for {ident.patient_name_burned}"[
            :64
        ]
        request.ScheduledProtocolCodeSequence = Sequence(
            [_code(code_value, f"{code_meaning} {ident.patient_name_burned}"[:64])]
        )
        ds.RequestAttributesSequence = Sequence([request])
        # Corrections made at the PACS keep the old values two levels deep.
        modified = Dataset()
        modified.PatientName = ident.patient_name
        modified.PatientID = ident.other_patient_id
        original = Dataset()
        original.ModifiedAttributesSequence = Sequence([modified])
        original.AttributeModificationDateTime = ident.study_date_dicom + ident.content_time
        original.ModifyingSystem = ident.station_name
        original.ReasonForTheAttributeModification = "CORRECT"
        ds.OriginalAttributesSequence = Sequence([original])

    def _private(self, ds: Dataset) -> None:
        ident = self.identity
        block = ds.private_block(PRIVATE_GROUP, PRIVATE_CREATOR, create=True)
        block.add_new(0x10, "LO", ident.patient_name)
        block.add_new(0x11, "LT", f"Exam of {ident.patient_name_burned} id {ident.patient_id}")
        inner = Dataset()
        inner.PatientID = ident.patient_id
        inner.OtherPatientIDs = ident.other_patient_id
        block.add_new(0x12, "SQ", Sequence([inner]))


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "99ZQSYNTH"
    item.CodeMeaning = meaning
    return item


def write_mask_nifti(mask: np.ndarray, grid: Grid, path: Path) -> Path:
    """Write a (slices, rows, cols) mask as uint8 NIfTI.

    Axis order in the file follows the NIfTI convention (i, j, k) = (column, row, slice),
    i.e. the array is stored as ``mask.transpose(2, 1, 0)``, with an RAS affine built from the
    DICOM grid; :func:`read_mask_nifti` gives back the (slices, rows, cols) array.
    """
    import nibabel as nib

    mask = np.asarray(mask)
    if mask.shape != grid.shape:
        raise ValueError(f"mask shape {mask.shape} differs from the grid {grid.shape}")
    image = nib.Nifti1Image(
        np.ascontiguousarray(mask.astype(np.uint8).transpose(2, 1, 0)), grid.affine_ras()
    )
    image.header.set_xyzt_units("mm")
    path = Path(path)
    nib.save(image, path)
    return path


def read_mask_nifti(path: Path) -> np.ndarray:
    """Read a mask written by :func:`write_mask_nifti` back as (slices, rows, cols) uint8."""
    import nibabel as nib

    data = np.asarray(nib.load(Path(path)).dataobj)
    if data.ndim != 3:
        raise ValueError(f"{Path(path).name}: mask must be 3-D, got {data.ndim} dimensions")
    return np.ascontiguousarray(data.transpose(2, 1, 0)).astype(np.uint8)
