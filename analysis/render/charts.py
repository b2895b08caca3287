"""The charts as plotly figures, built from the result object only (no cost is computed here): the report's,
and the colours, the cumulative lines, the fan and the tornado the dashboard draws too
(analysis/dashboard/charts.py adds its own views on top of these).

The same figures become interactive divs in the HTML report and SVG (via kaleido) in the PDF. Text that
comes from users (scenario titles, repository names) is HTML-escaped: plotly reads a small HTML subset in
labels, including links.

A scenario's colour follows from its name alone, from a fixed palette: the same in every chart, every run
and every output (not from its place in the list, which changes with the selection).
"""

from __future__ import annotations

import html
import textwrap
import zlib
from collections.abc import Callable, Sequence

import plotly.graph_objects as go

from analysis.model.result import EstimateResult, ScenarioResult
from analysis.render.wording import human_label, number

FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', Helvetica, sans-serif"

# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in grey print.
GROUPS = {
    "storage": ("Storage", "#0072B2"),
    "transfer": ("Data transfer", "#E69F00"),
    "aws-side": ("AWS-side (NAT gateway, endpoints)", "#D55E00"),
    "network": ("Network (VPC endpoint hours, colocation)", "#F0E442"),
    "compute": ("Compute and services", "#009E73"),
    "operations": ("Operations labour", "#CC79A7"),
    "security": ("Security scanning", "#56B4E9"),
    "migration": ("ECR during the dual run", "#999999"),
}
# A small template of our own: plotly's built-in ones are large and deep-copied into every figure (~50 ms each).
_AXIS = {
    "gridcolor": "#e5e8ec",
    "linecolor": "#c9ced4",
    "zerolinecolor": "#c9ced4",
    "ticks": "",
    "automargin": True,
    "title": {"standoff": 15},
}
TEMPLATE = go.layout.Template(
    layout={"paper_bgcolor": "white", "plot_bgcolor": "white", "xaxis": _AXIS, "yaxis": _AXIS, "hovermode": "closest"}
)
SCENARIO_COLOURS = ("#222222", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999")
# The presets (data/scenarios/), in the order that gives each its colour; other names share the last two,
# picked by a checksum of the name (Python's hash() changes from run to run).
PRESETS = ("ecr", "ecr-cleanup", "harbor-aws", "harbor-eu-cloud", "harbor-onprem", "hybrid-proxy")


def label(text: str, width: int = 0) -> str:
    """User text made safe for a plotly label, optionally wrapped onto lines of `width` characters."""
    lines = textwrap.wrap(text, width, break_long_words=True) if width else [text]
    return "<br>".join(html.escape(line, quote=False) for line in lines) or html.escape(text, quote=False)


def group_name(group: str) -> str:
    return GROUPS.get(group, (group.replace("-", " ").capitalize(), ""))[0]


def group_colour(group: str) -> str:
    return GROUPS.get(group, ("", "#7f7f7f"))[1]


def scenario_colour(name: str) -> str:
    if name in PRESETS:
        return SCENARIO_COLOURS[PRESETS.index(name)]
    spare = SCENARIO_COLOURS[len(PRESETS) :]
    return spare[zlib.crc32(name.encode()) % len(spare)]


def scenario_colours(result: EstimateResult) -> dict[str, str]:
    return {s.name: scenario_colour(s.name) for s in result.scenarios}


def translucent(hex_colour: str, alpha: float = 0.18) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, result: EstimateResult, height: int, **kw: object) -> go.Figure:
    kw.setdefault("legend", {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "traceorder": "normal"})
    fig.update_layout(
        template=TEMPLATE,
        font={"family": FONT, "size": 12, "color": "#222"},
        height=height,
        margin={"l": 10, "r": 20, "t": 10, "b": 10},
        separators=".,",
        hoverlabel={"font": {"family": FONT}},
        **kw,
    )
    fig.update_yaxes(automargin=True, ticklabelstandoff=6)
    fig.update_xaxes(automargin=True)
    return fig


