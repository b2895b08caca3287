"""Figures from the result object (and the profile's per-repository table). They draw; they never cost.

Every figure labels both axes with units and shows money in the result's currency to the unit on the axis
and to the cent on hover.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import pandas as pd
import plotly.graph_objects as go

from analysis.dashboard.format import GIB, SYMBOLS
from analysis.model.result import EstimateResult

# One colour per preset, stable across pages and selections (Okabe–Ito, readable for colour-blind people).
PALETTE = ("#555555", "#009E73", "#0072B2", "#E69F00", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
_ORDER = ("ecr", "ecr-cleanup", "harbor-aws", "harbor-eu-cloud", "harbor-onprem", "hybrid-proxy")


def colour(name: str) -> str:
    i = _ORDER.index(name) if name in _ORDER else len(_ORDER) + hash(name) % 2
    return PALETTE[i % len(PALETTE)]


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
        yaxis={"tickprefix": symbol, "tickformat": ",.0f", "rangemode": "tozero"},
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
    """Cumulative cost (one-time costs in month 1), with a marker where each scenario breaks even."""
    fig = go.Figure()
    months = list(range(1, result.horizon_months + 1))
    for s in result.scenarios:
        fig.add_scatter(
            x=months,
            y=s.cumulative,
            name=s.title,
            mode="lines",
            legendgroup=s.name,
            line={"color": colour(s.name), "width": 3 if s.name == result.baseline else 2},
            hovertemplate=_hover(result),
        )
        if s.break_even_month:
            m = s.break_even_month
            fig.add_scatter(
                x=[m],
                y=[s.cumulative[m - 1]],
                name=f"{s.title}: breaks even in month {m}",
                mode="markers",
                legendgroup=s.name,
                showlegend=False,
                marker={"color": colour(s.name), "size": 12, "symbol": "diamond", "line": {"width": 1}},
                hovertemplate=f"breaks even in month {m}<extra></extra>",
            )
    return _layout(fig, result, x="Month", y=f"Cumulative cost ({result.currency})")


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
        fig.add_bar(
            y=part["scenario"],
            x=part["cost"],
            orientation="h",
            name=str(group),
            hovertemplate=f"%{{y}}<br>{group}: {symbol}%{{x:,.2f}}<extra></extra>",
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


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def fan(result: EstimateResult, names: Sequence[str] | None = None) -> go.Figure:
    """Cumulative cost of `names` (default: every scenario; the page compares two): P50 line inside its
    P10–P90 band. More than two overlapping bands cannot be told apart."""
    assert result.uncertainty is not None
    fig = go.Figure()
    months = list(range(1, result.horizon_months + 1))
    titles = {s.name: s.title for s in result.scenarios}
    for u in result.uncertainty.scenarios:
        if names is not None and u.name not in names:
            continue
        c = colour(u.name)
        fig.add_scatter(
            x=months,
            y=u.cumulative.p90,
            mode="lines",
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            legendgroup=u.name,
        )
        fig.add_scatter(
            x=months,
            y=u.cumulative.p10,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=_rgba(c, 0.18),
            showlegend=False,
            hoverinfo="skip",
            legendgroup=u.name,
        )
        fig.add_scatter(
            x=months,
            y=u.cumulative.p50,
            mode="lines",
            name=f"{titles.get(u.name, u.name)} (P50)",
            line={"color": c, "width": 2},
            legendgroup=u.name,
            hovertemplate=_hover(result),
        )
    return _layout(fig, result, x="Month", y=f"Cumulative cost, P10–P90 band ({result.currency})", height=380)


def tornado(result: EstimateResult, top: int = 10, label: Callable[[str], str] | None = None) -> go.Figure:
    """Savings of the tornado's scenario vs the baseline with each assumption at its low and at its high end."""
    assert result.uncertainty is not None
    u = result.uncertainty
    bars = [b for b in u.tornado if b.swing > 0.005][:top][::-1]  # largest on top
    base = next((s.savings_vs_baseline for s in result.scenarios if s.name == u.tornado_scenario), 0.0)
    labels = [label(b.assumption) if label else b.assumption.replace("_", " ") for b in bars]
    symbol = SYMBOLS.get(result.currency, "")
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=[b.savings_at_low - base for b in bars],
        base=base,
        orientation="h",
        name="at low",
        marker_color="#56B4E9",
        customdata=[[b.low, b.savings_at_low] for b in bars],
        hovertemplate=f"low %{{customdata[0]:g}}: saves {symbol}%{{customdata[1]:,.2f}}<extra></extra>",
    )
    fig.add_bar(
        y=labels,
        x=[b.savings_at_high - base for b in bars],
        base=base,
        orientation="h",
        name="at high",
        marker_color="#D55E00",
        customdata=[[b.high, b.savings_at_high] for b in bars],
        hovertemplate=f"high %{{customdata[0]:g}}: saves {symbol}%{{customdata[1]:,.2f}}<extra></extra>",
    )
    fig.add_vline(x=base, line_dash="dot", line_color="#555555")
    fig.update_layout(
        barmode="overlay",
        height=max(240, 34 * len(bars) + 80),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.18},
        xaxis={
            "title": f"Savings vs the baseline over {result.horizon_months} months ({result.currency})",
            "tickprefix": symbol,
            "tickformat": ",.0f",
        },
    )
    return fig
