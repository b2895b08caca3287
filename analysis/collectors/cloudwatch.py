"""CloudWatch collector: `AWS/ECR` `RepositoryPullCount` daily sums per repository (GetMetricData).

ECR publishes only this one metric (ecr-facts.md §4), per repository name, in 1-minute periods. Daily
sums are what the workload model needs; CloudWatch keeps 1-hour data for 455 days, so a 90-day window of
daily (86,400 s) periods is always available.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.collectors.aws import AwsSettings, Budget, Session, Unread, chunks, error_record
from analysis.collectors.operations import Operations, declare
from analysis.collectors.records import ErrorRecord, PullCountRecord

OPERATIONS = declare("cloudwatch", Operations("cloudwatch", "cloudwatch", ("GetMetricData",)))

DAY = 86_400
MAX_QUERIES = 500  # per GetMetricData call
MAX_DATAPOINTS = 100_800  # per GetMetricData call


def window(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) aligned to UTC midnights, ending today at 00:00 so every day returned is whole."""
    now = now or datetime.now(UTC)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def collect_pull_counts(
    settings: AwsSettings,
    session: Session,
    account_id: str,
    region: str,
    repositories: list[str],
    days: int = 90,
    now: datetime | None = None,
    budget: Budget | None = None,
) -> tuple[list[PullCountRecord], list[ErrorRecord], list[Unread]]:
    """Daily pull counts; a batch that cannot be read is an error and its repositories' pulls are unread (the
    loader keeps their last good counts: a denied region must not look like a region nobody pulls from)."""
    if not repositories or days <= 0:
        return [], [], []
    cw = settings.client(session, "cloudwatch", region, budget, account_id=account_id)
    start, end = window(days, now)
    per_call = max(1, min(MAX_QUERIES, MAX_DATAPOINTS // days))
    records: list[PullCountRecord] = []
    errors: list[ErrorRecord] = []
    unread: list[Unread] = []
    for batch in chunks(sorted(repositories), per_call):
        queries = [_query(f"r{i}", name) for i, name in enumerate(batch)]
        try:
            results = _all_results(cw, queries, start, end)
        except Exception as exc:
            error = error_record(exc, "cloudwatch:GetMetricData", account_id=account_id, region=region)
            errors.append(error)
            unread += [Unread("pulls", name, error.operation, error.error_code, error.message) for name in batch]
            continue
        for result in results:
            name = batch[int(result["Id"][1:])]
            for ts, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                records.append(PullCountRecord(account_id, region, name, ts.astimezone(UTC).date(), float(value)))
    return records, errors, unread


def _query(query_id: str, repository: str) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/ECR",
                "MetricName": "RepositoryPullCount",
                "Dimensions": [{"Name": "RepositoryName", "Value": repository}],
            },
            "Period": DAY,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }


def _all_results(cw: Any, queries: list[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """GetMetricData pages may split one query's points over pages: merge them by query id."""
    merged: dict[str, dict[str, Any]] = {}
    token = None
    while True:
        kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
        if token:
            kwargs["NextToken"] = token
        page = cw.get_metric_data(**kwargs)
        for r in page.get("MetricDataResults", []):
            into = merged.setdefault(r["Id"], {"Id": r["Id"], "Timestamps": [], "Values": []})
            into["Timestamps"].extend(r.get("Timestamps", []))
            into["Values"].extend(r.get("Values", []))
        token = page.get("NextToken")
        if not token:
            return list(merged.values())
