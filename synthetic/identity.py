"""Planted identities: fake but greppable patient identifiers for synthetic exams.

Every identifying string carries its own token ``ZQ`` + 8 upper-case hex digits derived from
the seed and the field (``sha256(f"{seed}:{field}")``), so a privacy test can search the raw
bytes of a de-identified file for it and a hit can only be a leak, never a coincidence.

What must NOT survive de-identification: everything listed by :meth:`PlantedIdentity.tokens`
(names, ids, dates in DICOM form ``YYYYMMDD``, in the burned-in form ``DD/MM/YYYY`` and in the
EXIF form ``YYYY:MM:DD``, times, accession, institution, address, station, serial, physicians,
operator, the org UID root every original UID starts with).

What MUST survive (DICOM PS3.15 Retain Patient Characteristics): :meth:`retained` — PatientSex
and PatientAge. PatientAge is planted empty on about one seed in three
(``age_planted is False``): the de-identifier must then derive it from the birth and study
dates; :attr:`age_years` is the expected value either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

# Where the DICOM generators plant identifiers; tests walk every place so the privacy tests
# downstream know what a de-identifier has to remove. Paths use pydicom keywords;
# "[0]" is the first item of a sequence, "private:" a private element of the creator below.
PRIVATE_CREATOR = "ZQSYNTH CT PRIVATE 1.0"
PRIVATE_GROUP = 0x0029
DICOM_PLANTED_PLACES: tuple[str, ...] = (
    "PatientName",
    "PatientID",
    "OtherPatientIDs",
    "PatientBirthDate",
    "PatientAddress",
    "PatientTelephoneNumbers",
    "StudyDate",
    "SeriesDate",
    "AcquisitionDate",
    "ContentDate",
    "StudyTime",
    "SeriesTime",
    "AcquisitionTime",
    "ContentTime",
    "AccessionNumber",
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "StationName",
    "DeviceSerialNumber",
    "ReferringPhysicianName",
    "PerformingPhysicianName",
    "OperatorsName",
    "StudyDescription",
    "SeriesDescription",
    "ImageComments",
    "AdditionalPatientHistory",
    "ProtocolName",
    "StudyID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "FrameOfReferenceUID",
    "ReferencedImageSequence[0].ReferencedSOPInstanceUID",
    "ReferencedStudySequence[0].ReferencedSOPInstanceUID",
    "ProcedureCodeSequence[0].CodeMeaning",
    "RequestAttributesSequence[0].RequestedProcedureID",
    "RequestAttributesSequence[0].ScheduledProcedureStepID",
    "RequestAttributesSequence[0].RequestedProcedureDescription",
    "RequestAttributesSequence[0].ScheduledProtocolCodeSequence[0].CodeMeaning",
    "OriginalAttributesSequence[0].ModifiedAttributesSequence[0].PatientName",
    "OriginalAttributesSequence[0].ModifiedAttributesSequence[0].PatientID",
    "private:0x10",  # LO: patient name as the vendor copies it
    "private:0x11",  # LT: free-text note with name and id
    "private:0x12[0].PatientID",  # private sequence with the id inside
    "file_meta.SourceApplicationEntityTitle",
    "file_meta.ImplementationVersionName",
    "file_meta.MediaStorageSOPInstanceUID",
    "preamble",
    "filename",
)

_SURNAMES = (
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "SIMON",
    "LAURENT",
    "LEFEBVRE",
    "MICHEL",
    "GARCIA",
    "FOURNIER",
)
_GIVEN_F = ("CLAIRE", "MARIE", "SOPHIE", "NATHALIE", "ISABELLE", "CAMILLE", "JULIE", "ANNE")
_GIVEN_M = ("PIERRE", "JEAN", "LUC", "NICOLAS", "PHILIPPE", "ANTOINE", "PAUL", "MARC")
_CITIES = (("PARIS", "75010"), ("LYON", "69003"), ("LILLE", "59000"), ("NANTES", "44000"))


def _digest(seed: int, field: str) -> bytes:
    return hashlib.sha256(f"{seed}:{field}".encode()).digest()


def _int(seed: int, field: str) -> int:
    return int.from_bytes(_digest(seed, field)[:8], "big")


def _token(seed: int, field: str) -> str:
    return "ZQ" + _digest(seed, field)[:4].hex().upper()


def _pick(seed: int, field: str, choices: tuple):
    return choices[_int(seed, field) % len(choices)]


def _person(seed: int, field: str, sex: str) -> tuple[str, str]:
    """(family, given): the family name carries the field's token, e.g. DUBOIS-ZQ3F9A0B1C."""
    family = f"{_pick(seed, field + '.family', _SURNAMES)}-{_token(seed, field)}"
    given = _pick(seed, field + ".given", _GIVEN_F if sex == "F" else _GIVEN_M)
    return family, given


