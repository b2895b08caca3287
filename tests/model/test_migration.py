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


def test_uneven_waves_move_the_traffic_the_plan_gives_them(catalog):
    # The plan's three waves carry 50 %, 30 % and 20 % of the pull bytes; over 3 dual-run months each wave has
    # one month, in which its consumers move linearly. At mid-month m:
    #   month 1 (t = 0.5): half of wave 1 moved = 0.5 × 0.5 = 0.25 → ECR serves 0.75
    #   month 2 (t = 1.5): wave 1 + half of wave 2 = 0.5 + 0.15 = 0.65 → ECR serves 0.35
    #   month 3 (t = 2.5): 0.5 + 0.3 + half of wave 3 = 0.9 → ECR serves 0.10; month 4: 0
    # (even waves would give 5/6, 1/2, 1/6: the first wave, the heaviest, moves more, sooner)
    a = Assumptions(dual_run_months=3, migration_wave_traffic=[0.5, 0.3, 0.2])
    c = Ctx(catalog, ResolvedAssumptions.of(a), MONTHS)
    assert ecr_traffic_share(c).tolist() == pytest.approx([0.75, 0.35, 0.10, 0.0])
    egress = Line("Egress", "transfer", np.full(4, 200.0))
    storage = Line("Storage", "storage", np.full(4, 10.0))
    line = dual_run([storage, egress], c)
    # ECR: storage 10 in each of the 3 months + egress 200 × 0.75 = 150, 200 × 0.35 = 70, 200 × 0.10 = 20
    assert line.monthly.tolist() == pytest.approx([160.0, 80.0, 30.0, 0.0])
    assert "plan's pull traffic" in line.note
    harbor = [Line("Egress", "transfer", np.full(4, 200.0))]
    move_traffic(harbor, c)
    # the new registry: 200 × 0.25 = 50, 200 × 0.65 = 130, 200 × 0.90 = 180, 200: each pull paid once
    assert harbor[0].monthly.tolist() == pytest.approx([50.0, 130.0, 180.0, 200.0])


def test_even_waves_are_the_same_with_or_without_a_plan_of_equal_waves(catalog):
    # four equal waves over 2 months: the same straight line as no plan (75 %, 25 %, 0, 0)
    a = Assumptions(dual_run_months=2, migration_wave_traffic=[1.0, 1.0, 1.0, 1.0])
    assert ecr_traffic_share(Ctx(catalog, ResolvedAssumptions.of(a), MONTHS)).tolist() == pytest.approx(
        [0.75, 0.25, 0.0, 0.0]
    )


def test_a_negative_wave_share_is_refused():
    with pytest.raises(ValueError, match="migration_wave_traffic"):
        Assumptions(migration_wave_traffic=[0.5, -0.1])
