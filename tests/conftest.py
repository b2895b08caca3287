"""Shared fixtures: a small generated estate served by the emulated AWS (moto over real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analysis.collect import EcrRequest, RunSummary, collect_ecr
from analysis.collectors.aws import AwsSettings
from analysis.collectors.ecr import EcrOptions
from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate, generate_estate
from analysis.warehouse import Warehouse

SMALL = {"seed": 11, "repositories": 30, "images": 1_500}


def today() -> datetime:
    """The collector reads CloudWatch up to today's UTC midnight, so the estate is generated as of then."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="session")
def small_estate() -> Estate:
    return generate_estate(**SMALL, now=today())


@pytest.fixture()
def aws(small_estate: Estate) -> Iterator[EmulatedAWS]:
    """A fresh emulated AWS per test: faults and call records never leak between tests."""
    with EmulatedAWS() as emulated:
        emulated.seed(small_estate)
        emulated.reset_calls()
        yield emulated


def settings_for(aws: EmulatedAWS) -> AwsSettings:
    kwargs = aws.client_kwargs()
    return AwsSettings(
        endpoint_url=kwargs["endpoint_url"],
        static_credentials={k: v for k, v in kwargs.items() if k != "endpoint_url"},
    )


def run_collection(
    aws: EmulatedAWS, estate: Estate, db: Path, *, options: EcrOptions | None = None, regions: list[str] | None = None
) -> RunSummary:
    request = EcrRequest(
        regions=regions or list(estate.regions),
        organization_role="OrganizationAccountAccessRole",
        options=options or EcrOptions(),
    )
    with Warehouse(db) as wh:
        return collect_ecr(wh, settings_for(aws), request)


@pytest.fixture(scope="session")
def collected_db(small_estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding one complete collection of the small estate (for readers: estimate, reports)."""
    db = tmp_path_factory.mktemp("collected") / "regcost.duckdb"
    with EmulatedAWS() as emulated:
        emulated.seed(small_estate)
        summary = run_collection(emulated, small_estate, db)
    assert summary.status == "complete", summary.errors
    return db
