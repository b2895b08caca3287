"""What `regcost lifecycle` and `regcost plan` print: every number comes computed, so these tests check the lines a
person reads (GiB to two decimals, savings to the cent, the closing sentence), on small hand-made reports."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pandas as pd
from rich.console import Console

from analysis.portability.billing import LifecycleReport
from analysis.portability.show import lifecycle_json, print_lifecycle, print_plan, print_supply_chain

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
GIB = 2**30


def _report() -> LifecycleReport:
    rows = pd.DataFrame(
        [
            # account, region, repository, images, expired, archived, held, freed, to archive, saving
            ("111111111111", "us-east-1", "big", 40, 10, 0, 1, 1.5 * GIB, 0.0, 0.15),  # 1.5 GiB × $0.10
            ("111111111111", "us-east-1", "small", 5, 2, 0, 0, 0.25 * GIB, 0.0, 0.025),
            ("111111111111", "us-east-1", "quiet", 3, 0, 0, 0, 0.0, 0.0, 0.0),
        ],
        columns=[
            "account_id", "region", "repository_name", "images", "expired", "archived", "held_by_index",
            "bytes_freed", "bytes_to_archive", "monthly_saving",
        ],
    )  # fmt: skip
    problems = [{"account_id": "1", "region": "eu-west-1", "repository_name": "odd", "reason": "rules is empty"}]
    return LifecycleReport(AT, "proposed.json", rows, pd.DataFrame(), problems)


def _printed(fn, *args, **kw) -> str:
    console = Console(record=True, width=220)
    fn(console, *args, **kw)
    return console.export_text()


def test_the_lifecycle_table_lists_repositories_with_actions_largest_first():
    text = _printed(print_lifecycle, _report(), top=1)
    assert "Lifecycle simulation at 2026-06-01 09:30 UTC (proposed.json policies)" in text
    (row,) = [line for line in text.splitlines() if "│ big" in line]
    assert "1.50" in row and "0.15" in row
    assert "quiet" not in text  # nothing to do there
    assert "… and 1 more repositories with actions (--format json lists all)" in text
    closing = (
        "3 repositories evaluated, 2 with actions: 12 images expired, 0 archived, 1 held by an index; "
        "1.75 GiB freed, 0.00 GiB to archive; saving 0.17 USD/month"  # 0.15 + 0.025 = 0.175 → 0.17 (round half even)
    )
    assert closing in " ".join(text.split())
    assert "malformed policy 1/eu-west-1/odd: rules is empty" in text


def test_lifecycle_json_carries_the_totals_and_the_problems():
    out = lifecycle_json(_report())
    assert (out["schema_version"], out["at"], out["source"]) == (1, "2026-06-01T09:30:00+00:00", "proposed.json")
    assert out["totals"]["images_expired"] == 12
    assert out["malformed_policies"][0]["repository_name"] == "odd"
    assert [r["repository_name"] for r in out["repositories"]] == ["big", "small", "quiet"]


SUPPLY = [
    {"source": "ecr", "registry": "1/us-east-1", "kind": "signature", "count": 1200, "subjects": None,
     "repositories": 3, "bytes": 3 * 2**20},
]  # fmt: skip


def test_supply_chain_rows_and_nothing_for_an_estate_without_any():
    text = _printed(print_supply_chain, SUPPLY)
    (row,) = [line for line in text.splitlines() if "signature" in line and "1/us-east-1" in line]
    assert "1,200" in row and "—" in row and "3.0 MiB" in row
    assert _printed(print_supply_chain, []) == ""


def test_the_plan_shows_the_supply_chain_table_once():
    summary = {
        "translations": {"exact": 4, "approximate": 1},
        "ecr_expires_harbor_keeps": 2,
        "harbor_deletes_ecr_keeps": 0,
        "migration_days": {"low": 7.5, "base": 10.0, "high": 15.0},
        "repositories": 12,
        "projects": 3,
        "waves": 1,
        "bytes_copied": 2 * GIB,
        "egress_cost": 0.18,
        "payload_calls": 9,
    }
    wave = {
        "wave": 1, "risk": "low", "repositories": 12, "references": 0, "pulls_per_month": 30.0, "bytes_copied": 2 * GIB,
        "egress_cost": 0.18, "engineering_days": 0.74, "names": ["a", "b", "c", "d"],
    }  # fmt: skip
    plan = SimpleNamespace(
        summary=lambda: summary, findings=[], scores=[], waves=SimpleNamespace(waves=[wave]), supply_chain=SUPPLY
    )
    text = _printed(print_plan, plan)
    assert text.count("Supply-chain artifacts") == 1
    assert "a, b, c …" in text
    assert "Translation to Harbor: 4 exact, 1 approximate, 0 impossible" in text
    assert (
        "Migration: 12 repositories into 3 projects in 1 waves, 2.00 GiB copied, copy-out egress 0.18 USD; "
        "effort 10 engineer-days (range 7.5–15)." in " ".join(text.split())
    )
