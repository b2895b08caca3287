"""Renderers: one result (analysis/render/inputs.py: `Result`) → a file's content. They format; they never
compute costs, and every figure goes through the same formatters (analysis/render/format.py).

    render(result, "table" | "json" | "csv" | "markdown" | "html", explain=False) -> str
    render_bytes(result, any of OUTPUTS) -> bytes                         # what a download or a file holds

`OUTPUTS` names each format with its file extension and media type: the CLI's `--format` choices, the report
command and the dashboard's downloads all come from it. HTML and PDF load their libraries only when used.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.render.inputs import Result
from analysis.render.text import TEXT_FORMATS, render_text

FORMATS = TEXT_FORMATS  # what `regcost estimate --format` writes
REPORT_FORMATS = ("html", "pdf")  # what `regcost report` writes


@dataclass(frozen=True)
class Output:
    name: str
    extension: str
    media_type: str


OUTPUTS = {
    o.name: o
    for o in (
        Output("table", "txt", "text/plain"),
        Output("json", "json", "application/json"),
        Output("csv", "csv", "text/csv"),
        Output("markdown", "md", "text/markdown"),
        Output("html", "html", "text/html"),
        Output("pdf", "pdf", "application/pdf"),
    )
}


def render(result: Result, fmt: str, *, explain: bool = False, width: int = 160) -> str:
    """A text format (table, JSON, CSV, Markdown) or the HTML report, as text."""
    if fmt == "html":
        from analysis.render.html import render_html

        return render_html(result)
    return render_text(result, fmt, explain=explain, width=width)


def render_bytes(result: Result, fmt: str, *, paper: str = "a4", explain: bool = False, width: int = 160) -> bytes:
    """Any format as the bytes of its file (UTF-8 for text)."""
    if fmt == "pdf":
        from analysis.render.pdf import render_pdf

        return render_pdf(result, paper)
    return render(result, fmt, explain=explain, width=width).encode("utf-8")


__all__ = ["FORMATS", "OUTPUTS", "REPORT_FORMATS", "Output", "Result", "render", "render_bytes"]
