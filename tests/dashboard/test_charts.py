"""The dashboard's charts come from the report's chart module: a scenario has one colour, chosen by its name
from a fixed palette, in every chart of the report and of the dashboard, whatever else is selected and in
every run (Python's hash() of a name changes from run to run; the colour must not).

Result: tests/dashboard/conftest.py (Stay on ECR and Harbor on AWS, 12 months).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from analysis.dashboard import charts as dashboard
from analysis.render import charts as report
from analysis.render.charts import SCENARIO_COLOURS, scenario_colour


def _line_colours(fig) -> dict[str, str]:
    """Each line's colour by the scenario title it starts with (the report adds break-even words)."""
    return {t.name.split(" (baseline)")[0].split(" —")[0]: t.line.color for t in fig.data if t.mode == "lines"}


def test_a_scenario_has_the_same_colour_in_the_reports_and_the_dashboards_charts(calculator_result, uncertain):
    ecr, harbor = calculator_result.scenarios
    expected = {ecr.title: "#222222", harbor.title: "#D55E00"}  # the first and the third preset's colours
    assert _line_colours(report.cumulative_tco(calculator_result)) == expected
    assert _line_colours(dashboard.monthly(calculator_result)) == expected
    assert _line_colours(dashboard.cumulative(calculator_result)) == expected
    bars = dashboard.tco_bars(calculator_result).data[0]  # costliest first
    assert dict(zip(bars.y, bars.marker.color, strict=True)) == expected
    fans = [report.cumulative_fan(uncertain(0.5)), dashboard.fan(uncertain(0.5))]
    for fig in fans:
        p50 = {t.name.removesuffix(" (P50)"): t.line.color for t in fig.data if t.name and t.name.endswith("(P50)")}
        assert p50 == expected


def test_the_colour_does_not_depend_on_what_else_is_shown(uncertain):
    # Harbor alone in the fan: still Harbor's colour, not the first colour of the palette
    fig = dashboard.fan(uncertain(0.5), ["harbor-aws"])
    assert {t.line.color for t in fig.data if t.name and t.name.endswith("(P50)")} == {"#D55E00"}
    assert {t.fillcolor for t in fig.data if t.fill} == {"rgba(213,94,0,0.18)"}  # the band: D5 5E 00, translucent
    assert scenario_colour("harbor-aws") == "#D55E00"


def test_a_name_that_is_not_a_preset_gets_the_same_spare_colour_in_every_run():
    code = "from analysis.render.charts import scenario_colour; print(scenario_colour('team-harbor'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert seen == {scenario_colour("team-harbor")}
    assert seen <= set(SCENARIO_COLOURS[6:])  # the presets' colours stay theirs


def test_where_the_money_goes_uses_the_reports_group_names_and_colours(calculator_result):
    fig = dashboard.components(calculator_result)
    storage = next(t for t in fig.data if t.name == "Storage")
    assert storage.marker.color == report.group_colour("storage")
    # the bars of each scenario add up to its TCO (17,462.40 for ECR: 12 × 1,455.20)
    totals = pd.concat([pd.Series(t.x, index=t.y) for t in fig.data]).groupby(level=0).sum()
    assert totals[calculator_result.scenarios[0].title] == pytest.approx(17_462.40)


def test_the_tornado_names_assumptions_as_the_report_does(uncertain):
    (low, _high) = dashboard.tornado(uncertain(0.5)).data
    assert list(low.y) == ["Layer cache hit ratio (0.5 → 0.95)"]


def test_axis_titles_get_the_room_they_need(calculator_result, uncertain):
    # a 10 px margin without automargin cut the monthly chart's y title to "st per month (USD)" at 1280 px
    for fig in (
        dashboard.monthly(calculator_result),
        dashboard.cumulative(calculator_result),
        dashboard.fan(uncertain(0.5)),
        dashboard.tornado(uncertain(0.5)),
    ):
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            if axis.title.text:
                assert axis.automargin, (fig.layout.height, axis.title.text)


def test_money_on_the_tornado_axis_has_no_symbol_before_the_sign(uncertain):
    # "$−2,000" reads wrong: the report writes "−$2,000" or, on this axis, plain numbers with the currency named
    fig = dashboard.tornado(uncertain(0.5))
    assert not fig.layout.xaxis.tickprefix
    assert fig.layout.xaxis.title.text.endswith(", USD")
