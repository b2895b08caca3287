"""What is in the warehouse and the catalog: `regcost status`, `iam-policy`, `pricing show|refresh`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from analysis.cli.base import (
    CatalogOption,
    DbOption,
    FormatOption,
    UsageError,
    _errors_for_people,
    _gib,
    _print_errors,
    app,
    console,
    pricing_app,
)

if TYPE_CHECKING:
    from analysis.warehouse import Warehouse


@app.command()
def status(db: DbOption = None, fmt: FormatOption = "table") -> None:
    """Runs, the current snapshot per account and region and per self-hosted registry, and the last run's errors."""
    from analysis.cli.collect_registry import _print_registries
    from analysis.warehouse import Warehouse, queries
    from analysis.warehouse.quality import current_data_quality
    from analysis.warehouse.quality import note as quality_note
    from analysis.warehouse.supply_chain import supply_chain_artifacts

    with _errors_for_people(), Warehouse(db, read_only=True) as wh:
        runs = queries.recent_runs(wh)
        scopes, global_unique = scopes_and_unique_bytes(wh)
        last_errors = queries.run_errors(wh, runs[0]["run_id"]) if runs else []
        registries = queries.registry_storage(wh)
        supply_chain = supply_chain_artifacts(wh)
        quality = current_data_quality(wh)
        if fmt == "json":
            payload = {
                "schema_version": 1,
                "warehouse": str(wh.path),
                # counts are stored as JSON text: given as an object, never a string holding JSON
                "runs": [{**r, "counts": json.loads(r["counts"]) if r["counts"] else {}} for r in runs],
                "scopes": scopes,
                "global_unique_bytes": global_unique,
                "registries": registries,
                "supply_chain_artifacts": supply_chain,
                "last_run_errors": last_errors,
                "data_quality": quality,
            }
            console.print_json(json.dumps(payload, default=str))
            return
        if not runs:
            console.print(f"{wh.path}: no runs yet — run `regcost collect ecr` or `regcost demo`")
            return
        _print_runs(runs)
        if scopes or not registries:
            _print_scopes(scopes, global_unique)
        _print_registries(registries)
        _print_supply_chain(supply_chain)
        for d in quality:
            console.print(f"note: {quality_note(d)}", style="yellow", highlight=False)
        _print_errors(last_errors)


def _print_supply_chain(rows: list[dict[str, Any]]) -> None:
    from analysis.portability.show import print_supply_chain

    print_supply_chain(console, rows)


def _print_runs(runs: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="Runs", title_justify="left")
    for col in ("run", "source", "status", "started", "took", "images", "errors"):
        table.add_column(col)
    for r in runs:
        counts = json.loads(r["counts"]) if r["counts"] else {}
        took = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else None
        table.add_row(
            str(r["run_id"]),
            r["source"],
            r["status"],
            f"{r['started_at']:%Y-%m-%d %H:%M}",
            f"{took:.1f}s" if took is not None else "—",
            f"{counts.get('images', 0):,}",
            str(r["errors"]),
        )
    console.print(table)


# Unique bytes come from manifests: images whose manifest was never fetched (`--no-manifests`, or a failed
# BatchGetImage) add nothing to them. Such a figure is unknown (no manifest at all) or a lower bound (some), never
# a measured 0.0 GiB.
_WITHOUT_MANIFEST = """
SELECT account_id, region, count(*) FILTER (WHERE m.digest IS NULL), count(*)
FROM current_ecr_images i LEFT JOIN (SELECT DISTINCT digest FROM manifests) m ON m.digest = i.image_digest
GROUP BY account_id, region
"""


def scopes_and_unique_bytes(wh: Warehouse) -> tuple[list[dict[str, Any]], int | None]:
    """The current snapshot per scope and the global unique bytes, unknown where manifests are missing."""
    from analysis.warehouse import queries

    scopes = queries.inventory_by_scope(wh)
    global_unique = _unknown_when_missing(scopes, _images_without_manifest(wh), queries.global_unique_bytes(wh))
    return scopes, global_unique


