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

from analysis.collectors import aggregate_sql
from analysis.collectors.aws import AwsSettings
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


def lines_sql(group: FileGroup) -> str:
    """One SELECT over the files: ECR usage lines, aggregated to (month, account, usage type, unit) — the same
    text Athena runs over a CUR table (aggregate_sql.cur_sql), so both engines give the same numbers."""
    return aggregate_sql.cur_sql(
        group.columns,
        group.available,
        _source(group.kind, group.files),
        products=ecr_products(group.columns, group.available),
        line_types=usage_line_types(group.columns),
    )


def ecr_products(cs: ColumnSet, available: frozenset[str]) -> tuple[str, ...]:
    """What marks an ECR line: the product code in x_ServiceCode when present, else code or service name."""
    if cs.service_code and cs.service_code in available:
        return (ECR_PRODUCT_CODE,)
    return (ECR_PRODUCT_CODE, *ECR_SERVICE_NAMES)


def usage_line_types(cs: ColumnSet) -> tuple[str, ...]:
    return ("Usage",) if cs.name == FOCUS.name else USAGE_LINE_TYPES  # by name: Athena's copy is renamed


def scan(path: Path, *, memory_limit: str | None = None) -> tuple[list[FileGroup], list[tuple[Any, ...]], list[str]]:
    """Detect every file group under `path` and aggregate its ECR lines.

    Returns the groups, the aggregated rows (month, account_id, usage_type, usage_class, region, peer_region,
    quantity, unit, cost, currency, line_items) and the column names. Raises CurError naming the bad file.
    The files are read by a DuckDB of its own, in memory: a collector never runs SQL on the warehouse, and the
    few hundred aggregated rows are all the warehouse needs (`memory_limit` caps what a multi-GB export may use).
    """
    con = duckdb.connect(":memory:", config={"memory_limit": memory_limit} if memory_limit else {})
    aggregate_sql.prepare_duckdb(con)
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


def network_lines(
    groups: list[FileGroup], *, memory_limit: str | None = None
) -> tuple[list[str], list[tuple[Any, ...]], list[str]]:
    """The groups' NAT gateway and VPC endpoint lines (aggregate_sql.network_sql): (columns, rows, groups that
    cannot have them). A second pass over the same files, reading only the usage type and the few columns named."""
    con = duckdb.connect(":memory:", config={"memory_limit": memory_limit} if memory_limit else {})
    aggregate_sql.prepare_duckdb(con)
    rows: list[tuple[Any, ...]] = []
    skipped: list[str] = []
    try:
        for group in groups:
            sql = aggregate_sql.network_sql(
                group.columns,
                group.available,
                _source(group.kind, group.files),
                line_types=usage_line_types(group.columns),
            )
            if sql is None:
                skipped.append(
                    f"{group.label}: no usage type or charge description, so no NatGateway/VpcEndpoint lines"
                )
                continue
            try:
                rows += con.execute(sql).fetchall()
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise CurError(f"{_describe_files(group.files)}: cannot read its network lines ({first})") from None
    finally:
        con.close()
    return list(aggregate_sql.NETWORK_COLUMNS), rows, skipped


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
