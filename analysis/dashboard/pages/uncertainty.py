"""Uncertainty: how sure the answer is — percentile bands, the chance of beating ECR, what moves it most."""

from __future__ import annotations

import streamlit as st

from analysis.dashboard import charts, controls, state, tables
from analysis.dashboard.format import money

snap = state.require_snapshot()
st.title("Uncertainty")
st.caption(
    "Every assumption given as a range (low–base–high, set on the Scenarios page or in the presets) is drawn at "
    "random; each draw is costed with the same model. The same draws serve every scenario, so the chance of "
    "beating ECR compares like with like."
)
left, right = st.columns([3, 1], gap="large")
with left:
    controls.scenario_picker("uncertainty")
with right:
    draws = st.select_slider(
        "Draws",
        options=[1_000, 2_000, 5_000, 10_000, 20_000],
        format_func=lambda n: f"{n:,}",
        help="More draws, steadier percentiles; 10,000 (as `regcost estimate`) take about a second.",
        **state.bind("draws", state.CLI_DRAWS),
    )
result = state.full_result(snap, draws)
u = result.uncertainty
assert u is not None
ccy = result.currency
titles = {s.name: s.title for s in result.scenarios}

df = tables.uncertainty_frame(result)
tables.static(df, [c for c in df.columns if c.startswith("P")], key="table-uncertainty")
st.caption(
    "P(beats ECR): the share of draws with a lower TCO than staying on ECR over the horizon. Never breaks even: "
    "the share of draws whose cumulative cost never stays below ECR's within the horizon."
)

st.subheader("Cumulative cost: median and P10–P90 band")
st.caption("Two scenarios at a time: more overlapping bands cannot be told apart.")
names = [s.name for s in result.scenarios]
pick_cols = st.columns(2)
pair = []
rec = result.recommendation.scenario
second = rec if rec != result.baseline else u.tornado_scenario
for i, (slot, fallback) in enumerate((("fan.left", result.baseline), ("fan.right", second))):
    if state.owned(slot) not in names:  # first visit, or the scenario was dropped from the comparison
        st.session_state[f"regcost.{slot}"] = fallback if fallback in names else names[min(i, len(names) - 1)]
    pair.append(
        pick_cols[i].selectbox(
            "Compare" if i == 0 else "with",
            names,
            format_func=lambda n: titles.get(n, n),
            **state.bind(slot, fallback),
        )
    )
st.plotly_chart(charts.fan(result, pair), key="chart.fan", config={"displayModeBar": False})
st.subheader(f"What moves the answer most: {titles.get(u.tornado_scenario, u.tornado_scenario)}")
st.caption(
    f"Its savings vs ECR ({money(result.scenario(u.tornado_scenario).savings_vs_baseline, ccy)} in the base case, "
    "dotted line) with one assumption at its low or high end and every other at its base."
)
st.plotly_chart(charts.tornado(result, label=controls.label), key="chart.tornado", config={"displayModeBar": False})
st.caption(
    f"{u.draws:,} draws, seed {u.seed} (as `regcost estimate`); assumptions drawn from their ranges: "
    + ", ".join(controls.label(n) for n in u.ranged_assumptions)
    + "."
)
state.downloads(snap)
