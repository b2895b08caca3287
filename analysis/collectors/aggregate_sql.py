"""The aggregation SQL, one text per aggregation, run by DuckDB over local files and by Athena over tables.

Written in the subset of SQL that Trino (Athena engine v3) and DuckDB both understand; where they differ, the
text uses Trino's function and DuckDB gets a macro of the same name (`DUCKDB_MACROS`, installed by
`prepare_duckdb`). So the local reader and Athena compute the same aggregate by construction: the CUR's ECR
lines per month × account × usage type (`cur_sql`), and the trail's pulls per day × repository × layer
(`trail_sql`). `{table}` in each text is the relation read: a `read_parquet(…)` locally, `db.table` in Athena.

Portability rules kept here: no MAP literals (a CASE instead; Trino's subscript fails on a missing key), no
DISTINCT ON (row_number), `arbitrary` rather than `any_value`, regexp_extract's "no match" read through
coalesce (DuckDB gives '', Trino NULL), times turned to UTC with `AT TIME ZONE 'UTC'` in a UTC session.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import duckdb

from analysis.collectors.costs import CODE_OF_REGION, REGION_CODES, USAGE_RULES

# A cur.ColumnSet (which column holds what); not imported, since cur imports this module.
ColumnSet = Any

# Trino functions the texts use that DuckDB spells differently. TRY_CAST keeps the local reader's behaviour
# (an unreadable time is NULL, the line dropped); Trino's from_iso8601_timestamp reads the same ISO texts.
DUCKDB_MACROS = (
    "CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS TRY_CAST(s AS TIMESTAMPTZ)",
    "CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)",
)


def prepare_duckdb(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A DuckDB that runs the Trino texts: the macros, and a UTC session (Athena's sessions are UTC, and
    billing and CloudTrail times are UTC whatever the machine's zone)."""
    con.execute("SET TimeZone = 'UTC'")
    for macro in DUCKDB_MACROS:
        con.execute(macro)
    return con


def quote_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(quote_str(v) for v in values) + ")"


def case_sql(expr: str, pairs: list[tuple[str, str]], default: str) -> str:
    whens = " ".join(f"WHEN regexp_like({expr}, {quote_str(rx)}) THEN {quote_str(v)}" for v, rx in pairs)
    return f"CASE {whens} ELSE {quote_str(default)} END"


