"""The dashboard's own views (monthly lines, TCO bars, where the money goes, the storage treemap), drawn with
the report's chart module (analysis/render/charts.py): its colours, by scenario name, and its cumulative lines,
fan and tornado. They draw; they never cost.

Every figure labels both axes with units and shows money in the result's currency to the unit on the axis
and to the cent on hover.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import pandas as pd
import plotly.graph_objects as go

from analysis.model.result import EstimateResult
from analysis.render import charts as shared
from analysis.render.charts import group_colour, group_name
from analysis.render.charts import scenario_colour as colour
from analysis.render.format import GIB, SYMBOLS
from analysis.render.wording import human_label


def legend_html(result: EstimateResult) -> str:
    """One colour key for the charts beside it (their own legends would stack six long titles each)."""
    items = "".join(
        f'<span style="white-space:nowrap;margin-right:1.2em"><span style="display:inline-block;width:0.9em;'
        f'height:0.9em;background:{colour(s.name)};border-radius:2px;margin-right:0.35em;vertical-align:-0.1em">'
        f"</span>{escape(s.title)}{' (baseline)' if s.name == result.baseline else ''}</span> "
        for s in result.scenarios
    )
    return f'<div style="font-size:0.85rem;line-height:1.8">{items}</div>'


def _layout(fig: go.Figure, result: EstimateResult, *, x: str, y: str, height: int = 340) -> go.Figure:
    symbol = SYMBOLS.get(result.currency, "")
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        showlegend=False,
        hovermode="x unified",
        xaxis_title=x,
        yaxis_title=y,
        # automargin: the margins grow to hold the tick labels and the axis titles (a 10 px margin cut the
        # y title to "st per month (USD)" at 1280 px)
        xaxis={"automargin": True},
        yaxis={"tickprefix": symbol, "tickformat": ",.0f", "rangemode": "tozero", "automargin": True},
    )
    return fig


def _hover(result: EstimateResult) -> str:
    return f"%{{fullData.name}}: {SYMBOLS.get(result.currency, '')}%{{y:,.2f}}<extra></extra>"


def monthly(result: EstimateResult) -> go.Figure:
    """Cost per month of each scenario (one-time costs are not in it: see the cumulative chart)."""
    fig = go.Figure()
    months = list(range(1, result.horizon_months + 1))
    for s in result.scenarios:
        fig.add_scatter(
            x=months,
            y=s.monthly_total,
            name=s.title,
            mode="lines",
            line={"color": colour(s.name), "width": 3 if s.name == result.baseline else 2},
            hovertemplate=_hover(result),
        )
    return _layout(fig, result, x="Month", y=f"Cost per month ({result.currency})")


def cumulative(result: EstimateResult) -> go.Figure:
    """The report's cumulative cost (one-time costs in month 1, break-even months marked); the colour key
    beside it (legend_html) names the lines."""
    fig = shared.cumulative_tco(result)
    titles = {s.name: s.title for s in result.scenarios}
    fig.for_each_trace(lambda t: t.update(name=titles[t.legendgroup]), selector={"mode": "lines"})
    fig.update_layout(showlegend=False, hovermode="x unified")
    return fig


def tco_bars(result: EstimateResult) -> go.Figure:
    """Horizon TCO per scenario, one-time costs stacked on the monthly costs, cheapest on top."""
    order = sorted(result.scenarios, key=lambda s: s.horizon_tco, reverse=True)
    symbol = SYMBOLS.get(result.currency, "")
    titles = [s.title for s in order]
    one_time = [sum(o.amount for o in s.one_time) for s in order]
    running = [s.horizon_tco - t for s, t in zip(order, one_time, strict=True)]
    fig = go.Figure()
    fig.add_bar(
        y=titles,
        x=running,
        orientation="h",
        name="Monthly costs over the horizon",
        showlegend=False,
        marker={"color": [colour(s.name) for s in order]},
        hovertemplate=f"%{{y}}<br>monthly costs: {symbol}%{{x:,.2f}}<extra></extra>",
    )
    fig.add_bar(
        y=titles,
        x=one_time,
        orientation="h",
        name="One-time costs (migration), hatched",
        marker={"color": "#BBBBBB", "pattern": {"shape": "/"}},
        text=[f"{symbol}{s.horizon_tco:,.0f}" for s in order],
        textposition="outside",
        cliponaxis=False,
        hovertemplate=f"%{{y}}<br>one-time: {symbol}%{{x:,.2f}}<extra></extra>",
    )
    fig.update_layout(
        barmode="stack",
        height=70 + 48 * len(order),
        margin={"l": 10, "r": 80, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        xaxis={
            "title": f"{result.horizon_months}-month cost ({result.currency})",
            "tickprefix": symbol,
            "tickformat": ",.0f",
        },
        yaxis={"title": None, "automargin": True},
    )
    return fig


def components(result: EstimateResult) -> go.Figure:
    """Where the money goes: horizon cost per component group and scenario."""
    rows = []
    for s in result.scenarios:
        for c in s.components:
            rows.append({"scenario": s.title, "group": c.group, "cost": c.total})
        for o in s.one_time:
            rows.append({"scenario": s.title, "group": "one-time", "cost": o.amount})
    df = pd.DataFrame(rows).groupby(["scenario", "group"], as_index=False, sort=False)["cost"].sum()
    symbol = SYMBOLS.get(result.currency, "")
    fig = go.Figure()
    for group, part in df.groupby("group", sort=False):
        name = "One-time (migration)" if group == "one-time" else group_name(str(group))
        fig.add_bar(
            y=part["scenario"],
            x=part["cost"],
            orientation="h",
            name=name,
            marker_color="#BBBBBB" if group == "one-time" else group_colour(str(group)),
            hovertemplate=f"%{{y}}<br>{escape(name)}: {symbol}%{{x:,.2f}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=90 + 48 * len(result.scenarios),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "title": "component group"},
        xaxis={
            "title": f"{result.horizon_months}-month cost ({result.currency})",
            "tickprefix": symbol,
            "tickformat": ",.0f",
        },
        yaxis={"title": None, "automargin": True, "autorange": "reversed"},
    )
    return fig


def storage_treemap(repos: pd.DataFrame, *, limit: int = 300) -> go.Figure:
    """ECR-billable storage (unique blobs per repository) by account → region → repository.

    The largest `limit` repositories are drawn; the rest of each region is one "other repositories" tile.
    """
    df = repos[["account_id", "region", "repository_name", "unique_bytes", "images"]].copy()
    df = df[df["unique_bytes"] > 0].sort_values("unique_bytes", ascending=False)
    top, rest = df.head(limit), df.iloc[limit:]
    if not rest.empty:
        other = rest.groupby(["account_id", "region"], as_index=False)[["unique_bytes", "images"]].sum()
        other["repository_name"] = "(other repositories)"
        top = pd.concat([top, other], ignore_index=True)
    ids, labels, parents, values, images = [], [], [], [], []
    for account, a in top.groupby("account_id"):
        ids.append(account)
        labels.append(f"account {account}")
        parents.append("")
        values.append(a["unique_bytes"].sum() / GIB)
        images.append(int(a["images"].sum()))
        for region, r in a.groupby("region"):
            rid = f"{account}/{region}"
            ids.append(rid)
            labels.append(str(region))
            parents.append(account)
            values.append(r["unique_bytes"].sum() / GIB)
            images.append(int(r["images"].sum()))
            for row in r.itertuples():
                ids.append(f"{rid}/{row.repository_name}")
                labels.append(str(row.repository_name))
                parents.append(rid)
                values.append(row.unique_bytes / GIB)
                images.append(int(row.images))
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            customdata=images,
            branchvalues="total",
            texttemplate="%{label}<br>%{value:,.1f} GiB",
            hovertemplate="%{id}<br>%{value:,.1f} GiB ECR-billable · %{customdata:,} images<extra></extra>",
            maxdepth=3,
        )
    )
    fig.update_layout(
        height=520,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        treemapcolorway=["#0072B2", "#009E73", "#E69F00", "#56B4E9"],
    )
    return fig


def fan(result: EstimateResult, names: Sequence[str] | None = None) -> go.Figure:
    """The report's fan: P50 line inside its P10–P90 band of `names` (the page compares two)."""
    fig = shared.cumulative_fan(result, names or [s.name for s in result.scenarios])
    assert fig is not None, "the page draws the fan only with an uncertainty result"
    return fig


def tornado(result: EstimateResult, top: int = 10, label: Callable[[str], str] = human_label) -> go.Figure:
    """The report's tornado: savings vs the baseline with each assumption at its low and at its high end."""
    fig = shared.tornado(result, top, name_of=label)
    assert fig is not None, "the page draws the tornado only with an uncertainty result"
    return fig
