"""EmulatedAWS over real HTTP with boto3: ECR realism, organization access, CloudWatch, faults, latency."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate, generate_estate

MGMT = "111111111111"
HOME = "us-east-1"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return generate_estate(seed=11, repositories=40, images=2_000)


@pytest.fixture(scope="module")
def aws(estate: Estate) -> Iterator[EmulatedAWS]:
    with EmulatedAWS() as emulated:
        emulated.seed(estate)
        yield emulated


@pytest.fixture(autouse=True)
def _clean(aws: EmulatedAWS) -> Iterator[None]:
    aws.clear_faults()
    aws.latency_ms = 0.0
    yield
    aws.clear_faults()
    aws.latency_ms = 0.0


def _client(aws: EmulatedAWS, service: str = "ecr", region: str = HOME, **config: object):
    return boto3.client(service, **aws.client_kwargs(region), config=Config(**config) if config else None)


def _images(estate: Estate, account: str = MGMT, region: str = HOME) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for img in estate.images:
        if (img.account_id, img.region) == (account, region):
            out[img.repository].append(img)
    return out


def _biggest(estate: Estate, pulled: bool = False) -> tuple[str, list]:
    repos = [kv for kv in _images(estate).items() if not pulled or any(i.last_pull_at for i in kv[1])]
    return max(repos, key=lambda kv: len(kv[1]))


def test_describe_images_paginates_like_ecr(aws: EmulatedAWS, estate: Estate) -> None:
    name, images = _biggest(estate)
    assert len(images) > 120
    ecr = _client(aws)
    first = ecr.describe_images(repositoryName=name, filter={"imageStatus": "ANY"})
    assert len(first["imageDetails"]) == 100 and first.get("nextToken")  # default page is 100
    pages = list(
        ecr.get_paginator("describe_images").paginate(
            repositoryName=name, filter={"imageStatus": "ANY"}, PaginationConfig={"PageSize": 37}
        )
    )
    assert len(pages) == -(-len(images) // 37)
    assert all("nextToken" in p for p in pages[:-1]) and "nextToken" not in pages[-1]
    digests = [d["imageDigest"] for p in pages for d in p["imageDetails"]]
    assert sorted(digests) == sorted(i.digest for i in images)  # every image exactly once
    with pytest.raises(ClientError) as err:
        ecr.describe_images(repositoryName=name, maxResults=1001)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_list_images_and_repositories_paginate(aws: EmulatedAWS, estate: Estate) -> None:
    ecr = _client(aws)
    name, images = _biggest(estate)
    pages = list(
        ecr.get_paginator("list_images").paginate(
            repositoryName=name, filter={"imageStatus": "ANY"}, PaginationConfig={"PageSize": 50}
        )
    )
    ids = [i for p in pages for i in p["imageIds"]]
    assert len(pages) > 1
    assert len(ids) == sum(max(1, len(i.tags)) for i in images)  # one entry per tag, untagged once
    repos = list(ecr.get_paginator("describe_repositories").paginate(PaginationConfig={"PageSize": 4}))
    names = [r["repositoryName"] for p in repos for r in p["repositories"]]
    assert sorted(names) == sorted(r.name for r in estate.repositories if (r.account_id, r.region) == (MGMT, HOME))
    assert len(repos) > 1


def test_image_status_filter_default_active_and_any(aws: EmulatedAWS, estate: Estate) -> None:
    archived = defaultdict(list)
    for img in estate.images:
        if img.status == "ARCHIVED":
            archived[(img.account_id, img.region, img.repository)].append(img)
    (account, region, name), arch_images = max(archived.items(), key=lambda kv: len(kv[1]))
    all_images = [i for i in estate.images if (i.account_id, i.region, i.repository) == (account, region, name)]
    ecr = _client(aws, region=region)
    if account != MGMT:
        ecr = _assumed(aws, account, region)

    def count(**kw: object) -> int:
        pages = ecr.get_paginator("describe_images").paginate(repositoryName=name, **kw)
        return sum(len(p["imageDetails"]) for p in pages)

    assert count() == len(all_images) - len(arch_images)
    assert count(filter={"imageStatus": "ANY"}) == len(all_images)
    assert count(filter={"imageStatus": "ARCHIVED"}) == len(arch_images)
    detail = ecr.describe_images(repositoryName=name, imageIds=[{"imageDigest": arch_images[0].digest}])
    d = detail["imageDetails"][0]
    assert d["imageStatus"] == "ARCHIVED" and d["lastArchivedAt"] == arch_images[0].last_archived_at


def test_sizes_digests_and_pull_times_come_back(aws: EmulatedAWS, estate: Estate) -> None:
    ecr = _client(aws)
    name, images = _biggest(estate, pulled=True)
    pages = ecr.get_paginator("describe_images").paginate(repositoryName=name, filter={"imageStatus": "ANY"})
    got = {d["imageDigest"]: d for p in pages for d in p["imageDetails"]}
    for img in images:
        d = got[img.digest]
        assert d["imageSizeInBytes"] == img.size_in_bytes
        assert d["imagePushedAt"] == img.pushed_at
        assert d.get("lastRecordedPullTime") == img.last_pull_at
        assert d["imageManifestMediaType"] == img.manifest_media_type
        assert d.get("artifactMediaType") == img.artifact_media_type
        assert sorted(d.get("imageTags", [])) == sorted(img.tags)
    assert any("lastRecordedPullTime" in d for d in got.values())
    assert min(d["imagePushedAt"] for d in got.values()) < datetime.now(UTC) - timedelta(days=30)


def test_batch_get_image_returns_exact_manifests(aws: EmulatedAWS, estate: Estate) -> None:
    ecr = _client(aws)
    name, images = _biggest(estate)
    wanted = images[:99]
    resp = ecr.batch_get_image(
        repositoryName=name,
        imageIds=[{"imageDigest": i.digest} for i in wanted] + [{"imageDigest": "sha256:" + "0" * 64}],
    )
    by_digest = {i.digest: i for i in wanted}
    assert len(resp["images"]) == 99
    for got in resp["images"]:
        spec = by_digest[got["imageId"]["imageDigest"]]
        assert got["imageManifest"] == spec.manifest
        assert "sha256:" + hashlib.sha256(got["imageManifest"].encode()).hexdigest() == spec.digest
        assert got["imageManifestMediaType"] == spec.manifest_media_type
    assert [f["failureCode"] for f in resp["failures"]] == ["ImageNotFound"]
    tagged = next(i for i in images if i.tags)
    by_tag = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": tagged.tags[0]}])
    assert by_tag["images"][0]["imageId"] == {"imageDigest": tagged.digest, "imageTag": tagged.tags[0]}
    with pytest.raises(ClientError) as err:
        ecr.batch_get_image(repositoryName=name, imageIds=[{"imageDigest": i.digest} for i in images[:101]])
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_registry_level_reads(aws: EmulatedAWS, estate: Estate) -> None:
    ecr = _client(aws)
    rules = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    assert [(r["ecrRepositoryPrefix"], r["upstreamRegistryUrl"], r["upstreamRegistry"]) for r in rules] == [
        ("docker-hub", "registry-1.docker.io", "docker-hub")
    ]
    with pytest.raises(ClientError) as err:
        ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["quay"])
    assert err.value.response["Error"]["Code"] == "PullThroughCacheRuleNotFoundException"
    settings = {(r.account_id, r.region): r.blob_mounting for r in estate.registries}
    assert ecr.get_account_setting(name="BLOB_MOUNTING")["value"] == settings[(MGMT, HOME)]
    member_home = _assumed(aws, "222222222222", HOME)
    assert member_home.get_account_setting(name="BLOB_MOUNTING")["value"] == "ENABLED"
    assert ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == [
        f"arn:aws:iam::{MGMT}:role/security-scanner"
    ]
    assert _client(aws, region="eu-west-1").list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == []
    reg = ecr.describe_registry()
    assert reg["registryId"] == MGMT
    assert reg["replicationConfiguration"]["rules"][0]["destinations"] == [{"region": "eu-west-1", "registryId": MGMT}]
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"]["scanType"] == "BASIC"
    assert member_home.get_registry_scanning_configuration()["scanningConfiguration"]["scanType"] == "ENHANCED"
    with pytest.raises(ClientError) as err:
        ecr.get_registry_policy()
    assert err.value.response["Error"]["Code"] == "RegistryPolicyNotFoundException"


def test_repository_level_reads(aws: EmulatedAWS, estate: Estate) -> None:
    ecr = _client(aws)
    repos = [r for r in estate.repositories if (r.account_id, r.region) == (MGMT, HOME)]
    live = {
        r["repositoryName"]: r for p in ecr.get_paginator("describe_repositories").paginate() for r in p["repositories"]
    }
    names = [r.name for r in repos]
    scan = ecr.batch_get_repository_scanning_configuration(repositoryNames=names[:25])
    assert len(scan["scanningConfigurations"]) == min(25, len(names)) and not scan["failures"]
    for spec in repos:
        got = live[spec.name]
        assert got["createdAt"] == spec.created_at
        assert got["imageTagMutability"] == spec.tag_mutability
        assert got["encryptionConfiguration"]["encryptionType"] == spec.encryption_type
        assert got["encryptionConfiguration"].get("kmsKey") == spec.kms_key
        assert got["imageScanningConfiguration"]["scanOnPush"] == spec.scan_on_push
        tags = ecr.list_tags_for_resource(resourceArn=got["repositoryArn"])["tags"]
        assert {t["Key"]: t["Value"] for t in tags} == spec.resource_tags
        if spec.lifecycle_policy:
            assert ecr.get_lifecycle_policy(repositoryName=spec.name)["lifecyclePolicyText"] == spec.lifecycle_policy
        else:
            with pytest.raises(ClientError) as err:
                ecr.get_lifecycle_policy(repositoryName=spec.name)
            assert err.value.response["Error"]["Code"] == "LifecyclePolicyNotFoundException"
        if spec.repository_policy:
            assert ecr.get_repository_policy(repositoryName=spec.name)["policyText"] == spec.repository_policy
        else:
            with pytest.raises(ClientError) as err:
                ecr.get_repository_policy(repositoryName=spec.name)
            assert err.value.response["Error"]["Code"] == "RepositoryPolicyNotFoundException"


def _assumed(aws: EmulatedAWS, account: str, region: str = HOME, service: str = "ecr"):
    sts = _client(aws, "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="regcost"
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=aws.endpoint_url,
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_organization_and_assume_role_reach_each_account(aws: EmulatedAWS, estate: Estate) -> None:
    org = _client(aws, "organizations")
    accounts = [a["Id"] for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]]
    assert sorted(accounts) == sorted(estate.accounts)
    assert _client(aws, "sts").get_caller_identity()["Account"] == estate.management_account
    for account in estate.accounts:
        for region in estate.regions:
            ecr = _assumed(aws, account, region)
            pages = ecr.get_paginator("describe_repositories").paginate()
            got = sorted(r["repositoryName"] for p in pages for r in p["repositories"])
            want = sorted(r.name for r in estate.repositories if (r.account_id, r.region) == (account, region))
            assert got == want
            assert all(
                r["registryId"] == account
                for p in ecr.get_paginator("describe_repositories").paginate()
                for r in p["repositories"]
            )


def test_get_metric_data_returns_the_seeded_daily_sums(aws: EmulatedAWS, estate: Estate) -> None:
    want: dict[str, dict] = defaultdict(dict)
    for pc in estate.pull_counts:
        if (pc.account_id, pc.region) == (MGMT, HOME):
            want[pc.repository][pc.day] = pc.pulls
    names = sorted(r.name for r in estate.repositories if (r.account_id, r.region) == (MGMT, HOME))
    cw = _client(aws, "cloudwatch")
    end = estate.now
    queries = [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ECR",
                    "MetricName": "RepositoryPullCount",
                    "Dimensions": [{"Name": "RepositoryName", "Value": n}],
                },
                "Period": 86_400,
                "Stat": "Sum",
            },
        }
        for i, n in enumerate(names)
    ]
    t0 = time.perf_counter()
    results = cw.get_metric_data(MetricDataQueries=queries, StartTime=end - timedelta(days=90), EndTime=end)
    assert time.perf_counter() - t0 < 15  # one pass over the stored points, not one per query and day
    got = {
        names[int(r["Id"][1:])]: {
            ts.astimezone(UTC).date(): v for ts, v in zip(r["Timestamps"], r["Values"], strict=True)
        }
        for r in results["MetricDataResults"]
    }
    for name in names:
        assert got[name] == {d: float(v) for d, v in want.get(name, {}).items()}
    assert sum(map(len, want.values())) > 0


def test_access_denied_in_one_region_only(aws: EmulatedAWS) -> None:
    aws.inject_fault("DescribeRepositories", "AccessDeniedException", region="eu-west-1")
    with pytest.raises(ClientError) as err:
        _client(aws, region="eu-west-1").describe_repositories()
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _client(aws, region=HOME).describe_repositories()["repositories"]


def test_faults_parse_for_query_and_query_compatible_protocols(aws: EmulatedAWS) -> None:
    aws.inject_fault("GetMetricData", "AccessDenied", service="cloudwatch", times=1)
    with pytest.raises(ClientError) as err:
        _client(aws, "cloudwatch").get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "a",
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/ECR", "MetricName": "RepositoryPullCount"},
                        "Period": 86_400,
                        "Stat": "Sum",
                    },
                }
            ],
            StartTime=datetime(2026, 10, 1, tzinfo=UTC),
            EndTime=datetime(2026, 10, 2, tzinfo=UTC),
        )
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    aws.inject_fault("AssumeRole", "AccessDenied", service="sts", account_id=MGMT, times=1)
    with pytest.raises(ClientError) as err:
        _assumed(aws, "222222222222")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    _assumed(aws, "222222222222")  # times=1: the next call succeeds


def test_throttling_once_is_retried_by_botocore(aws: EmulatedAWS, estate: Estate) -> None:
    name, _ = _biggest(estate)
    aws.inject_fault("DescribeImages", "ThrottlingException", times=1, message="Rate exceeded")
    aws.reset_calls()
    ecr = _client(aws, retries={"mode": "standard", "max_attempts": 3})
    resp = ecr.describe_images(repositoryName=name)
    assert resp["imageDetails"] and resp["ResponseMetadata"]["RetryAttempts"] == 1
    assert aws.call_counts()[("ecr", "DescribeImages")] == 2


def test_latency_is_added_per_request_without_serialising(aws: EmulatedAWS) -> None:
    ecr = _client(aws, max_pool_connections=16)
    ecr.describe_registry()  # warm the connection
    aws.latency_ms = 20
    t0 = time.perf_counter()
    ecr.describe_registry()
    assert time.perf_counter() - t0 >= 0.020
    aws.latency_ms = 200
    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: ecr.describe_registry(), range(8)))
    assert time.perf_counter() - t0 < 1.4  # 8 × 200 ms serialised would take 1.6 s


def test_latency_is_the_round_trip_with_the_emulators_own_time_within_it(aws: EmulatedAWS, monkeypatch) -> None:
    """AWS's 50 ms include AWS's work: a benchmark at 50 ms a call must not get 50 ms plus moto's time."""
    ecr = _client(aws)
    ecr.describe_registry()  # warm the connection
    gateway = aws._server._server.app  # type: ignore[union-attr]
    moto = gateway.app

    def slow_moto(environ, start_response):
        time.sleep(0.150)  # moto busy for 150 ms (a loaded process)
        return moto(environ, start_response)

    monkeypatch.setattr(gateway, "app", slow_moto)
    aws.latency_ms = 200
    t0 = time.perf_counter()
    ecr.describe_registry()
    took = time.perf_counter() - t0
    assert 0.200 <= took < 0.300  # added on top it would take 350 ms


def test_calls_are_recorded_with_account_region_and_operation(aws: EmulatedAWS, estate: Estate) -> None:
    aws.reset_calls()
    _client(aws, region="eu-central-1").describe_repositories()
    _assumed(aws, "333333333333", "eu-west-1").describe_registry()
    calls = list(aws.calls)
    assert calls[0].service == "ecr" and calls[0].operation == "DescribeRepositories"
    assert (calls[0].account_id, calls[0].region) == (MGMT, "eu-central-1")
    assert [c.operation for c in calls[1:]] == ["AssumeRole", "DescribeRegistry"]
    assert calls[1].service == "sts"
    assert (calls[2].account_id, calls[2].region) == ("333333333333", "eu-west-1")
    assert aws.call_counts()[("ecr", "DescribeRepositories")] == 1
