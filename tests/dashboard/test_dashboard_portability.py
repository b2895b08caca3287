"""The Portability page shows `regcost plan`'s figures; the Data page and Overview show a self-hosted registry.

Expected figures come from the same APIs over the same warehouse: `as_dict(build_plan(...))` (no reference scan,
as of the last collection) and `queries.registry_storage`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.collectors.http import Credentials, HttpClient
from analysis.dashboard.format import GIB, money
from analysis.dashboard.source import read_snapshot
from analysis.demo.harbor import FakeHarbor, sample_data
from analysis.pipeline.registry import collect_registry
from analysis.portability.plan import as_dict, build_plan
from analysis.units import human_bytes
from analysis.warehouse import Warehouse, queries
from tests.dashboard.test_dashboard_pages import metric, open_app

PASSWORD = "Adm1n-pa55-dashboard-test"


@pytest.fixture(scope="module")
def harbor_db(collected_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ECR warehouse plus one collection of the emulated Harbor (small: 20 artifacts in its big repository)."""
    db = tmp_path_factory.mktemp("harbor") / "regcost.duckdb"
    shutil.copy(collected_db, db)
    data = sample_data(admin_password=PASSWORD, robot_secret="robot-secret", big_repository_artifacts=20)
    with FakeHarbor(data) as fake, Warehouse(db) as wh:
        summary = collect_registry(
            wh, "harbor", HttpClient(fake.url, Credentials("admin", PASSWORD)), metrics_url=fake.metrics_url
        )
    assert summary.status == "complete", summary.errors
    return db


def test_portability_page_shows_the_plan(collected_db, monkeypatch):
    at = open_app(collected_db, monkeypatch, "portability")
    assert at.title[0].value == "Portability"
    when = read_snapshot(collected_db).collected_at
    with Warehouse(collected_db, read_only=True) as wh:
        want = as_dict(build_plan(wh, at=when))
    s = want["summary"]
    assert want["at"] == when.isoformat()
    assert metric(at, "Repositories to migrate") == f"{s['repositories']:,}"
    assert metric(at, "Bytes copied") == f"{s['bytes_copied'] / GIB:,.1f} GiB"
    assert metric(at, "Copy-out egress") == money(s["egress_cost"], "USD", cents=True)
    assert metric(at, "Engineer-days") == f"{s['migration_days']['base']:g}"
    captions = " ".join(c.value for c in at.caption)
    assert f"range {s['migration_days']['low']:g}–{s['migration_days']['high']:g}" in captions
    assert "regcost plan --scan PATH" in captions

    scores, findings = at.table[0].value, at.table[1].value
    assert len(scores) == 5
    for row, x in zip(scores.itertuples(), want["scores"], strict=True):
        area = x["row"][0].upper() + x["row"][1:]
        assert (row.Index, row.Score, row.Evidence) == (area, f"{x['score']} / 5", "; ".join(x["evidence"]))
    assert list(findings.index) == [f["title"] for f in want["findings"]]
    assert list(findings["Harbor instead"]) == [f["harbor"] for f in want["findings"]]
    assert [float(v) for v in findings["Effort (days)"]] == [f["effort_days"] for f in want["findings"]]

    waves = next(d.value for d in at.dataframe if "Repositories in it" in d.value.columns)
    first = want["waves"][0]  # its first repository and how many more (names cut mid-word at 1280 px otherwise)
    assert waves["Repositories in it"][0] == f"{first['names'][0]} + {len(first['names']) - 1:,} more"
    assert list(waves["Repositories"]) == [w["repositories"] for w in want["waves"]]
    assert list(waves["Copied GiB"]) == pytest.approx([w["bytes_copied"] / GIB for w in want["waves"]])
    assert list(waves["Egress"]) == pytest.approx([w["egress_cost"] for w in want["waves"]])
    assert list(waves["Engineer-days"]) == pytest.approx([w["engineering_days"] for w in want["waves"]])

    life = want["lifecycle"]
    if life["repositories_evaluated"]:
        assert metric(at, "Repositories with a policy") == f"{life['repositories_evaluated']:,}"
        assert metric(at, "ECR expires") == f"{life['images_expired']:,} images"
        assert metric(at, "ECR expires, Harbor keeps") == f"{s['ecr_expires_harbor_keeps']:,} images"
        assert metric(at, "Harbor deletes, ECR keeps") == f"{s['harbor_deletes_ecr_keeps']:,} images"


def test_data_page_shows_a_harbor_registrys_three_storage_numbers(harbor_db, monkeypatch):
    with Warehouse(harbor_db, read_only=True) as wh:
        [want] = queries.registry_storage(wh)
    assert want["quota_sum_bytes"] is not None and want["physical_bytes"] is not None
    at = open_app(harbor_db, monkeypatch, "data")
    table = next(d.value for d in at.dataframe if "Unique blobs GiB" in d.value.columns)
    [row] = table.to_dict(orient="records")
    assert row["Registry"] == want["registry"] and row["Kind"] == "Harbor"
    assert row["Unique blobs GiB"] == pytest.approx(want["unique_blob_bytes"] / GIB)
    assert row["Σ project quota GiB"] == pytest.approx(want["quota_sum_bytes"] / GIB)
    assert row["Physical GiB"] == pytest.approx(want["physical_bytes"] / GIB)
    shown = " ".join(m.value for m in at.markdown)
    assert want["explanation"] and all(line in shown for line in want["explanation"])

    at.switch_page("analysis/dashboard/pages/overview.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert f"{human_bytes(want['unique_blob_bytes'])} of unique blobs" in captions  # the unit that fits


def test_ecr_only_warehouse_shows_no_registry_table(collected_db, monkeypatch):
    at = open_app(collected_db, monkeypatch, "data")
    assert not at.exception and not at.error
    assert "Self-hosted registries" not in [h.value for h in at.subheader]
    assert not any("Unique blobs GiB" in d.value.columns for d in at.dataframe)
    at.switch_page("analysis/dashboard/pages/overview.py").run()
    assert not any("Self-hosted" in c.value for c in at.caption)
