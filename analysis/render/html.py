"""The report as one self-contained HTML file: interactive plotly charts, plotly.js inlined once, no URL
fetched from anywhere — it opens offline and prints (print CSS lays the charts out for the page)."""

from __future__ import annotations

import plotly.offline
from markupsafe import Markup

from analysis.render.charts import figures
from analysis.render.document import render_document
from analysis.render.inputs import ReportInputs

# Interactive but quiet: no plotly logo or "edit in Chart Studio" link (both point to plotly's website).
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "svg"},
}


def render_html(inputs: ReportInputs) -> str:
    charts = {
        name: Markup(fig.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG))
        for name, fig in figures(inputs.result).items()
    }
    # The bundle is inlined once, in <head>, so every chart div below can use it.
    plotlyjs = Markup(plotly.offline.get_plotlyjs().replace("</script", "<\\/script"))
    return render_document(inputs, "html", charts, extra={"plotlyjs": plotlyjs})
