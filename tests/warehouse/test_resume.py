"""Which run `--resume` continues: the newest run of the source, when it was interrupted and asked the same."""

from __future__ import annotations

import pyarrow as pa

from analysis.warehouse import ScopeKey, Warehouse
from analysis.warehouse.resume import resume_run

ASKED = {"regions": ["us-east-1", "eu-west-1"], "organization_role": "R"}


def _interrupted(wh: Warehouse, asked=ASKED) -> int:
    run = wh.start_run("ecr", asked)
    wh.load_scope(run, ScopeKey("111111111111", "us-east-1"), "complete", {})
    errors = pa.table(
        {
            "run_id": [run, run],
            "account_id": ["111111111111", "222222222222"],
            "region": ["us-east-1", "us-east-1"],
            "repository": [None, None],
            "operation": ["ecr:DescribeImages", "ecr:DescribeRepositories"],
            "error_code": ["AccessDenied", "Throttling"],
            "message": ["no", "slow"],
            "occurred_at": pa.array([0, 0], pa.timestamp("us", "UTC")),
        }
    )
    wh.load_errors(errors)
    wh.finish_run(run, "failed", {"scopes": 1})
    return run


def test_the_interrupted_run_is_reopened_with_its_finished_scopes(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        run = _interrupted(wh)
        resumed = resume_run(wh, "ecr", ASKED)
        assert resumed is not None
        assert (resumed.run_id, resumed.done, resumed.counts) == (
            run,
            {("111111111111", "us-east-1"): "complete"},
            {"scopes": 1},
        )
        assert wh.query("SELECT status, finished_at FROM runs WHERE run_id = ?", [run]) == [("running", None)]
        # The finished scope's error stays; the unfinished scope's is forgotten (the resumed run reads it anew).
        assert wh.query("SELECT account_id FROM collection_errors") == [("111111111111",)]


def test_a_finished_run_or_another_question_starts_afresh(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _interrupted(wh)
        assert resume_run(wh, "ecr", {**ASKED, "regions": ["us-east-1"]}) is None  # asked something else
        run = wh.start_run("ecr", ASKED)
        wh.finish_run(run, "complete", {})
        assert resume_run(wh, "ecr", ASKED) is None  # the newest run ended: nothing to resume
