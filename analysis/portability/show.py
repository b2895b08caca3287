"""Tables for the `lifecycle`, `scan` and `plan` commands (formatting only: every number comes computed)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from analysis.portability.billing import LifecycleReport
from analysis.portability.reference import Reference
from analysis.units import human_bytes

GIB = 2**30


def _gib(n: float) -> str:
    return f"{n / GIB:,.2f}"


def lifecycle_json(report: LifecycleReport) -> dict[str, Any]:
    rows = report.repositories
    return {
        "schema_version": 1,
        "at": report.at.isoformat(),
        "source": report.source,
        "totals": report.totals(),
        "repositories": rows.to_dict(orient="records"),
        "malformed_policies": report.problems,
        "prices": report.prices,
    }


def print_lifecycle(console: Console, report: LifecycleReport, top: int = 20) -> None:
    t = report.totals()
    rows = report.repositories
    acting = rows[(rows["expired"] + rows["archived"]) > 0].sort_values("bytes_freed", ascending=False)
    table = Table(
        title=f"Lifecycle simulation at {report.at:%Y-%m-%d %H:%M} UTC ({report.source} policies)",
        title_justify="left",
        caption=(
            "freed GiB: unique blobs of the repository no remaining image references (billed once per repository); "
            "held: images an index that stays keeps from being acted on; saving at ecr.storage.standard/archive."
        ),
        caption_justify="left",
    )
    for col in (
        "account",
        "region",
        "repository",
        "images",
        "expire",
        "archive",
        "held",
        "freed GiB",
        "to archive GiB",
        "saving/month",
    ):
        table.add_column(col, justify="left" if col in ("account", "region", "repository") else "right")
    for r in acting.head(top).itertuples():
        table.add_row(
            r.account_id,
            r.region,
            r.repository_name,
            f"{r.images:,}",
            f"{r.expired:,}",
            f"{r.archived:,}",
            f"{r.held_by_index:,}",
            _gib(r.bytes_freed),
            _gib(r.bytes_to_archive),
            f"{r.monthly_saving:,.2f}",
        )
    console.print(table)
    if len(acting) > top:
        console.print(f"… and {len(acting) - top} more repositories with actions (--format json lists all)")
    console.print(
        f"{t['repositories_evaluated']:,} repositories evaluated, {t['repositories_with_actions']:,} with actions: "
        f"{t['images_expired']:,} images expired, {t['images_archived']:,} archived, "
        f"{t['images_held_by_index']:,} held "
        f"by an index; {_gib(t['bytes_freed'])} GiB freed, {_gib(t['bytes_to_archive'])} GiB to archive; "
        f"saving {t['monthly_saving']:,.2f} USD/month"
    )
    for p in report.problems:
        console.print(
            f"[yellow]malformed policy[/] {p['account_id']}/{p['region']}/{p['repository_name']}: {p['reason']}",
            highlight=False,
            soft_wrap=True,
        )


def references_json(refs: list[Reference], joined: dict[str, Any] | None) -> dict[str, Any]:
    from dataclasses import asdict

    out: dict[str, Any] = {"schema_version": 1, "references": [asdict(r) | {"templated": r.templated} for r in refs]}
    if joined is not None:
        out["missing_repositories"] = [asdict(r) for r in joined["missing_repositories"]]
        out["missing_images"] = [asdict(r) for r in joined["missing_images"]]
        out["unreferenced_repositories"] = ["/".join(k) for k in joined["unreferenced"]]
    return out


def print_references(console: Console, refs: list[Reference], joined: dict[str, Any] | None) -> None:
    print_upstreams(console, [r for r in refs if r.upstream])
    refs = [r for r in refs if not r.upstream]
    missing = {id(r): "no such repository" for r in (joined or {}).get("missing_repositories", [])}
    missing |= {id(r): "no such image" for r in (joined or {}).get("missing_images", [])}
    table = Table(title=f"ECR references ({len(refs)})", title_justify="left")
    for col in ("file:line", "kind", "form", "repository", "tag / digest", "endpoint", "collected"):
        table.add_column(col, overflow="fold")
    for r in sorted(refs, key=lambda r: (r.file, r.line)):
        endpoint = "/".join(x for x in (r.account_id, r.region) if x) or "templated"
        endpoint += " (chart values)" if r.resolved else ""
        endpoint += " FIPS" if r.fips else ""
        endpoint += " .cn" if r.china else ""
        endpoint += f" :{r.port}" if r.port else ""
        ref = r.digest[:19] + "…" if r.digest else (r.tag or "")
        state = missing.get(id(r), "" if joined is None or r.form == "terraform-resource" or not r.repository else "ok")
        table.add_row(f"{r.file}:{r.line}", r.kind, r.form, r.repository or "?", ref, endpoint, state)
    console.print(table)
    if joined is not None:
        console.print(
            f"{len(joined['missing_repositories'])} reference(s) to missing repositories, "
            f"{len(joined['missing_images'])} to missing images; {len(joined['unreferenced'])} collected repositories "
            "are referenced nowhere in the scanned files"
        )


def print_supply_chain(console: Console, rows: list[dict[str, Any]]) -> None:
    """Supply-chain artifacts per registry source and kind (warehouse.supply_chain rows), and what Harbor needs
    to receive each kind; nothing when no source has any (an estate without signatures is not an error)."""
    from analysis.portability.findings import SUPPLY_CHAIN_HARBOR

    if not rows:
        return
    table = Table(
        title="Supply-chain artifacts: signatures, SBOMs, attestations (a migration must carry them)",
        title_justify="left",
        caption="bytes: the artifacts' own manifests, configs and layers; counted in unique blobs. "
        + "; ".join(f"{k}: {SUPPLY_CHAIN_HARBOR[k]}" for k in dict.fromkeys(r["kind"] for r in rows)),
        caption_justify="left",
    )
    for col in ("source", "registry", "kind", "count", "subjects", "repositories", "bytes"):
        table.add_column(col, justify="left" if col in ("source", "registry", "kind") else "right")
    for r in rows:
        subjects = "—" if r["subjects"] is None else f"{r['subjects']:,}"
        table.add_row(
            r["source"],
            r["registry"],
            r["kind"],
            f"{r['count']:,}",
            subjects,
            f"{r['repositories']:,}",
            human_bytes(r["bytes"], "unknown"),
        )
    console.print(table)


def print_upstreams(console: Console, upstreams: list[Reference]) -> None:
    """Public upstream images in the scanned files: served by proxy-cache projects, not repointed one by one."""
    if not upstreams:
        return
    table = Table(title=f"Public upstream images ({len(upstreams)}): proxy-cache projects", title_justify="left")
    for col in ("file:line", "kind", "registry", "repository", "tag / digest"):
        table.add_column(col, overflow="fold")
    for r in sorted(upstreams, key=lambda r: (r.file, r.line)):
        table.add_row(f"{r.file}:{r.line}", r.kind, r.registry, r.repository or "?", r.digest or r.tag or "")
    console.print(table)


def print_plan(console: Console, plan: Any, written: dict[str, Any] | None = None) -> None:
    s = plan.summary()
    f = Table(title="Findings: ECR features in use, what Harbor offers, effort", title_justify="left")
    for col in ("feature", "evidence", "Harbor instead", "days"):
        f.add_column(col, overflow="fold", justify="right" if col == "days" else "left")
    for x in plan.findings:
        f.add_row(x.title, x.evidence, x.harbor, f"{x.effort_days:g}")
    console.print(f)
    print_supply_chain(console, getattr(plan, "supply_chain", []))
    sc = Table(
        title="Portability (5: moves as is … 1: much to rebuild), from the estate's evidence", title_justify="left"
    )
    for col in ("row", "score", "evidence"):
        sc.add_column(col, overflow="fold")
    for x in plan.scores:
        sc.add_row(x.row, str(x.score), "; ".join(x.evidence))
    console.print(sc)
    w = Table(
        title="Migration waves (low risk first, high value first within a risk class)",
        title_justify="left",
        caption="copied GiB: unique blobs not copied by an earlier wave; egress at the source region's internet rate.",
        caption_justify="left",
    )
    for col in (
        "wave",
        "risk",
        "repos",
        "refs",
        "pulls/month",
        "copied GiB",
        "egress USD",
        "eng. days",
        "first repositories",
    ):
        w.add_column(col, justify="left" if col in ("risk", "first repositories") else "right", overflow="fold")
    for x in plan.waves.waves:
        w.add_row(
            str(x["wave"]),
            x["risk"],
            str(x["repositories"]),
            str(x["references"]),
            f"{x['pulls_per_month']:,.0f}",
            _gib(x["bytes_copied"]),
            f"{x['egress_cost']:,.2f}",
            f"{x['engineering_days']:.2f}",
            ", ".join(x["names"][:3]) + (" …" if len(x["names"]) > 3 else ""),
        )
    console.print(w)
    tr = s["translations"]
    console.print(
        f"Translation to Harbor: {tr.get('exact', 0)} exact, {tr.get('approximate', 0)} approximate, "
        f"{tr.get('impossible', 0)} impossible; translated retention vs ECR today: "
        f"{s['ecr_expires_harbor_keeps']} images ECR expires that Harbor keeps, "
        f"{s['harbor_deletes_ecr_keeps']} Harbor deletes that ECR keeps."
    )
    d = s["migration_days"]
    console.print(
        f"Migration: {s['repositories']:,} repositories into {s['projects']} projects in {s['waves']} waves, "
        f"{_gib(s['bytes_copied'])} GiB copied, copy-out egress {s['egress_cost']:,.2f} USD; "
        f"effort {d['base']:g} engineer-days (range {d['low']:g}–{d['high']:g})."
    )
    if written:
        console.print(
            f"Harbor payloads ({s['payload_calls']} calls, validated against the API spec): {written['calls']}"
        )
        console.print(f"Cost model: regcost estimate --scenario-file {written['harbor-onprem']} (uses migration_days)")
