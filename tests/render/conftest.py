"""Report fixtures: one kaleido chart server (a headless Chromium) shared by every PDF rendered in this folder,
poppler (pdftotext, pdfinfo, pdftoppm) to read what was rendered, and `regcost report` / `regcost estimate
--format json` over the collected warehouse, so a report's numbers can be compared with the JSON's."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.render.pdf import chart_server
from analysis.render.text import money

DRAWS = ["--draws", "200"]  # small, but the uncertainty section is rendered and checked too


@pytest.fixture(scope="session")
def charts_server() -> Iterator[None]:
    with chart_server():
        yield


def _pdf_text(pdf: Path, page: int | None = None) -> str:
    """The PDF's text as poppler extracts it, whitespace runs collapsed to one space."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


@pytest.fixture(scope="session")
def pdf_text() -> Callable[..., str]:
    return _pdf_text


@pytest.fixture(scope="session")
def make_report(collected_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`regcost report` over the collected warehouse with these options, into a new folder (or `out`)."""

    def make(*options: str, out: Path | None = None) -> Path:
        out = out or tmp_path_factory.mktemp("reports")
        done = CliRunner().invoke(app, ["report", "--db", str(collected_db), "-o", str(out), *DRAWS, *options])
        assert done.exit_code == 0, done.output
        return out

    return make


@pytest.fixture(scope="session")
def estimate_json(collected_db: Path) -> dict:
    done = CliRunner().invoke(app, ["estimate", "--db", str(collected_db), "--format", "json", *DRAWS])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def json_figures(estimate_json: dict) -> list[str]:
    """What a reader compares with the JSON: every scenario's horizon TCO and month-1 total, then the savings."""
    figures = []
    for s in estimate_json["scenarios"]:
        figures += [money(s["horizon_tco"]), money(s["monthly_total"][0])]
    best = next(s for s in estimate_json["scenarios"] if s["name"] == estimate_json["recommendation"]["scenario"])
    figures.append(money(best["savings_vs_baseline"]))
    return figures
