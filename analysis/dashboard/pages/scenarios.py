"""Scenarios: choose what to compare, move the assumptions, watch monthly and cumulative cost and break-even."""

from __future__ import annotations

import streamlit as st

from analysis.dashboard import charts, controls, state, tables
from analysis.dashboard.format import break_even, money

snap = state.require_snapshot()
st.title("Scenarios")
st.caption(
    "Assumptions are pre-filled from the presets (data/scenarios/) and shown against what the warehouse measured. "
    "An edit applies to every scenario compared. Ranges (low–high) are kept for the uncertainty stage."
)

top = st.columns([3, 1], vertical_alignment="bottom")
with top[0]:
    controls.scenario_picker("scenarios")
top[1].button(
    "Reset to presets",
    on_click=controls.reset,
    icon=":material/restart_alt:",
    help="Forget every assumption changed here.",
)
left, right = st.columns([2, 3], gap="large")
with left:
    currency = state.edits().get("currency", state.presets()["ecr"].assumptions.currency)
    st.caption("Scroll this panel; the charts stay in view.")
    with st.container(height=1050, border=True):
        controls.assumption_panel(snap, currency)

result = state.current_result(snap)
ccy = result.currency
with right:
    others = [s for s in result.scenarios if s.name != result.baseline]
    if others:
        default = result.recommendation.scenario if result.recommendation.scenario != result.baseline else None
        names_ = [s.name for s in others]
        if state.owned("focus") not in names_:
            st.session_state["regcost.focus"] = default or names_[0]
        focus_name = st.selectbox(
            "Scenario in focus",
            names_,
            format_func=lambda n: result.scenario(n).title,
            **state.bind("focus", default),
        )
        focus = result.scenario(focus_name)
        base = result.scenario(result.baseline)
        one_time = sum(o.amount for o in focus.one_time)
        # two by two: four metrics in a row are cut ("mo…", "$48,…") at 1280 px
        c = [*st.columns(2), *st.columns(2)]
        c[0].metric(
            "Break-even",
            break_even(focus.break_even_month),
            help="First month from which its cumulative cost stays at or below Stay on ECR's.",
        )
        c[1].metric(
            "Saves vs ECR",
            money(focus.savings_vs_baseline, ccy),
            delta=f"{focus.savings_vs_baseline / base.horizon_tco:+.0%} vs ECR" if base.horizon_tco else None,
            help=f"Stay on ECR's TCO − this scenario's TCO over {result.horizon_months} months, one-time costs "
            "included (negative: costs more).",
        )
        c[2].metric(f"{result.horizon_months}-month TCO", money(focus.horizon_tco, ccy))
        c[3].metric(
            "One-time cost",
            money(one_time, ccy),
            help="Migration: engineer-days at the labour rate, copy-out egress, set-up; included in the TCO.",
        )
    else:
        st.info("Only the baseline is selected: add a scenario to compare above.")
    st.markdown(charts.legend_html(result), unsafe_allow_html=True)
    st.subheader("Cost per month")
    st.plotly_chart(charts.monthly(result), key="chart.monthly", config={"displayModeBar": False})
    st.subheader("Cumulative cost and break-even")
    st.plotly_chart(charts.cumulative(result), key="chart.cumulative", config={"displayModeBar": False})

st.subheader("All scenarios")
tables.summary(result)
st.subheader("Where the money goes")
st.plotly_chart(charts.components(result), key="chart.components", config={"displayModeBar": False})
state.downloads(snap)
