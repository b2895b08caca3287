"""The migration plan: findings, translation, Harbor payloads, waves — and the engineer-days it gives the model.

    plan = build_plan(warehouse, scan_paths=[Path("gitops")])
    write_plan(plan, Path("reports/harbor"))          # payloads + calls.json + plan.json + scenario overrides
    migration_days(plan)                              # Range(low, base, high) in engineer-days

The cost model takes the effort through the assumption `migration_days` (analysis/model/assumptions.py):
when set, it replaces migration_days_base + migration_days_per_100_repositories. `write_plan` writes one
scenario file per self-hosted preset (`scenarios/<preset>-planned.yaml`, `extends: <preset>`), so
`regcost estimate --scenario-file reports/harbor/scenarios/harbor-onprem-planned.yaml` uses the plan.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.model.assumptions import Range
from analysis.portability import references as refs_mod
from analysis.portability.billing import LifecycleReport, parsed_policies, run_lifecycle
from analysis.portability.finding import Finding
from analysis.portability.finding_rules import estate_findings
from analysis.portability.findings import supply_chain_by_kind, supply_chain_findings, upstream_findings
from analysis.portability.harbor_payloads import Call, build_calls, check, write_calls
from analysis.portability.inventory import SCOPE, Inventory, load_inventory
from analysis.portability.retention import RANK, Translation
from analysis.portability.retention_sql import retention_differences
from analysis.portability.scores import Score, portability_scores
from analysis.portability.translate import HarborDesign, design
from analysis.portability.waves import WavePlan, assign_waves, plan_waves, repository_table, wave_days
from analysis.pricing import Catalog, load_catalog
from analysis.warehouse import Warehouse
from analysis.warehouse.supply_chain import supply_chain_artifacts

SETUP_DAYS = 5.0  # [assumption] install Harbor at the site (HA), OIDC/SSO, backups, monitoring, runbooks
RANGE_LOW, RANGE_HIGH = 0.75, 1.5  # [assumption] spread of the estimate: effort overruns more than it underruns
SELFHOSTED_PRESETS = ("harbor-aws", "harbor-eu-cloud", "harbor-onprem")


@dataclass
class Plan:
    at: datetime
    findings: list[Finding]
    scores: list[Score]
    translations: list[Translation]
    lifecycle: LifecycleReport
    retention_differences: pd.DataFrame
    waves: WavePlan
    calls: list[Call]
    design: HarborDesign
    scan: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    supply_chain: list[dict[str, Any]] = field(default_factory=list)  # signatures, SBOMs … per registry source

    def engineer_days(self) -> float:
        return engineer_days(self.findings, self.waves)

    def summary(self) -> dict[str, Any]:
        w = self.waves.waves
        diff = self.retention_differences
        return {
            "repositories": int(len(self.waves.repositories)),
            "projects": len(self.design.projects),
            "waves": len(w),
            "bytes_copied": float(sum(x["bytes_copied"] for x in w)),
            "egress_cost": float(sum(x["egress_cost"] for x in w)),
            "engineer_days": round(self.engineer_days(), 2),
            "migration_days": migration_days(self).model_dump(),
            "payload_calls": len(self.calls),
            "translations": dict(Counter(t.status for t in self.translations)),
            "references": len(self.scan["references"]) if self.scan else None,
            "upstream_references": len(self.scan["upstreams"]) if self.scan else None,
            "supply_chain_artifacts": supply_chain_by_kind(self.supply_chain),
            "ecr_expires_harbor_keeps": int(diff["ecr_expires_harbor_keeps"].sum()) if len(diff) else 0,
            "harbor_deletes_ecr_keeps": int(diff["harbor_deletes_ecr_keeps"].sum()) if len(diff) else 0,
        }


def engineer_days(findings: list[Finding], waves: WavePlan) -> float:
    return SETUP_DAYS + sum(f.effort_days for f in findings) + waves.total_days()


def migration_days(plan: Plan) -> Range:
    """The plan's engineering effort as the model's `migration_days` assumption (engineer-days)."""
    return _days_range(plan.engineer_days())


def _days_range(days: float) -> Range:
    base = round(days, 2)
    return Range(low=round(base * RANGE_LOW, 2), base=base, high=round(base * RANGE_HIGH, 2))


def migration_figures(warehouse: Warehouse, *, wave_size: int = 50) -> tuple[Range | None, list[float]]:
    """What the estimate takes from the plan — `migration_days(plan)` (None: nothing to migrate) and
    `as_dict(plan)["wave_traffic_shares"]` of `build_plan` without a reference scan — by the plan's own steps,
    leaving out what these figures do not depend on: the lifecycle's evaluation and bytes (the findings count
    only the policies that do not parse), the retention comparison, the waves' bytes and egress, the payloads and
    scores. The effort's inputs are the plan's: findings, and each wave's repositories and references; neither
    depends on the as-of date (the lifecycle's ages and the retention comparison do)."""
    inv = load_inventory(warehouse, images=False, children=True)
    con = warehouse.cursor()
    try:
        d = design(inv)
        problems = parsed_policies(inv)[3]
        table = repository_table(inv, d.mapping, refs_mod.as_frame([]), _inexact_lifecycle(d), con)
        repos = assign_waves(table, wave_size)
        waves = WavePlan(repos, [{"engineering_days": wave_days(g)} for _, g in repos.groupby("wave", sort=True)])
        findings = estate_findings(inv, d.translations, problems, None, d.mapping["replica"], True)
        findings += supply_chain_findings(supply_chain_artifacts(warehouse)) + upstream_findings([])
    finally:
        con.close()
    days = _days_range(engineer_days(findings, waves)) if len(repos) else None
    return days, waves.traffic_shares()


def build_plan(
    warehouse: Warehouse,
    *,
    scan_paths: list[Path] | None = None,
    at: datetime,
    catalog: Catalog | None = None,
    wave_size: int = 50,
) -> Plan:
    catalog = catalog or load_catalog()
    # The images themselves only for a reference scan (it matches tags); everything else reads the
    # per-repository counts and the index children (issue #20: no command loads the whole estate).
    inv = load_inventory(warehouse, images=bool(scan_paths), children=True)
    con = warehouse.cursor()
    try:
        d = design(inv)
        lifecycle = run_lifecycle(inv, con, catalog, at=at, keep_outcomes=False)  # compare_retention reads them
        differences = compare_retention(inv, d, lifecycle, con, at=at)
        scan = None
        ref_frame = refs_mod.as_frame([])
        if scan_paths:
            everything = refs_mod.scan(scan_paths)
            found = [r for r in everything if not r.upstream]
            scan = refs_mod.join(found, d.mapping.merge(inv.repositories, on=SCOPE), inv.images)
            scan["references"] = found
            scan["upstreams"] = [r for r in everything if r.upstream]
            ref_frame = refs_mod.as_frame(found).rename(columns={"repository": "repository_name"})
            ref_frame = ref_frame[ref_frame["account_id"].notna() & ref_frame["repository_name"].notna()]
            # waves weigh a host assembled by printf like a templated one: both are edited by hand
            ref_frame["form"] = ref_frame["form"].replace({"assembled": "templated"})
        inexact = _inexact_lifecycle(d)
        table = repository_table(inv, d.mapping, ref_frame, inexact, con)
        waves = plan_waves(table, con, catalog, wave_size=wave_size)
        supply = supply_chain_artifacts(warehouse)
        findings = estate_findings(inv, d.translations, lifecycle.problems, scan, d.mapping["replica"], True)
        findings += supply_chain_findings(supply) + upstream_findings(scan["upstreams"] if scan else [])
        scores = portability_scores(findings, scan, inv)
        calls = build_calls(d, waves.waves)
        check(calls)
    finally:
        con.close()
    return Plan(
        at, findings, scores, d.translations, lifecycle, differences, waves, calls, d, scan, supply_chain=supply
    )


def _inexact_lifecycle(d: HarborDesign) -> pd.DataFrame:
    """Repositories whose lifecycle translation is not exact (a risk point each)."""
    rows = []
    for key in d.policies:
        rows.append((*key, 0))
    frame = pd.DataFrame(rows, columns=[*SCOPE, "lifecycle_inexact"])
    bad = {t.source.split(" rule ")[0] for t in d.translations if t.kind == "lifecycle" and RANK[t.status] > 0}
    if len(frame):
        project_repo = d.mapping.set_index(SCOPE)[["project", "harbor_repository"]]
        labels = [f"{p}/{r}" for p, r in project_repo.loc[list(map(tuple, frame[SCOPE].to_numpy()))].to_numpy()]
        frame["lifecycle_inexact"] = [int(any(b.startswith(label) for b in bad)) for label in labels]
    return frame


RETENTION_COLUMNS = [*SCOPE, "ecr_expires_harbor_keeps", "harbor_deletes_ecr_keeps", "ecr_archives_harbor_keeps"]


def compare_retention(
    inv: Inventory, d: HarborDesign, lifecycle: LifecycleReport, con: Any, *, at: datetime
) -> pd.DataFrame:
    """Per repository with a policy: images ECR expires that Harbor keeps, and Harbor deletes that ECR keeps.

    Harbor deletes nothing where no retention rule of its project applies: there the counts are ECR's own,
    from the per-repository totals. The other repositories are evaluated in the warehouse, all at once, on the
    outcomes `run_lifecycle` left there (retention_sql; `retention.harbor_deletes` is its oracle in the tests).
    `inv` is not read: the index children come from the warehouse with the images."""
    repos = lifecycle.repositories
    if repos.empty:
        return pd.DataFrame(columns=RETENTION_COLUMNS)
    columns = [*SCOPE, "replica", "project", "harbor_repository"]
    repos = repos.merge(d.mapping[columns], on=SCOPE, how="left", validate="one_to_one")
    repos = repos[~repos["replica"].astype(bool)]
    rules = {name: p.retention for name, p in d.projects.items() if p.retention}
    evaluated = retention_differences(con, repos, rules, at=at)
    # Harbor keeps everything elsewhere: ECR's expiries and archivals are all differences
    rest = repos.merge(evaluated[SCOPE], on=SCOPE, how="left", indicator=True)
    rest = rest[rest["_merge"] == "left_only"]
    rest = pd.DataFrame(
        {
            **{c: rest[c].to_numpy() for c in SCOPE},
            "ecr_expires_harbor_keeps": rest["expired"].to_numpy(dtype="int64"),
            "harbor_deletes_ecr_keeps": 0,
            "ecr_archives_harbor_keeps": rest["archived"].to_numpy(dtype="int64"),
        }
    )
    out = pd.concat([evaluated[RETENTION_COLUMNS], rest], ignore_index=True) if len(evaluated) else rest
    return out.sort_values(SCOPE, ignore_index=True)[RETENTION_COLUMNS]


def write_plan(plan: Plan, out_dir: Path) -> dict[str, Path]:
    """Payloads (validated), plan.json, and the scenario overrides that feed the cost model."""
    out_dir = Path(out_dir)
    calls_path = write_calls(plan.calls, out_dir / "payloads")
    scen_dir = out_dir / "scenarios"
    scen_dir.mkdir(parents=True, exist_ok=True)
    days = migration_days(plan).model_dump()
    written = {"calls": calls_path}
    for preset in SELFHOSTED_PRESETS:
        path = scen_dir / f"{preset}-planned.yaml"
        doc = {
            "name": f"{preset}-planned",
            "title": f"{preset} with the migration effort of `regcost plan`",
            "extends": preset,
            "assumptions": {"migration_days": days},
        }
        path.write_text(
            "# Written by `regcost plan`: the engineering effort of the migration plan (engineer-days).\n"
            + yaml.safe_dump(doc, sort_keys=False)
        )
        written[preset] = path
    plan_path = out_dir / "plan.json"
    plan_path.write_text(json.dumps(as_dict(plan), indent=2, default=str) + "\n")
    written["plan"] = plan_path
    return written


def as_dict(plan: Plan) -> dict[str, Any]:
    scan = None
    if plan.scan is not None:
        scan = {
            "references": [refs_mod.asdict(r) for r in plan.scan["references"]],
            "missing_repositories": [f"{r.file}:{r.line} {r.text}" for r in plan.scan["missing_repositories"]],
            "missing_images": [f"{r.file}:{r.line} {r.text}" for r in plan.scan["missing_images"]],
            "unreferenced_repositories": len(plan.scan["unreferenced"]),
            "upstreams": [refs_mod.asdict(r) for r in plan.scan["upstreams"]],
        }
    return {
        "schema_version": 1,
        "at": plan.at.isoformat(),
        "summary": plan.summary(),
        "findings": [f.as_dict() for f in plan.findings],
        "scores": [s.as_dict() for s in plan.scores],
        "translations": [t.__dict__ for t in plan.translations],
        "lifecycle": plan.lifecycle.totals(),
        "retention_differences": plan.retention_differences.to_dict(orient="records"),
        "waves": [{k: v for k, v in w.items()} for w in plan.waves.waves],
        "wave_traffic_shares": plan.waves.traffic_shares(),  # each wave's share of pulled bytes (the dual run's)
        "scan": scan,
        "supply_chain_artifacts": plan.supply_chain,
        "assumptions": {"setup_days": SETUP_DAYS, "range": [RANGE_LOW, RANGE_HIGH]},
    }
