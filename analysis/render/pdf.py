"""The report as a PDF for A4 or Letter: the HTML template in "pdf" mode, charts as SVG exported by kaleido
through the system Chromium, laid out by WeasyPrint (page numbers, table of contents, repeating headers).

One kaleido server per report run (`chart_server`); wrap several renders in one to share it.
"""

from __future__ import annotations

import base64
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from markupsafe import Markup

from analysis.render.charts import figures
from analysis.render.document import PAPERS, render_document
from analysis.render.inputs import ReportInputs

# Content width in CSS pixels (96/inch) between the page margins (report.css: 15 mm left and right).
CHART_WIDTH = {"a4": 680, "letter": 700}
_server_lock = threading.Lock()
_running = [False]


@contextmanager
def chart_server() -> Iterator[None]:
    """One kaleido server (a headless Chromium) for everything rendered inside; re-entrant: an outer block's
    server is reused. Stopped at the end, before the interpreter's exit cleans Chromium's profile folder."""
    import kaleido

    with _server_lock:
        reused = _running[0]
        if not reused:
            # mathjax=False: kaleido's default page would fetch MathJax from a CDN; the charts use no LaTeX.
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            _running[0] = True
    try:
        yield
    finally:
        if not reused:
            with _server_lock:
                kaleido.stop_sync_server(silence_warnings=True)
                _running[0] = False


def chart_svgs(inputs: ReportInputs, paper: str) -> dict[str, Markup]:
    out = {}
    for name, fig in figures(inputs.result).items():
        with warnings.catch_warnings():  # plotly warns that the kaleido options it passes are unused by a server
            warnings.simplefilter("ignore", UserWarning)
            svg = fig.to_image(format="svg", width=CHART_WIDTH[paper], height=fig.layout.height)
        data = base64.b64encode(svg).decode("ascii")
        out[name] = Markup(f'<img alt="" src="data:image/svg+xml;base64,{data}">')
    return out


def render_pdf(inputs: ReportInputs, paper: str = "a4") -> bytes:
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; expected one of {', '.join(PAPERS)}")
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # CSS it ignores (screen-only rules) is not news
    with chart_server():
        charts = chart_svgs(inputs, paper)
    html = render_document(inputs, "pdf", charts, paper=paper)
    return HTML(string=html, base_url=None).write_pdf()
