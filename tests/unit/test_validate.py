"""Profile documents are checked against the schema version they name."""

import json
from pathlib import Path

import pytest

from tfopt.errors import RunError
from tfopt.measure.validate import validate_profile

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "profile-tf2-stock.json"
OLD_RUN = ROOT / "results" / "runs" / "20261124T201847Z-d0bd" / "tf2-stock.json"


def test_a_current_document_is_valid():
    doc = json.loads(FIXTURE.read_text())
    assert doc["schema"] == "tfopt.profile/2"
    validate_profile(doc)


def test_a_document_from_an_older_image_is_checked_against_its_own_schema():
    doc = json.loads(OLD_RUN.read_text())["visits"][0]["profile"]
    assert doc["schema"] == "tfopt.profile/1"
    validate_profile(doc)


def test_a_current_document_missing_a_field_is_refused():
    doc = json.loads(FIXTURE.read_text())
    del doc["macs"]
    with pytest.raises(RunError, match="macs"):
        validate_profile(doc)


def test_an_unknown_schema_is_refused_with_a_hint():
    doc = json.loads(FIXTURE.read_text())
    doc["schema"] = "tfopt.profile/99"
    with pytest.raises(RunError, match="profile/99") as info:
        validate_profile(doc)
    assert "rebuild" in info.value.hint
