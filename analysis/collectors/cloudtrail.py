"""CloudTrail collector: the ECR pulls a trail recorded, from its S3 delivery or from `LookupEvents`.

A pull is one `BatchGetImage` (the manifest) plus one `GetDownloadUrlForLayer` per layer the puller had not
cached (measurement-facts.md §1.1). Both are read-only *management* events: a trail whose selectors keep only
write events cannot contain them (§1.2), which `check_trails` says plainly.

Two readers give the same normalised rows (`EVENT_SCHEMA`: one row per day, repository, principal, event and
image/layer reference, with a count), parsed by DuckDB's JSON reader — no Python loop per event:

* a trail's delivery layout, `…/AWSLogs/[o-xxx/]<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`, from a
  local folder or `s3://bucket/prefix` (copied to a local folder first with ListObjectsV2/GetObject);
* `LookupEvents` (Event history, 90 days): 2 requests/s per account and region, 50 events a page, one lookup
  attribute per call (§1.5). Pages are spooled to disk with the next token, so an interrupted lookup resumes.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from analysis.collectors import aggregate_sql
from analysis.collectors.aws import AwsSettings
from analysis.collectors.operations import Operations, declare

OPERATIONS = declare(
    "cloudtrail",
    Operations("cloudtrail", "cloudtrail", ("DescribeTrails", "GetTrailStatus", "GetEventSelectors", "LookupEvents")),
    # Reading a trail's delivery bucket; ListObjectsV2 is authorised by s3:ListBucket.
    Operations("s3", "s3", ("ListObjectsV2", "GetObject"), iam_overrides={"ListObjectsV2": "ListBucket"}),
)

PULL_EVENTS = ("BatchGetImage", "GetDownloadUrlForLayer")
LOOKUP_PAGE = 50  # LookupEvents MaxResults: at most 50 (botocore model)
LOOKUP_RATE = 2.0  # LookupEvents requests per second per account and region; cannot be raised

EVENT_SCHEMA = pa.schema(
    [
        ("day", pa.date32()),
        ("account_id", pa.string()),  # the registry that owns the repository (registryId, else the recipient)
        ("region", pa.string()),
        ("repository_name", pa.string()),
        ("event_name", pa.string()),
        ("image_tag", pa.string()),
        ("image_digest", pa.string()),
        ("layer_digest", pa.string()),
        ("principal_arn", pa.string()),
        ("principal_account_id", pa.string()),
        # Where the call came from (measurement-facts.md §1.4): an address, `AWS Internal`, or a service's DNS name;
        # and the VPC endpoint it came through, when the record names one. They place the consumer (#13).
        ("source_ip", pa.string()),
        ("vpc_endpoint_id", pa.string()),
        ("events", pa.int64()),
    ]
)

# The fields read from one CloudTrail record; json_transform ignores every other key, and gives NULL where a
# record of another service has a field of another type.
_RECORD = {
    "eventID": "VARCHAR",
    "eventTime": "VARCHAR",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "errorCode": "VARCHAR",
    "recipientAccountId": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "vpcEndpointId": "VARCHAR",
    "userIdentity": {
        "type": "VARCHAR",
        "arn": "VARCHAR",
        "accountId": "VARCHAR",
        "principalId": "VARCHAR",
        "invokedBy": "VARCHAR",
    },
    "requestParameters": "JSON",  # kept as JSON text, as in Athena's CloudTrail table
}
# The trail files' reader types requestParameters as a struct of the fields trail_sql reads (request_struct):
# typed while the file is parsed, rather than written back to JSON text and parsed again for each field; a record
# of another service whose field has another type gets NULL there, as with json_extract.
_REQUEST = {
    "registryId": "VARCHAR",
    "repositoryName": "VARCHAR",
    "layerDigest": "VARCHAR",
    "imageIds": [{"imageTag": "VARCHAR", "imageDigest": "VARCHAR"}],
}
_FILE = {"Records": [_RECORD | {"requestParameters": _REQUEST}]}

# Both readers hand the shared SQL (aggregate_sql.trail_sql, which Athena runs over AWS's CloudTrail table) a
# relation shaped like that table: lower-case names, `useridentity` a struct, `requestparameters` JSON text.
_AS_ATHENA_TABLE = """
SELECT r.eventID AS eventid, r.eventTime AS eventtime, r.eventSource AS eventsource, r.eventName AS eventname,
       r.awsRegion AS awsregion, r.errorCode AS errorcode, r.recipientAccountId AS recipientaccountid,
       r.userIdentity AS useridentity, {request} AS requestparameters,
       r.sourceIPAddress AS sourceipaddress, r.vpcEndpointId AS vpcendpointid
