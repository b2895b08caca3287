"""The HTML report (analysis/render/html.py) as `regcost report --format html` writes it: the numbers of the very
result `regcost estimate --format json` prints, sections in the order of the contents, words instead of
identifiers, and nothing fetched from the network (it opens offline)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from analysis.render.text import money
from analysis.render.wording import SHORT_GRADES


@pytest.fixture(scope="module")
def html(make_report) -> str:
    return (make_report("--format", "html") / "regcost-report.html").read_text()


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


def test_html_shows_the_estimate_json_numbers(html: str, estimate_json: dict, json_figures: list[str]):
    text = visible_text(html)
    for figure in json_figures:
        assert figure in text
    assert estimate_json["recommendation"]["reason"] in text
    for u in estimate_json["uncertainty"]["scenarios"]:
        assert money(u["horizon_tco"]["p50"]) in text
    for t in estimate_json["top_repositories"]:
        assert t["repository"] in text and money(t["cost_month1"]) in text


EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)
URL_ATTRS = {"src", "href", "action", "formaction", "data", "poster", "srcset", "xlink:href", "background", "manifest"}


def test_html_refers_to_no_external_url(html: str):
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


def test_sections_come_in_the_order_of_the_contents(html: str):
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


def test_no_raw_backticks_or_identifiers_outside_small_print(html: str):
    big = _big_print(html[html.index("<body>") :])
    assert "`" not in big
    identifiers = sorted(set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", big)))
    assert identifiers == []


def test_assumptions_show_values_labels_and_graded_prices(html: str, estimate_json: dict):
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


def test_quantities_are_in_the_unit_of_their_price(html: str):
    text = visible_text(html)
    # on-prem power: servers priced per kW-month read "3 resources = 6.97 kW", not "3.00 resources × 196 USD/kW-month"
    if "USD/kW-month" in text:
        assert re.search(r"\d resources = [\d.,]+ kW ", text)
    assert not re.search(r"\d\.00 resources", text)


def test_counts_read_as_words(html: str):
    """A reader stumbles on "18 finding(s)" and "10 wave(s)": the report counts in words."""
    text = visible_text(html)
    assert not re.search(r"\b(finding|wave|project|note|run|part|account|region)\(s\)", text)
