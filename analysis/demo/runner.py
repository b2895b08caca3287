"""`regcost demo`: generate the estate, serve it from the emulated AWS, collect it with the real collector.

Nothing here is special-cased for the demo on the collecting side: the collector reaches the emulated AWS
over HTTP exactly as it reaches AWS, through an organization and an assumed role per member account.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from analysis.collectors.aws import AwsSettings
from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate, generate_estate
from analysis.demo.estate.bill import ce_pages, generate_bill, write_cur2
from analysis.pipeline.costs import collect_cost_explorer, collect_cur, plan_cost_explorer
from analysis.pipeline.ecr import EcrRequest, RunSummary, collect_ecr
from analysis.warehouse import Warehouse

ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
ProgressRunner = Callable[[Callable[[Callable[[str, int], None]], RunSummary]], RunSummary]


def run_demo(
    db: Path,
    *,
    seed: int = 7,
    repositories: int = 400,
    images: int = 40_000,
    latency_ms: float = 0.0,
    progress_runner: ProgressRunner | None = None,
) -> dict[str, Any]:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # The estate is generated as of today's UTC midnight: the collector reads CloudWatch up to then, and a
    # demo whose newest push is months old would look stale. The seed fixes everything else.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    estate = generate_estate(seed=seed, repositories=repositories, images=images, now=today)
    timings["generate_s"] = time.perf_counter() - t0

    with EmulatedAWS(latency_ms=latency_ms) as aws:
        t0 = time.perf_counter()
        aws.seed(estate)
        timings["seed_s"] = time.perf_counter() - t0
        aws.reset_calls()

        kwargs = aws.client_kwargs()
        settings = AwsSettings(
            endpoint_url=kwargs["endpoint_url"],
            static_credentials={k: v for k, v in kwargs.items() if k != "endpoint_url"},
        )
        request = EcrRequest(regions=list(estate.regions), organization_role=ORGANIZATION_ROLE)
        t0 = time.perf_counter()
        with Warehouse(db) as wh:

            def work(progress: Callable[[str, int], None]) -> RunSummary:
                return collect_ecr(wh, settings, request, progress)

            summary = progress_runner(work) if progress_runner else work(lambda _e, _n: None)
        timings["collect_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        costs = _collect_bill(aws, settings, estate, db, today.date())
        timings["costs_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        measured = _collect_measurements(aws, settings, estate, db, today.date())
        timings["measure_s"] = time.perf_counter() - t0
        calls = {f"{svc}:{op}": n for (svc, op), n in sorted(aws.call_counts().items())}

    t0 = time.perf_counter()
    harbor = _collect_harbor(estate, db)
    timings["harbor_s"] = time.perf_counter() - t0

    return {
        "warehouse": str(db),
        "accounts": list(estate.accounts),
        "regions": list(estate.regions),
        "seeded": estate.expected_totals(),
        "run": summary.as_dict(),
        "api_calls": calls,
        "timings": timings,
        "errors": summary.as_dict()["errors"],
        "costs": costs,
        "harbor": harbor,
        "measurements": measured,
    }


def _collect_measurements(
    aws: EmulatedAWS, settings: AwsSettings, estate: Estate, db: Path, today: date
) -> dict[str, Any]:
    """Nodes in two VPCs, a trail folder of their pulls and two workloads, measured by the real collectors."""
    import shutil
    from datetime import timedelta

    from analysis.demo import measurements as dm
    from analysis.demo.estate import ACCOUNT_IDS
    from analysis.pipeline.network import collect_network
    from analysis.pipeline.trail import TrailRequest, collect_trail
    from analysis.pipeline.workloads import collect_workloads

    region = estate.regions[0]
    kwargs = aws.client_kwargs(region)
    network = dm.build_network(kwargs, region)
    root = db.parent / f"{db.stem}-trail"
    shutil.rmtree(root, ignore_errors=True)
    with Warehouse(db) as wh:
        images = dm.pullable_images(wh, region)
        uris = [f"{i['account']}.dkr.ecr.{region}.amazonaws.com/{i['repo']}:{i['tag']}" for i in images[:3]]
        dm.build_workloads(kwargs, region, uris[0], uris[1], apprunner=(ACCOUNT_IDS[0], uris[2]))
        records = dm.write_trail(root, images, network, ACCOUNT_IDS[0], today)
        trail = collect_trail(wh, None, TrailRequest(today - timedelta(days=30), today, folder=root))
        net = collect_network(wh, settings, [region])
        # moto has no App Runner: the emulated AWS answers it itself (demo/aws/apprunner.py)
        work = collect_workloads(wh, settings, [region], ["ecs", "lambda", "apprunner", "batch", "sagemaker", "eks"])
    return {
        "trail_folder": str(root),
        "trail_records": records,
        "pull_events": trail.pull_events,
        "network": net.as_dict()["regions"],
        "bound_to_ecr": work.bound,
    }


def _collect_harbor(estate: Any, db: Path) -> dict[str, Any]:
    """The self-hosted side: part of the estate in an emulated Harbor, collected by the real Harbor collector.

    The Harbor holds the platform/* repositories with the digests ECR holds, so their manifests are already
    cached and no manifest is fetched twice; a robot account (no sysadmin rights) reads it, so physical bytes
    come from the exporter metric, as they would for a robot on a real Harbor.
    """
    import secrets

    from analysis.collectors.http import Credentials, HttpClient
    from analysis.demo.harbor import FakeHarbor, harbor_from_estate
    from analysis.pipeline.registry import collect_registry

    secret = secrets.token_urlsafe(16)  # a fresh robot secret per demo: never stored, never shown
    with FakeHarbor(harbor_from_estate(estate, robot_secret=secret)) as harbor, Warehouse(db) as wh:
        client = HttpClient(harbor.url, Credentials("robot$regcost-demo", secret))
        summary = collect_registry(wh, "harbor", client, metrics_url=harbor.metrics_url)
        if harbor.violations:  # the emulation must stay true to the official spec, in the demo as in tests
            raise RuntimeError(f"emulated Harbor answered off the spec: {harbor.violations[0]}")
    return summary.as_dict()


def _collect_bill(aws: EmulatedAWS, settings: AwsSettings, estate: Estate, db: Path, today: date) -> dict[str, Any]:
    """The estate's own bill: Cost Explorer answers injected into moto and collected with the real collector,
    and a CUR 2.0 export written next to the warehouse and loaded from there."""
    lines = generate_bill(estate, today)
    with Warehouse(db) as wh:
        plan = plan_cost_explorer(wh, today=today)
        aws.inject_cost_explorer(ce_pages(lines, plan), account_id=estate.management_account)
        ce_run = collect_cost_explorer(wh, settings, today=today)
        cur_path = write_cur2(
            lines, db.parent / f"{db.stem}-cur" / "cur2-ecr.parquet", estate.management_account, today
        )
        cur_run = collect_cur(wh, None, str(cur_path.parent), today=today)
    return {"cost_explorer": ce_run.as_dict(), "cur": {**cur_run.as_dict(), "path": str(cur_path)}}
