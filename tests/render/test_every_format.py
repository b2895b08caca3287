"""One result in every format: the table, JSON, CSV, Markdown, the HTML report and the PDF (its text, as
pdftotext reads it) all show the same horizon TCO, savings, P10/P50/P90 and migration effort — what a reader
compares when the PDF lies next to the terminal."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.render import Result, render, render_bytes
from analysis.render.format import days, money

ROOT = Path(__file__).resolve().parents[2]
USAGE = ROOT / "tests" / "fixtures" / "usage" / "golden.yaml"
TARGET = "harbor-eu-cloud"  # the scenario whose savings and effort are compared


@pytest.fixture(scope="module")
def result() -> Result:
    return run(EstimateRequest(usage=USAGE, scenarios=("ecr", TARGET), draws=500))


@pytest.fixture(scope="module")
def figures(result: Result) -> dict[str, float]:
    """The figures every format must show, read from the result object."""
    r = result.estimate
    assert r.uncertainty is not None and result.effort is not None
    target = r.scenario(TARGET)
    spread = next(u for u in r.uncertainty.scenarios if u.name == TARGET).horizon_tco
    assert result.effort.scenario == TARGET
    return {
        "baseline TCO": r.scenario(r.baseline).horizon_tco,
        "TCO": target.horizon_tco,
        "savings": target.savings_vs_baseline,
        "P10": spread["p10"],
        "P50": spread["p50"],
        "P90": spread["p90"],
        "effort": result.effort.days,
    }


def _in_text(text: str, figures: dict[str, float]) -> None:
    flat = re.sub(r"\s+", " ", text)
    for name, value in figures.items():
        if name == "effort":
            # engineer-days as days ("12.4") or as a quantity to the cent ("12.40"), next to the unit or, in the
            # PDF's table, in the row of the one-time engineering cost (pdftotext reads the unit a column later)
            number = rf"(?:{re.escape(days(value))}|{value:.2f})"
            pattern = rf"{number} engineer-days|Migration engineering.{{0,80}}?{number}\b"
            assert re.search(pattern, flat), f"effort {value} engineer-days not found"
        else:
            assert money(value) in flat, f"{name} {money(value)} not found"


def test_table_and_markdown(result: Result, figures: dict[str, float]):
    for fmt in ("table", "markdown"):
        _in_text(render(result, fmt, width=200), figures)


def test_json(result: Result, figures: dict[str, float]):
    data = json.loads(render(result, "json"))
    target = next(s for s in data["scenarios"] if s["name"] == TARGET)
    baseline = next(s for s in data["scenarios"] if s["name"] == data["baseline"])
    spread = next(u for u in data["uncertainty"]["scenarios"] if u["name"] == TARGET)["horizon_tco"]
    shown = {
        "baseline TCO": baseline["horizon_tco"],
        "TCO": target["horizon_tco"],
        "savings": target["savings_vs_baseline"],
        "P10": spread["p10"],
        "P50": spread["p50"],
        "P90": spread["p90"],
        "effort": data["effort"]["days"],
    }
    assert shown == pytest.approx(figures, abs=0.005)


def test_csv(result: Result, figures: dict[str, float]):
    rows = list(csv.DictReader(io.StringIO(render(result, "csv"))))

    def cell(scenario: str, component: str, column: str = "cost") -> float:
        return float(next(r[column] for r in rows if r["scenario"] == scenario and r["component"] == component))

    shown = {
        "baseline TCO": cell("ecr", "36-month TCO"),
        "TCO": cell(TARGET, "36-month TCO"),
        "savings": cell(TARGET, "saves vs baseline"),
        "P10": cell(TARGET, "P10 36-month TCO"),
        "P50": cell(TARGET, "P50 36-month TCO"),
        "P90": cell(TARGET, "P90 36-month TCO"),
        "effort": cell(TARGET, "Migration engineering", "quantity"),
    }
    assert shown == pytest.approx(figures, abs=0.005)


def test_html(result: Result, figures: dict[str, float]):
    from html import unescape

    text = unescape(re.sub(r"<[^>]+>", " ", render(result, "html")))
    _in_text(text, figures)


def test_pdf(
    result: Result, figures: dict[str, float], charts_server: None, pdf_text: Callable[..., str], tmp_path: Path
):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_bytes(result, "pdf"))
    _in_text(pdf_text(pdf), figures)
