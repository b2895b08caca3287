"""Cost and usage exports read by DuckDB straight off the files: CUR 2.0 (Data Exports), legacy CUR (Parquet with
`line_item_*` names, or CSV/CSV.gz with `lineItem/UsageType` names) and FOCUS 1.x with AWS columns.

The column set is detected from each file group's schema; a file that matches none gets an error naming what
it lacks. Only ECR's lines are kept (product code `AmazonECR`, which also carries the data transfer ECR
causes, ecr-facts.md §5.1), aggregated per month, account and usage type — a multi-GB export becomes a few
hundred rows without ever leaving DuckDB. Usage types are classified with the same pattern rules as Cost
Explorer's (analysis/collectors/costs.py).

s3:// locations are downloaded with boto3 first (DuckDB's httpfs extension is not available offline here).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from analysis.collectors.aws import AwsSettings
from analysis.collectors.costs import CODE_OF_REGION, REGION_CODES, USAGE_RULES
from analysis.collectors.operations import Operations, declare

# ListObjectsV2 is authorised by s3:ListBucket (IAM service authorization reference for Amazon S3).
OPERATIONS = declare(
    "cur", Operations("s3", "s3", ("ListObjectsV2", "GetObject"), iam_overrides={"ListObjectsV2": "ListBucket"})
)

ECR_PRODUCT_CODE = "AmazonECR"
ECR_SERVICE_NAMES = (
    "Amazon EC2 Container Registry (ECR)",
    "EC2 Container Registry (ECR)",
    "Amazon Elastic Container Registry",
)
# Line item types that are usage (not tax, credits, refunds, fees): quantities and costs of the service itself.
USAGE_LINE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")


class CurError(Exception):
    """An export that cannot be read as a cost export: the message names the file and what is missing."""


class NoEcrLines(CurError):
    """A readable export without a single ECR usage line: nothing to load, and the person is told so."""


@dataclass(frozen=True)
class ColumnSet:
    name: str
    product: str  # column holding the product code / service
    usage_type: str | None  # None: derived from the charge description and units (standard FOCUS)
    quantity: str
    cost: str
    start: str
    account: str
    unit: str | None = None  # optional columns
    line_type: str | None = None
    currency: str | None = None
    service_code: str | None = None  # FOCUS: x_ServiceCode, preferred over ServiceName when present
    description: str | None = None  # standard FOCUS: ChargeDescription, the usage type is read from it
    region: str | None = None  # standard FOCUS: RegionId
    sku: str | None = None  # standard FOCUS: SkuId, kept in the derived usage type so lines stay apart

    def required(self) -> list[str]:
        derived = [self.description, self.region] if self.usage_type is None else [self.usage_type]
        return [c for c in (self.product, *derived, self.quantity, self.cost, self.start, self.account) if c]


CUR_PARQUET = ColumnSet(
    "CUR",  # CUR 2.0 and legacy CUR in Parquet/Athena share these names; told apart by the `product` map
    product="line_item_product_code",
    usage_type="line_item_usage_type",
    quantity="line_item_usage_amount",
    cost="line_item_unblended_cost",
    start="line_item_usage_start_date",
    account="line_item_usage_account_id",
    unit="pricing_unit",
    line_type="line_item_line_item_type",
    currency="line_item_currency_code",
)
CUR_CSV = ColumnSet(
    "legacy CUR (CSV)",
    product="lineItem/ProductCode",
    usage_type="lineItem/UsageType",
    quantity="lineItem/UsageAmount",
    cost="lineItem/UnblendedCost",
    start="lineItem/UsageStartDate",
    account="lineItem/UsageAccountId",
    unit="pricing/unit",
    line_type="lineItem/LineItemType",
    currency="lineItem/CurrencyCode",
)
# FOCUS 1.0/1.1/1.2 with AWS columns: x_UsageType and x_ServiceCode are AWS's extension columns
# (docs.aws.amazon.com/cur/latest/userguide/table-dictionary-focus-1-0-aws-columns).
FOCUS = ColumnSet(
    "FOCUS",
    product="ServiceName",
    usage_type="x_UsageType",
    quantity="ConsumedQuantity",
    cost="BilledCost",
    start="ChargePeriodStart",
    account="SubAccountId",
    unit="ConsumedUnit",
    line_type="ChargeCategory",
    currency="BillingCurrency",
    service_code="x_ServiceCode",
)
# FOCUS 1.x as the specification defines it, without AWS's x_ columns (e.g. the FinOps Foundation's sample data):
# the usage type is derived from ChargeDescription and the units, the region from RegionId (cur.focus_usage_type).
FOCUS_STANDARD = ColumnSet(
    "FOCUS (no x_UsageType)",
    product="ServiceName",
    usage_type=None,
    quantity="ConsumedQuantity",
    cost="BilledCost",
    start="ChargePeriodStart",
    account="SubAccountId",
    unit="ConsumedUnit",
    line_type="ChargeCategory",
    currency="BillingCurrency",
    description="ChargeDescription",
    region="RegionId",
    sku="SkuId",
)
COLUMN_SETS = (CUR_PARQUET, CUR_CSV, FOCUS, FOCUS_STANDARD)


@dataclass(frozen=True)
class FileGroup:
    """Files of one format read together (one glob), and the column set their schema matched."""

    kind: str  # parquet | csv
    files: tuple[Path, ...]
    columns: ColumnSet
    label: str  # what the user sees: CUR 2.0, legacy CUR (Parquet), legacy CUR (CSV), FOCUS
    available: frozenset[str]  # every column of the files' schema (optional columns are used when present)


def find_files(path: Path) -> dict[str, list[Path]]:
    """Export files under a path (a file, or a folder searched recursively), by format."""
    if not path.exists():
        raise CurError(f"{path}: no such file or folder")
    candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out: dict[str, list[Path]] = {"parquet": [], "csv": []}
    for p in candidates:
        name = p.name.lower()
        if name.endswith(".parquet") or name.endswith(".snappy.parquet"):
            out["parquet"].append(p)
        elif name.endswith((".csv", ".csv.gz")):
            out["csv"].append(p)
    if not out["parquet"] and not out["csv"]:
        raise CurError(f"{path}: no .parquet, .csv or .csv.gz files found")
    return {k: v for k, v in out.items() if v}


def _source(kind: str, files: tuple[Path, ...]) -> str:
    listed = "[" + ", ".join(_quote_str(str(f)) for f in files) + "]"
    if kind == "parquet":
        return f"read_parquet({listed}, union_by_name = true)"
    return f"read_csv({listed}, header = true, union_by_name = true, all_varchar = true)"


def _quote_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema(con: duckdb.DuckDBPyConnection, kind: str, files: tuple[Path, ...]) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {_source(kind, files)}").fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise CurError(f"{_describe_files(files)}: cannot be read as {kind} ({first})") from None
    return {r[0]: r[1] for r in rows}


def _describe_files(files: tuple[Path, ...]) -> str:
    return str(files[0]) if len(files) == 1 else f"{files[0]} (+{len(files) - 1} more files)"


def detect(con: duckdb.DuckDBPyConnection, kind: str, files: list[Path]) -> FileGroup:
    """Match the files' schema to a known column set, or fail naming the closest set and what it lacks."""
    group = tuple(files)
    schema = _schema(con, kind, group)
    names = set(schema)
    for cs in COLUMN_SETS:
        if all(c in names for c in cs.required()):
            label = cs.name
            if cs is CUR_PARQUET:
                label = (
                    "CUR 2.0" if "product" in names or "bill_payer_account_name" in names else "legacy CUR (Parquet)"
                )
            elif cs is FOCUS:
                label = "FOCUS 1.x (AWS)" if cs.service_code in names else "FOCUS 1.x"
            elif cs is FOCUS_STANDARD:
                label = "FOCUS 1.x (usage type from ChargeDescription)"
            return FileGroup(kind, group, cs, label, frozenset(names))
    # Closest = the set with most required columns present.
    best = max(COLUMN_SETS, key=lambda cs: sum(c in names for c in cs.required()))
    missing = [c for c in best.required() if c not in names]
    raise CurError(
        f"{_describe_files(group)}: not a CUR 2.0, legacy CUR or FOCUS export — closest is {best.name}, which "
        f"needs {', '.join(missing)} (missing). Export ECR's costs with these columns, or pass the right folder."
    )


