"""The assumption widgets' words: the report's labels (one table, analysis/render/wording.py), the report's
values, and a widget for every assumption the panel groups (a name that is not a field would fail the page)."""

from __future__ import annotations

import math

import pytest

from analysis.dashboard.controls import GROUPS, SHARES, label, spec, value_text
from analysis.model.assumptions import Share
from analysis.render.wording import human_label


def test_labels_are_the_reports():
    assert label("discount_rate_annual") == "Discount rate per year"  # the report's, not "Discount rate"
    assert label("layer_cache_hit_ratio") == "Layer cache hit ratio"
    assert label("other_region") == "Other region"
    for _, names, _ in GROUPS:
        assert all(label(n) == human_label(n) for n in names)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),  # a catalog value applies
        ("", "—"),
        (math.nan, "—"),  # a missing cell in the assumptions frame
        (0.847013, "0.847"),  # three significant figures, as the PDF's Assumptions table
        (12000.0, "12,000"),
        ("True", "yes"),
        ("DAYS_30", "30 days"),
        ("catalog", "catalog"),
    ],
)
def test_values_read_as_the_reports(value, shown):
    assert value_text(value, "fraction") == shown


def test_every_grouped_assumption_has_a_widget_spec():
    for _, names, _ in GROUPS:
        for name in names:
            if name == "consumers":  # drawn as the split's sliders: the next test
                continue
            s = spec(name)
            assert s.label and s.source, name  # a label and where its value comes from, under the widget
    assert spec("layer_cache_hit_ratio").unit.startswith("fraction")  # shown in per cent


def test_the_consumer_split_has_three_sliders_and_a_remainder():
    assert set(SHARES) | {"same_region"} == set(Share.model_fields)