FROM recs
"""


def _normalise(recs: str, start: date, end: date, *, request_struct: bool = False) -> str:
    """The pull-event rows of [start, end) from `recs`, a query of transformed records `r` (requestParameters
    JSON, or the `_REQUEST` struct)."""
    table = aggregate_sql.trail_sql("cloudtrail_records", start, end, PULL_EVENTS, request_struct=request_struct)
    request = "r.requestParameters" if request_struct else "CAST(r.requestParameters AS VARCHAR)"
    return f"WITH recs AS ({recs}), cloudtrail_records AS ({_AS_ATHENA_TABLE.format(request=request)}) {table}"


class TrailError(Exception):
    """A trail location that cannot be read: said in one line, with what to do."""


# ---- trail configuration ---------------------------------------------------------------------------------
@dataclass
class TrailCheck:
    """One trail, and whether its configuration lets it contain pulls."""

    account_id: str
    region: str
    name: str
    home_region: str | None
    s3_bucket: str | None
    s3_prefix: str | None
    multi_region: bool
    organization: bool
    logging: bool | None
    read_write: str  # All | ReadOnly | WriteOnly | advanced | none
    can_hold_pulls: bool
    reason: str


CHECK_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("name", pa.string()),
        ("home_region", pa.string()),
        ("s3_bucket", pa.string()),
        ("s3_prefix", pa.string()),
        ("multi_region", pa.bool_()),
        ("organization", pa.bool_()),
        ("logging", pa.bool_()),
        ("read_write", pa.string()),
        ("can_hold_pulls", pa.bool_()),
        ("reason", pa.string()),
    ]
)


def selectors_hold_pulls(selectors: dict[str, Any]) -> tuple[str, bool, str]:
    """(read/write summary, can it contain pulls, why) from a GetEventSelectors answer.

    Pulls are read-only management events of ecr.amazonaws.com (measurement-facts.md §1.2).
    """
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        for sel in advanced:
            fields = {f["Field"]: f for f in sel.get("FieldSelectors", [])}
            category = fields.get("eventCategory", {})
            if "Management" not in category.get("Equals", []):
                continue
            read_only = fields.get("readOnly", {})
            if read_only.get("Equals") == ["false"] or read_only.get("NotEquals") == ["true"]:
                continue
            source = fields.get("eventSource", {})
            if source.get("Equals") and "ecr.amazonaws.com" not in source["Equals"]:
                continue
            if "ecr.amazonaws.com" in source.get("NotEquals", []):
                continue
            return "advanced", True, f"advanced selector {sel.get('Name') or '(unnamed)'} keeps ECR read events"
        return "advanced", False, "no advanced selector keeps read-only management events of ecr.amazonaws.com"
    basic = [s for s in selectors.get("EventSelectors") or [] if s.get("IncludeManagementEvents", True)]
    if not basic:
        return "none", False, "the trail logs no management events"
    kinds = {s.get("ReadWriteType", "All") for s in basic}
    summary = "All" if "All" in kinds or kinds >= {"ReadOnly", "WriteOnly"} else kinds.pop()
    if summary == "WriteOnly":
        return summary, False, "the trail logs write-only management events: pulls are read events"
    return summary, True, f"management events {summary}"


def check_trails(settings: AwsSettings, session: Any, account_id: str, region: str) -> list[TrailCheck]:
    ct = settings.client(session, "cloudtrail", region)
    checks: list[TrailCheck] = []
    for trail in ct.describe_trails(includeShadowTrails=False).get("trailList", []):
        arn = trail.get("TrailARN") or trail["Name"]
        read_write, can, reason = selectors_hold_pulls(ct.get_event_selectors(TrailName=arn))
        logging = ct.get_trail_status(Name=arn).get("IsLogging")
        if can and logging is False:
            reason += "; but the trail is not logging now"
        checks.append(
            TrailCheck(
                account_id=account_id,
                region=region,
                name=trail["Name"],
                home_region=trail.get("HomeRegion"),
                s3_bucket=trail.get("S3BucketName"),
                s3_prefix=trail.get("S3KeyPrefix"),
                multi_region=bool(trail.get("IsMultiRegionTrail")),
                organization=bool(trail.get("IsOrganizationTrail")),
                logging=logging,
                read_write=read_write,
                can_hold_pulls=can,
                reason=reason,
            )
        )
    return checks


# ---- trail folders ---------------------------------------------------------------------------------------
_DELIVERY = re.compile(
    r"AWSLogs/(?:o-[a-z0-9]+/)?(?P<account>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/[^/]+\.json\.gz$"
)


def delivery_days(start: date, end: date) -> list[date]:
    """Delivery folders that can hold events of [start, end): a file holds records written at any point
    before its delivery, so the folder of the day after the window is read too."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def trail_files(root: Path, start: date, end: date) -> dict[date, list[Path]]:
    """The delivered log files under `root` for the window, by delivery day (digest files are skipped)."""
    if not root.is_dir():
        raise TrailError(f"{root} is not a folder: give the folder that holds AWSLogs/ (or s3://bucket/prefix)")
    wanted = set(delivery_days(start, end))
    by_day: dict[date, list[Path]] = {}
    for path in root.rglob("*.json.gz"):
        m = _DELIVERY.search(path.as_posix())
        if m:
            day = date(int(m["y"]), int(m["m"]), int(m["d"]))
            if day in wanted:
                by_day.setdefault(day, []).append(path)
    return dict(sorted(by_day.items()))


