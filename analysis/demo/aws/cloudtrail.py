"""CloudTrail `LookupEvents` for the emulated AWS: moto 5.2.5 answers it with HTTP 500 (measurement-facts.md §6).

Event history is held on moto's own CloudTrail backend of each (account, region), so moto's reset clears it.
The answer follows botocore's `cloudtrail` model (checked by tests/collectors/test_cloudtrail.py): one
lookup attribute, MaxResults 1..50 (default 50), newest first, `CloudTrailEvent` as a JSON string, a
`NextToken` only when more events remain and valid only with the same parameters.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from moto.cloudtrail.models import cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError

MAX_RESULTS = 50
_ATTRIBUTE_FIELDS = {
    "EventName": "eventName",
    "EventSource": "eventSource",
    "EventId": "eventID",
    "ReadOnly": "readOnly",
}


def put_lookup_events(account_id: str, region: str, records: list[dict[str, Any]]) -> None:
    """Add CloudTrail records (as a trail delivers them) to the Event history of (account, region)."""
    backend = cloudtrail_backends[account_id][region]
    history: list[tuple[float, dict[str, Any], dict[str, Any]]] = getattr(backend, "regcost_events", [])
    history.extend((_event_epoch(r), r, _event(r)) for r in records)
    history.sort(key=lambda e: e[0], reverse=True)  # LookupEvents returns newest first
    backend.regcost_events = history  # type: ignore[attr-defined]


def install() -> None:
    CloudTrailResponse.lookup_events = _lookup_events  # type: ignore[attr-defined]


class _Invalid(JsonRESTError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _event_epoch(record: dict[str, Any]) -> float:
    return datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")).timestamp()


def _lookup_events(self: CloudTrailResponse) -> str:
    attributes = self._get_param("LookupAttributes") or []
    if len(attributes) > 1:
        raise _Invalid("InvalidLookupAttributesException", "You can specify only one lookup attribute.")
    limit = int(self._get_param("MaxResults") or MAX_RESULTS)
    if not 1 <= limit <= MAX_RESULTS:
        raise _Invalid("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
    start, end = _epoch(self._get_param("StartTime")), _epoch(self._get_param("EndTime"))
    scope = hashlib.sha256(json.dumps([attributes, start, end], sort_keys=True).encode()).hexdigest()[:16]
    offset = 0
    token = self._get_param("NextToken")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset = int(state["o"]) if state["s"] == scope else -1
        except (ValueError, KeyError, TypeError):
            offset = -1
        if offset < 0:
            raise _Invalid("InvalidNextTokenException", "Invalid NextToken: the parameters must stay the same.")
    history = getattr(cloudtrail_backends[self.current_account][self.region], "regcost_events", [])
    matching = [event for t, r, event in history if _matches(t, r, attributes, start, end)]
    body: dict[str, Any] = {"Events": matching[offset : offset + limit]}
    if offset + limit < len(matching):
        body["NextToken"] = base64.urlsafe_b64encode(json.dumps({"o": offset + limit, "s": scope}).encode()).decode()
    return json.dumps(body)


def _matches(
    t: float, record: dict[str, Any], attributes: list[dict[str, str]], start: float | None, end: float | None
) -> bool:
    if (start is not None and t < start) or (end is not None and t > end):
        return False
    for a in attributes:
        key = _ATTRIBUTE_FIELDS.get(a["AttributeKey"])
        if key is None:
            raise _Invalid("InvalidLookupAttributesException", f"Unsupported lookup attribute {a['AttributeKey']}")
        if str(record.get(key)).lower() != str(a["AttributeValue"]).lower():
            return False
    return True


def _event(record: dict[str, Any]) -> dict[str, Any]:
    identity = record.get("userIdentity") or {}
    resources = [
        {"ResourceType": "AWS::ECR::Repository", "ResourceName": r["ARN"]} for r in record.get("resources") or []
    ]
    out: dict[str, Any] = {
        "EventId": record.get("eventID", ""),
        "EventName": record["eventName"],
        "ReadOnly": "true" if record.get("readOnly", True) else "false",
        "EventTime": _event_epoch(record),
        "EventSource": record["eventSource"],
        "Resources": resources,
        "CloudTrailEvent": json.dumps(record),
    }
    username = identity.get("userName") or (identity.get("arn") or "").rsplit("/", 1)[-1]
    if username:
        out["Username"] = username
    if identity.get("accessKeyId"):
        out["AccessKeyId"] = identity["accessKeyId"]
    return out
