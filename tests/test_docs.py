"""Undocumented options and scenario fields fail here: what a user can set, the docs explain."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from analysis.model.assumptions import Assumptions, Share
from analysis.model.scenarios import Resource, Scenario, SelfHosted, Site, Storage

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py")], capture_output=True, text=True, check=True
    ).stdout
    assert (ROOT / "docs" / "cli.md").read_text() == generated, (
        "run: .venv/bin/python scripts/cli_reference.py > docs/cli.md"
    )


def test_every_cli_option_has_help():
    text = (ROOT / "docs" / "cli.md").read_text()
    for line in text.splitlines():
        if line.startswith("| `-"):
            assert line.split("|")[2].strip(), f"option without help: {line}"


def test_every_assumption_is_documented_with_unit_and_source():
    doc = (ROOT / "docs" / "scenarios.md").read_text()
    for name, field in Assumptions.model_fields.items():
        if name == "consumers":
            for share in Share.model_fields:
                assert f"`consumers.{share}`" in doc
            continue
        assert f"`{name}`" in doc, f"assumption {name} is not in docs/scenarios.md"
        extra = field.json_schema_extra or {}
        assert field.description and extra.get("unit") and extra.get("source"), f"{name} lacks description/unit/source"


def test_every_scenario_field_is_documented():
    doc = (ROOT / "docs" / "scenarios.md").read_text()
    for model in (Scenario, SelfHosted, Site, Storage, Resource):
        for name in model.model_fields:
            # as `name` or inside a dotted path such as `selfhosted.resources[]`
            assert re.search(rf"[`.]{name}\b", doc), f"{model.__name__}.{name} is not in docs/scenarios.md"
