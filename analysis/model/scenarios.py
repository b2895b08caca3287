"""Scenarios as files: presets in data/scenarios/*.yaml, overridden by the user's own files.

A scenario names what is compared (stay on ECR, clean up ECR, self-host Harbor at a site, a hybrid proxy
cache) and overrides assumptions. A bad file stops everything with one message naming the file, the field
path and what was expected: nothing is computed from it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.model.assumptions import Assumptions, Share
from analysis.resources import shipped_data
from analysis.validation import format_validation_error

DATA_DIR_ENV = "REGCOST_DATA_DIR"


class ScenarioError(Exception):
    """A scenario file is malformed or a scenario name is unknown. The message is for people."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Strict):
    """A recurring line item at the site: a catalog price × count, or an on-prem server from parameters."""

    what: str = Field(description="What it is for, shown in the explain output.")
    price: str | None = Field(None, description="Catalog price id (unit month, or hour × 730).")
    onprem_server: bool = Field(
        False, description="An owned server: capex ÷ amortisation + support + power × PUE (catalog parameters)."
    )
    count: float = Field(1.0, gt=0, description="How many.")
    location: str | None = Field(None, description="Region or site of the price, if not the scenario's site.")
    line: str | None = Field(
        None, description="Cost line it is shown under (none: the compute and services line), e.g. colocation network."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Resource:
        if (self.price is None) == (not self.onprem_server):
            raise ValueError("give either 'price' (a catalog id) or 'onprem_server: true'")
        return self


class Site(_Strict):
    kind: Literal["aws", "eu-cloud", "on-prem"] = Field(description="Where the registry runs.")
    region: str | None = Field(None, description="AWS region (kind aws).")
    site: str | None = Field(None, description="Catalog site of the provider's prices (kind eu-cloud, on-prem).")
    labour_site: str = Field("us", description="Catalog site of the labour rate (where the team is).")

    @model_validator(mode="after")
    def _located(self) -> Site:
        if self.kind == "aws" and not self.region:
            raise ValueError("kind 'aws' needs 'region'")
        if self.kind != "aws" and not self.site:
            raise ValueError(f"kind {self.kind!r} needs 'site' (a catalog site such as hetzner-fsn1)")
        return self

    @property
    def home(self) -> str:
        """The AWS region (kind aws) or catalog site (the others) the registry runs in."""
        home = self.region if self.kind == "aws" else self.site
        assert home is not None  # _located
        return home


class Storage(_Strict):
    backend: Literal["object", "block"] = Field(description="Object storage (S3-compatible) or block volumes.")
    price: str | None = Field(
        None, description="Catalog price id per GB-month (or TB-month); none with on-prem raw disks priced in servers."
    )
    base_fee: str | None = Field(None, description="Catalog id of a monthly base fee that includes some storage.")
    redundancy_parameter: str | None = Field(
        None, description="Catalog parameter: raw bytes per stored byte (e.g. onprem.storage.redundancy for Ceph)."
    )
    redirect: bool = Field(
        True,
        description="Object storage: blob downloads are redirected to pre-signed URLs of the store (Harbor's "
        "default, storage_service.redirect.disable: false), so layer bytes leave the store, not Harbor's nodes.",
    )


class SelfHosted(_Strict):
    site: Site
    deployment: Literal["single-node", "ha-kubernetes"] = Field(description="Deployment profile.")
    resources: list[Resource] = Field(description="Compute, database, cache, load balancer …, priced monthly.")
    storage: Storage
    egress_price: str | None = Field(
        None, description="Catalog id for traffic beyond what resources include (none: the site's uplink is fixed)."
    )
    backup_price: str | None = Field(None, description="Catalog id per GB-month for backup / DR copies.")
    backup_location: str | None = Field(None, description="Region or site of the backup price (another site for DR).")


class Scenario(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Short name used on the command line.")
    title: str = Field(description="One line for tables and reports.")
    description: str = Field("", description="What the scenario means and when it fits.")
    kind: Literal["ecr", "ecr-cleanup", "selfhosted", "hybrid"]
    extends: str | None = Field(None, description="A scenario whose fields this one starts from.")
    selfhosted: SelfHosted | None = Field(None, description="The Harbor site (selfhosted and hybrid).")
    assumptions: Assumptions = Field(default_factory=Assumptions)

    @model_validator(mode="after")
    def _site_when_needed(self) -> Scenario:
        if self.kind in ("selfhosted", "hybrid") and self.selfhosted is None:
            raise ValueError(f"kind {self.kind!r} needs a 'selfhosted' section (site, deployment, resources, storage)")
        return self


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else shipped_data()


def preset_files() -> list[Path]:
    return sorted((data_dir() / "scenarios").glob("*.yaml"))


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario fields, got {type(raw).__name__}")
    return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def unknown_scenario_field(name: str) -> str:
    """Say what was expected, not only that this key was not: the scenario field it was probably meant to be."""
    close = difflib.get_close_matches(name, _field_names(), n=1, cutoff=0.6)
    return "unknown field" + (f"; did you mean {close[0]!r}?" if close else " (not a scenario field)")


def _field_names() -> list[str]:
    models = (Scenario, SelfHosted, Site, Storage, Resource, Assumptions, Share)
    return sorted({name for model in models for name in model.model_fields})


def _validate(path: Path, raw: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            format_validation_error(path, exc, unknown_key=unknown_scenario_field, first_only=True)
        ) from None


def load_scenarios(user_files: list[Path] | None = None) -> dict[str, Scenario]:
    """Presets, then user files in order; a user scenario with a preset's name replaces it.

    `extends: NAME` starts from that scenario's fields (assumptions merged key by key).
    """
    raws: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in [*preset_files(), *(user_files or [])]:
        raw = _read(Path(path))
        name = raw.get("name")
        if not isinstance(name, str):
            raise ScenarioError(f"{path}: name: field required (a short name such as my-harbor)")
        raws[name] = (Path(path), raw)

    resolved: dict[str, Scenario] = {}

    def build(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
        path, raw = raws[name]
        parent = raw.get("extends")
        if parent is None:
            return raw
        if parent not in raws:
            raise ScenarioError(f"{path}: extends: unknown scenario {parent!r}; known: {', '.join(sorted(raws))}")
        if parent in chain:
            raise ScenarioError(f"{path}: extends: a cycle through {' → '.join((*chain, parent))}")
        base = {k: v for k, v in build(parent, (*chain, name)).items() if k not in ("name", "title", "description")}
        return _merge(base, raw)

    for name, (path, _) in raws.items():
        resolved[name] = _validate(path, build(name))
    return resolved


def pick(scenarios: dict[str, Scenario], names: list[str] | None) -> list[Scenario]:
    """The scenarios asked for (all presets when none), baseline 'ecr' always first."""
    if not names:
        names = list(scenarios)
    unknown = [n for n in names if n not in scenarios]
    if unknown:
        raise ScenarioError(f"unknown scenario {', '.join(unknown)}; known: {', '.join(sorted(scenarios))}")
    if "ecr" not in scenarios:
        raise ScenarioError("no baseline scenario named 'ecr' (stay on ECR) is defined")
    ordered = ["ecr", *[n for n in dict.fromkeys(names) if n != "ecr"]]
    return [scenarios[n] for n in ordered]
