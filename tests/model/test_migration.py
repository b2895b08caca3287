"""Running ECR and the new registry side by side: consumers move in even waves, each pull is paid by one
registry, ECR's storage is paid while it runs (a fractional last month in part)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions
from analysis.model.costs import Ctx, Line
from analysis.model.migration import dual_run, ecr_traffic_share, move_traffic
from analysis.model.resolved import ResolvedAssumptions
from analysis.pricing import load_catalog

MONTHS = np.arange(1.0, 5.0)  # 4 months


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def ctx(catalog, dual_run_months: float) -> Ctx:
    return Ctx(catalog, ResolvedAssumptions.of(Assumptions(dual_run_months=dual_run_months)), MONTHS)


def test_even_waves_over_two_months(catalog):
    # mid-month m: (m − ½) / 2 of the consumers have moved → ECR serves 75 %, 25 %, then nothing
    assert ecr_traffic_share(ctx(catalog, 2)).tolist() == [0.75, 0.25, 0.0, 0.0]


def test_dual_run_pays_storage_while_ecr_runs_and_traffic_for_who_has_not_moved(catalog):
    c = ctx(catalog, 1.5)
    storage = Line("Storage", "storage", np.full(4, 10.0))
    transfer = Line("Transfer", "transfer", np.full(4, 6.0))
    line = dual_run([storage, transfer], c)
    # running: 1.5 months → [1, 0.5, 0, 0]; serving: 1 − (m − ½) / 1.5 → [2/3, 0, 0, 0]
    # month 1: 10 × 1 + 6 × 2/3 = 14; month 2: 10 × 0.5 = 5
    assert line.monthly.tolist() == pytest.approx([14.0, 5.0, 0.0, 0.0])
    assert line.component == "ECR during the dual run"
    assert (line.quantity, line.unit) == (1.5, "months")


def test_the_new_registry_carries_only_the_moved_traffic(catalog):
    c = ctx(catalog, 2)
    transfer = Line("Egress", "transfer", np.full(4, 8.0))
    storage = Line("Disk", "storage", np.full(4, 3.0))
    move_traffic([transfer, storage], c)
    assert transfer.monthly.tolist() == [2.0, 6.0, 8.0, 8.0]  # 8 × (1 − 0.75), 8 × (1 − 0.25), all
    assert storage.monthly.tolist() == [3.0] * 4  # its own storage runs from month 1


def test_every_pull_is_paid_once(catalog):
    c = ctx(catalog, 2)
    ecr = [Line("Egress", "transfer", np.full(4, 8.0))]
    new = [Line("Egress", "transfer", np.full(4, 8.0))]
    move_traffic(new, c)
    assert (dual_run(ecr, c).monthly + new[0].monthly).tolist() == [8.0] * 4
