"""`regcost report`: the HTML and the PDF show the numbers of the very result `regcost estimate --format json`
prints, the HTML works offline, and the PDF's pages are laid out for the paper asked for and are not blank."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.render.text import money

DRAWS = ["--draws", "200"]  # small, but the uncertainty section is rendered and checked too


@pytest.fixture(scope="module")
def reports(collected_db: Path, tmp_path_factory: pytest.TempPathFactory, charts_server: None) -> Path:
    out = tmp_path_factory.mktemp("reports")
    runner = CliRunner()
    for args in (
        ["report", "--db", str(collected_db), "-o", str(out), *DRAWS],
        ["report", "--db", str(collected_db), "-o", str(out), "--format", "pdf", "--paper", "letter", "--name", "us"],
    ):
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def estimate_json(collected_db: Path) -> dict:
    done = CliRunner().invoke(app, ["estimate", "--db", str(collected_db), "--format", "json", *DRAWS])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


class _Page(HTMLParser):
    """Visible text (no script/style), every attribute, and the inline style sheets of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)
        else:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", " ".join(parse(html).text))


def expected_figures(result: dict) -> list[str]:
    """What a reader compares with the JSON: every scenario's horizon TCO and month-1 total, the savings."""
    figures = []
    for s in result["scenarios"]:
        figures += [money(s["horizon_tco"]), money(s["monthly_total"][0])]
    best = next(s for s in result["scenarios"] if s["name"] == result["recommendation"]["scenario"])
    figures.append(money(best["savings_vs_baseline"]))
    return figures


def test_html_shows_the_estimate_json_numbers(reports: Path, estimate_json: dict):
    text = visible_text((reports / "regcost-report.html").read_text())
    for figure in expected_figures(estimate_json):
        assert figure in text
    assert estimate_json["recommendation"]["headline"] in text
    for u in estimate_json["uncertainty"]["scenarios"]:
        assert money(u["horizon_tco"]["p50"]) in text
    for t in estimate_json["top_repositories"]:
        assert t["repository"] in text and money(t["cost_month1"]) in text


def test_pdf_shows_the_estimate_json_numbers(reports: Path, estimate_json: dict, pdf_text):
    text = pdf_text(reports / "regcost-report.pdf")
    for figure in expected_figures(estimate_json):
        assert figure in text
    assert f"saves {estimate_json['currency']} {expected_figures(estimate_json)[-1]}" in text


EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)
URL_ATTRS = {"src", "href", "action", "formaction", "data", "poster", "srcset", "xlink:href", "background", "manifest"}


def test_html_refers_to_no_external_url(reports: Path):
    html = (reports / "regcost-report.html").read_text()
    page = parse(html)
    fetched = [(tag, k, v) for tag, k, v in page.attrs if k in URL_ATTRS and EXTERNAL.search(v)]
    assert fetched == []
    refresh = [v for tag, k, v in page.attrs if tag == "meta" and k == "content" and "url=" in v.lower()]
    assert refresh == []
    css = " ".join(page.styles) + " ".join(v for _, k, v in page.attrs if k == "style")
    assert not re.search(r"@import|url\(\s*['\"]?\s*(https?:)?//", css, re.I)
    assert not [t for t, k, v in page.attrs if t == "link" and k == "href"]  # no stylesheet, font or icon link
    # one copy of plotly.js, inlined: the charts work offline
    assert sum("Plotly" in s and len(s) > 1_000_000 for s in page.scripts) == 1


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
    assert all(v > 0.01 for v in ink.values()), ink


def test_report_refuses_unknown_paper_and_format(collected_db: Path, tmp_path: Path):
    runner = CliRunner()
    bad_paper = runner.invoke(app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--paper", "a3"])
    assert bad_paper.exit_code == 2 and "'a3' is not one of 'a4', 'letter'" in bad_paper.output
    bad_format = runner.invoke(app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--format", "docx"])
    assert bad_format.exit_code == 2 and "'docx' is not one of 'html', 'pdf', 'both'" in bad_format.output
    assert list(tmp_path.iterdir()) == []
