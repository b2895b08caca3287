"""Scenario files: the presets, a user's files overriding and extending them, and bad files refused with one
line that names the file, the field path and what was expected — before anything is computed."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.model.assumptions import Range
from analysis.model.scenarios import ScenarioError, load_scenarios, pick
from analysis.pipeline import result as result_module
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCENARIOS = FIXTURES / "scenarios"
PRESETS = {"ecr", "ecr-cleanup", "harbor-aws", "harbor-eu-cloud", "harbor-onprem", "hybrid-proxy"}


def test_the_presets_load():
    scenarios = load_scenarios()
    assert set(scenarios) == PRESETS
    kinds = {name: s.kind for name, s in scenarios.items()}
    assert kinds == {
        "ecr": "ecr",
        "ecr-cleanup": "ecr-cleanup",
        "harbor-aws": "selfhosted",
        "harbor-eu-cloud": "selfhosted",
        "harbor-onprem": "selfhosted",
        "hybrid-proxy": "hybrid",
    }
    assert scenarios["harbor-aws"].selfhosted.site.region == "us-east-1"
    assert scenarios["harbor-onprem"].assumptions.site_local_share == Range(low=0.3, base=0.6, high=0.9)
    # the baseline first, whatever order was asked for
    assert [s.name for s in pick(scenarios, ["harbor-aws", "ecr-cleanup"])] == ["ecr", "harbor-aws", "ecr-cleanup"]


def test_a_user_file_replaces_the_preset_of_the_same_name():
    scenarios = load_scenarios([SCENARIOS / "ecr-our-terms.yaml"])
    assert set(scenarios) == PRESETS
    ecr = scenarios["ecr"]
    assert ecr.title == "Stay on ECR (our terms)"
    assert (ecr.assumptions.horizon_months, ecr.assumptions.discount_rate_annual) == (24, 0.10)
    assert load_scenarios()["ecr"].assumptions.horizon_months == 36  # presets untouched


def test_extends_starts_from_the_parent_and_merges_assumptions_key_by_key(tmp_path):
    scenarios = load_scenarios([SCENARIOS / "my-harbor.yaml"])
    mine, parent = scenarios["my-harbor"], scenarios["harbor-eu-cloud"]
    assert (mine.kind, mine.title, mine.description) == ("selfhosted", "Harbor at Hetzner, our way", "")
    assert mine.selfhosted == parent.selfhosted
    assert mine.assumptions.gc_backlog_share == 0.3
    assert mine.assumptions.ops_hours_month == Range(low=6, base=12, high=24)
    assert mine.assumptions.currency == parent.assumptions.currency == "USD"
    # a grandchild keeps what its parent set and what the grandparent set (site_local_share)
    (tmp_path / "child.yaml").write_text("name: onprem-child\ntitle: c\nextends: harbor-onprem\n")
    (tmp_path / "grandchild.yaml").write_text(
        "name: onprem-grandchild\ntitle: g\nextends: onprem-child\nassumptions: {backup_copies: 0}\n"
    )
    got = load_scenarios([tmp_path / "grandchild.yaml", tmp_path / "child.yaml"])["onprem-grandchild"]
    assert got.assumptions.backup_copies == 0
    assert got.assumptions.site_local_share == Range(low=0.3, base=0.6, high=0.9)
    assert got.selfhosted == scenarios["harbor-onprem"].selfhosted


BAD = [
    ("bad-unknown-field.yaml", "assumptions.layer_cache_ratio: unknown field; did you mean 'layer_cache_hit_ratio'?"),
    ("bad-type.yaml", "assumptions.horizon_months: Input should be a valid integer"),
    ("bad-shares.yaml", "assumptions.consumers: the four shares must add up to 1 (base values add up to 1.1)"),
    ("bad-range.yaml", "assumptions.gc_backlog_share: expected low ≤ base ≤ high, got 0.5, 0.4, 0.3"),
    ("bad-no-selfhosted.yaml", "(top level): kind 'selfhosted' needs a 'selfhosted' section"),
    ("bad-no-site.yaml", "selfhosted.site: required field is missing"),
    ("bad-extends.yaml", "extends: unknown scenario 'harbor-on-the-moon'; known: "),
    ("bad-yaml.yaml", "is not valid YAML (expected ',' or '}'"),
]


@pytest.mark.parametrize(("name", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_refused_with_file_field_and_expectation(name, expected):
    path = SCENARIOS / name
    with pytest.raises(ScenarioError) as err:
        load_scenarios([SCENARIOS / "my-harbor.yaml", path])  # a good file first does not help
    message = str(err.value)
    assert message.startswith(f"{path}:")
    assert expected in message
    assert "\n" not in message  # one line for people
    if name == "bad-type.yaml":
        assert message.endswith("(got 'three years')")


def test_an_extends_cycle_is_named(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\ntitle: a\nextends: b\n")
    (tmp_path / "b.yaml").write_text("name: b\ntitle: b\nextends: a\n")
    with pytest.raises(ScenarioError, match=r"extends: a cycle through"):
        load_scenarios([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def test_nothing_is_computed_from_a_bad_file(monkeypatch):
    computed = []
    monkeypatch.setattr(result_module, "estimate", lambda *a, **k: computed.append(a))
    monkeypatch.setattr(result_module, "read_estate", lambda *a, **k: computed.append(a))
    request = EstimateRequest(
        usage=FIXTURES / "usage" / "calculator.yaml", scenario_files=(SCENARIOS / "bad-shares.yaml",)
    )
    with pytest.raises(ScenarioError, match="bad-shares.yaml"):
        run(request)
    assert computed == []


def test_an_unknown_scenario_name_is_refused():
    with pytest.raises(ScenarioError, match="unknown scenario harbor-mars; known: ecr, ecr-cleanup"):
        pick(load_scenarios(), ["harbor-mars"])


def test_one_migration_effort_from_the_plan_in_every_selfhosted_scenario():
    from analysis.model.estimate import with_plan_days

    presets = load_scenarios()
    own = presets["harbor-aws"].model_copy(
        update={
            "name": "own-days",
            "assumptions": presets["harbor-aws"].assumptions.model_copy(update={"migration_days": 30.0}),
        }
    )
    days = Range(low=49.11, base=65.48, high=98.22)
    out, note = with_plan_days([*presets.values(), own], days, scanned=True)
    got = {s.name: s.assumptions.migration_days for s in out}
    # Rule 8: the plan's effort in every self-hosted preset; a file that sets its own keeps it; ECR and the
    # hybrid (a proxy's set-up, not a migration) are untouched
    assert got["harbor-aws"] == got["harbor-eu-cloud"] == got["harbor-onprem"] == days
    assert got["own-days"] == 30.0
    assert got["ecr"] is None and got["hybrid-proxy"] is None
    assert "65.48 engineer-days" in note
    assert "with the image references the scan found" in note


def test_the_plans_effort_without_a_reference_scan_says_what_it_leaves_out():
    from analysis.model.estimate import with_plan_days

    days = Range(low=26.84, base=35.79, high=53.69)
    out, note = with_plan_days(list(load_scenarios().values()), days, scanned=False)
    # one number (the plan's 35.79 days) in every self-hosted scenario, and its basis said: no scan, so the edits of
    # image references are not in it — unknown, not zero, and not silently replaced by another estimate
    assert {s.assumptions.migration_days for s in out if s.kind == "selfhosted"} == {days}
    assert "35.79 engineer-days (26.84-53.69) from the migration plan" in note
    assert "without a reference scan: editing image references is not counted in it (unknown, not zero" in note


def test_the_plans_waves_give_the_dual_run_its_traffic_split():
    from analysis.model.estimate import with_plan_days

    days = Range(low=1, base=2, high=3)
    own = load_scenarios()["harbor-aws"]
    own = own.model_copy(
        update={"name": "own", "assumptions": own.assumptions.model_copy(update={"migration_wave_traffic": [1.0]})}
    )
    out, note = with_plan_days([*load_scenarios().values(), own], days, scanned=True, waves=[0.6, 0.3, 0.1])
    got = {s.name: s.assumptions.migration_wave_traffic for s in out}
    assert got["harbor-aws"] == got["harbor-onprem"] == [0.6, 0.3, 0.1]
    assert got["own"] == [1.0]  # a file that sets its own keeps it
    assert got["ecr"] is None and got["hybrid-proxy"] is None
    assert "as the plan's 3 waves carry it (60%, 30%, 10%)" in note
