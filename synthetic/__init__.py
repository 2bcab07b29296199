"""Synthetic exams for the three reference tasks, with planted identifiers and known truth.

Pure package (numpy, scipy, pydicom, Pillow, nibabel; no Django). Entry points:

- ``identity.PlantedIdentity.from_seed(seed)``: identifiers to plant; ``.tokens()`` must never
  survive de-identification, ``.retained()`` must.
- ``ultrasound.breast_ultrasound_jpeg(seed=, malignant=, identity=, size=(rows, cols))``.
- ``ct.calcium_ct_series(seed=, target_class=, identity=, slice_thickness_mm=, n_slices=, size=)``.
- ``dect.neck_dect_series(seed=, sick=, identity=, n_slices=, size=)``.
- ``series.SyntheticSeries``: ``.datasets()``, ``.write(dir)``, ``.truth``,
  ``.write_mask_nifti(path)``.
"""
