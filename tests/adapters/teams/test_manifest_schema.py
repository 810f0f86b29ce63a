"""The manifest ``carenudge teams-package`` writes is valid against Microsoft's own schema for
its manifest version (vendored in tests/fixtures/teams, with where it came from)."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft6Validator, validators
from jsonschema.protocols import Validator

from adapters.teams.package import MANIFEST_SCHEMA, MANIFEST_VERSION, manifest, package

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "teams"
SCHEMA = FIXTURES / "MicrosoftTeams.schema.json"
APP_ID = "6c8f2f3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f"
SITE = "https://nudge.trust.nhs.uk"

# The schema says draft-04, which has no ``const``; Microsoft's validator (Ajv's draft-04 mode,
# in @microsoft/app-manifest) checks ``const`` all the same, and the schema pins
# manifestVersion with it. So does this one.
MicrosoftDraft4: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"const": Draft6Validator.VALIDATORS["const"]}
)


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


def validator() -> Validator:
    checker: Validator = MicrosoftDraft4(schema(), format_checker=Draft4Validator.FORMAT_CHECKER)
    return checker


def problems(candidate: dict[str, Any]) -> list[str]:
    """What the schema says is wrong, one line each (nothing: valid)."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in validator().iter_errors(candidate)
    ]


def test_the_vendored_schema_is_the_one_its_readme_names() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest in readme, "the schema file changed: vendor it again and update the README"
    assert f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json" in readme
    pinned = schema()["properties"]["manifestVersion"]["const"]
    assert pinned == MANIFEST_VERSION


def test_the_manifest_is_valid_against_microsofts_schema() -> None:
    generated = manifest(APP_ID, SITE)
    assert problems(generated) == []
    assert generated["manifestVersion"] == MANIFEST_VERSION
    assert generated["$schema"] == MANIFEST_SCHEMA
    assert MANIFEST_SCHEMA.endswith(f"/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")


def test_the_manifest_in_the_package_is_valid_against_microsofts_schema() -> None:
    with zipfile.ZipFile(io.BytesIO(package(APP_ID, SITE, "2.3.4"))) as archive:
        packed = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    assert problems(packed) == []
    assert packed["version"] == "2.3.4"
    # The icons the manifest names are in the package, where Teams looks for them.
    assert {packed["icons"]["color"], packed["icons"]["outline"]} <= names


def test_a_manifest_of_another_version_is_rejected() -> None:
    old = manifest(APP_ID, SITE) | {
        "manifestVersion": "1.17",
        "$schema": MANIFEST_SCHEMA.replace(MANIFEST_VERSION, "1.17"),
    }
    assert any(p.startswith("manifestVersion:") for p in problems(old)), problems(old)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("developer",), "(top): 'developer' is a required property"),
        (("icons", "outline"), "icons: 'outline' is a required property"),
        (("description", "full"), "description: 'full' is a required property"),
    ],
)
def test_a_manifest_without_a_required_field_is_rejected(
    path: tuple[str, ...], expected: str
) -> None:
    broken = copy.deepcopy(manifest(APP_ID, SITE))
    parent = broken
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    assert expected in problems(broken)


def test_an_app_id_that_is_not_a_guid_is_rejected() -> None:
    found = problems(manifest("not-a-guid", SITE))
    assert any(re.match(r"id: 'not-a-guid' does not match", p) for p in found), found
    assert any(p.startswith("bots/0/botId:") for p in found), found


def test_a_short_name_too_long_for_teams_is_rejected() -> None:
    broken = manifest(APP_ID, SITE)
    broken["name"] = {**broken["name"], "short": "CareNudge for the whole hospital trust"}
    assert any(p.startswith("name/short:") for p in problems(broken)), problems(broken)
