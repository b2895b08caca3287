"""Golden files (as Infracost keeps them): `regcost estimate` of one fixed usage file in every text format,
compared byte for byte with tests/fixtures/golden/estimate.*. A change in a renderer or the model shows as a
diff a reviewer reads.

After an intended change, regenerate and review the diff:

    REGCOST_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/render/test_golden.py
    git diff tests/fixtures/golden/

What changes by itself is pinned: the time the result was made, regcost's version and this checkout's path.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.render import OUTPUTS, Result, render

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
USAGE = ROOT / "tests" / "fixtures" / "usage" / "golden.yaml"
AT = datetime(2026, 11, 1, tzinfo=UTC)
UPDATE = os.environ.get("REGCOST_UPDATE_GOLDEN") == "1"


def golden_request() -> EstimateRequest:
    # three scenarios over a year: every kind of row (monthly, one-time, summary, percentiles) in files a
    # reviewer can read
    return EstimateRequest(
        usage=USAGE, scenarios=("ecr", "harbor-eu-cloud", "hybrid-proxy"), horizon=12, draws=500, at=AT
    )


def pinned(result: Result) -> Result:
    """The result with what varies by run or install fixed: generated_at, regcost_version and the checkout's path
    in the notes (before rendering: the table wraps a note by its length)."""
    notes = [n.replace(str(ROOT), "<checkout>") for n in result.estimate.notes]
    pins = {"generated_at": AT, "regcost_version": "0.0.0-golden", "notes": notes}
    estimate = result.estimate.model_copy(update=pins)
    return result.model_copy(update={"estimate": estimate})


@pytest.fixture(scope="module")
def result() -> Result:
    return pinned(run(golden_request()))


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_output_matches_its_golden_file(result: Result, fmt: str):
    text = render(result, fmt, width=160).replace(str(ROOT), "<checkout>")
    path = GOLDEN / f"estimate.{OUTPUTS[fmt].extension}"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; if intended: REGCOST_UPDATE_GOLDEN=1 pytest {Path(__file__).relative_to(ROOT)}"
    )