def _images_without_manifest(wh: Warehouse) -> dict[tuple[str, str], tuple[int, int]]:
    return {(a, r): (int(n), int(total)) for a, r, n, total in wh.query(_WITHOUT_MANIFEST)}


def _unknown_when_missing(
    scopes: list[dict[str, Any]], missing: dict[tuple[str, str], tuple[int, int]], global_unique: int
) -> int | None:
    """Mark each scope's unique bytes unknown (None) or a lower bound; the global figure likewise."""
    for s in scopes:
        n, total = missing.get((s["account_id"], s["region"]), (0, 0))
        s["images_without_manifest"] = n
        s["unique_bytes_lower_bound"] = 0 < n < total
        if total and n == total:
            s["repository_unique_bytes"] = s["scope_unique_bytes"] = None
    if any(total and n == total for n, total in missing.values()) and not global_unique:
        return None
    return global_unique


def _unique_gib(n: float | None, lower_bound: bool) -> str:
    if n is None:
        return "unknown"
    return ("≥ " if lower_bound else "") + _gib(n)


def _print_scopes(scopes: list[dict[str, Any]], global_unique: int | None) -> None:
    from rich.table import Table

    table = Table(
        title="Current snapshot",
        title_justify="left",
        caption_justify="left",
        caption=(
            "GiB = 2^30 bytes. naive: Σ imageSizeInBytes (double-counts shared layers and index children); "
            "per repo: unique blobs per repository (what ECR bills without blob mounting); per region: unique "
            "blobs across the region's repositories. pulls: CloudWatch RepositoryPullCount over the window."
        ),
    )
    for col in (
        "account",
        "region",
        "run",
        "repos",
        "images",
        "untagged",
        "archived",
        "naive GiB",
        "per repo GiB",
        "per region GiB",
        "pulls",
    ):
        table.add_column(col, justify="left" if col in ("account", "region") else "right")
    for s in scopes:
        table.add_row(
            s["account_id"],
            s["region"],
            str(s["run_id"]),
            f"{s['repositories']:,}",
            f"{s['images']:,}",
            f"{s['untagged_images']:,}",
            f"{s['archived_images']:,}",
            _gib(s["naive_bytes"]),
            _unique_gib(s["repository_unique_bytes"], s["unique_bytes_lower_bound"]),
            _unique_gib(s["scope_unique_bytes"], s["unique_bytes_lower_bound"]),
            f"{s['pulls']:,.0f}",
        )
    console.print(table)
    lower = any(s["images_without_manifest"] for s in scopes)
    console.print(
        "Unique blobs across the whole estate (one self-hosted registry): "
        + ("unknown" if global_unique is None else f"{_unique_gib(global_unique, lower)} GiB")
    )
    without = sum(s["images_without_manifest"] for s in scopes)
    if without:
        console.print(
            f"{without:,} image(s) have no manifest in the warehouse (collected with --no-manifests, or "
            "BatchGetImage failed): their unique bytes are unknown; collect again with manifests to measure them.",
            style="yellow",
            highlight=False,
        )


@app.command("iam-policy")
def iam_policy_cmd(
    role_name: Annotated[
        str | None, typer.Option(help="Also allow assuming this role in other accounts (for --organization).")
    ] = None,
    athena_results: Annotated[
        str | None,
        typer.Option(
            help="Also allow the one write: Athena's result files under this s3://bucket/prefix (the workgroup's "
            "output location), for `collect costs|trail --athena-table`."
        ),
    ] = None,
) -> None:
    """Print the least-privilege, read-only IAM policy the collectors need."""
    from analysis.collectors.iam import iam_policy

    with _errors_for_people():
        if athena_results is not None and not athena_results.startswith("s3://"):
            raise UsageError("--athena-results must be s3://bucket/prefix")
        console.print_json(json.dumps(iam_policy(role_name, athena_results)))


