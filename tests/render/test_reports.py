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
from analysis.render.wording import SHORT_GRADES, about

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
    assert estimate_json["recommendation"]["reason"] in text
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
    # the last page may hold only the end of the data-quality section and the colophon; it is never empty
    *body, last = ink.values()
    assert all(v > 0.01 for v in body) and last > 0.001, ink


def test_report_refuses_unknown_paper_and_format(collected_db: Path, tmp_path: Path):
    runner = CliRunner()
    bad_paper = runner.invoke(app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--paper", "a3"])
    assert bad_paper.exit_code == 2 and "'a3' is not one of 'a4', 'letter'" in bad_paper.output
    bad_format = runner.invoke(app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--format", "docx"])
    assert bad_format.exit_code == 2 and "'docx' is not one of 'html', 'pdf', 'both'" in bad_format.output
    assert list(tmp_path.iterdir()) == []


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


def test_sections_come_in_the_order_of_the_contents(reports: Path):
    html = (reports / "regcost-report.html").read_text()
    ids = re.findall(r'<section id="([a-z]+)">', html)
    assert ids == [
        "summary",
        "spend",
        "comparison",
        "uncertainty",
        "portability",
        "migration",
        "details",
        "assumptions",
        "method",
        "quality",
    ]
    contents = re.findall(r'<li><a href="#([a-z]+)">', html)
    assert contents == ids


def _big_print(html: str) -> str:
    """The text a reader sees at body size: without small print (class small, mono, ident, muted), captions,
    figure captions, scripts and styles."""

    class Big(HTMLParser):
        SMALL = {"small", "mono", "ident", "muted", "source"}

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.stack: list[bool] = []
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("br", "col", "img", "meta", "input", "hr"):
                return
            classes = set((dict(attrs).get("class") or "").split())
            small = tag in ("script", "style", "caption", "figcaption", "sub", "sup") or bool(classes & self.SMALL)
            self.stack.append(small or (bool(self.stack) and self.stack[-1]))

        def handle_endtag(self, tag: str) -> None:
            if tag not in ("br", "col", "img", "meta", "input", "hr") and self.stack:
                self.stack.pop()

        def handle_data(self, data: str) -> None:
            if not (self.stack and self.stack[-1]):
                self.text.append(data)

    parser = Big()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.text))


def test_no_raw_backticks_or_identifiers_outside_small_print(reports: Path, pdf_text):
    html = (reports / "regcost-report.html").read_text()
    big = _big_print(html[html.index("<body>") :])
    assert "`" not in big
    identifiers = sorted(set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", big)))
    assert identifiers == []
    assert "`" not in pdf_text(reports / "regcost-report.pdf")


def test_assumptions_show_values_labels_and_graded_prices(reports: Path, estimate_json: dict):
    html = (reports / "regcost-report.html").read_text()
    start = html.index('<table class="assumptions')
    table = html[start : html.index("</table>", start)]
    values = re.findall(r'<td class="num">([^<]*)</td>\s*<td class="num">', table)
    assert values and "catalog" not in values
    # a long identifier may wrap in its narrow column after "_" or "." (a <wbr>), never inside a word
    assert "<wbr>" in table and not re.search(r"[^_.\-]<wbr>", table)
    for a in estimate_json["assumptions"]:
        assert f'<div class="small mono ident">{a["name"]}</div>' in table.replace("<wbr>", "")
    prices = html[html.index('<table class="prices') :]
    grades = re.findall(r'<strong class="grade grade-([a-z-]+)">([^<]+)</strong>', prices)
    assert grades and all(words == SHORT_GRADES[kind] for kind, words in grades)
    # AWS's own price maps (data/pricing/aws-regions.yaml: source_kind provider-price-data) read as first-party
    assert ("provider-price-data", "first-party price data") in grades


def test_quantities_are_in_the_unit_of_their_price(reports: Path):
    text = visible_text((reports / "regcost-report.html").read_text())
    # on-prem power: servers priced per kW-month read "3 resources = 6.97 kW", not "3.00 resources × 196 USD/kW-month"
    if "USD/kW-month" in text:
        assert re.search(r"\d resources = [\d.,]+ kW ", text)
    assert not re.search(r"\d\.00 resources", text)


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


def test_counts_read_as_words(reports: Path):
    """A reader stumbles on "18 finding(s)" and "10 wave(s)": the report counts in words."""
    text = visible_text((reports / "regcost-report.html").read_text())
    # (the cover's estate line, render/text.py: estate_line, shared with the CLI and its golden files, still says
    # "account(s) × region(s)")
    assert not re.search(r"\b(finding|wave|project|note|run|part)\(s\)", text)


def test_a_price_the_same_in_several_regions_is_cited_once():
    """Scenario details listed "0.1 USD/GB-month (ecr.storage.standard @ …)" once per region, three identical lines
    per component: one line names the regions; a different price keeps its own line."""
    from analysis.model.result import PriceCitation
    from analysis.render.document import cited

    def price(location: str, text: str = "0.1") -> PriceCitation:
        return PriceCitation(
            id="ecr.storage.standard", location=location, unit="GB-month", currency="USD", price_text=text,
            source="https://example.org", as_of="2025-06-05",
        )  # fmt: skip

    got = cited([price("eu-west-1"), price("us-east-1"), price("ap-south-1", "0.11"), price("us-east-1")])
    lines = [(p.price_text, where) for p, where in got]
    assert lines == [("0.1", ["eu-west-1", "us-east-1"]), ("0.11", ["ap-south-1"])]