def _case_sql(expr: str, pairs: list[tuple[str, str]], default: str) -> str:
    whens = " ".join(f"WHEN regexp_matches({expr}, {_quote_str(rx)}) THEN {_quote_str(v)}" for v, rx in pairs)
    return f"CASE {whens} ELSE {_quote_str(default)} END"


def _region_sql(expr: str, position: int) -> str:
    """Region of the n-th usage-type prefix (1: own region, 2: inter-region peer) from REGION_CODES."""
    codes = "MAP {" + ", ".join(f"{_quote_str(k)}: {_quote_str(v)}" for k, v in REGION_CODES.items()) + "}"
    if position == 1:
        code = f"regexp_extract({expr}, '^([A-Z]{{2,4}}[0-9]?)-', 1)"
        return f"CASE WHEN {code} = '' THEN 'us-east-1' ELSE {codes}[{code}] END"
    code = f"regexp_extract({expr}, '^[A-Z]{{2,4}}[0-9]?-([A-Z]{{2,4}}[0-9]?)-AWS-(In|Out)-Bytes', 1)"
    return f"CASE WHEN {code} = '' THEN NULL ELSE {codes}[{code}] END"


# Standard FOCUS has no usage type: read it from what AWS writes in ChargeDescription (e.g. "$0.10 per GB-month
# of data storage", "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier",
# "$0.02 per GB - US East (N. Virginia) data transfer to EU (Ireland)") and the unit, in this order (first wins).
FOCUS_USAGE_TYPES: tuple[tuple[str, str], ...] = (  # (usage type, regex searched in description + unit)
    ("Retrieval-Archive-Bytes", r"(?i)retriev"),
    ("TimedStorage-Archive-ByteHrs", r"(?i)archive.*(GB-Mo|storage)|(GB-Mo|storage).*archive"),
    ("TimedStorage-ByteHrs", r"(?i)GB-Mo|TimedStorage|data storage"),
    ("AWS-Out-Bytes", r"(?i)data transfer to "),
    ("AWS-In-Bytes", r"(?i)data transfer from "),
    ("DataTransfer-Regional-Bytes", r"(?i)regional data transfer|between .*availability zones"),
    ("DataTransfer-Out-Bytes", r"(?i)data transfer out|internet"),
)


