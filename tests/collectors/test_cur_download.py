"""CUR download from S3 (moto over HTTP): keys chosen by whoever can write to the billing bucket never write
outside the download folder."""

from __future__ import annotations

import boto3
import pytest
from support import settings_for

from analysis.collectors import cur
from analysis.collectors.cur import CurError


@pytest.mark.parametrize(
    "hostile", ["cur2/ecr/../../../escaped.csv", "cur2/ecr/data/..\\..\\..\\escaped.csv", "cur2/ecr/./../escaped.csv"]
)
def test_a_key_with_dot_dot_writes_nothing_outside_the_folder(aws, tmp_path, hostile):
    s3 = boto3.client("s3", **aws.client_kwargs())
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="cur2/ecr/data/part-0.csv", Body=b"a,b\n1,2\n")
    s3.put_object(Bucket="billing", Key=hostile, Body=b"planted\n")
    assert hostile in [o["Key"] for o in s3.list_objects_v2(Bucket="billing")["Contents"]]  # S3 keeps it as is
    into = tmp_path / "deep" / "down" / "into"
    into.mkdir(parents=True)
    with pytest.raises(CurError, match="outside the download folder"):
        cur.download(settings_for(aws), "s3://billing/cur2/ecr", into)
    planted = [p for p in tmp_path.rglob("escaped.csv")]
    assert planted == []


def test_ordinary_keys_become_folders_under_the_download_folder(aws, tmp_path):
    s3 = boto3.client("s3", **aws.client_kwargs())
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="cur2/ecr/data/BILLING_PERIOD=2026-10/part-0.csv", Body=b"a\n1\n")
    files = cur.download(settings_for(aws), "s3://billing/cur2/ecr", tmp_path)
    assert files == [tmp_path / "cur2/ecr/data/BILLING_PERIOD=2026-10/part-0.csv"]
    assert files[0].read_bytes() == b"a\n1\n"


def test_an_absolute_key_is_refused(tmp_path):
    with pytest.raises(CurError):
        cur.safe_target(tmp_path, "/etc/cron.d/x.csv")
    with pytest.raises(CurError):
        cur.safe_target(tmp_path, "C:/Windows/x.csv")