def _lookup(expr: str, mapping: dict[str, str]) -> str:
    """`mapping[expr]`, NULL for a key it lacks: a CASE, since Trino's map subscript fails on a missing key."""
    whens = " ".join(f"WHEN {quote_str(k)} THEN {quote_str(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} END"


def region_sql(expr: str, position: int) -> str:
    """Region of the n-th usage-type prefix (1: own region, 2: inter-region peer) from REGION_CODES."""
    if position == 1:
        code = f"coalesce(regexp_extract({expr}, '^([A-Z]{{2,4}}[0-9]?)-', 1), '')"
        return f"CASE WHEN {code} = '' THEN 'us-east-1' ELSE {_lookup(code, REGION_CODES)} END"
    code = f"coalesce(regexp_extract({expr}, '^[A-Z]{{2,4}}[0-9]?-([A-Z]{{2,4}}[0-9]?)-AWS-(In|Out)-Bytes', 1), '')"
    return f"CASE WHEN {code} = '' THEN NULL ELSE {_lookup(code, REGION_CODES)} END"


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


def focus_usage_type(cs: ColumnSet, available: frozenset[str]) -> str:
    """SQL: an AWS-style usage type for a standard FOCUS line — the region's billing code, then what the
    description (or, for storage, the unit) says. Unrecognised lines keep `<code>-Unmapped-<SkuId>` (usage class
    other), so they stay apart and in their region."""
    assert cs.description is not None and cs.region is not None  # a standard FOCUS mapping names both
    description = f"coalesce(CAST({ident(cs.description)} AS VARCHAR), '')"
    unit = f"coalesce(CAST({ident(cs.unit)} AS VARCHAR), '')" if cs.unit and cs.unit in available else "''"
    sku = f"coalesce(CAST({ident(cs.sku)} AS VARCHAR), '')" if cs.sku and cs.sku in available else "''"
    kind = case_sql(f"{description} || ' ' || {unit}", list(FOCUS_USAGE_TYPES), "")
    # A region the map does not know gets a code that maps to no region: the line is loaded, its region NULL.
    code = f"coalesce({_lookup(f'CAST({ident(cs.region)} AS VARCHAR)', CODE_OF_REGION)}, 'XX')"
    return f"{code} || '-' || coalesce(nullif({kind}, ''), 'Unmapped-' || {sku})"


# A time followed by Z or ±hh[:mm]: the value says its zone. (A date alone ends in -dd, which is not a zone.)
ZONED = r"[0-9]:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"


def utc_start(expr: str) -> str:
    """SQL: the start time as a UTC timestamp. Billing time is UTC: a value with a zone or offset is converted,
    one without (CUR CSV, FOCUS samples, naive Parquet TIMESTAMP) IS UTC and is read as it stands."""
    text = f"CAST({expr} AS VARCHAR)"
    return (
        f"CASE WHEN regexp_like({text}, {quote_str(ZONED)}) "
        f"THEN CAST(from_iso8601_timestamp({text}) AT TIME ZONE 'UTC' AS TIMESTAMP) "
        f"ELSE TRY_CAST({text} AS TIMESTAMP) END"
    )


CUR_COLUMNS = (
    "month",
    "account_id",
    "usage_type",
    "usage_class",
    "region",
    "peer_region",
    "quantity",
    "unit",
    "cost",
    "currency",
    "line_items",
)


def cur_sql(
    cs: ColumnSet, available: frozenset[str], table: str, *, products: tuple[str, ...], line_types: tuple[str, ...]
) -> str:
    """ECR usage lines of `table`, aggregated to CUR_COLUMNS (month, account, usage type …).

    `products` are the product codes (or service names) kept; `line_types` the line item types that are usage.
    The filter is on the raw product column first so DuckDB prunes row groups and reads only the few columns
    named here (projection pushdown), and Athena scans only those columns of a Parquet CUR.
    """
    product_filter = (
        f"{ident(cs.service_code)} = {quote_str(products[0])}"
        if cs.service_code and cs.service_code in available
        else f"{ident(cs.product)} IN {_in(products)}"
    )
    type_filter = ""
    if cs.line_type and cs.line_type in available:
        type_filter = f" AND {ident(cs.line_type)} IN {_in(line_types)}"
    unit = f"CAST({ident(cs.unit)} AS VARCHAR)" if cs.unit and cs.unit in available else "CAST(NULL AS VARCHAR)"
    currency = f"CAST({ident(cs.currency)} AS VARCHAR)" if cs.currency and cs.currency in available else "'USD'"
    usage_type = f"CAST({ident(cs.usage_type)} AS VARCHAR)" if cs.usage_type else focus_usage_type(cs, available)
    ut = "usage_type"
    return f"""
        WITH ecr AS (
            SELECT {usage_type} AS usage_type,
                   CAST({ident(cs.account)} AS VARCHAR) AS account_id,
                   CAST(date_trunc('month', {utc_start(ident(cs.start))}) AS DATE) AS month,
                   TRY_CAST({ident(cs.quantity)} AS DOUBLE) AS quantity,
                   TRY_CAST({ident(cs.cost)} AS DOUBLE) AS cost,
                   {unit} AS unit,
                   {currency} AS currency
            FROM {table}
            WHERE {product_filter}{type_filter}
        )
        SELECT month, account_id, {ut} AS usage_type,
               {case_sql(ut, [(c, rx) for c, rx in USAGE_RULES], "other")} AS usage_class,
               {region_sql(ut, 1)} AS region,
               {region_sql(ut, 2)} AS peer_region,
               sum(quantity) AS quantity, arbitrary(unit) AS unit, sum(cost) AS cost,
               arbitrary(currency) AS currency, count(*) AS line_items
        FROM ecr
        WHERE {ut} IS NOT NULL AND month IS NOT NULL
        GROUP BY month, account_id, {ut}
    """


# The bill's network lines beside ECR's (#13): NAT gateway processing and VPC endpoint hours/bytes, matched by
# usage type as Cost Explorer and CUR name them (<RGN>-NatGateway-Bytes, <RGN>-VpcEndpoint-Hours|Bytes, with
# their `-Additional` variants; measurement-facts.md §4.3). They are not ECR's alone: a NAT gateway's bytes are
# everything that crossed it, which is why they are a bound on what the model routes through NAT, not a match.
NETWORK_KINDS = (
    ("nat-bytes", "NatGateway-Bytes"),
    ("endpoint-hours", "VpcEndpoint-Hours"),
    ("endpoint-bytes", "VpcEndpoint-Bytes"),
)
NETWORK_COLUMNS = ("month", "account_id", "usage_type", "kind", "region", "quantity", "unit", "cost", "currency")
# Standard FOCUS has no usage type: AWS's ChargeDescription is the price list's text for the SKU ("$0.045 per GB Data
# Processed by NAT Gateways", "$0.045 per NAT Gateway Hour" in the FinOps Foundation's real AWS sample,
# tests/fixtures/bills; "$0.01 per VPC Endpoint Hour", "$0.01 per GB Data Processed by VPC Endpoints" in the price
# list). Hours of a NAT gateway are named so they are not taken for its bytes (kind other, not cross-checked).
FOCUS_NETWORK_TYPES: tuple[tuple[str, str], ...] = (
    ("NatGateway-Bytes", r"(?i)data processed by NAT gateways"),
    ("NatGateway-Hours", r"(?i)NAT gateway hour"),
    ("VpcEndpoint-Bytes", r"(?i)data processed by (VPC|interface) endpoints"),
    ("VpcEndpoint-Hours", r"(?i)VPC endpoint hour"),
)


def network_sql(cs: ColumnSet, available: frozenset[str], table: str, *, line_types: tuple[str, ...]) -> str | None:
    """NAT gateway and VPC endpoint usage lines of `table` per month, account and usage type; for standard FOCUS
    the usage type is read from ChargeDescription and RegionId (FOCUS_NETWORK_TYPES); None for an export with
    neither a usage type nor a description."""
    if cs.usage_type is not None:
        ut = f"CAST({ident(cs.usage_type)} AS VARCHAR)"
    elif cs.description in available and cs.region in available:
        description = f"coalesce(CAST({ident(cs.description)} AS VARCHAR), '')"
        code = f"coalesce({_lookup(f'CAST({ident(cs.region)} AS VARCHAR)', CODE_OF_REGION)}, 'XX')"
        ut = f"({code} || '-' || {case_sql(description, list(FOCUS_NETWORK_TYPES), 'Other')})"
    else:
        return None
    kind = case_sql("usage_type", [(k, f"-?{p}") for k, p in NETWORK_KINDS], "other")
    type_filter = ""
    if cs.line_type and cs.line_type in available:
        type_filter = f" AND {ident(cs.line_type)} IN {_in(line_types)}"
    unit = f"CAST({ident(cs.unit)} AS VARCHAR)" if cs.unit and cs.unit in available else "CAST(NULL AS VARCHAR)"
    currency = f"CAST({ident(cs.currency)} AS VARCHAR)" if cs.currency and cs.currency in available else "'USD'"
    like = " OR ".join(f"{ut} LIKE {quote_str('%' + p + '%')}" for _, p in NETWORK_KINDS)
    return f"""
        WITH net AS (
            SELECT {ut} AS usage_type, CAST({ident(cs.account)} AS VARCHAR) AS account_id,
                   CAST(date_trunc('month', {utc_start(ident(cs.start))}) AS DATE) AS month,
                   TRY_CAST({ident(cs.quantity)} AS DOUBLE) AS quantity, TRY_CAST({ident(cs.cost)} AS DOUBLE) AS cost,
                   {unit} AS unit, {currency} AS currency
            FROM {table}
            WHERE ({like}){type_filter}
        )
        SELECT month, account_id, usage_type, {kind} AS kind, {region_sql("usage_type", 1)} AS region,
               sum(quantity) AS quantity, arbitrary(unit) AS unit, sum(cost) AS cost, arbitrary(currency) AS currency
        FROM net WHERE month IS NOT NULL
        GROUP BY month, account_id, usage_type
    """


TRAIL_COLUMNS = (
    "day",
    "account_id",
    "region",
    "repository_name",
    "event_name",
    "image_tag",
    "image_digest",
    "layer_digest",
    "principal_arn",
    "principal_account_id",
    "source_ip",
    "vpc_endpoint_id",
    "events",
)


def trail_sql(
    table: str,
    start: date,
    end: date,
    events: tuple[str, ...],
    *,
    delivery_partition: str | None = None,
    source_columns: tuple[str | None, str | None] = ("sourceipaddress", "vpcendpointid"),
    request_struct: bool = False,
) -> str:
    """ECR pull events of [start, end) in `table`, counted per TRAIL_COLUMNS (day, repository, layer …).

    `table` has the columns of AWS's documented CloudTrail table for Athena (lower-case names, `useridentity` a
    struct, `requestparameters` JSON text). Failed calls (AccessDenied …) downloaded nothing and are left out; an
    event delivered twice (an organization trail and an account trail into the same folder) counts once.
    `delivery_partition`: the table's `yyyy/MM/dd` delivery-day partition (AWS's partition-projection DDL calls
    it `timestamp`), limited to the delivery days that can hold the window (cloudtrail.delivery_days) so Athena
    reads only those folders; the local reader picks the same folders by path and passes None.
    `source_columns`: the table's (sourceIPAddress, vpcEndpointId) columns; None for one a table lacks (an
    older table definition): its value is NULL, an unknown source, never a guessed one.
    `request_struct`: `requestparameters` is a struct of the fields read, not JSON text (the local reader types it
    with json_transform while parsing each file, so no field is written back to JSON and parsed again; DuckDB only:
    Athena's table holds the text).
    """
    rp = "requestparameters"

    def field(path: str) -> str:
        if request_struct:  # DuckDB: lists are 1-based, a missing index is NULL like Trino's missing path
            return rp + path.removeprefix("$").replace("[0]", "[1]")
        return f"json_extract_scalar({rp}, '{path}')"

    ip, vpce = (ident(c) if c else "CAST(NULL AS VARCHAR)" for c in source_columns)
    within = ""
    if delivery_partition:
        first, last = quote_str(f"{start:%Y/%m/%d}"), quote_str(f"{end:%Y/%m/%d}")
        within = f"\n              AND {ident(delivery_partition)} BETWEEN {first} AND {last}"
    return f"""
        SELECT day, account_id, region, repository_name, event_name, image_tag, image_digest, layer_digest,
               principal_arn, principal_account_id, source_ip, vpc_endpoint_id, CAST(count(*) AS BIGINT) AS events
        FROM (
            SELECT CAST(from_iso8601_timestamp(eventtime) AT TIME ZONE 'UTC' AS DATE) AS day,
                   coalesce({field("$.registryId")}, recipientaccountid) AS account_id,
                   awsregion AS region,
                   {field("$.repositoryName")} AS repository_name,
                   eventname AS event_name,
                   {field("$.imageIds[0].imageTag")} AS image_tag,
                   {field("$.imageIds[0].imageDigest")} AS image_digest,
                   {field("$.layerDigest")} AS layer_digest,
                   coalesce(useridentity.arn, useridentity.invokedby, useridentity.principalid) AS principal_arn,
                   coalesce(useridentity.accountid, recipientaccountid) AS principal_account_id,
                   {ip} AS source_ip, {vpce} AS vpc_endpoint_id,
                   eventid, row_number() OVER (PARTITION BY eventid) AS copy
            FROM {table}
            WHERE eventsource = 'ecr.amazonaws.com'
              AND eventname IN {_in(events)}
              AND errorcode IS NULL
              AND {field("$.repositoryName")} IS NOT NULL{within}
        ) pulls
        WHERE (copy = 1 OR eventid IS NULL)
          AND day >= DATE {quote_str(start.isoformat())} AND day < DATE {quote_str(end.isoformat())}
        GROUP BY day, account_id, region, repository_name, event_name, image_tag, image_digest, layer_digest,
                 principal_arn, principal_account_id, source_ip, vpc_endpoint_id
    """