def _largest_record(paths: list[Path]) -> int:
    """A gzip member ends with its uncompressed size mod 2^32: enough to size DuckDB's JSON buffer."""
    largest = 0
    for path in paths:
        with path.open("rb") as f:
            f.seek(-4, 2)
            largest = max(largest, struct.unpack("<I", f.read(4))[0])
    return largest + (1 << 20)


def read_trail_folder(
    root: Path, start: date, end: date, progress: Callable[[str], None] | None = None
) -> tuple[pa.Table, int]:
    """Pull events of [start, end) delivered under `root`: (normalised rows, files read).

    One query over every file of the window: DuckDB spreads the files over its threads, and an event delivered
    twice (organization and account trail), even in two delivery-day folders, counts once, as in Athena.
    """
    by_day = trail_files(root, start, end)
    paths = [p for day_paths in by_day.values() for p in day_paths]
    if not paths:
        return EVENT_SCHEMA.empty_table(), 0
    if progress:
        progress(f"reading {len(paths)} files of {len(by_day)} delivery days")
    con = aggregate_sql.prepare_duckdb(duckdb.connect())
    recs = (
        "SELECT unnest(json_transform(json, $schema).Records) AS r FROM read_json_objects($files, "
        f"format='unstructured', compression='gzip', maximum_object_size={_largest_record(paths)})"
    )
    params = {"schema": json.dumps(_FILE), "files": [str(p) for p in paths]}
    table = con.sql(_normalise(recs, start, end, request_struct=True), params=params).to_arrow_table()
    if progress:
        progress(f"{len(paths)} files read: {table.num_rows:,} rows of pull events")
    return table.cast(EVENT_SCHEMA), len(paths)


def split_s3_url(url: str) -> tuple[str, str]:
    m = re.fullmatch(r"s3://([^/]+)/?(.*)", url)
    if not m:
        raise TrailError(f"{url} is not an s3:// location: use s3://bucket or s3://bucket/prefix")
    prefix = m[2].strip("/")
    return m[1], f"{prefix}/" if prefix else ""


def download_trail(
    settings: AwsSettings, session: Any, region: str, url: str, start: date, end: date, dest: Path
) -> int:
    """Copy the window's delivered files of s3://bucket/prefix to `dest` (same layout); returns files copied.

    Walks AWSLogs/[o-xxx/]<account>/CloudTrail/<region>/ with delimiters and lists only the window's day
    folders, so a bucket with years of logs costs a few list calls per account, region and day.
    """
    bucket, prefix = split_s3_url(url)
    s3 = settings.client(session, "s3", region)

    def folders(under: str) -> list[str]:
        out: list[str] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=under, Delimiter="/"):
            out += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return out

    accounts: list[str] = []
    for top in folders(f"{prefix}AWSLogs/"):
        name = top.rstrip("/").rsplit("/", 1)[-1]
        accounts += folders(top) if name.startswith("o-") else [top]
    copied = 0
    for account in accounts:
        for region_folder in folders(f"{account}CloudTrail/"):
            for day in delivery_days(start, end):
                day_prefix = f"{region_folder}{day:%Y/%m/%d}/"
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=day_prefix):
                    for obj in page.get("Contents", []):
                        if not obj["Key"].endswith(".json.gz"):
                            continue
                        target = dest / obj["Key"][len(prefix) :]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                        copied += 1
    return copied


# ---- LookupEvents ----------------------------------------------------------------------------------------
@dataclass
class LookupState:
    """Where a lookup stands, saved after every page: the same window and token resume it."""

    start: str
    end: str
    next_tokens: dict[str, str | None] = field(default_factory=dict)  # per event name; None = finished
    calls: int = 0
    events: int = 0

    def done(self, name: str) -> bool:
        return name in self.next_tokens and self.next_tokens[name] is None


