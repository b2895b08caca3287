"""The PDF report (analysis/render/pdf.py) as `regcost report --format pdf` writes it: the numbers of the very
result `regcost estimate --format json` prints, a first page that says how sure the estimate is, and pages laid
out for the paper asked for, numbered, listed in the contents and not blank."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from analysis.render.pdf import render_pdf
from analysis.render.text import money
from analysis.render.wording import about


@pytest.fixture(scope="module")
def reports(make_report, charts_server: None) -> Path:
    """regcost-report.pdf on A4 and us.pdf on Letter, in one folder."""
    out = make_report("--format", "pdf")
    make_report("--format", "pdf", "--paper", "letter", "--name", "us", out=out)
    return out


def test_pdf_shows_the_estimate_json_numbers(reports: Path, estimate_json: dict, json_figures: list[str], pdf_text):
    text = pdf_text(reports / "regcost-report.pdf")
    for figure in json_figures:
        assert figure in text
    assert f"saves {estimate_json['currency']} {json_figures[-1]}" in text


def test_pdf_has_a_contents_with_right_page_numbers_and_page_x_of_y(reports: Path, pdf_text):
    pdf = reports / "regcost-report.pdf"
    text = pdf_text(pdf)
    pages = int(re.search(r"page 1 of (\d+)", text).group(1))
    assert f"page {pages} of {pages}" in text
    contents = re.findall(r"(\d)\. ([^.]+?)\s*\.{3,}\s*(\d+)", text)
    titles = {title.strip(): int(page) for _, title, page in contents}
    assert {"Executive summary", "Assumptions", "Data quality", "Uncertainty"} <= set(titles)
    for title, page in titles.items():
        assert title.split(":")[0] in pdf_text(pdf, page), f"contents says {title!r} is on page {page}"


def _media_boxes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-box", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True)
    boxes = re.findall(r"Page\s+\d+ MediaBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", info.stdout)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


@pytest.mark.parametrize(("name", "size"), [("regcost-report", (595.28, 841.89)), ("us", (612.0, 792.0))])
def test_pdf_pages_have_the_paper_size_asked_for(reports: Path, name: str, size: tuple[float, float]):
    boxes = _media_boxes(reports / f"{name}.pdf")
    assert len(boxes) > 3
    assert all(w == pytest.approx(size[0], abs=0.5) and h == pytest.approx(size[1], abs=0.5) for w, h in boxes)


def _pgm_ink(path: Path) -> float:
    """Share of pixels that are not white in a binary greyscale PGM (P5) as pdftoppm -gray writes it."""
    data = path.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields, f"{path} is not a binary PGM"
    width, height = int(fields.group(1)), int(fields.group(2))
    pixels = data[fields.end() : fields.end() + width * height]
    return sum(1 for b in pixels if b < 235) / len(pixels)


@pytest.mark.parametrize("name", ["regcost-report", "us"])
def test_pdf_pages_are_not_blank(reports: Path, tmp_path: Path, name: str):
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(reports / f"{name}.pdf"), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) > 3
    ink = {p.name: _pgm_ink(p) for p in pages}
    # the last page may hold only the end of the data-quality section and the colophon; it is never empty
    *body, last = ink.values()
    assert all(v > 0.01 for v in body) and last > 0.001, ink


def test_an_unknown_paper_is_refused_before_anything_is_rendered():
    with pytest.raises(ValueError, match="unknown paper 'a3'; expected one of a4, letter"):
        render_pdf(None, "a3")  # type: ignore[arg-type]  # the paper is checked first: no result is read


# ---- the report as a finance lead reads it (#14) -----------------------------------------------------------------


def _decision(result: dict) -> tuple[dict, dict]:
    """The scenario the first page is about (the recommended one, else the best alternative) and its uncertainty."""
    others = [s for s in result["scenarios"] if s["name"] != result["baseline"]]
    name = result["recommendation"]["scenario"]
    target = next((s for s in others if s["name"] == name), None) or max(others, key=lambda s: s["savings_vs_baseline"])
    spread = next(u for u in result["uncertainty"]["scenarios"] if u["name"] == target["name"])
    return target, spread


def test_first_page_says_how_sure_with_the_numbers_of_the_json(reports: Path, estimate_json: dict, pdf_text):
    page1 = pdf_text(reports / "regcost-report.pdf", 1).replace("−", "-")
    target, spread = _decision(estimate_json)
    baseline = next(s for s in estimate_json["scenarios"] if s["name"] == estimate_json["baseline"])
    assert "HOW SURE ARE WE" in page1.upper() and "What would flip it:" in page1
    chance = f"{spread['p_beats_baseline']:.0%} chance that {target['title']} costs less than {baseline['title']}"
    assert chance in page1
    # the savings' P10-P90 rounded to what they can claim (two significant figures below 10,000, three above)
    low, high = about(spread["savings"]["p10"], "USD"), about(spread["savings"]["p90"], "USD")
    assert f"Savings between {low} and {high}".replace("−", "-") in page1
    assert money(baseline["horizon_tco"]) in page1 and money(baseline["monthly_total"][0]) in page1
    if estimate_json["recommendation"]["scenario"] != estimate_json["baseline"]:
        assert money(target["horizon_tco"]) in page1 and f"saves USD {money(target['savings_vs_baseline'])}" in page1
        assert f"saves about {about(target['savings_vs_baseline'], 'USD')}".replace("−", "-") in page1


def test_one_migration_effort_on_the_first_page_and_in_the_plan(reports: Path, pdf_text):
    text = pdf_text(reports / "regcost-report.pdf")
    page1 = pdf_text(reports / "regcost-report.pdf", 1)
    planned = re.search(r"Migration effort, from this plan \(range [\d.,]+ – [\d.,]+\) ([\d.,]+) engineer-days", text)
    assert planned, "the plan's totals name its effort"
    assert f"{planned.group(1)} days" in page1  # the summary's box: "Migration effort 68.38 days"
    assert "engineer-days from the migration plan (regcost plan)" in page1


def test_no_raw_backticks(reports: Path, pdf_text):
    assert "`" not in pdf_text(reports / "regcost-report.pdf")


def _content_rows(pgm: Path) -> tuple[int, int]:
    """(last row with ink above the page footer, page height) of a greyscale page image."""
    data = pgm.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields
    width, height = int(fields.group(1)), int(fields.group(2))
    pixels = data[fields.end() : fields.end() + width * height]
    body_end = int(height * (297 - 18) / 297)  # report.css: 18 mm bottom margin, where the footer sits
    last = max((y for y in range(body_end) if min(pixels[y * width : (y + 1) * width]) < 200), default=0)
    return last, height


@pytest.mark.parametrize("name", ["regcost-report", "us"])
def test_no_page_but_the_last_is_less_than_a_quarter_filled(reports: Path, tmp_path: Path, name: str):
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(reports / f"{name}.pdf"), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.pgm"))
    filled = {}
    for page in pages[:-1]:
        last, height = _content_rows(page)
        top, bottom = height * 16 / 297, height * (297 - 18) / 297  # report.css margins
        filled[page.name] = round((last - top) / (bottom - top), 2)
    assert all(share >= 0.25 for share in filled.values()), filled
