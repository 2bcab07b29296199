"""The allow-list: the only attributes a de-identified file may carry.

Built on DICOM PS3.15 Annex E (Basic Application Level Confidentiality Profile) with
the Retain Patient Characteristics Option, but inverted: instead of removing the
attributes the table lists, a new dataset receives only what is named here. Anything
not named (private tags, overlays 60xx, curves 50xx, IconImageSequence, dates, times,
names, free text, institution, station, device serial numbers, operators,
physicians) never reaches the output, at any sequence depth.

The same allow-list applies at every depth: an allow-listed sequence is rebuilt item
by item with it. String values are additionally required to be printable ASCII (see
dicom.py), so no text in another character set is ever carried over.
"""

from __future__ import annotations

from pydicom import uid as _uid
from pydicom.datadict import dictionary_VR, tag_for_keyword


def _tags(*keywords: str) -> frozenset[int]:
    tags = set()
    for keyword in keywords:
        tag = tag_for_keyword(keyword)
        if tag is None:  # a typo here would silently drop a needed attribute
            raise ValueError(f"unknown DICOM keyword in allow-list: {keyword}")
        tags.add(tag)
    return frozenset(tags)


# Image Pixel module (PS3.3 C.7.6.3) and multi-frame: what it takes to decode pixels.
IMAGE_PIXEL = (
    "SamplesPerPixel", "PhotometricInterpretation", "Rows", "Columns", "BitsAllocated",
    "BitsStored", "HighBit", "PixelRepresentation", "PlanarConfiguration",
    "PixelAspectRatio", "SmallestImagePixelValue", "LargestImagePixelValue",
    "PixelPaddingValue", "PixelPaddingRangeLimit", "PixelData", "FloatPixelData",
    "DoubleFloatPixelData", "ExtendedOffsetTable", "ExtendedOffsetTableLengths",
    "NumberOfFrames", "FrameIncrementPointer", "FrameTime", "FrameTimeVector",
    "RedPaletteColorLookupTableDescriptor", "GreenPaletteColorLookupTableDescriptor",
    "BluePaletteColorLookupTableDescriptor", "RedPaletteColorLookupTableData",
    "GreenPaletteColorLookupTableData", "BluePaletteColorLookupTableData",
    "LossyImageCompression", "LossyImageCompressionRatio", "LossyImageCompressionMethod",
    "BurnedInAnnotation", "RecognizableVisualFeatures",
)  # fmt: skip

# Image Plane module (C.7.6.2): where the pixels are in the patient, for 3-D grids,
# slice-gap checks and mask geometry. Numbers only.
IMAGE_PLANE = (
    "PixelSpacing", "ImagerPixelSpacing", "ImageOrientationPatient",
    "ImagePositionPatient", "SliceThickness", "SpacingBetweenSlices", "SliceLocation",
    "PatientOrientation", "PatientPosition",
)  # fmt: skip

# Modality LUT / rescale and VOI LUT (C.11.1, C.11.2): turn stored values into HU and
# display them. The free-text explanations (WindowCenterWidthExplanation,
# LUTExplanation) are left out on purpose.
LUTS = (
    "RescaleIntercept", "RescaleSlope", "RescaleType", "WindowCenter", "WindowWidth",
    "VOILUTFunction", "ModalityLUTSequence", "VOILUTSequence", "LUTDescriptor",
    "LUTData", "ModalityLUTType",
)  # fmt: skip

# Identification of the object itself: class, kind, ordering numbers. Instance and
# series numbers are small counters set by the scanner, not about the patient.
OBJECT = (
    "SOPClassUID", "Modality", "ImageType", "InstanceNumber", "SeriesNumber",
    "AcquisitionNumber", "BodyPartExamined", "Laterality", "ImageLaterality",
)  # fmt: skip

# Retain Patient Characteristics Option (PS3.15 E.3.4): age, sex, size, weight.
# Birth date is not here: age is derived from it before it is dropped.
PATIENT_CHARACTERISTICS = ("PatientAge", "PatientSex", "PatientSize", "PatientWeight")

# Acquisition physics (CT, MR, X-ray). Device settings describe the scan, not the
# person or the site; Annex E keeps them (it only removes the device serial, station
# and institution). Manufacturer and model name are kept for per-vendor analysis:
# Annex E does not list them either, and they are shared by hundreds of sites.
ACQUISITION = (
    "Manufacturer", "ManufacturerModelName", "KVP", "XRayTubeCurrent",
    "XRayTubeCurrentInmA", "ExposureTime", "Exposure", "ExposureInuAs", "FilterType",
    "ConvolutionKernel", "GeneratorPower", "FocalSpots", "DataCollectionDiameter",
    "ReconstructionDiameter", "DistanceSourceToDetector", "DistanceSourceToPatient",
    "GantryDetectorTilt", "TableHeight", "RotationDirection", "RevolutionTime",
    "SingleCollimationWidth", "TotalCollimationWidth", "SpiralPitchFactor", "TableSpeed",
    "TableFeedPerRotation", "CTDIvol", "ExposureModulationType", "ScanOptions",
    "AcquisitionType", "ReconstructionAlgorithm", "MultienergyCTAcquisition",
    "EchoTime", "RepetitionTime", "InversionTime", "FlipAngle", "MagneticFieldStrength",
    "ScanningSequence", "SequenceVariant", "MRAcquisitionType", "EchoTrainLength",
    "ImagingFrequency", "ImagedNucleus",
)  # fmt: skip