def focus_usage_type(group: FileGroup) -> str:
    """SQL: an AWS-style usage type for a standard FOCUS line — the region's billing code, then what the
    description (or, for storage, the unit) says. Unrecognised lines keep `<code>-Unmapped-<SkuId>` (usage class
    other), so they stay apart and in their region."""
    cs = group.columns
    assert cs.description is not None and cs.region is not None  # a standard FOCUS mapping names both
    col = _ident
    description = f"coalesce(CAST({col(cs.description)} AS VARCHAR), '')"
    unit = f"coalesce(CAST({col(cs.unit)} AS VARCHAR), '')" if cs.unit and cs.unit in group.available else "''"
    sku = f"coalesce(CAST({col(cs.sku)} AS VARCHAR), '')" if cs.sku and cs.sku in group.available else "''"
    kind = _case_sql(f"{description} || ' ' || {unit}", list(FOCUS_USAGE_TYPES), "")
    codes = "MAP {" + ", ".join(f"{_quote_str(r)}: {_quote_str(c)}" for r, c in CODE_OF_REGION.items()) + "}"
    # A region the map does not know gets a code that maps to no region: the line is loaded, its region NULL.
    code = f"coalesce({codes}[CAST({col(cs.region)} AS VARCHAR)], 'XX')"
    return f"{code} || '-' || coalesce(nullif({kind}, ''), 'Unmapped-' || {sku})"


# A time followed by Z or ±hh[:mm]: the value says its zone. (A date alone ends in -dd, which is not a zone.)
_ZONED = r"[0-9]:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"


