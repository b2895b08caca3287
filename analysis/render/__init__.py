"""Renderers: the result object → text. They format; they never compute costs.

render(result, "table" | "json" | "csv" | "markdown", explain=False) -> str
"""

from analysis.render.text import FORMATS, render

__all__ = ["FORMATS", "render"]
