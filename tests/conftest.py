"""Shared fixtures: a small generated estate served by the emulated AWS (moto over real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import SMALL, run_collection, today

from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate, generate_estate
from analysis.pipeline import plan_store


@pytest.fixture(scope="session")
def small_estate() -> Estate:
    return generate_estate(**SMALL, now=today())


@pytest.fixture()
def aws(small_estate: Estate) -> Iterator[EmulatedAWS]:
    """A fresh emulated AWS per test: faults and call records never leak between tests."""
    with EmulatedAWS() as emulated:
        emulated.seed(small_estate)
        emulated.reset_calls()
        yield emulated


@pytest.fixture(scope="session")
def collected_db(small_estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding one complete collection of the small estate (for readers: estimate, reports).

    Its readers read the plan the collection kept, as a large estate's do: the small estate is below
    `plan_store.KEEP_FROM_IMAGES` (tests/pipeline/test_plan_store.py holds both paths equal)."""
    db = tmp_path_factory.mktemp("collected") / "regcost.duckdb"
    with EmulatedAWS() as emulated, pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan_store, "KEEP_FROM_IMAGES", 0)
        emulated.seed(small_estate)
        summary = run_collection(emulated, small_estate, db)
    assert summary.status == "complete", summary.errors
    return db
