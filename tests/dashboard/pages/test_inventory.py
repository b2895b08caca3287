"""The Inventory page: storage by account, region and repository, and the filters that narrow it.

Expected values come from the warehouse's profile (the model's own reader) and are compared with what the page
shows: metric text, table cells, and the treemap's values decoded from the plotly spec.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.dashboard.format import GIB, gib
from analysis.model.workload import load_profile
from analysis.warehouse import Warehouse
from tests.dashboard.test_dashboard_pages import chart, metric, values
from tests.dashboard.test_dashboard_pages import open_app as open_page


@pytest.fixture(scope="module")
def profile(collected_db: Path):
    with Warehouse(collected_db, read_only=True) as wh:
        return load_profile(wh)


def open_app(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(db, monkeypatch, "inventory")


def test_inventory_treemap_and_filters(collected_db, profile, monkeypatch):
    at = open_app(collected_db, monkeypatch)
    repos = profile.repositories
    assert metric(at, "Repositories") == f"{len(repos):,}"
    assert metric(at, "Stored (per repository)") == gib(repos["unique_bytes"].sum())
    tree = chart(at, "chart.treemap")["data"][0]
    parents, vals = list(tree["parents"]), values(tree["values"])
    top = sum(v for p, v in zip(parents, vals, strict=True) if p == "")
    assert top == pytest.approx(repos["unique_bytes"].sum() / GIB, rel=1e-9)

    region = sorted(repos["region"].unique())[0]
    at.multiselect(key="w.inv.regions").set_value([region]).run()
    assert metric(at, "Repositories") == f"{int((repos['region'] == region).sum()):,}"
    untagged = at.dataframe[0].value
    assert set(untagged["Region"]) <= {region}


def test_a_name_filter_that_matches_nothing_says_so(collected_db, monkeypatch):
    at = open_app(collected_db, monkeypatch)
    at.text_input(key="w.inv.name").set_value("no-such-repository").run()
    assert not at.exception
    assert metric(at, "Repositories") == "0"
    assert at.info[0].value == "No repository matches these filters."
    assert not at.dataframe  # no empty tables under the message


def test_untagged_stale_and_top_tables(collected_db, profile, monkeypatch):
    at = open_app(collected_db, monkeypatch)
    repos = profile.repositories
    untagged, stale, top = (at.dataframe[i].value for i in range(3))
    # each table lists the repositories that have such images, largest first, in GiB (bytes / 2^30)
    with_untagged = repos[repos["untagged_images"] > 0]
    assert len(untagged) == min(len(with_untagged), 200)
    assert untagged["GiB"].sum() == pytest.approx(with_untagged["untagged_bytes"].sum() / GIB)
    assert list(untagged["GiB"]) == sorted(untagged["GiB"], reverse=True)
    assert metric(at, "Untagged") == gib(repos["untagged_bytes"].sum())
    assert len(stale) == min(int((repos["never_pulled_images"] > 0).sum()), 200)
    # the top repositories by storage, then by image count when asked
    assert top["Repository"].iloc[0] == repos.sort_values("unique_bytes", ascending=False)["repository_name"].iloc[0]
    at.radio(key="w.inv.top").set_value("images").run()
    top = at.dataframe[2].value
    assert top["Images"].iloc[0] == repos["images"].max()
    assert len(top) == min(len(repos), 50)
