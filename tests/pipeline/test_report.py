"""Writing the reports (analysis/pipeline/report.py): which formats a `--format` choice means, one file per format
named after the report, progress told before each, and the choices `regcost report` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.pipeline.report import REPORT_CHOICES, formats_of, write_reports
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.render import Result

USAGE = Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "golden.yaml"


@pytest.fixture(scope="module")
def result() -> Result:
    return run(EstimateRequest(usage=USAGE, scenarios=("ecr", "harbor-eu-cloud")))


def test_both_means_html_then_pdf():
    assert REPORT_CHOICES == ("html", "pdf", "both")
    assert formats_of("both") == ("html", "pdf")
    assert formats_of("pdf") == ("pdf",)


def test_an_unknown_format_is_named_with_the_choices():
    with pytest.raises(ValueError, match="unknown report format 'docx'; expected one of html, pdf, both"):
        formats_of("docx")


def test_each_format_is_written_under_the_reports_name_into_a_new_folder(result: Result, tmp_path: Path):
    steps: list[str] = []
    out = tmp_path / "reports" / "q4"  # not there yet: made on the way
    written = write_reports(result, out, ["html"], name="estate-q4", on_step=steps.append)
    assert written == [out / "estate-q4.html"]
    assert steps == ["html"]  # told before the format is rendered
    html = written[0].read_text()
    assert html.startswith("<!DOCTYPE html>") and "harbor" in html.lower()


def test_report_refuses_unknown_paper_and_format(collected_db: Path, tmp_path: Path):
    runner = CliRunner()
    bad_paper = runner.invoke(app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--paper", "a3"])
    assert bad_paper.exit_code == 2 and "'a3' is not one of 'a4', 'letter'" in bad_paper.output
    bad_format = runner.invoke(app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--format", "docx"])
    assert bad_format.exit_code == 2 and "'docx' is not one of 'html', 'pdf', 'both'" in bad_format.output
    assert list(tmp_path.iterdir()) == []