# Ultrasound regions (C.8.5.5): the numeric calibration of each region, needed to
# measure on the image and to blank what lies outside the regions.
ULTRASOUND = (
    "SequenceOfUltrasoundRegions", "RegionSpatialFormat", "RegionDataType",
    "RegionFlags", "RegionLocationMinX0", "RegionLocationMinY0", "RegionLocationMaxX1",
    "RegionLocationMaxY1", "ReferencePixelX0", "ReferencePixelY0",
    "PhysicalUnitsXDirection", "PhysicalUnitsYDirection", "ReferencePixelPhysicalValueX",
    "ReferencePixelPhysicalValueY", "PhysicalDeltaX", "PhysicalDeltaY",
    "TransducerFrequency", "PulseRepetitionFrequency", "DopplerCorrectionAngle",
    "SteeringAngle", "UltrasoundColorDataPresent",
)  # fmt: skip

# Enhanced (multi-frame) CT/MR functional groups: the per-frame copies of the plane,
# pixel-measure, LUT and acquisition attributes above. FrameAcquisitionDateTime,
# FrameReferenceDateTime and DimensionDescriptionLabel are deliberately absent.
FUNCTIONAL_GROUPS = (
    "SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence",
    "PixelMeasuresSequence", "PlanePositionSequence", "PlaneOrientationSequence",
    "PixelValueTransformationSequence", "FrameVOILUTSequence", "CTImageFrameTypeSequence",
    "FrameType", "CTAcquisitionTypeSequence", "CTAcquisitionDetailsSequence",
    "CTGeometrySequence", "CTReconstructionSequence", "CTExposureSequence",
    "CTXRayDetailsSequence", "FrameContentSequence", "DimensionIndexValues",
    "FrameAcquisitionNumber", "InStackPositionNumber", "TemporalPositionIndex",
    "DimensionOrganizationSequence", "DimensionIndexSequence", "DimensionIndexPointer",
    "FunctionalGroupPointer",
)  # fmt: skip

# References between images (localizer, derivation). Their instance UIDs are
# remapped exactly like the referenced image's own SOPInstanceUID.
REFERENCES = (
    "ReferencedImageSequence", "SourceImageSequence", "ReferencedSOPClassUID",
    "ReferencedSOPInstanceUID", "ReferencedFrameNumber",
)  # fmt: skip

# UIDs that identify instances (and, via org roots, sites): replaced by keyed
# `2.25.` UIDs, consistently everywhere they occur.
REMAPPED_UIDS = (
    "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID",
    "ReferencedSOPInstanceUID", "DimensionOrganizationUID",
    "SynchronizationFrameOfReferenceUID",
)  # fmt: skip

# UIDs that name a class defined by the standard: kept, but only when pydicom knows
# them as standard UIDs (a private class UID carries a vendor's org root).
CLASS_UIDS = ("SOPClassUID", "ReferencedSOPClassUID")

ALLOWED: frozenset[int] = _tags(
    *IMAGE_PIXEL, *IMAGE_PLANE, *LUTS, *OBJECT, *PATIENT_CHARACTERISTICS, *ACQUISITION,
    *ULTRASOUND, *FUNCTIONAL_GROUPS, *REFERENCES, *REMAPPED_UIDS,
)  # fmt: skip
REMAPPED: frozenset[int] = _tags(*REMAPPED_UIDS)
CLASSES: frozenset[int] = _tags(*CLASS_UIDS)
SEQUENCES: frozenset[int] = frozenset(t for t in ALLOWED if dictionary_VR(t) == "SQ")
# Dictionary VR of every allow-listed tag, looked up once (plain int keys: pydicom's
# BaseTag compares in Python, a plain int in C).
VR_OF: dict[int, str] = {int(t): dictionary_VR(t) for t in ALLOWED}

# Image storage classes a challenge exam may hold. Everything else (structured
# reports, encapsulated PDF/CDA, RT objects, presentation states, DICOMDIR, raw data,
# waveforms) is rejected: it is either not an image or mostly free text.
IMAGE_STORAGE: frozenset[str] = frozenset({
    _uid.CTImageStorage, _uid.EnhancedCTImageStorage, _uid.LegacyConvertedEnhancedCTImageStorage,
    _uid.MRImageStorage, _uid.EnhancedMRImageStorage,
    _uid.UltrasoundImageStorage, _uid.UltrasoundMultiFrameImageStorage,
    "1.2.840.10008.5.1.4.1.1.6",  # Ultrasound Image Storage (retired)
    "1.2.840.10008.5.1.4.1.1.3",  # Ultrasound Multi-frame Image Storage (retired)
    _uid.ComputedRadiographyImageStorage, _uid.DigitalXRayImageStorageForPresentation,
    _uid.DigitalXRayImageStorageForProcessing, _uid.DigitalMammographyXRayImageStorageForPresentation,
    _uid.DigitalMammographyXRayImageStorageForProcessing,
    *(SECONDARY := (
        _uid.SecondaryCaptureImageStorage,
        _uid.MultiFrameSingleBitSecondaryCaptureImageStorage,
        _uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
        _uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
        _uid.MultiFrameTrueColorSecondaryCaptureImageStorage,
    )),
})  # fmt: skip
# Secondary captures are screenshots: often reports or annotated images with text.
SECONDARY_CAPTURE: frozenset[str] = frozenset(SECONDARY)
ULTRASOUND_CLASSES: frozenset[str] = frozenset({
    _uid.UltrasoundImageStorage, _uid.UltrasoundMultiFrameImageStorage,
    "1.2.840.10008.5.1.4.1.1.6", "1.2.840.10008.5.1.4.1.1.3",
})  # fmt: skip
