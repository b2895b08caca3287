"""Daily pull counts from CloudWatch: whole UTC days, batches as large as GetMetricData allows, pages merged, and
a batch that cannot be read said per repository (never mistaken for "nobody pulls")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from botocore.exceptions import ClientError

from analysis.collectors.cloudwatch import collect_pull_counts, window

NOW = datetime(2026, 6, 15, 13, 45, tzinfo=UTC)
DAY1 = datetime(2026, 6, 13, tzinfo=UTC)
DAY2 = datetime(2026, 6, 14, tzinfo=UTC)


class FakeCloudWatch:
    """Answers each query with pulls per day; splits the first query's points over two pages."""

    def __init__(self, denied: bool = False) -> None:
        self.calls: list[dict] = []
        self.denied = denied

    def get_metric_data(self, **kw):
        self.calls.append(kw)
        if self.denied:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "GetMetricData")
        queries = kw["MetricDataQueries"]
        if "NextToken" not in kw:
            results = [{"Id": queries[0]["Id"], "Timestamps": [DAY1], "Values": [3.0]}]
            return {"MetricDataResults": results, "NextToken": "page2"}
        results = [{"Id": queries[0]["Id"], "Timestamps": [DAY2], "Values": [4.0]}]
        results += [{"Id": q["Id"], "Timestamps": [DAY2], "Values": [1.0]} for q in queries[1:]]
        return {"MetricDataResults": results}


class FakeSettings:
    def __init__(self, cw: FakeCloudWatch) -> None:
        self.cw = cw

    def client(self, session, service, region, budget=None, account_id=None):
        assert (service, region) == ("cloudwatch", "eu-west-1")
        return self.cw


def test_the_window_is_whole_utc_days_ending_today_at_midnight():
    start, end = window(90, NOW)
    assert end == datetime(2026, 6, 15, tzinfo=UTC)
    assert end - start == timedelta(days=90)


def test_daily_sums_per_repository_with_pages_merged():
    cw = FakeCloudWatch()
    recs, errors, unread = collect_pull_counts(FakeSettings(cw), None, "111111111111", "eu-west-1", ["b", "a"], 2, NOW)
    assert errors == [] and unread == []
    got = sorted((r.repository_name, r.day, r.pulls) for r in recs)
    assert got == [("a", date(2026, 6, 13), 3.0), ("a", date(2026, 6, 14), 4.0), ("b", date(2026, 6, 14), 1.0)]
    q = cw.calls[0]["MetricDataQueries"][0]["MetricStat"]
    assert q["Metric"]["MetricName"] == "RepositoryPullCount"
    assert (q["Period"], q["Stat"]) == (86_400, "Sum")


def test_batches_stay_within_getmetricdatas_limits():
    cw = FakeCloudWatch()
    names = [f"r{i:04d}" for i in range(1200)]
    collect_pull_counts(FakeSettings(cw), None, "111111111111", "eu-west-1", names, 90, NOW)
    first_pages = [c for c in cw.calls if "NextToken" not in c]
    # 500 queries per call at most (90 days × 500 = 45,000 points ≤ 100,800): 1,200 → 500 + 500 + 200
    assert [len(c["MetricDataQueries"]) for c in first_pages] == [500, 500, 200]
    cw = FakeCloudWatch()
    collect_pull_counts(FakeSettings(cw), None, "111111111111", "eu-west-1", names[:400], 400, NOW)
    # 400 days: 100,800 // 400 = 252 queries per call
    assert [len(c["MetricDataQueries"]) for c in cw.calls if "NextToken" not in c] == [252, 148]


def test_a_denied_batch_is_an_error_and_each_repository_is_unread():
    cw = FakeCloudWatch(denied=True)
    recs, errors, unread = collect_pull_counts(FakeSettings(cw), None, "111111111111", "eu-west-1", ["a", "b"], 7, NOW)
    assert recs == []
    (error,) = errors
    assert (error.operation, error.error_code, error.region) == (
        "cloudwatch:GetMetricData",
        "AccessDenied",
        "eu-west-1",
    )
    assert [(u.part, u.repository, u.error_code) for u in unread] == [
        ("pulls", "a", "AccessDenied"),
        ("pulls", "b", "AccessDenied"),
    ]


def test_nothing_to_ask_asks_nothing():
    cw = FakeCloudWatch()
    assert collect_pull_counts(FakeSettings(cw), None, "1", "eu-west-1", [], 90, NOW) == ([], [], [])
    assert cw.calls == []
