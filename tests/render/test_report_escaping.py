"""Names from outside (a scenario file's title, an ECR repository name) are shown as text in both reports,
never run as markup: the HTML escapes them, the PDF prints them literally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.render.html import render_html
from analysis.render.pdf import render_pdf
from analysis.warehouse import Warehouse

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def evil_db(collected_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the collected warehouse with its largest repository copied under a hostile name (ECR forbids
    such names; the warehouse stores what it is given, so the renderers must not trust it)."""
    db = tmp_path_factory.mktemp("evil") / "regcost.duckdb"
    shutil.copy(collected_db, db)
    with Warehouse(db) as wh, wh.transaction() as con:
        (account, region, name) = con.execute(
            "SELECT account_id, region, repository_name FROM current_ecr_images "
            "GROUP BY ALL ORDER BY sum(image_size_bytes) DESC LIMIT 1"
        ).fetchall()[0]
        for table in ("ecr_repositories", "ecr_images", "ecr_pull_counts"):
            con.execute(
                f"INSERT INTO {table} SELECT * REPLACE (? AS repository_name) FROM {table} "
                "WHERE account_id = ? AND region = ? AND repository_name = ?",
                [EVIL, account, region, name],
            )
    return db


def _assert_escaped(html: str) -> None:
    assert EVIL not in html
    assert ESCAPED in html


def test_hostile_repository_name_is_escaped(evil_db: Path, charts_server: None, tmp_path: Path, pdf_text):
    inputs = run(EstimateRequest(db=evil_db))
    assert EVIL in [t.repository for t in inputs.result.top_repositories]
    _assert_escaped(render_html(inputs))
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(inputs))
    assert EVIL in pdf_text(pdf)


def test_hostile_scenario_title_is_escaped(collected_db: Path, tmp_path: Path):
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(f"name: evil\ntitle: '{EVIL}'\nkind: ecr-cleanup\ndescription: '{EVIL} again'\n")
    inputs = run(EstimateRequest(db=collected_db, scenarios=("ecr", "evil"), scenario_files=(scenario,)))
    assert inputs.result.scenarios[1].title == EVIL
    html = render_html(inputs)
    _assert_escaped(html)
    assert html.count(ESCAPED) >= 4  # summary table, details, chart labels (plotly reads escaped HTML) …


def test_markdown_shows_a_hostile_title_as_text(collected_db: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from analysis.cli import app

    link = "[click](javascript:alert(1))"
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(f"name: evil\ntitle: '{EVIL} {link}'\nkind: ecr-cleanup\n")
    out = CliRunner().invoke(
        app,
        [
            "estimate",
            "--db",
            str(collected_db),
            "--scenario",
            "ecr",
            "--scenario",
            "evil",
            "--scenario-file",
            str(scenario),
        ]
        + ["-f", "markdown", "--explain", "--draws", "0"],
    )
    assert out.exit_code == 0, out.output
    assert EVIL not in out.output and link not in out.output  # neither a live tag nor a live link
    assert ESCAPED in out.output and "\\[click\\](javascript:alert(1))" in out.output