class Pacer:
    """At most `rate` calls per second (LookupEvents' quota): waits for the next slot before a call."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.next_at = -math.inf

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


@dataclass
class LookupProgress:
    event_name: str
    calls: int
    events: int
    covered: float  # share of the window already read, 0..1 (events come newest first)
    eta_seconds: float | None


def lookup_pull_events(
    client: Any,
    spool: Path,
    start: datetime,
    end: datetime,
    *,
    pacer: Pacer | None = None,
    progress: Callable[[LookupProgress], None] | None = None,
) -> LookupState:
    """Read BatchGetImage and GetDownloadUrlForLayer of [start, end) into `spool` (NDJSON of raw records).

    One lookup attribute per call (the API's limit), so one sequence per event name; each makes the minimum
    ceil(n/50) calls, plus one when AWS hands out a token for an empty last page. The state file beside the
    spool holds the next tokens: calling again with the same spool resumes where it stopped.
    """
    pacer = pacer or Pacer(LOOKUP_RATE)
    state_path = spool.with_suffix(".state.json")
    if state_path.exists():
        state = LookupState(**json.loads(state_path.read_text()))
        start, end = datetime.fromisoformat(state.start), datetime.fromisoformat(state.end)
    else:
        state = LookupState(start.isoformat(), end.isoformat())
        spool.write_text("")
    window = (end - start).total_seconds() or 1.0
    began = time.monotonic()
    for name in PULL_EVENTS:
        if state.done(name):
            continue
        token = state.next_tokens.get(name)
        while True:
            kwargs: dict[str, Any] = {
                "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
                "StartTime": start,
                "EndTime": end,
                "MaxResults": LOOKUP_PAGE,
            }
            if token:
                kwargs["NextToken"] = token
            pacer.wait()
            page = client.lookup_events(**kwargs)
            events = page.get("Events", [])
            with spool.open("a") as f:
                f.writelines(e["CloudTrailEvent"] + "\n" for e in events)
            token = page.get("NextToken")
            state.calls += 1
            state.events += len(events)
            state.next_tokens[name] = token
            state_path.write_text(json.dumps(state.__dict__))
            if progress:
                progress(_lookup_progress(name, state, events, start, end, window, began))
            if not token:
                break
    return state


def _lookup_progress(
    name: str,
    state: LookupState,
    events: list[dict[str, Any]],
    start: datetime,
    end: datetime,
    window: float,
    began: float,
) -> LookupProgress:
    done_names = sum(state.done(n) for n in PULL_EVENTS)
    within = 1.0
    if events and state.next_tokens.get(name):
        oldest = min(e["EventTime"] for e in events)
        within = min(1.0, max(0.0, (end - oldest).total_seconds() / window))
    covered = (done_names + (0.0 if state.done(name) else within)) / len(PULL_EVENTS)
    elapsed = time.monotonic() - began
    eta = elapsed * (1 - covered) / covered if covered > 0 else None
    return LookupProgress(name, state.calls, state.events, covered, eta)


def read_lookup_spool(spool: Path, start: date, end: date) -> pa.Table:
    """The spooled records, normalised by the same SQL as the trail files."""
    con = aggregate_sql.prepare_duckdb(duckdb.connect())
    if not spool.exists() or spool.stat().st_size == 0:
        return EVENT_SCHEMA.empty_table()
    recs = "SELECT json_transform(json, $schema) AS r FROM read_json_objects($file, format='newline_delimited')"
    params = {"schema": json.dumps(_RECORD), "file": str(spool)}
    return con.sql(_normalise(recs, start, end), params=params).to_arrow_table().cast(EVENT_SCHEMA)


def write_trail_file(path: Path, records: list[dict[str, Any]]) -> None:
    """One delivered log file: `{"Records": [...]}` gzipped (CloudTrail's format; used by tests and the demo)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", compresslevel=1) as f:
        json.dump({"Records": records}, f, separators=(",", ":"))


def delivery_path(root: Path, account_id: str, region: str, day: date, stem: str, org_id: str | None = None) -> Path:
    """Where CloudTrail delivers a file (cloudtrail-find-log-files.md): organization trails add the o-id."""
    org = f"{org_id}/" if org_id else ""
    name = f"{account_id}_CloudTrail_{region}_{day:%Y%m%d}T0000Z_{stem}.json.gz"
    return root / f"AWSLogs/{org}{account_id}/CloudTrail/{region}/{day:%Y/%m/%d}/{name}"


def utc_now() -> datetime:
    return datetime.now(UTC)
