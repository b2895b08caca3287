"""Cost Explorer collector: ECR's monthly bill by usage type (and linked account), and the usage-type rules.

GetCostAndUsage is billed at $0.01 per request, every page counting (ecr-facts.md §0.1, §5.2), so this
collector plans its requests: a month already fetched and no longer estimated is closed and never asked for
again; only missing months and the open (current) month are, one request per contiguous span of them.

Usage types are matched by pattern, never by exact string: the region prefix varies (`USE2-`, `EU-`,
`EUC1-`, `APN1-` …) and us-east-1 often has none (`TimedStorage-ByteHrs`, `DataTransfer-Out-Bytes`), while
its archive lines carry `USE1-` (ecr-facts.md §5.1). The same rules classify CUR and FOCUS lines
(analysis/collectors/cur.py), in SQL, from `USAGE_RULES` below.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from analysis.collectors.aws import AwsSettings, Session
from analysis.collectors.operations import Operations, declare

OPERATIONS = declare("costs", Operations("ce", "ce", ("GetCostAndUsage",)))

SERVICE = "Amazon EC2 Container Registry (ECR)"  # the Cost Explorer SERVICE dimension value (ecr-facts §5.1)
CE_REGION = "us-east-1"  # Cost Explorer has one endpoint (ecr-facts §5.2)
PRICE_PER_REQUEST = 0.01  # USD, each page (Cost Explorer FAQ; ecr-facts §0.1)
MAX_MONTHS = 13  # Cost Explorer keeps the previous 12 months plus the current one (ECR usage-reports doc)
METRICS = ("UnblendedCost", "UsageQuantity")

# (usage class, regex searched in the usage type). First match wins: archive before storage, etc.
USAGE_RULES: tuple[tuple[str, str], ...] = (
    ("retrieval", r"Retrieval-Archive"),
    ("archive", r"TimedStorage-Archive"),
    ("storage", r"TimedStorage"),
    ("inter-region-out", r"-AWS-Out-Bytes"),
    ("inter-region-in", r"-AWS-In-Bytes"),
    ("egress-internet", r"DataTransfer-Out-Bytes|DataXfer-Out"),
    ("regional", r"DataTransfer-Regional-Bytes"),
)
USAGE_CLASSES = (*dict.fromkeys(c for c, _ in USAGE_RULES), "other")

# Billing region codes used as usage-type prefixes (AWS S3 billing doc "Understanding your usage report";
# koku-nise). No prefix means us-east-1.
REGION_CODES: dict[str, str] = {
    "USE1": "us-east-1",
    "USE2": "us-east-2",
    "USW1": "us-west-1",
    "USW2": "us-west-2",
    "UGW1": "us-gov-west-1",
    "UGE1": "us-gov-east-1",
    "CAN1": "ca-central-1",
    "CAN2": "ca-west-1",
    "EU": "eu-west-1",
    "EUW1": "eu-west-1",
    "EUW2": "eu-west-2",
    "EUW3": "eu-west-3",
    "EUC1": "eu-central-1",
    "EUC2": "eu-central-2",
    "EUN1": "eu-north-1",
    "EUS1": "eu-south-1",
    "EUS2": "eu-south-2",
    "APN1": "ap-northeast-1",
    "APN2": "ap-northeast-2",
    "APN3": "ap-northeast-3",
    "APS1": "ap-southeast-1",
    "APS2": "ap-southeast-2",
    "APS3": "ap-south-1",
    "APS4": "ap-southeast-3",
    "APS5": "ap-south-2",
    "APS6": "ap-southeast-4",
    "APS7": "ap-southeast-5",
    "APE1": "ap-east-1",
    "SAE1": "sa-east-1",
    "MES1": "me-south-1",
    "MEC1": "me-central-1",
    "AFS1": "af-south-1",
    "ILC1": "il-central-1",
    "MXC1": "mx-central-1",
    "CNN1": "cn-north-1",
    "CNW1": "cn-northwest-1",
}
CODE_OF_REGION = {r: c for c, r in REGION_CODES.items() if c != "EUW1"}
_PREFIX = re.compile(r"^([A-Z]{2,4}\d?)-")
_COMPILED = tuple((cls, re.compile(rx)) for cls, rx in USAGE_RULES)


def usage_class(usage_type: str) -> str:
    for cls, rx in _COMPILED:
        if rx.search(usage_type):
            return cls
    return "other"


def usage_regions(usage_type: str) -> tuple[str | None, str | None]:
    """(region, peer region) from the usage type's prefixes: `USE1-USW2-AWS-Out-Bytes` → us-east-1, us-west-2;
    no known prefix → us-east-1 (AWS omits it there); an unknown code → None (kept in usage_type)."""
    m = _PREFIX.match(usage_type)
    if not m:
        return "us-east-1", None
    region = REGION_CODES.get(m.group(1))
    if region is None:
        return None, None
    rest = usage_type[m.end() :]
    m2 = _PREFIX.match(rest)
    peer = REGION_CODES.get(m2.group(1)) if m2 and usage_class(usage_type).startswith("inter-region") else None
    return region, peer


# ---- months ---------------------------------------------------------------------------------------------
def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def window_months(today: date, months: int = MAX_MONTHS) -> list[date]:
    """First days of the last `months` months, the current (open) one last. On the 1st the current month has
    no usage yet and Cost Explorer needs End > Start, so it is left out."""
    months = max(1, min(months, MAX_MONTHS))
    current = month_start(today)
    out = [add_months(current, -k) for k in range(months - 1, -1, -1)]
    return out if today > current else out[:-1]


@dataclass(frozen=True)
class CeRequest:
    """One GetCostAndUsage query: a contiguous span of months [start, end)."""

    start: date
    end: date  # exclusive: the first day of the month after the span, or today for the open month
    by_account: bool

    def params(self) -> dict[str, Any]:
        group_by = [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
        if self.by_account:
            group_by.append({"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"})
        return {
            "TimePeriod": {"Start": self.start.isoformat(), "End": self.end.isoformat()},
            "Granularity": "MONTHLY",
            "Metrics": list(METRICS),
            "GroupBy": group_by,
            "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE]}},
        }


def plan_requests(
    closed: set[date], today: date, months: int = MAX_MONTHS, by_account: bool = False
) -> list[CeRequest]:
    """The requests still needed: contiguous spans of months in the window that are not closed."""
    wanted = [m for m in window_months(today, months) if m not in closed]
    spans: list[list[date]] = []
    for m in wanted:
        if spans and add_months(spans[-1][-1], 1) == m:
            spans[-1].append(m)
        else:
            spans.append([m])
    current = month_start(today)
    return [CeRequest(span[0], today if span[-1] == current else add_months(span[-1], 1), by_account) for span in spans]


# ---- fetching and normalising ---------------------------------------------------------------------------
@dataclass
class CostLine:
    month: date
    account_id: str | None
    usage_type: str
    usage_class: str
    region: str | None
    peer_region: str | None
    quantity: float
    unit: str | None
    cost: float
    currency: str | None
    estimated: bool


@dataclass
class CePage:
    request: dict[str, Any]
    response: dict[str, Any]
    fetched_at: datetime


@dataclass
class CeResult:
    pages: list[CePage] = field(default_factory=list)
    lines: list[CostLine] = field(default_factory=list)
    months: dict[date, bool] = field(default_factory=dict)  # month -> estimated

    @property
    def billed_requests(self) -> int:
        return len(self.pages)


def fetch(settings: AwsSettings, session: Session, requests: list[CeRequest]) -> CeResult:
    """Run the planned requests, following NextPageToken; every page is kept as returned."""
    ce = settings.client(session, "ce", CE_REGION)
    result = CeResult()
    for req in requests:
        params = req.params()
        token: str | None = None
        while True:
            call = {**params, **({"NextPageToken": token} if token else {})}
            try:
                response = ce.get_cost_and_usage(**call)
            except Exception as exc:
                exc.pages = result.pages  # type: ignore[attr-defined]  # billed pages are kept all the same
                raise
            response.pop("ResponseMetadata", None)
            result.pages.append(CePage(call, response, datetime.now(UTC)))
            normalise(response, req, result)
            token = response.get("NextPageToken")
            if not token:
                break
    return result


def normalise(response: dict[str, Any], req: CeRequest, into: CeResult) -> None:
    """ResultsByTime → one CostLine per (month, group). Months outside the request are ignored."""
    for period in response.get("ResultsByTime", []):
        month = month_start(date.fromisoformat(period["TimePeriod"]["Start"]))
        if not req.start <= month < req.end:
            continue
        estimated = bool(period.get("Estimated", False))
        into.months[month] = into.months.get(month, False) or estimated
        for group in period.get("Groups", []):
            keys = group.get("Keys", [])
            usage_type = keys[0] if keys else ""
            account = keys[1] if req.by_account and len(keys) > 1 else None
            metrics = group.get("Metrics", {})
            cost = metrics.get("UnblendedCost", {})
            qty = metrics.get("UsageQuantity", {})
            region, peer = usage_regions(usage_type)
            into.lines.append(
                CostLine(
                    month=month,
                    account_id=account,
                    usage_type=usage_type,
                    usage_class=usage_class(usage_type),
                    region=region,
                    peer_region=peer,
                    quantity=float(qty.get("Amount") or 0.0),
                    unit=qty.get("Unit"),
                    cost=float(cost.get("Amount") or 0.0),
                    currency=cost.get("Unit"),
                    estimated=estimated,
                )
            )


def page_json(page: CePage) -> tuple[str, str]:
    return json.dumps(page.request, sort_keys=True), json.dumps(page.response, sort_keys=True, default=str)
