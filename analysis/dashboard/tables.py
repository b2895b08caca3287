"""Tables shown on several pages, formatted as the report formats them: money with thousands separators and
the currency symbol, counts without decimals, human column labels, "—" where a value does not apply.

Short tables (one row per scenario) are static: every column is visible at any width (an interactive grid
clips the last column at 1280 px) and the text can be read, copied and checked.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from analysis.model.result import EstimateResult
from analysis.render.format import break_even, break_even_spread, pct
from analysis.render.format import money_short as money

_MONEY = {"USD": "dollar", "EUR": "euro"}


def money_column(label: str, currency: str, help: str | None = None) -> ColumnConfig:
    return st.column_config.NumberColumn(label, format=_MONEY.get(currency, "%,.2f"), help=help)


def static(df: pd.DataFrame, numeric: Iterable[str], *, key: str | None = None) -> None:
    """A formatted table (strings) with its numeric columns right-aligned; the first column is the row label."""
    cols = [c for c in numeric if c in df.columns]
    styler = df.set_index(df.columns[0]).style.set_properties(subset=[c for c in cols], **{"text-align": "right"})
    styler = styler.set_table_styles([{"selector": "th.col_heading", "props": [("text-align", "right")]}])
    if key:
        with st.container(key=key):
            st.table(styler)
    else:
        st.table(styler)


def summary_frame(result: EstimateResult) -> pd.DataFrame:
    """One row per scenario, as the report's summary: money to the unit, "—" for the baseline's savings."""
    h, ccy = result.horizon_months, result.currency
    rows = []
    for s in result.scenarios:
        is_base = s.name == result.baseline
        rows.append(
            {
                "Scenario": s.title + (" (baseline)" if is_base else ""),
                "Month 1": money(s.monthly_total[0], ccy),
                f"Month {h}": money(s.monthly_total[-1], ccy),
                "One-time": money(sum(o.amount for o in s.one_time), ccy),
                f"{h}-month TCO": money(s.horizon_tco, ccy),
                "Saves vs baseline": "—" if is_base else money(s.savings_vs_baseline, ccy),
                "Break-even": break_even(s, result.baseline),
                "NPV": money(s.npv, ccy),
            }
        )
    return pd.DataFrame(rows)


def summary(result: EstimateResult, key: str = "table-summary") -> None:
    df = summary_frame(result)
    static(df, [c for c in df.columns if c not in ("Scenario", "Break-even")], key=key)
    st.caption(
        "Saves vs baseline: the baseline's TCO − this scenario's over the horizon, one-time costs included "
        "(negative: costs more). Break-even: first month from which the cumulative cost stays at or below the "
        f"baseline's. NPV at {result.discount_rate_annual:.0%} a year."
    )


def uncertainty_frame(result: EstimateResult) -> pd.DataFrame:
    """Percentiles per scenario, as the report's uncertainty table (its break-even words included)."""
    u = result.uncertainty
    assert u is not None
    titles = {s.name: s.title for s in result.scenarios}
    h, ccy = result.horizon_months, result.currency
    rows = []
    for s in u.scenarios:
        be = s.break_even
        is_base = s.p_beats_baseline is None
        rows.append(
            {
                "Scenario": titles.get(s.name, s.name) + (" (baseline)" if is_base else ""),
                f"P10 {h}-month TCO": money(s.horizon_tco["p10"], ccy),
                "P50": money(s.horizon_tco["p50"], ccy),
                "P90": money(s.horizon_tco["p90"], ccy),
                "P(beats ECR)": "—" if s.p_beats_baseline is None else pct(s.p_beats_baseline),
                # the report's words: no percentiles from the few draws that break even
                "Break-even month": break_even_spread(s, u.draws),
                "Never breaks even": "—" if be["never"] is None else pct(be["never"]),
            }
        )
    return pd.DataFrame(rows)


def grid(
    df: pd.DataFrame,
    columns: dict[str, str],
    *,
    key: str,
    counts: Iterable[str] = (),
    decimals: dict[str, int] | None = None,
    help: dict[str, str] | None = None,
    **kwargs: object,
) -> None:
    """An interactive (sortable) table with human column labels: `columns` maps the frame's columns to labels,
    in order. Counts get thousands separators and no decimals; `decimals` columns that many digits. A column
    with missing values is shown as text with "—" (a number column would print `None`)."""
    out = df[list(columns)].rename(columns=columns)
    digits = {columns[c]: 0 for c in counts if c in columns} | {
        columns[c]: n for c, n in (decimals or {}).items() if c in columns
    }
    tips = {columns.get(c, c): t for c, t in (help or {}).items()}
    config: dict[str, object] = {}
    for label in out.columns:
        col = out[label]
        if label in digits:
            n = digits[label]
            if col.isna().any():
                out[label] = col.map(lambda v, n=n: "—" if pd.isna(v) else f"{v:,.{n}f}")
                config[label] = st.column_config.TextColumn(label, help=tips.get(label))
            else:
                config[label] = st.column_config.NumberColumn(label, format=f"%,.{n}f", help=tips.get(label))
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            out[label] = col.map(lambda v: "—" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
            config[label] = st.column_config.TextColumn(label, help=tips.get(label))
        elif label in tips:
            config[label] = st.column_config.Column(label, help=tips[label])
    st.dataframe(out, hide_index=True, key=key, width="stretch", column_config=config, **kwargs)  # type: ignore[call-overload]  # kwargs: the caller's height etc.
