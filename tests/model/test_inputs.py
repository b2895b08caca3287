"""A hand-written usage file as the cost models take it: regions in order, transfer by destination replacing the
consumer assumptions, and one clear line for a bad file."""

from __future__ import annotations

import textwrap

import pytest

from analysis.model.costs import GIB
from analysis.model.inputs import from_usage_file, usage_summary
from analysis.model.scenarios import ScenarioError

USAGE = """\
repositories: 40
regions:
  us-east-1:
    storage_gb: 500
    archive_gb: 100
    growth_gb_month: 20
    transfer_gb_month: {same_region: 600, internet: 200}
  eu-west-1:
    storage_gb: 300
    unique_gb: 120
    transfer_gb_month: {other_region: 100, other_cloud: 100}
"""


@pytest.fixture()
def usage(tmp_path):
    path = tmp_path / "usage.yaml"
    path.write_text(USAGE)
    return path


def test_regions_in_order_with_their_pulls(usage):
    inp = from_usage_file(usage)
    u = inp.usage
    assert u.regions == ["eu-west-1", "us-east-1"]
    assert u.standard_gb.tolist() == [300, 500]
    assert u.archive_gb.tolist() == [0, 100]
    assert u.pull_gb_month.tolist() == [200, 800]  # 100 + 100; 600 + 200
    # per region, the share of its own pulls by destination
    assert u.consumer_shares["same_region"].tolist() == [0.0, 0.75]  # 600 / 800
    assert u.consumer_shares["other_cloud"].tolist() == [0.5, 0.0]  # 100 / 200


def test_the_stated_transfer_replaces_the_consumer_assumptions(usage):
    inp = from_usage_file(usage)
    # estate-wide, of 1,000 GB pulled: 600 same region, 100 other region, 200 internet, 100 other cloud
    assert inp.consumer_override == {"same_region": 0.6, "other_region": 0.1, "internet": 0.2, "other_cloud": 0.1}
    assert inp.notes[0].startswith(f"usage from {usage}: transfer given by destination")


def test_unique_bytes_default_to_storage(usage):
    inp = from_usage_file(usage)
    assert inp.unique_gb_by_region == {"eu-west-1": 120, "us-east-1": 500}
    assert inp.global_unique_gb == 620
    assert inp.global_growth_gb_month == 20
    assert (inp.repositories, inp.source) == (40, "usage file")


def test_the_summary_states_what_the_file_states(usage):
    s = usage_summary(from_usage_file(usage))
    assert s.ecr_billable_bytes == (300 + 500 + 100) * GIB
    assert s.pull_bytes_per_month == 1000 * GIB
    assert s.images == 0
    assert s.growth_method == "stated in the usage file"


def test_no_transfer_at_all_means_every_pull_stays_in_region(tmp_path):
    path = tmp_path / "quiet.yaml"
    path.write_text("regions: {us-east-1: {storage_gb: 1}}\n")
    assert from_usage_file(path).consumer_override == {
        "same_region": 1.0,
        "other_region": 0.0,
        "internet": 0.0,
        "other_cloud": 0.0,
    }


def test_bad_files_are_one_line_each(tmp_path):
    with pytest.raises(ScenarioError, match="missing.yaml: cannot read"):
        from_usage_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("regions: [unclosed\n")
    with pytest.raises(ScenarioError, match="bad.yaml: is not valid YAML"):
        from_usage_file(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text(textwrap.dedent("regions:\n  us-east-1: {storage_gb: 1, storage_gib: 2}\n"))
    with pytest.raises(ScenarioError, match="storage_gib"):
        from_usage_file(typo)
    negative = tmp_path / "negative.yaml"
    negative.write_text("regions: {us-east-1: {storage_gb: -5}}\n")
    with pytest.raises(ScenarioError, match="storage_gb"):
        from_usage_file(negative)