def _utc_start(expr: str) -> str:
    """SQL: the start time as a UTC timestamp whatever the session's time zone. Billing time is UTC: a value
    with a zone or offset is converted, one without (CUR CSV, FOCUS samples, naive Parquet TIMESTAMP) IS UTC —
    casting it to TIMESTAMPTZ would read it in the machine's zone and move lines across month ends."""
    text = f"CAST({expr} AS VARCHAR)"
    return (
        f"CASE WHEN regexp_matches({text}, {_quote_str(_ZONED)}) "
        f"THEN timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ)) ELSE TRY_CAST({text} AS TIMESTAMP) END"
    )


def lines_sql(group: FileGroup) -> str:
    """One SELECT over the files: ECR usage lines, aggregated to (month, account, usage type, unit).

    The filter is on the raw product column first so DuckDB prunes row groups and reads only the few
    columns named here (projection pushdown) — the rest of a wide export is never decoded.
    """
    cs = group.columns
    col = _ident
    product_filter = (
        f"{col(cs.service_code)} = {_quote_str(ECR_PRODUCT_CODE)}"
        if cs.service_code and cs.service_code in group.available
        else f"{col(cs.product)} IN ({', '.join(_quote_str(x) for x in (ECR_PRODUCT_CODE, *ECR_SERVICE_NAMES))})"
    )
    type_filter = ""
    if cs.line_type and cs.line_type in group.available:
        allowed = ("Usage",) if cs is FOCUS else USAGE_LINE_TYPES
        type_filter = f" AND {col(cs.line_type)} IN ({', '.join(_quote_str(x) for x in allowed)})"
    unit = f"CAST({col(cs.unit)} AS VARCHAR)" if cs.unit and cs.unit in group.available else "NULL"
    currency = f"CAST({col(cs.currency)} AS VARCHAR)" if cs.currency and cs.currency in group.available else "'USD'"
    usage_type = f"CAST({col(cs.usage_type)} AS VARCHAR)" if cs.usage_type else focus_usage_type(group)
    ut = "usage_type"
    return f"""
        WITH ecr AS (
            SELECT {usage_type} AS usage_type,
                   CAST({col(cs.account)} AS VARCHAR) AS account_id,
                   CAST(date_trunc('month', {_utc_start(col(cs.start))}) AS DATE) AS month,
                   TRY_CAST({col(cs.quantity)} AS DOUBLE) AS quantity,
                   TRY_CAST({col(cs.cost)} AS DOUBLE) AS cost,
                   {unit} AS unit,
                   {currency} AS currency
            FROM {_source(group.kind, group.files)}
            WHERE {product_filter}{type_filter}
        )
        SELECT month, account_id, {ut} AS usage_type,
               {_case_sql(ut, [(c, rx) for c, rx in USAGE_RULES], "other")} AS usage_class,
               {_region_sql(ut, 1)} AS region,
               {_region_sql(ut, 2)} AS peer_region,
               sum(quantity) AS quantity, any_value(unit) AS unit, sum(cost) AS cost,
               any_value(currency) AS currency, count(*) AS line_items
        FROM ecr
        WHERE {ut} IS NOT NULL AND month IS NOT NULL
        GROUP BY month, account_id, {ut}
    """


def scan(path: Path, *, memory_limit: str | None = None) -> tuple[list[FileGroup], list[tuple[Any, ...]], list[str]]:
    """Detect every file group under `path` and aggregate its ECR lines.

    Returns the groups, the aggregated rows (month, account_id, usage_type, usage_class, region, peer_region,
    quantity, unit, cost, currency, line_items) and the column names. Raises CurError naming the bad file.
    The files are read by a DuckDB of its own, in memory: a collector never runs SQL on the warehouse, and the
    few hundred aggregated rows are all the warehouse needs (`memory_limit` caps what a multi-GB export may use).
    """
    con = duckdb.connect(":memory:", config={"memory_limit": memory_limit} if memory_limit else {})
    try:
        return _scan(con, path)
    finally:
        con.close()


