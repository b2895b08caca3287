"""The finding model: effort = fixed + per unit × units, stated with its basis; frozen; the report reads the same."""

from __future__ import annotations

import pydantic
import pytest

from analysis.portability.finding import EFFORT, Finding, effort, make_finding


def test_effort_is_fixed_plus_per_unit_and_says_so():
    # replication: 2 d fixed + 1 d × 3 rules = 5 d
    days, basis = effort("replication", 3)
    assert days == 5.0
    assert basis.startswith("2 d + 1 d × 3 rule [assumption: ")


def test_nothing_counted_costs_nothing():
    # The fixed part is paid only when the feature is used at all.
    assert effort("replication", 0)[0] == 0.0


def test_a_finding_keeps_ten_places_and_rounds_its_effort():
    where = [f"repo-{i}" for i in range(25)]
    f = make_finding("lifecycle-exact", "t", "e", 7, "h", where)
    assert f.where == where[:10]
    # 0 d fixed + 0.05 d × 7 rules = 0.35 d
    assert f.effort_days == 0.35


def test_a_finding_is_frozen_and_round_trips_through_its_dict():
    f = make_finding("blob-mounting", "Blob mounting", "2 registries", 2, "built in")
    with pytest.raises(pydantic.ValidationError):
        f.count = 3
    assert Finding(**f.as_dict()) == f


def test_every_effort_states_its_reason():
    assert all(why for *_, why in EFFORT.values())
