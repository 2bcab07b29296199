"""Every reason code the platform shows, with its translated text: exclusion reasons chosen by
reviewers, problems with an uploaded file, conformity failures and flags for the reviewer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

EXCLUSION_REASONS = {
    "metal_artifacts": _("Metal artifacts"),
    "calipers_in_lesion": _("Calipers or markers in the lesion"),
    "wrong_slice_thickness": _("Wrong slice thickness"),
    "incomplete_coverage": _("Incomplete coverage of the region"),
    "poor_image_quality": _("Poor image quality"),
    "wrong_protocol": _("Wrong protocol or modality"),
    "identifying_content": _("Identifying content remains in the image"),
    "duplicate": _("Duplicate of another exam"),
    "other": _("Other (see note)"),
}

MESSAGES = {
    # Problems with an uploaded file (or an entry of a zip).
    "empty": _("The file is empty (0 bytes)."),
    "truncated": _("The file is truncated: it ends before its data does."),
    "not_dicom": _("This is not a DICOM file, a JPEG image or a zip archive."),
    "not_jpeg": _("This JPEG image cannot be read."),
    "unsupported_kind": _("This is not a DICOM file, a JPEG image or a zip archive."),
    "wrong_input_kind": _("This task takes %(expected)s, not this kind of file."),
    "unsupported_sop_class": _(
        "This DICOM object is not an image this platform accepts (structured report, PDF, DICOMDIR…)."
    ),
    "no_pixel_data": _("This DICOM file holds no image."),
    "missing_uid": _("This DICOM file lacks the identifiers that group it into a series."),
    "invalid_image": _("The image data of this file is damaged or inconsistent."),
    "unreadable": _("This file cannot be read."),
    "too_large": _("The file is larger than the limit."),
    "zip_bomb": _("The zip archive expands far more than a real exam would: refused."),
    "zip_unsafe_path": _(
        "Entry %(entry)s of the zip has an unsafe path (../ or absolute): skipped."
    ),
    "zip_nested": _(
        "Entry %(entry)s of the zip is itself an archive: nested archives are not accepted."
    ),
    "zip_unreadable": _("The zip archive cannot be read."),
    "zip_too_many_entries": _("The zip archive has too many entries."),
    "zip_empty": _("The zip archive holds no image: only folders or system files."),
    "already_received": _("This image was already received: nothing new."),
    "exam_already_reviewed": _("This image belongs to an exam already reviewed: it was not added."),
    "processing_failed": _("The file could not be processed; the team was told."),
    # Conformity failures (parameters come from uploads.conformity).
    "wrong_modality": _("Modality must be %(expected)s; found %(found)s."),
    "slice_thickness_missing": _("Slice thickness is not recorded in the files."),
    "wrong_slice_thickness": _(
        "Slice thickness must be between %(low)s and %(high)s mm; found %(found)s mm."
    ),
    "mixed_series": _("The exam holds %(found)s series; at most %(allowed)s allowed."),
    "too_few_slices": _("The exam has %(found)s images; at least %(required)s are required."),
    "image_too_small": _(
        "Images must be at least %(min_rows)s×%(min_cols)s; found %(rows)s×%(cols)s."
    ),
    "slice_gap": _(
        "%(count)s gap(s) between slices, the largest %(largest)s mm for %(nominal)s mm slices: slices are missing."
    ),
    "duplicate_slice": _("Two slices share the same position."),
    # Flags for the reviewer.
    "burned_in_annotation": _("The scanner flags burned-in annotations in the image."),
    "secondary_capture": _("Secondary capture: check the image for burned-in text."),
    "us_no_regions": _("Ultrasound without calibrated regions: check for burned-in text."),
    "burned_in_text_masked": _("Burned-in text was found and masked: check the masked regions."),
    "ocr_unavailable": _("Text detection was unavailable: check the image for burned-in text."),
    "duplicate_study": _("The same study was already uploaded (this or another center)."),
    "recognizable_visual_features": _("The image may show recognizable features of the patient."),
    "overlay_in_pixel_data": _("Overlays are burned into the pixel data: check for text."),
    "us_compressed_not_blanked": _(
        "Compressed ultrasound: text outside the regions could not be blanked."
    ),
    "us_not_blanked": _("Ultrasound regions could not be blanked: check for burned-in text."),
}


EVENT_REASONS = {
    "received": _("Received"),
    "consent_attested": _("Consent attested"),
    "deidentified": _("De-identified"),
    "conformity_checked": _("Conformity checked"),
    "files_added": _("Files added by a later upload"),
    "consent_objection": _("The patient objected: files erased"),
}


def describe(code: str, params: dict[str, Any] | None = None, fallback: str = "") -> str:
    """The translated text of a reason code; unknown codes fall back to the stored message."""
    template = MESSAGES.get(code) or EXCLUSION_REASONS.get(code) or EVENT_REASONS.get(code)
    if template is None:
        return fallback or code
    try:
        return str(template) % (params or {}) if params else str(template)
    except (KeyError, TypeError, ValueError):
        return fallback or str(template)
