"""Where a CloudTrail sourceIPAddress sits, against the shipped snapshot of AWS's published ranges
(data/aws/ip-ranges-2026-08-22.csv.gz, from ip-ranges.json syncToken 1787411825)."""

from __future__ import annotations

import gzip

import pytest

from analysis.collectors.ip_ranges import Source, classify, load, shipped


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Docker/containerd pulls through the ECR proxy (measurement-facts.md §1.3 b/c): the caller is hidden.
        ("AWS Internal", Source("aws-internal", None)),
        ("AWS Internal/3", Source("aws-internal", None)),
        # AWS services appear by DNS name (flaws2.cloud logs: ecs-tasks.amazonaws.com).
        ("ecs-tasks.amazonaws.com", Source("aws-service", None)),
        ("10.0.3.4", Source("private", None)),
        ("100.64.1.1", Source("private", None)),
        ("fd12:3456::1", Source("private", None)),
        # 52.4.0.0/14 us-east-1 and 54.247.0.0/16 eu-west-1 are in the 2021 and the 2026 files alike.
        ("52.4.1.1", Source("aws", "us-east-1")),
        ("54.247.3.3", Source("aws", "eu-west-1")),
        ("2600:1f18::1", Source("aws", "us-east-1")),
        # 205.251.249.0/24 is a GLOBAL (edge) range: AWS, but no region to compare with.
        ("205.251.249.5", Source("aws", None)),
        # The documented pull's caller (ECR user guide) is a documentation address: in no AWS range.
        ("203.0.113.12", Source("outside-aws", None)),
        ("", Source("unknown", None)),
        (None, Source("unknown", None)),
        ("not-an-address", Source("unknown", None)),
    ],
)
def test_each_kind_of_source_is_told_apart(value, expected):
    assert classify(value) == expected


def test_the_most_specific_prefix_wins(tmp_path):
    # A /16 in one region with a /24 inside it announced for another: the /24 decides for its addresses.
    path = tmp_path / "ranges.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write("# test\nprefix,region\n52.0.0.0/16,us-east-1\n52.0.7.0/24,eu-west-1\n")
    ranges = load(path)
    assert classify("52.0.7.9", ranges) == Source("aws", "eu-west-1")
    assert classify("52.0.8.9", ranges) == Source("aws", "us-east-1")
    assert classify("52.1.0.1", ranges) == Source("outside-aws", None)


def test_the_shipped_snapshot_says_where_it_came_from():
    from analysis.resources import shipped_data

    with gzip.open(shipped_data() / "aws" / "ip-ranges-2026-08-22.csv.gz", "rt") as f:
        header = f.read(400)
    assert "syncToken 1787411825" in header and "7a942b53c75c61d9c3666d7b945b4d4561d7ef8d" in header
    assert shipped().snapshot == "ip-ranges-2026-08-22.csv.gz"
