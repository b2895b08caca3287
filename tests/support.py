"""Helpers the tests share (a module of its own: several folders have a conftest.py, so `import conftest`
would be ambiguous)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from analysis.collect import EcrRequest, RunSummary, collect_ecr
from analysis.collectors.aws import AwsSettings
from analysis.collectors.ecr import EcrOptions
from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate
from analysis.warehouse import Warehouse

SMALL = {"seed": 11, "repositories": 30, "images": 1_500}


def today() -> datetime:
    """The collector reads CloudWatch up to today's UTC midnight, so the estate is generated as of then."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


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