def _scan(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[FileGroup], list[tuple[Any, ...]], list[str]]:
    # Every file is checked on its own: read together (union_by_name) a foreign file would only add NULLs.
    by_set: dict[tuple[str, str], list[FileGroup]] = {}
    for kind, files in find_files(path).items():
        for f in files:
            g = detect(con, kind, [f])
            by_set.setdefault((kind, g.label), []).append(g)
    groups = [
        FileGroup(
            kind,
            tuple(f for g in gs for f in g.files),
            gs[0].columns,
            label,
            frozenset().union(*(g.available for g in gs)),
        )
        for (kind, label), gs in by_set.items()
    ]
    rows: list[tuple[Any, ...]] = []
    names: list[str] = []
    for group in groups:
        try:
            cur = con.execute(lines_sql(group))
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise CurError(f"{_describe_files(group.files)}: cannot read its ECR lines ({first})") from None
        names = [d[0] for d in cur.description]
        rows += cur.fetchall()
    if not rows:
        raise NoEcrLines(_no_ecr_lines(con, groups, path))
    return groups, rows, names


def _no_ecr_lines(con: duckdb.DuckDBPyConnection, groups: list[FileGroup], path: Path) -> str:
    """The message for an export without ECR lines: what it does hold, so the person sees it is the wrong one."""
    services: list[str] = []
    for g in groups:
        product = _ident(g.columns.product)
        rows = con.execute(
            f"SELECT CAST({product} AS VARCHAR), count(*) FROM {_source(g.kind, g.files)} "
            f"GROUP BY 1 ORDER BY 2 DESC LIMIT 3"
        ).fetchall()
        services += [f"{name} ({n:,} line{'' if n == 1 else 's'})" for name, n in rows if name]
    held = f"; it holds {', '.join(services)}" if services else ""
    return (
        f"{path}: no ECR lines (product code {ECR_PRODUCT_CODE} / service {ECR_SERVICE_NAMES[0]}) in this "
        f"export{held}. Nothing was loaded: export the accounts that use ECR, or check the export's filters."
    )


# ---- s3:// ----------------------------------------------------------------------------------------------
def parse_s3(url: str) -> tuple[str, str]:
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise CurError(f"{url}: expected s3://bucket/prefix")
    return bucket, prefix


def download(settings: AwsSettings, url: str, into: Path, region: str = "us-east-1") -> list[Path]:
    """Every export object under s3://bucket/prefix into `into` (keys kept as paths); returns the files."""
    bucket, prefix = parse_s3(url)
    s3 = settings.client(settings.base_session(), "s3", region)
    keys: list[str] = []
    token: str | None = None
    while True:
        page = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, **({"ContinuationToken": token} if token else {}))
        keys += [
            o["Key"] for o in page.get("Contents", []) if o["Key"].lower().endswith((".parquet", ".csv", ".csv.gz"))
        ]
        token = page.get("NextContinuationToken")
        if not token:
            break
    if not keys:
        raise CurError(f"{url}: no .parquet, .csv or .csv.gz objects under this prefix")
    out = []
    root = into.resolve()
    for key in keys:
        target = safe_target(root, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # GetObject streamed to disk (download_file would also call HeadObject, which is not declared).
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        with target.open("wb") as fh:
            shutil.copyfileobj(body, fh, 8 << 20)
        out.append(target)
    return out


def safe_target(root: Path, key: str) -> Path:
    """Where an S3 key is written under `root`: its parts as folders, never above or outside `root`.

    Anyone who can write to the billing bucket chooses the keys; a key with `..`, an absolute path, a drive or
    a backslash could otherwise plant or overwrite a file wherever the user can write.
    """
    parts = key.replace("\\", "/").split("/")
    if key.startswith("/") or any(p in ("..", ".") or ":" in p or "\0" in p for p in parts):
        raise CurError(f"S3 key {key!r} would be written outside the download folder; it was not downloaded")
    target = root.joinpath(*(p for p in parts if p)).resolve()
    if not target.is_relative_to(root) or target == root:
        raise CurError(f"S3 key {key!r} would be written outside the download folder; it was not downloaded")
    return target


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="regcost-cur-")
