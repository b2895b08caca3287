"""Navigation keeps the comparison: every page, walked in several orders in Chromium, shows the scenarios,
recommendation and numbers of `regcost estimate -f json` on the same warehouse — and fetches nothing from
outside the dashboard.

Streamlit drops the state of widgets whose page is not shown; Scenarios → Uncertainty → Overview once left
only "Stay on ECR" selected, and every later page (the Data page's price dates too) followed it (issue #14).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import serving_dashboard

from analysis.dashboard.format import money
from analysis.render.wording import about

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parents[2] / "test-output"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic"]
ORDERS = (
    ("Scenarios", "Uncertainty", "Overview", "Data", "Portability", "Inventory"),  # the order that lost it
    ("Overview", "Data", "Uncertainty", "Scenarios", "Inventory", "Portability", "Overview"),
    ("Inventory", "Uncertainty", "Data", "Scenarios", "Overview", "Uncertainty"),
)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def _regcost() -> str:
    return shutil.which("regcost", path=str(Path(sys.executable).parent)) or "regcost"


@pytest.fixture(scope="module")
def cli(collected_db: Path) -> dict[str, Any]:
    """What `regcost estimate` says about the warehouse (its defaults: every preset, 10,000 draws, its seed)."""
    out = subprocess.run(
        [_regcost(), "estimate", "--db", str(collected_db), "-f", "json"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def dashboard(collected_db: Path) -> Iterator[str]:
    with serving_dashboard(_regcost(), collected_db) as url:
        yield url


def _settled(page: Any) -> None:
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)


def _go(page: Any, title: str) -> None:
    """Click the page in the sidebar (a click keeps the session; loading a URL would start a new one)."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
    page.wait_for_selector(f"h1:has-text('{title}')", timeout=120_000)
    _settled(page)
    # every page ends with the sidebar's downloads: once they are drawn, the page is complete
    page.wait_for_selector("[data-testid='stSidebar'] >> text=Download this estimate", timeout=120_000)


def _rows(page: Any, key: str) -> dict[str, list[str]]:
    """A static table's rows by their label: {row label: [cells]}."""
    page.wait_for_selector(f".st-key-{key} table tbody tr", timeout=120_000)
    rows = page.locator(f".st-key-{key} table tbody tr")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        out[row.locator("th").inner_text().strip()] = [c.strip() for c in row.locator("td").all_inner_texts()]
    return out


def _metric(page: Any, label: str) -> str:
    box = page.locator("[data-testid='stMetric']", has_text=label).first
    return str(box.locator("[data-testid='stMetricValue']").inner_text().strip())


# Text cut by an ellipsis inside a metric, its label or its value (the old Scenarios page at 1280 px showed
# "mo…", "$48,…", "One-time (migr…"): a box whose content is wider than the box.
_CUT = """() => [...document.querySelectorAll("[data-testid='stMetric'] *")]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText)"""


def _check(page: Any, title: str, cli: dict[str, Any]) -> None:
    ccy, h = cli["currency"], cli["horizon_months"]
    assert page.evaluate(_CUT) == [], (title, "metrics cut at 1280 px")
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"dashboard-{title.lower()}-1280.png"))
    titles = [s["title"] for s in cli["scenarios"]]
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Comparing: " + ", ".join(titles) in sidebar, (title, sidebar)
    if title in ("Overview", "Scenarios"):
        rows = _rows(page, "table-summary")
        assert [r.removesuffix(" (baseline)") for r in rows] == titles, title
        header = [c.strip() for c in page.locator(".st-key-table-summary table thead th").all_inner_texts()]
        tco = header.index(f"{h}-month TCO") - 1  # the first header is the row labels'
        for s in cli["scenarios"]:
            cells = rows[s["title"] + (" (baseline)" if s["name"] == cli["baseline"] else "")]
            assert cells[tco] == money(s["horizon_tco"], ccy), (title, s["name"], cells)
    if title == "Overview":
        alert = page.locator("[data-testid='stAlert']", has_text="recommend").first.inner_text()
        rec = cli["recommendation"]
        assert rec["reason"] in alert, alert  # the exact figures, to the cent
        if rec["scenario"] == cli["baseline"]:
            assert rec["headline"] in alert, alert
        else:  # the headline rounded as the report's first page rounds it
            target = next(s for s in cli["scenarios"] if s["name"] == rec["scenario"])
            assert f"{target['title']}: saves about {about(target['savings_vs_baseline'], ccy)}" in alert, alert
    if title == "Uncertainty":
        rows = _rows(page, "table-uncertainty")
        for u in cli["uncertainty"]["scenarios"]:
            label = next(s["title"] for s in cli["scenarios"] if s["name"] == u["name"])
            cells = rows[label + (" (baseline)" if u["name"] == cli["baseline"] else "")]
            want = [money(u["horizon_tco"][p], ccy) for p in ("p10", "p50", "p90")]
            assert cells[:3] == want, (u["name"], cells, want)
    if title == "Data":
        dates = cli["catalog_as_of"]
        assert page.get_by_text(f"date from {dates['oldest']} to {dates['newest']}").count() == 1
    if title == "Inventory":
        assert _metric(page, "Repositories") == f"{cli['profile']['repositories']:,}"
    if title == "Portability":
        days = _metric(page, "Engineer-days")  # the effort the estimate's self-hosted scenarios carry
        assert any(f"Migration effort: {days} engineer-days" in n for n in cli["notes"]), (days, cli["notes"])


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_every_page_in_any_order_shows_the_cli_estimate(dashboard: str, cli: dict[str, Any], order: tuple[str, ...]):
    outside: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on(
                "request",
                lambda r: None if r.url.startswith((dashboard, "data:", "blob:")) else outside.append(r.url),
            )
            page.goto(dashboard)
            page.wait_for_selector("h1", timeout=120_000)
            _settled(page)
            for title in order:
                _go(page, title)
                _check(page, title, cli)
        finally:
            browser.close()
    assert outside == []  # no CDN icon, font or script: the dashboard works offline