@pricing_app.command("show")
def pricing_show(
    catalog: CatalogOption = None,
    grep: Annotated[str | None, typer.Option("--id", help="Only ids containing this text.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """Every price in force, its unit, currency, source and date, and which file it came from."""
    from rich.table import Table

    from analysis.pricing import load_catalog

    with _errors_for_people():
        prices = load_catalog(catalog)
        rows = [r for r in prices.as_rows() if not grep or grep in r["id"]]
        if fmt == "json":
            params = [
                {
                    "id": p.id,
                    "unit": p.unit,
                    "default": p.default,
                    "value": p.value(),
                    "basis": p.basis,
                    "as_of": p.as_of.isoformat(),
                    "source": p.source,
                }
                for p in prices.parameters()
                if not grep or grep in p.id
            ]
            console.print_json(json.dumps({"schema_version": 1, "prices": rows, "parameters": params}))
            return
        table = Table(title=f"Prices in force ({len(rows)})", title_justify="left")
        for col in ("id", "where", "price", "unit", "ccy", "as of", "source", "from"):
            table.add_column(col, overflow="fold")
        for r in rows:
            origin = Path(r["origin"]).name if r["origin"] else ""
            if r["overrides"]:
                origin += f" (overrides {Path(r['overrides']).name})"
            table.add_row(
                r["id"], r["location"], r["price_text"], r["unit"], r["currency"], r["as_of"], r["source"], origin
            )
        console.print(table)
        ptable = Table(title="Parameters (where sources disagree or none exist)", title_justify="left")
        for col in ("id", "value", "unit", "candidates", "basis", "as of"):
            ptable.add_column(col, overflow="fold")
        for p in prices.parameters():
            if grep and grep not in p.id:
                continue
            cands = ", ".join(f"{k}={c.value:g}" for k, c in p.candidates.items())
            ptable.add_row(p.id, f"{p.value():g} ({p.default})", p.unit, cands, p.basis, p.as_of.isoformat())
        console.print(ptable)


@pricing_app.command("refresh")
def pricing_refresh(
    profile: Annotated[str | None, typer.Option(help="AWS profile for the Price List API.")] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region", help="Regions to refresh (repeatable); default: every ECR region of aws and aws-us-gov."
        ),
    ] = None,
    china_profile: Annotated[
        str | None,
        typer.Option(help="Profile of an aws-cn account: also refresh the China regions (their own Price List, CNY)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the dated snapshot.")] = Path("pricing"),
) -> None:
    """Fetch ECR, data-transfer, NAT gateway and VPC endpoint prices from the AWS Price List API into a dated
    catalog snapshot, for every ECR region unless --region narrows it.

    Use the snapshot with --catalog FOLDER: it overrides the shipped AWS entries it covers.
    """
    from analysis.collectors.aws import AwsSettings
    from analysis.collectors.pricelist import PRICING_ENDPOINT_REGION, PRICING_ENDPOINT_REGION_CN
    from analysis.pricing.refresh import (
        RefreshError,
        ecr_regions,
        refresh_aws,
    )

    with _errors_for_people():
        partitions = ("aws", "aws-us-gov", "aws-cn") if china_profile else ("aws", "aws-us-gov")
        regions = list(region or ecr_regions(partitions))
        settings = AwsSettings(profile=profile)
        # The Price List API has its own endpoint regions; the client is guarded read-only like the collectors'.
        client = settings.client(settings.base_session(), "pricing", PRICING_ENDPOINT_REGION)
        cn_client = None
        if china_profile:
            cn = AwsSettings(profile=china_profile)
            cn_client = cn.client(cn.base_session(), "pricing", PRICING_ENDPOINT_REGION_CN)
        try:
            path = refresh_aws(client, regions, out, date.today(), cn_client=cn_client)
        except RefreshError as exc:
            raise UsageError(str(exc)) from None
        console.print(f"wrote {path} ({len(regions)} regions); use it with --catalog {out}")
