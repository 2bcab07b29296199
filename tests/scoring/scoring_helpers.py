"""Small synthetic inputs for the scoring tests: CSV files, NIfTI masks, zips of masks."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import nibabel as nib
import numpy as np


def write_csv(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def nifti_bytes(mask: np.ndarray, spacing=(1.0, 1.0, 1.0), dtype=np.uint8, affine=None) -> bytes:
    """A .nii.gz file's bytes for ``mask`` on a grid of ``spacing`` mm."""
    if affine is None:
        affine = np.diag([*spacing, 1.0])
    image = nib.Nifti1Image(np.asarray(mask).astype(dtype), affine)
    image.header.set_zooms(spacing)
    return gzip.compress(image.to_bytes(), compresslevel=1)


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def masks_zip(path: Path, masks: dict[str, np.ndarray], spacing=(1.0, 1.0, 1.0)) -> Path:
    return write_zip(path, {f"{exam}.nii.gz": nifti_bytes(m, spacing) for exam, m in masks.items()})
