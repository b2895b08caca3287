"""`regcost collect trail|network|workloads` as a person meets it: a mistake is one line saying what to pass
(exit 2); a trail folder is read into a table of pulls per repository."""

from __future__ import annotations

import json
from datetime import date

import boto3
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.cli.measure import _ratio
from analysis.demo.measurements import DemoNetwork, build_network, write_trail

runner = CliRunner()


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["trail"],
            "say where pulls are: --folder PATH, --s3 s3://bucket/prefix, --lookup --region R or --athena-table",
        ),
        (["trail", "--lookup"], "--lookup reads one region at a time: pass --region REGION (repeatable)"),
        (["trail", "--folder", "t", "--start", "2026-13-01"], "give dates as YYYY-MM-DD"),
        (
            ["trail", "--folder", "t", "--start", "2026-05-02", "--end", "2026-05-01"],
            "--start 2026-05-02 is not before",
        ),
        (["network"], "pass --region REGION (repeatable): VPCs are read one region at a time"),
        (["workloads"], "pass --region REGION (repeatable)"),
        (["workloads", "--region", "eu-west-1", "--service", "fargate"], "unknown --service fargate: choose from"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(no_aws, tmp_path, args, says):
    result = runner.invoke(app, ["collect", *args, "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert says in _one_line_error(result)


def test_a_ratio_nobody_measured_reads_unknown_not_zero():
    assert _ratio(None) == "unknown"
    assert _ratio(0.0) == "0.0%"
    assert _ratio(0.853) == "85.3%"


@pytest.fixture()
def trail_folder(tmp_path):
    """Two days of a trail: 5 pulls a day of one image by two nodes, and the layer fetches they missed."""
    image = {
        "account": "111122223333",
        "repo": "shop/web",
        "tag": "v1",
        "layers": ["sha256:" + "a" * 64, "sha256:" + "b" * 64],
        "sizes": [2**20, 2**30],
    }
    network = DemoNetwork("eu-west-1", ["i-0private"], ["i-0nat"])
    records = write_trail(
        tmp_path / "trail", [image], network, "111122223333", date(2026, 5, 3), days=2, pulls_per_day=5
    )
    return tmp_path / "trail", records


def test_trail_folder_becomes_a_table_of_pulls(tmp_path, trail_folder):
    folder, records = trail_folder
    args = ["collect", "trail", "--folder", str(folder), "--start", "2026-05-01", "--end", "2026-05-03"]
    result = runner.invoke(app, [*args, "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 0, result.output
    # every record is a pull event: 2 days × 5 BatchGetImage, the rest GetDownloadUrlForLayer
    assert f"Run 1: complete; {records} pull events" in result.output
    row = next(line for line in result.output.splitlines() if "shop/web" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[:6] == ["111122223333", "eu-west-1", "shop/web", "2", "10", str(records - 10)]
    # nothing was collected from ECR, so no pull resolves to a manifest: the ratios are unknown, not 0 %
    assert cells[7:] == ["unknown", "unknown", f"10 pulls, {records - 10} layers"]
    assert "sources: trail-folder; files read: 2; LookupEvents calls: 0" in result.output


def test_trail_json_is_versioned_and_quiet(tmp_path, trail_folder):
    folder, records = trail_folder
    args = ["collect", "trail", "--folder", str(folder), "--start", "2026-05-01", "--end", "2026-05-03"]
    result = runner.invoke(app, [*args, "--db", str(tmp_path / "w.duckdb"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)  # no progress lines mixed into the JSON
    assert data["schema_version"] == 1 and data["status"] == "complete" and data["pull_events"] == records
    assert [(r["repository"], r["pulls"]) for r in data["repositories"]] == [("shop/web", 10)]


def test_network_names_the_vpc_whose_layers_pay_nat(aws, tmp_path, monkeypatch):
    """The demo's two VPCs: both have the ECR interface endpoints, only one the free S3 gateway endpoint."""
    region = "us-east-1"
    kwargs = aws.client_kwargs(region)
    network = build_network(kwargs, region)
    ec2 = boto3.client("ec2", **kwargs)
    reservations = ec2.describe_instances(InstanceIds=[network.nat_nodes[0], network.private_nodes[0]])
    vpc_of = {i["InstanceId"]: i["VpcId"] for r in reservations["Reservations"] for i in r["Instances"]}
    leaky, tight = vpc_of[network.nat_nodes[0]], vpc_of[network.private_nodes[0]]
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
        if kwargs.get(key):
            monkeypatch.setenv(key.upper(), kwargs[key])

    args = ["collect", "network", "--region", region, "--endpoint-url", kwargs["endpoint_url"]]
    result = runner.invoke(app, [*args, "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 0, result.output
    assert f"{leaky} has the ecr.dkr endpoint but its layers still go through a NAT gateway" in result.output
    assert "add the S3 gateway endpoint (free) to its route tables" in result.output
    assert tight not in result.output