def _time(seed: int, field: str, base_minutes: int) -> str:
    """A DICOM TM ``HHMMSS`` some minutes after ``base_minutes`` past midnight."""
    seconds = base_minutes * 60 + _int(seed, field) % 1800
    return f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}"


@dataclass(frozen=True)
class PlantedIdentity:
    """All identifiers planted into one synthetic exam. Build with :meth:`from_seed`."""

    seed: int
    sex: str  # "F" or "M": retained by de-identification
    patient_family_name: str
    patient_given_name: str
    patient_id: str
    other_patient_id: str
    birth_date: dt.date
    study_date: dt.date
    study_time: str  # DICOM TM HHMMSS
    series_time: str
    acquisition_time: str
    content_time: str
    age_planted: bool  # False: PatientAge is written empty, derive it from the dates
    accession_number: str
    study_id: str
    requested_procedure_id: str
    scheduled_step_id: str
    institution_name: str
    institution_address: str
    department_name: str
    patient_address: str
    patient_telephone: str
    station_name: str
    device_serial_number: str
    referring_physician: str  # DICOM PN form FAMILY^GIVEN
    performing_physician: str
    operator_name: str
    uid_root: str  # org root every original UID starts with, ends with "."

    @classmethod
    def from_seed(cls, seed: int, *, sex: str | None = None) -> PlantedIdentity:
        """Deterministic identity for ``seed``; ``sex`` ("F"/"M") overrides the drawn one."""
        if not isinstance(seed, int) or seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if sex is None:
            sex = "F" if _int(seed, "sex") % 2 else "M"
        if sex not in ("F", "M"):
            raise ValueError("sex must be 'F' or 'M'")
        family, given = _person(seed, "patient", sex)
        study_date = dt.date(2018, 1, 1) + dt.timedelta(days=_int(seed, "study_date") % 2000)
        age_days = 365 * 30 + _int(seed, "birth_date") % (365 * 50)  # 30 to 80 years old
        start = 8 * 60 + _int(seed, "start") % (9 * 60)  # study starts between 08:00 and 17:00
        city, postcode = _pick(seed, "city", _CITIES)
        phys = [
            "^".join(_person(seed, role, "F" if _int(seed, role) % 2 else "M"))
            for role in ("referring", "performing", "operator")
        ]
        # Root under 1.2.826.0.1.3680043.10 with a seed-derived, non-zero-led component.
        org = 100_000_000 + _int(seed, "uid_root") % 900_000_000
        return cls(
            seed=seed,
            sex=sex,
            patient_family_name=family,
            patient_given_name=given,
            patient_id="IPP" + _token(seed, "patient_id"),
            other_patient_id="NIR" + _token(seed, "other_patient_id"),
            birth_date=study_date - dt.timedelta(days=age_days),
            study_date=study_date,
            study_time=_time(seed, "study_time", start),
            series_time=_time(seed, "series_time", start + 31),
            acquisition_time=_time(seed, "acquisition_time", start + 62),
            content_time=_time(seed, "content_time", start + 93),
            age_planted=_int(seed, "age_planted") % 3 != 0,
            accession_number="ACC" + _token(seed, "accession"),
            study_id="S" + _token(seed, "study_id"),
            requested_procedure_id="RP" + _token(seed, "requested_procedure"),
            scheduled_step_id="SPS" + _token(seed, "scheduled_step"),
            institution_name=f"CHU {city} {_token(seed, 'institution')}",
            institution_address=f"{_int(seed, 'inst_no') % 90 + 1} AVENUE "
            f"{_token(seed, 'institution_address')} {postcode} {city}",
            department_name=f"RADIOLOGIE {_token(seed, 'department')}",
            patient_address=f"{_int(seed, 'addr_no') % 120 + 1} RUE "
            f"{_token(seed, 'patient_address')} {postcode} {city}",
            patient_telephone="+33 1 " + str(10_000_000 + _int(seed, "phone") % 89_999_999),
            station_name="ST" + _token(seed, "station"),
            device_serial_number="SN-" + _token(seed, "device_serial"),
            referring_physician=phys[0],
            performing_physician=phys[1],
            operator_name=phys[2],
            uid_root=f"1.2.826.0.1.3680043.10.{org}.",
        )

    # --- derived forms -------------------------------------------------------------------
    @property
    def patient_name(self) -> str:
        """DICOM PN form ``FAMILY^GIVEN``."""
        return f"{self.patient_family_name}^{self.patient_given_name}"

    @property
    def patient_name_burned(self) -> str:
        """How the ultrasound header band shows the name: ``FAMILY GIVEN``."""
        return f"{self.patient_family_name} {self.patient_given_name}"

    @property
    def study_date_dicom(self) -> str:
        return self.study_date.strftime("%Y%m%d")

    @property
    def birth_date_dicom(self) -> str:
        return self.birth_date.strftime("%Y%m%d")

    @property
    def study_date_burned(self) -> str:
        """Date form burned into the ultrasound header band (French ``DD/MM/YYYY``)."""
        return self.study_date.strftime("%d/%m/%Y")

    @property
    def birth_date_burned(self) -> str:
        return self.birth_date.strftime("%d/%m/%Y")

    @property
    def exif_datetime(self) -> str:
        """EXIF DateTime ``YYYY:MM:DD HH:MM:SS`` of the acquisition."""
        t = self.acquisition_time
        return f"{self.study_date.strftime('%Y:%m:%d')} {t[:2]}:{t[2:4]}:{t[4:6]}"

    @property
    def age_years(self) -> int:
        """Age in whole years at the study date: what PatientAge must say after de-id."""
        b, s = self.birth_date, self.study_date
        return s.year - b.year - ((s.month, s.day) < (b.month, b.day))

    @property
    def patient_age_dicom(self) -> str:
        """PatientAge as planted: ``NNNY``, or empty when ``age_planted`` is False."""
        return f"{self.age_years:03d}Y" if self.age_planted else ""

    def uid(self, *parts: int) -> str:
        """An org-rooted UID, e.g. ``uid(2, 1)`` -> ``<root>2.1``."""
        return self.uid_root + ".".join(str(p) for p in parts)

    def burned_in_text(self) -> list[str]:
        """Lines burned into the ultrasound header band, top to bottom."""
        return [
            f"{self.patient_name_burned}  {self.patient_id}",
            f"{self.study_date_burned} {self.exif_datetime[11:]}  {self.institution_name}",
        ]

    def retained(self) -> dict[str, str]:
        """Attributes that must SURVIVE de-identification, with their expected values."""
        return {"PatientSex": self.sex, "PatientAge": f"{self.age_years:03d}Y"}

    # --- what must never survive -----------------------------------------------------------
    def dicom_tokens(self) -> list[str]:
        """Strings planted in the raw bytes (or file names) of every synthetic DICOM file."""
        people = [self.referring_physician, self.performing_physician, self.operator_name]
        return _unique(
            [
                self.patient_name,
                self.patient_family_name,
                self.patient_id,
                self.other_patient_id,
                self.birth_date_dicom,
                self.study_date_dicom,
                self.study_time,
                self.series_time,
                self.acquisition_time,
                self.content_time,
                self.accession_number,
                self.study_id,
                self.requested_procedure_id,
                self.scheduled_step_id,
                self.institution_name,
                self.institution_address,
                self.department_name,
                self.patient_address,
                self.patient_telephone,
                self.station_name,
                self.device_serial_number,
                *people,
                *(p.split("^")[0] for p in people),
                self.uid_root,
            ]
        )

    def jpeg_tokens(self) -> list[str]:
        """Strings planted in the raw bytes of the synthetic ultrasound JPEG (metadata)."""
        return _unique(
            [
                self.patient_name,
                self.patient_name_burned,
                self.patient_family_name,
                self.patient_id,
                self.study_date_burned,
                self.birth_date_burned,
                self.exif_datetime,
                self.exif_datetime[:10],
                self.institution_name,
                self.station_name,
                self.device_serial_number,
                self.operator_name.split("^")[0],
            ]
        )

    def tokens(self) -> list[str]:
        """Every string that must never survive de-identification (DICOM and JPEG)."""
        return _unique(self.dicom_tokens() + self.jpeg_tokens())


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