def spend_by_component(result: EstimateResult) -> go.Figure:
    """The baseline's month-1 cost by component, largest at the top."""
    base = result.scenario(result.baseline)
    parts = sorted(base.components, key=lambda c: c.cost_month1)
    fig = go.Figure(
        go.Bar(
            x=[c.cost_month1 for c in parts],
            y=[label(c.component, 28) for c in parts],
            orientation="h",
            marker_color=[group_colour(c.group) for c in parts],
            text=[f"{c.cost_month1:,.2f}" for c in parts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: " + result.currency + " %{x:,.2f}<extra></extra>",
        )
    )
    _layout(fig, result, 70 + 34 * len(parts), showlegend=False)
    top = max((c.cost_month1 for c in parts), default=0.0)
    fig.update_xaxes(title_text=f"{result.currency} in month 1", tickformat=",.0f", range=[0, top * 1.22 or 1])
    return fig


def monthly_by_group(result: EstimateResult) -> go.Figure:
    """Stacked monthly cost by component group per scenario: month 1 on the left, the last month on the right."""
    h = result.horizon_months
    groups = list(dict.fromkeys(c.group for s in result.scenarios for c in s.components))
    scenarios = list(reversed(result.scenarios))  # plotly draws the first category at the bottom
    names = [label(s.title, 30) for s in scenarios]
    from plotly.subplots import make_subplots  # not on the first page: its import is ~50 ms

    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04, subplot_titles=("month 1", f"month {h}")
    )
    for g in groups:
        for col, month in ((1, 0), (2, -1)):
            fig.add_bar(
                y=names,
                x=[sum(c.monthly[month] for c in s.components if c.group == g) for s in scenarios],
                orientation="h",
                name=group_name(g),
                legendgroup=g,
                showlegend=col == 1,
                marker_color=group_colour(g),
                hovertemplate="%{y}<br>" + label(group_name(g)) + ": " + result.currency + " %{x:,.2f}<extra></extra>",
                row=1,
                col=col,
            )
    _layout(
        fig,
        result,
        140 + 46 * len(scenarios),
        barmode="stack",
        bargap=0.3,
        # below the axis titles: 60 px under the plot area, whatever the chart's height
        legend={"orientation": "h", "yanchor": "top", "y": -60 / (46 * len(scenarios) + 40), "x": 0},
    )
    fig.update_layout(margin={"t": 36})
    top = max((max(s.monthly_total[0], s.monthly_total[-1]) for s in result.scenarios), default=0.0)
    fig.update_xaxes(tickformat=",.0f", range=[0, top * 1.05 or 1], title_text=f"{result.currency} per month")
    fig.update_yaxes(tickfont={"size": 11})
    return fig


def _group_last(s: ScenarioResult, group: str) -> float:
    return sum(c.monthly[-1] for c in s.components if c.group == group)


def cumulative_tco(result: EstimateResult) -> go.Figure:
    """Cumulative cost per scenario (one-time costs in month 1), break-even months marked."""
    colours = scenario_colours(result)
    months = list(range(1, result.horizon_months + 1))
    fig = go.Figure()
    for s in result.scenarios:
        is_base = s.name == result.baseline
        suffix = " (baseline)" if is_base else f" — break-even month {s.break_even_month}" if s.break_even_month else ""
        fig.add_scatter(
            x=months,
            y=s.cumulative,
            mode="lines",
            name=label(s.title + suffix, 48),
            legendgroup=s.name,
            line={"color": colours[s.name], "width": 3 if is_base else 2, "dash": "dash" if is_base else "solid"},
            hovertemplate="month %{x}: " + result.currency + " %{y:,.2f}<extra>" + label(s.title, 30) + "</extra>",
        )
        if s.break_even_month and s.break_even_month > 1:  # month 1: cheaper from the start, the legend says so
            m = s.break_even_month
            fig.add_scatter(
                x=[m],
                y=[s.cumulative[m - 1]],
                mode="markers+text",
                marker={
                    "symbol": "diamond",
                    "size": 12,
                    "color": colours[s.name],
                    "line": {"color": "white", "width": 1},
                },
                text=[f"break-even month {m}"],
                textposition="top left" if m > result.horizon_months / 2 else "top right",
                textfont={"size": 11, "color": colours[s.name]},
                showlegend=False,
                hovertemplate=label(s.title, 30) + ": break-even in month %{x}<extra></extra>",
            )
    _layout(fig, result, 360, legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0})
    fig.update_xaxes(title_text="month", range=[0.5, result.horizon_months + 0.5], dtick=6 if months[-1] > 12 else 1)
    fig.update_yaxes(title_text=f"cumulative {result.currency}", tickformat=",.0f", rangemode="tozero")
    return fig


