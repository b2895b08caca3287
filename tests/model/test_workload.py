"""The workload profile of a tiny warehouse built by hand, every figure computed by hand from the blobs below.

Two scopes:

* A = account 111111111111, us-east-1, BLOB_MOUNTING DISABLED (a blob is billed once per repository)
  - app:  app:v1 (tagged, pulled)  = BASE 1000 + LA1 200, config cA1 10, manifest mA1 21  (imageSize 1200)
          an untagged image        = BASE 1000 + LA0 150, config cA0 9,  manifest mA0 22  (imageSize 1150)
  - api:  index iX (tag v2, manifest 23, imageSize 1300 = its largest child) with two children, listed
          untagged as ECR does:  mC1 (24) = cC1 12 + BASE 1000 + LC1 300  (imageSize 1300)
                                 mC2 (25) = cC2 13 + BASE_ARM 900 + LC2 250 (imageSize 1150)
  - tool: tool:v1 (tagged, pulled before the window) = BASE 1000 + LT 50, cT 8, mT 26  (imageSize 1050)
          tool:old (tagged, ARCHIVED, never pulled) = BASE 1000 + LTO 400, cTo 7, mTo 27 (imageSize 1400)
* B = account 222222222222, eu-west-1, BLOB_MOUNTING ENABLED (repositories of the registry share blobs)
  - web:  web:v1 (tagged, pulled)  = BASE 1000 + LW 100, cW 6, mW 28   (imageSize 1100)
  - job:  job:v1 (tagged, never pulled) = BASE 1000 + LJ 70, cJ 5, mJ 29 (imageSize 1070)
          job:old (tagged, ARCHIVED)    = LJO 500, cJo 4, mJo 30          (imageSize 500)

BASE is shared by app, api, tool, web and job (five repositories, two registries).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pytest

from analysis.collectors.manifests import Child, Layer, ParsedManifest
from analysis.collectors.records import (
    ImageRecord,
    PullCountRecord,
    RegistryRecord,
    RepositoryRecord,
    manifest_tables,
    to_table,
)
from analysis.model.costs import GIB
from analysis.model.ecr import region_usage
from analysis.model.inputs import from_profile
from analysis.model.workload import DAYS_PER_MONTH, load_profile, summary
from analysis.warehouse import ScopeKey, Warehouse

NOW = datetime(2026, 6, 15, tzinfo=UTC)
A, B = ("111111111111", "us-east-1"), ("222222222222", "eu-west-1")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def d(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


SIZES = {
    # layers
    "BASE": 1000, "BASE_ARM": 900, "LA1": 200, "LA0": 150, "LC1": 300, "LC2": 250, "LT": 50, "LTO": 400,
    "LW": 100, "LJ": 70, "LJO": 500,
    # config blobs
    "cA1": 10, "cA0": 9, "cC1": 12, "cC2": 13, "cT": 8, "cTo": 7, "cW": 6, "cJ": 5, "cJo": 4,
}  # fmt: skip


def _image_manifest(name: str, size: int, config: str, layers: list[str]) -> ParsedManifest:
    return ParsedManifest(
        d(name),
        OCI_MANIFEST,
        size,
        config_digest=d(config),
        config_size=SIZES[config],
        layers=tuple(Layer(d(x), SIZES[x], None) for x in layers),
    )


MANIFESTS = [
    _image_manifest("mA1", 21, "cA1", ["BASE", "LA1"]),
    _image_manifest("mA0", 22, "cA0", ["BASE", "LA0"]),
    ParsedManifest(
        d("iX"),
        OCI_INDEX,
        23,
        children=(
            Child(d("mC1"), 24, OCI_MANIFEST, "linux", "amd64", None),
            Child(d("mC2"), 25, OCI_MANIFEST, "linux", "arm64", "v8"),
        ),
    ),
    _image_manifest("mC1", 24, "cC1", ["BASE", "LC1"]),
    _image_manifest("mC2", 25, "cC2", ["BASE_ARM", "LC2"]),
    _image_manifest("mT", 26, "cT", ["BASE", "LT"]),
    _image_manifest("mTo", 27, "cTo", ["BASE", "LTO"]),
    _image_manifest("mW", 28, "cW", ["BASE", "LW"]),
    _image_manifest("mJ", 29, "cJ", ["BASE", "LJ"]),
    _image_manifest("mJo", 30, "cJo", ["LJO"]),
]


def _ts(y: int, m: int, day: int) -> datetime:
    return datetime(y, m, day, 12, tzinfo=UTC)


def _img(scope, repo, manifest, tags, size, pushed, pulled=None, status="ACTIVE", media=OCI_MANIFEST):
    return ImageRecord(*scope, repo, d(manifest), tags, size, pushed, pulled, status, media, None, None, None)


IMAGES = {
    A: [
        _img(A, "app", "mA1", ["v1"], 1200, _ts(2026, 5, 1), _ts(2026, 6, 10)),
        _img(A, "app", "mA0", [], 1150, _ts(2025, 1, 1)),  # untagged, before the growth window, never pulled
        _img(A, "api", "iX", ["v2"], 1300, _ts(2026, 5, 1), _ts(2026, 6, 9), media=OCI_INDEX),
        _img(A, "api", "mC1", [], 1300, _ts(2026, 5, 1)),  # children: listed untagged, pulled through the index
        _img(A, "api", "mC2", [], 1150, _ts(2026, 5, 1)),
        _img(A, "tool", "mT", ["v1"], 1050, _ts(2026, 2, 1), _ts(2026, 3, 1)),  # pulled before the pull window
        _img(A, "tool", "mTo", ["old"], 1400, _ts(2025, 3, 1), status="ARCHIVED"),
    ],
    B: [
        _img(B, "web", "mW", ["v1"], 1100, _ts(2026, 4, 1), _ts(2026, 6, 8)),
        _img(B, "job", "mJ", ["v1"], 1070, _ts(2026, 4, 1)),
        _img(B, "job", "mJo", ["old"], 500, _ts(2025, 2, 1), status="ARCHIVED"),
    ],
}

REPOS = {A: ["app", "api", "tool"], B: ["web", "job"]}

REPLICATION_A = json.dumps(
    [
        {
            "destinations": [{"region": "eu-west-1", "registryId": A[0]}],
            "repositoryFilters": [{"filter": "app", "filterType": "PREFIX_MATCH"}],
        }
    ]
)
SCANNING_B = json.dumps(
    {
        "scanType": "ENHANCED",
        "rules": [
            {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "web*", "filterType": "WILDCARD"}]}
        ],
    }
)
BASIC = json.dumps({"rules": [], "scanType": "BASIC"})
# The collector writes JSON for every setting it could read ("[]" for no replication rules).
REGISTRIES = {
    A: RegistryRecord(*A, REPLICATION_A, BASIC, "DISABLED", None, None),
    B: RegistryRecord(*B, "[]", SCANNING_B, "ENABLED", None, None),
}

# CloudWatch daily pulls. The window is 10 distinct days (2026-06-01 … 06-10) across the warehouse.
PULLS = {
    A: [PullCountRecord(*A, "app", date(2026, 6, day), 3.0) for day in range(1, 11)]  # 30 pulls
    + [PullCountRecord(*A, "api", date(2026, 6, day), 6.0) for day in range(1, 11)],  # 60 pulls
    B: [PullCountRecord(*B, "web", date(2026, 6, day), 4.0) for day in range(6, 11)],  # 20 pulls on 5 days
}


def _with_run(table: pa.Table, run_id: int) -> pa.Table:
    return table.add_column(0, "run_id", pa.array([run_id] * table.num_rows, type=pa.int64()))


def _build(db, registries=REGISTRIES) -> Warehouse:
    wh = Warehouse(db)
    run = wh.start_run("ecr", {})
    for scope in (A, B):
        repos = [
            RepositoryRecord(*scope, name, None, None, None, "MUTABLE", None, False, "AES256", None)
            for name in REPOS[scope]
        ]
        tables = {
            "ecr_repositories": to_table(repos, RepositoryRecord),
            "ecr_images": to_table(IMAGES[scope], ImageRecord),
            "ecr_registries": to_table([registries[scope]], RegistryRecord),
            "ecr_pull_counts": to_table(PULLS[scope], PullCountRecord),
        }
        wh.load_scope(run, ScopeKey(*scope), "complete", {k: _with_run(t, run) for k, t in tables.items()})
    wh.load_manifests(manifest_tables(MANIFESTS, NOW))
    wh.finish_run(run, "complete", {})
    return wh


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    with _build(tmp_path_factory.mktemp("wh") / "tiny.duckdb") as wh:
        yield load_profile(wh, now=NOW)


def _repo(profile, name: str) -> dict:
    rows = profile.repositories.set_index("repository_name")
    return rows.loc[name].to_dict()


# -- storage three ways --------------------------------------------------------------------------------


def test_per_repository_unique_bytes(profile):
    # app:  BASE 1000 + LA1 200 + cA1 10 + mA1 21 + LA0 150 + cA0 9 + mA0 22 = 1412 (BASE once in the repo)
    # api:  iX 23 + mC1 24 + cC1 12 + BASE 1000 + LC1 300 + mC2 25 + cC2 13 + BASE_ARM 900 + LC2 250 = 2547
    # tool: BASE 1000 + LT 50 + cT 8 + mT 26 + LTO 400 + cTo 7 + mTo 27 = 1518
    # web:  BASE 1000 + LW 100 + cW 6 + mW 28 = 1134
    # job:  BASE 1000 + LJ 70 + cJ 5 + mJ 29 + LJO 500 + cJo 4 + mJo 30 = 1638
    expected = {"app": 1412, "api": 2547, "tool": 1518, "web": 1134, "job": 1638}
    assert {n: _repo(profile, n)["unique_bytes"] for n in expected} == expected
    # standard (active) vs archive: tool's BASE stays active through tool:v1, so only LTO 400 + cTo 7 + mTo 27
    # = 434 is archived; job:old shares nothing: LJO 500 + cJo 4 + mJo 30 = 534.
    assert _repo(profile, "tool")["standard_bytes"] == 1518 - 434 == 1084
    assert _repo(profile, "tool")["archive_bytes"] == 434
    assert _repo(profile, "job")["standard_bytes"] == 1638 - 534 == 1104
    assert _repo(profile, "job")["archive_bytes"] == 534
    assert profile.repositories["archive_bytes"].sum() == 434 + 534 == 968


def test_ecr_billable_per_repository_without_mounting_and_per_registry_with_it(profile):
    by_scope = profile.ecr_billable_by_scope().set_index("region")
    a, b = by_scope.loc["us-east-1"], by_scope.loc["eu-west-1"]
    # A (DISABLED): Σ per repository. standard 1412 + 2547 + 1084 = 5043, archive 434.
    assert (a["blob_mounting"], a["billable_standard_bytes"], a["billable_archive_bytes"]) == ("DISABLED", 5043, 434)
    # …while the registry holds BASE once: unique 1412 + 2547 + 1518 − 2 × 1000 = 3477, standard 5043 − 2000 = 3043.
    assert (a["scope_unique_bytes"], a["scope_standard_bytes"]) == (3477, 3043)
    # B (ENABLED): BASE once for web and job. unique 1134 + 1638 − 1000 = 1772, standard 1134 + 1104 − 1000 = 1238,
    # archive = unique − standard = 1772 − 1238 = 534. Per repository it would be 2238 standard.
    assert b["blob_mounting"] == "ENABLED"
    assert (b["standard_bytes"], b["billable_standard_bytes"], b["billable_archive_bytes"]) == (2238, 1238, 534)
    # ECR-billable: A 5043 + 434 + B 1238 + 534 = 7249
    assert profile.ecr_billable_bytes == 7249


def test_global_unique_naive_and_untagged_bytes(profile):
    # Every distinct blob once. Layers 1000 + 900 + 200 + 150 + 300 + 250 + 50 + 400 + 100 + 70 + 500 = 3920,
    # configs 10 + 9 + 12 + 13 + 8 + 7 + 6 + 5 + 4 = 74, manifests 21 + 22 + … + 30 = 255: 3920 + 74 + 255 = 4249.
    # (Check: Σ per-repository unique 8249 − 4 extra copies of BASE 4000 = 4249.)
    assert profile.global_unique_bytes == 4249
    # Naive Σ imageSizeInBytes: app 1200 + 1150, api 1300 + 1300 + 1150 (index and children), tool 1050 + 1400,
    # web 1100, job 1070 + 500 = 11220: 2.6 × what one registry stores.
    assert profile.naive_bytes == 11220
    # Untagged: only app's untagged image's own blobs LA0 150 + cA0 9 + mA0 22 = 181 (BASE is kept by app:v1);
    # the index's children are kept by the index's tag.
    assert profile.repositories["untagged_bytes"].sum() == 181
    counts = _repo(profile, "api")
    assert (counts["images"], counts["tagged_images"], counts["untagged_images"]) == (3, 3, 0)
    assert _repo(profile, "app")["untagged_images"] == 1
    # Never pulled: app 181, tool:old's 434, job (nothing pulled) 1638 = 2253.
    assert profile.repositories["never_pulled_bytes"].sum() == 181 + 434 + 1638 == 2253


def test_growth_from_push_history(profile):
    # Growth window: 12 × 30.4375 days before 2026-06-15, i.e. from 2025-06-14. Blobs first pushed since then,
    # each once: BASE_ARM 900, LA1 200, LC1 300, LC2 250, LT 50, LW 100, LJ 70 = 1870; configs cA1 10, cC1 12,
    # cC2 13, cT 8, cW 6, cJ 5 = 54; manifests mA1 21, iX 23, mC1 24, mC2 25, mT 26, mW 28, mJ 29 = 176.
    # (BASE was first pushed 2025-01-01 with app's untagged image.) 1870 + 54 + 176 = 2100 over 12 months.
    assert profile.global_growth_bytes_per_month == pytest.approx(2100 / 12)  # 175.0
    # Per repository: app LA1 + cA1 + mA1 = 231 (its BASE dates from 2025), api all 2547, tool LT + cT + mT = 84,
    # web all 1134, job job:v1's 1104.
    added = {n: _repo(profile, n)["bytes_added_in_window"] for n in ("app", "api", "tool", "web", "job")}
    assert added == {"app": 231, "api": 2547, "tool": 84, "web": 1134, "job": 1104}


# -- pulls -----------------------------------------------------------------------------------------


def test_pulls_per_month_from_the_pull_count_window(profile):
    assert profile.pull_window_days == 10
    # 30.4375 days a month ÷ 10 days of counts = × 3.04375. app 30 → 91.3125, api 60 → 182.625, web 20 → 60.875.
    assert DAYS_PER_MONTH == 30.4375
    assert _repo(profile, "app")["pulls_per_month"] == pytest.approx(91.3125)
    assert _repo(profile, "api")["pulls_per_month"] == pytest.approx(182.625)
    assert _repo(profile, "web")["pulls_per_month"] == pytest.approx(60.875)
    assert profile.pulls_per_month == pytest.approx(110 * 3.04375)  # 334.8125


def test_bytes_per_pull(profile):
    # The compressed size of what was pulled in the window (2026-06-01 on), children excluded: app:v1 1200;
    # api's index reports its largest child, 1300; web:v1 1100.
    assert _repo(profile, "app")["bytes_per_pull_uncached"] == 1200
    assert _repo(profile, "api")["bytes_per_pull_uncached"] == 1300
    assert _repo(profile, "web")["bytes_per_pull_uncached"] == 1100
    # Nothing pulled in the window: the average tagged image. job (1070 + 500) / 2 = 785.
    assert _repo(profile, "job")["bytes_per_pull_uncached"] == 785
    s = summary(profile)
    # 91.3125 × 1200 + 182.625 × 1300 + 60.875 × 1100 = 109,575 + 237,412.5 + 66,962.5 = 413,950
    assert s.pull_bytes_per_month == pytest.approx(413_950.0)
    assert (s.accounts, s.regions, s.repositories, s.images) == (2, ["eu-west-1", "us-east-1"], 5, 10)


# -- into the cost model's inputs -----------------------------------------------------------------------


def test_region_usage_applies_mounting_replication_and_scanning(profile):
    u = region_usage(profile)
    assert u.regions == ["eu-west-1", "us-east-1"]
    eu, us = 0, 1
    # standard: us-east-1 per repository 5043; eu-west-1 per registry 1238 (mounting)
    assert u.standard_gb[us] * GIB == pytest.approx(5043)
    assert u.standard_gb[eu] * GIB == pytest.approx(1238)
    assert u.archive_gb * GIB == pytest.approx([534, 434])
    # pulls × bytes per pull: us-east-1 109,575 + 237,412.5 = 346,987.5; eu-west-1 66,962.5
    assert u.pull_gb_month * GIB == pytest.approx([66_962.5, 346_987.5])
    # growth: us-east-1 (231 + 2547 + 84) / 12 = 238.5. eu-west-1: with mounting BASE is new to the registry
    # once, so the registry grew by 1134 + (70 + 5 + 29) = 1238 bytes in 12 months = 103.1667 a month (the
    # per-repository figure, 2238 / 12 = 186.5, bills BASE twice).
    assert u.growth_gb_month * GIB == pytest.approx([1238 / 12, 238.5])
    # app replicates to eu-west-1: its growth 231 / 12 = 19.25 bytes a month crosses regions once.
    assert u.replication_gb_month * GIB == pytest.approx([0.0, 19.25])
    # ENHANCED scanning on web* in B: web's 1 push in the last 90 days × 30.4375 / 90, 1 tagged image
    assert u.scanned_pushes_month == pytest.approx([30.4375 / 90, 0.0])
    assert u.scanned_tagged_images == pytest.approx([1.0, 0.0])


def test_model_input_from_the_profile(profile):
    inp = from_profile(profile)
    assert inp.global_unique_gb * GIB == pytest.approx(4249)
    assert inp.repositories == 5
    # the global unique bytes apportioned by each registry's own unique bytes: 3477 : 1772
    total = 3477 + 1772
    assert inp.unique_gb_by_region["us-east-1"] * GIB == pytest.approx(4249 * 3477 / total)
    assert sum(inp.unique_gb_by_region.values()) * GIB == pytest.approx(4249)
    assert np.isclose(inp.global_growth_gb_month * GIB, 175.0)


def test_a_registry_without_readable_settings_does_not_break_the_profile(tmp_path):
    # The collector leaves replication_rules / scanning_configuration NULL when DescribeRegistry is denied.
    unreadable = {A: REGISTRIES[A], B: RegistryRecord(*B, None, None, "ENABLED", None, None)}
    with _build(tmp_path / "w.duckdb", unreadable) as wh:
        p = load_profile(wh, now=NOW)
    assert p.repositories.set_index("repository_name").loc["web", "replication_destinations"] == []


def test_replication_destinations_follow_each_rules_prefix_filters_and_skip_the_own_region():
    import json as _json

    import pandas as pd

    from analysis.model.workload import _replication_destinations

    repos = pd.DataFrame(
        {
            "account_id": ["1", "1", "1", "2", "2"],
            "region": ["us-east-1", "us-east-1", "us-east-1", "us-east-1", "eu-west-1"],
            "repository_name": ["team/api", "team/web", "base/debian", "team/api", "team/api"],
        }
    ).astype({"repository_name": "string[pyarrow]"})
    rules = [  # account 1, us-east-1: team/* to two regions (one its own), everything to ap-south-1
        {
            "destinations": [{"region": "eu-west-1"}, {"region": "us-east-1"}],
            "repositoryFilters": [{"filter": "team/", "filterType": "PREFIX_MATCH"}],
        },
        {"destinations": [{"region": "ap-south-1"}]},
    ]
    scopes = pd.DataFrame(
        {
            "account_id": ["1", "2", "2"],
            "region": ["us-east-1", "us-east-1", "eu-west-1"],
            "replication_rules": [_json.dumps(rules), float("nan"), _json.dumps([])],  # unreadable, none
        }
    )
    assert _replication_destinations(repos, scopes) == [
        ["ap-south-1", "eu-west-1"],
        ["ap-south-1", "eu-west-1"],
        ["ap-south-1"],
        [],
        [],
    ]


@pytest.mark.parametrize("timezone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_growth_over_whole_push_months_equals_every_push_since_the_windows_start(collected_db, timezone):
    """The growth window summed from whole months plus its first month's exact part is the sum of every first push
    since the window's start — for windows that start mid-month, on a month's first instant and at its last, in
    any session time zone (the months are UTC months)."""
    from datetime import timedelta

    from analysis.model import workload

    with Warehouse(collected_db, read_only=True) as wh:
        con = wh.cursor()
        con.execute(f"SET TimeZone = '{timezone}'")
        pushes = [r[0] for r in con.execute("SELECT first_pushed_at FROM profile_repository_first_push").fetchall()]
        first = min(p for p in pushes if p is not None)
        starts = [first + timedelta(days=d, hours=h) for d, h in ((0, 0), (17, 5), (45, 13))]
        starts += [datetime(s.year, s.month, 1, tzinfo=UTC) for s in starts]  # the first instant of a month
        starts += [datetime(s.year, s.month, 1, tzinfo=UTC) - timedelta(microseconds=1) for s in starts[-3:]]
        for start in starts:
            rows = con.execute(
                """SELECT account_id, region, repository_name, sum(bytes) FROM profile_repository_first_push
                WHERE first_pushed_at >= ? GROUP BY ALL""",
                [start],
            ).fetchall()
            plain = {(a, r, n): v for a, r, n, v in rows}
            # growth months = 12 back from `now`: put the window's start where this case wants it
            now = start + timedelta(days=workload.DAYS_PER_MONTH * workload.GROWTH_MONTHS)
            repos = load_profile(wh, now=now).repositories
            profile = repos.set_index(["account_id", "region", "repository_name"])["bytes_added_in_window"]
            assert {k: v for k, v in profile.items() if v} == {k: v for k, v in plain.items() if v}, start
            assert sum(plain.values()) > 0 or start > max(p for p in pushes if p is not None)
