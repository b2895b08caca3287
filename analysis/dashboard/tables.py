"""Tables shown on several pages, as numbers (sortable) with the currency as a display format."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from analysis.dashboard.format import break_even
from analysis.model.result import EstimateResult

_MONEY = {"USD": "dollar", "EUR": "euro"}


def money_column(label: str, currency: str, help: str | None = None) -> ColumnConfig:
    return st.column_config.NumberColumn(label, format=_MONEY.get(currency, "%,.2f"), help=help)


def summary_frame(result: EstimateResult) -> pd.DataFrame:
    h = result.horizon_months
    rows = []
    for s in result.scenarios:
        is_base = s.name == result.baseline
        rows.append(
            {
                "scenario": s.title + (" (baseline)" if is_base else ""),
                "month 1": s.monthly_total[0],
                f"month {h}": s.monthly_total[-1],
                "one-time": sum(o.amount for o in s.one_time),
                f"{h}-month TCO": s.horizon_tco,
                "saves vs baseline": None if is_base else s.savings_vs_baseline,
                "break-even": break_even(s.break_even_month, baseline=is_base),
                "NPV": s.npv,
            }
        )
    return pd.DataFrame(rows)


def summary(result: EstimateResult, key: str = "table.summary") -> None:
    df = summary_frame(result)
    ccy = result.currency
    config = {c: money_column(c, ccy) for c in df.columns if c not in ("scenario", "break-even")}
    config["saves vs baseline"] = money_column(
        "saves vs baseline", ccy, "Baseline TCO − this scenario's TCO over the horizon (positive: cheaper)."
    )
    config["break-even"] = st.column_config.TextColumn(
        "break-even", help="First month from which the cumulative cost stays at or below the baseline's."
    )
    config["NPV"] = money_column("NPV", ccy, f"Net present value at {result.discount_rate_annual:.0%} a year.")
    st.dataframe(df, hide_index=True, column_config=config, key=key, width="stretch")
