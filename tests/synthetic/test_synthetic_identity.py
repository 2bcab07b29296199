"""Planted identities: deterministic, unique tokens, retained characteristics."""

import re

import pydicom
import pytest

from synthetic.ct import calcium_ct_series
from synthetic.identity import PlantedIdentity

TOKEN = re.compile(r"ZQ[0-9A-F]{8}")


def test_same_seed_same_identity_and_frozen():
    a, b = PlantedIdentity.from_seed(42), PlantedIdentity.from_seed(42)
    assert a == b
    with pytest.raises(AttributeError):
        a.patient_id = "x"


def test_every_text_field_carries_its_own_token():
    identity = PlantedIdentity.from_seed(42)
    fields = [
        identity.patient_family_name,
        identity.patient_id,
        identity.other_patient_id,
        identity.accession_number,
        identity.study_id,
        identity.institution_name,
        identity.institution_address,
        identity.patient_address,
        identity.station_name,
        identity.device_serial_number,
        identity.referring_physician,
        identity.performing_physician,
        identity.operator_name,
    ]
    found = [TOKEN.findall(f) for f in fields]
    assert all(len(t) == 1 for t in found)
    assert len({t[0] for t in found}) == len(fields)  # one distinct token per field


def test_tokens_of_many_seeds_never_collide():
    seen = {}
    for seed in range(200):
        for token in TOKEN.findall(" ".join(PlantedIdentity.from_seed(seed).tokens())):
            assert seen.setdefault(token, seed) == seed


def test_uid_root_is_valid_and_seed_specific():
    roots = {PlantedIdentity.from_seed(s).uid_root for s in range(50)}
    assert len(roots) == 50
    for root in roots:
        assert root.startswith("1.2.826.0.1.3680043.10.") and root.endswith(".")
        uid = root + "3.99.9999"
        assert len(uid) <= 64 and all(not p.startswith("0") or p == "0" for p in uid.split("."))


def test_age_is_empty_on_some_seeds_and_derivable(tmp_path):
    planted = [PlantedIdentity.from_seed(s).age_planted for s in range(30)]
    assert any(planted) and not all(planted)
    seed = planted.index(False)
    identity = PlantedIdentity.from_seed(seed)
    path = calcium_ct_series(
        seed=seed, target_class="A", identity=identity, n_slices=8, size=64
    ).write(tmp_path)[0]
    ds = pydicom.dcmread(path)
    assert ds.PatientAge == ""
    birth, study = ds.PatientBirthDate, ds.StudyDate
    age = int(study[:4]) - int(birth[:4]) - ((study[4:] < birth[4:]) * 1)
    assert identity.retained() == {"PatientSex": ds.PatientSex, "PatientAge": f"{age:03d}Y"}
    assert 30 <= identity.age_years <= 80


def test_token_lists_cover_dates_in_every_form():
    identity = PlantedIdentity.from_seed(7)
    tokens = identity.tokens()
    assert identity.study_date.strftime("%Y%m%d") in tokens
    assert identity.study_date.strftime("%d/%m/%Y") in tokens
    assert identity.birth_date.strftime("%Y%m%d") in tokens
    assert identity.uid_root in tokens
    assert "F" not in tokens and identity.retained()["PatientAge"] not in tokens


def test_bad_seed_or_sex_refused():
    with pytest.raises(ValueError, match="seed"):
        PlantedIdentity.from_seed(-1)
    with pytest.raises(ValueError, match="sex"):
        PlantedIdentity.from_seed(1, sex="X")