def cumulative_fan(result: EstimateResult, names: Sequence[str] | None = None) -> go.Figure | None:
    """P10–P90 band and P50 of the cumulative cost of `names`; by default the baseline, the scenario the
    tornado is about and the recommended one (more overlapping bands cannot be told apart)."""
    u = getattr(result, "uncertainty", None)
    if u is None:
        return None
    colours = scenario_colours(result)
    titles = {s.name: s.title for s in result.scenarios}
    shown = list(names or dict.fromkeys([result.baseline, u.tornado_scenario, result.recommendation.scenario]))
    months = list(range(1, result.horizon_months + 1))
    fig = go.Figure()
    for su in u.scenarios:
        if su.name not in shown:
            continue
        colour = colours.get(su.name) or scenario_colour(su.name)
        name = label(titles.get(su.name, su.name), 44)
        fig.add_scatter(
            x=months, y=su.cumulative.p90, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
        fig.add_scatter(
            x=months,
            y=su.cumulative.p10,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=translucent(colour),
            name=name + " (P10–P90)",
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=months,
            y=su.cumulative.p50,
            mode="lines",
            line={"color": colour, "width": 2},
            name=name + " (P50)",
            hovertemplate="month %{x}: P50 " + result.currency + " %{y:,.2f}<extra></extra>",
        )
    _layout(fig, result, 340, legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0})
    fig.update_xaxes(title_text="month", range=[0.5, result.horizon_months + 0.5], dtick=6 if months[-1] > 12 else 1)
    fig.update_yaxes(title_text=f"cumulative {result.currency}", tickformat=",.0f", rangemode="tozero")
    return fig


def tornado(result: EstimateResult, top: int = 10, name_of: Callable[[str], str] = human_label) -> go.Figure | None:
    """How far the savings vs the baseline move with each assumption at its low and its high end; `name_of`
    names an assumption (the one table of labels in analysis/render/wording.py)."""
    u = getattr(result, "uncertainty", None)
    if u is None or not u.tornado:
        return None
    bars = list(reversed(u.tornado[:top]))
    target = next((s for s in result.scenarios if s.name == u.tornado_scenario), None)
    centre = target.savings_vs_baseline if target is not None else 0.0
    names = [label(f"{name_of(b.assumption)} ({number(b.low)} → {number(b.high)})", 40) for b in bars]
    fig = go.Figure()
    for end, colour in (("low", "#56B4E9"), ("high", "#D55E00")):
        values = [getattr(b, f"savings_at_{end}") for b in bars]
        fig.add_bar(
            y=names,
            x=[v - centre for v in values],
            base=centre,
            customdata=values,
            orientation="h",
            name=f"assumption at its {end} end",
            marker_color=colour,
            hovertemplate="%{y}<br>savings: " + result.currency + " %{customdata:,.2f}<extra></extra>",
        )
    fig.add_vline(x=centre, line_dash="dot", line_color="#222")
    n = len(bars)
    legend = {"orientation": "h", "yanchor": "top", "y": -110 / (90 + 30 * n), "x": 0}
    _layout(fig, result, 120 + 30 * n, barmode="overlay", legend=legend)
    fig.update_traces(opacity=0.85)
    fig.update_xaxes(title_text=f"savings vs the baseline over {result.horizon_months} months, {result.currency}")
    fig.update_xaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#888")
    return fig


def figures(result: EstimateResult) -> dict[str, go.Figure]:
    """Every chart the report shows, by the name the template places it under."""
    out = {
        "spend_by_component": spend_by_component(result),
        "monthly_by_group": monthly_by_group(result),
        "cumulative_tco": cumulative_tco(result),
    }
    fan, bars = cumulative_fan(result), tornado(result)
    if fan is not None:
        out["cumulative_fan"] = fan
    if bars is not None:
        out["tornado"] = bars
    return out
