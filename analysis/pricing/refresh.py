"""Refresh AWS prices from the AWS Price List API into a dated catalog snapshot.

`refresh_aws` asks the Price List API (boto3 `pricing`, which only has endpoints in us-east-1, eu-central-1
and ap-south-1 — ecr-facts.md §6) for, per region:

* AmazonECR: standard storage (`…TimedStorage-ByteHrs`), archive storage (`…TimedStorage-Archive-ByteHrs`)
  and archive retrieval (`…Retrieval-Archive`); usage types are matched by suffix because the region prefix
  varies (`USE1-`, `EUC1-`, none for us-east-1 standard storage — ecr-facts.md §5.1);
* AWSDataTransfer: internet egress (`transferType=AWS Outbound`) and inter-region egress
  (`transferType=InterRegion Outbound`) from that region;
* AmazonEC2, product family `NAT Gateway`: NAT gateway hours and GB processed (`…NatGateway-Hours/-Bytes`);
* AmazonVPC, product family `VpcEndpoint`: interface endpoint hours per AZ and GB processed (tiered),

and writes `aws-pricelist-YYYY-MM-DD.yaml` in the catalog format. Loaded after the shipped files
(`load_catalog([snapshot])`), its entries override ours with the same (id, region), and its per-region ECR
entries take precedence over our '*' entries. Nothing is written unless every region parsed and the whole
snapshot validates as a catalog file.

Partitions: the commercial Price List endpoint also prices GovCloud (us-gov-*); China (cn-*) has its own Price
List endpoint (cn-northwest-1, amazonaws.com.cn), its own accounts and prices in CNY, so China regions need a
second client (`cn_client`). `ecr_regions()` lists every region of the three partitions where ECR exists, from
botocore's endpoint data, for "refresh everything".
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from analysis.pricing.catalog_files import unknown_catalog_key
from analysis.pricing.catalog_format import CATALOG_VERSION, REGION_CODE, CatalogFile
from analysis.validation import format_validation_error

PARTITIONS = ("aws", "aws-us-gov", "aws-cn")

ECR_SERVICE = "AmazonECR"
DATA_TRANSFER_SERVICE = "AWSDataTransfer"
EC2_SERVICE = "AmazonEC2"
VPC_SERVICE = "AmazonVPC"
# "USE2-NatGateway-Hours", "NatGateway-Bytes" (us-east-1 has no prefix); not "…-RegionalNatGateway-Hours".
_NAT_USAGE = re.compile(r"^(?:[A-Z0-9]+-)?NatGateway-(Hours|Bytes)$")
_VPCE_USAGE = re.compile(r"^(?:[A-Z0-9]+-)?VpcEndpoint-(Hours|Bytes)$")
# GetProducts accepts at most 100 results a page (botocore pricing model, MaxResults).
PAGE_SIZE = 100

# Price List units -> catalog units. GB-Mo is the storage meter (byte-hours averaged over the month).
UNIT_MAP = {"GB-Mo": "GB-month", "GB": "GB", "Hrs": "hour", "Hours": "hour", "Requests": "request"}


class RefreshError(Exception):
    """The Price List answer was empty, ambiguous or not in the expected shape; nothing was written."""


def ecr_regions(partitions: tuple[str, ...] = PARTITIONS) -> list[str]:
    """Every region of `partitions` where ECR exists, from botocore's endpoint data (no network call)."""
    import boto3

    session = boto3.session.Session()
    return sorted({r for p in partitions for r in session.get_available_regions("ecr", partition_name=p)})


def is_china(region: str) -> bool:
    return region.startswith("cn-")


def refresh_aws(client: Any, regions: list[str], out_dir: Path, today: date, *, cn_client: Any | None = None) -> Path:
    """Query the Price List API for `regions` and write `out_dir/aws-pricelist-<today>.yaml`; return its path.

    China regions are asked through `cn_client` (the aws-cn Price List endpoint, an aws-cn account's credentials).
    """
    if not regions:
        raise RefreshError("no regions given")
    bad = [r for r in regions if r == "*" or not REGION_CODE.match(r)]
    if bad:
        raise RefreshError(f"not AWS region codes: {', '.join(map(repr, bad))} (expected e.g. 'us-east-1')")
    china = [r for r in regions if is_china(r)]
    if china and cn_client is None:
        raise RefreshError(
            f"{', '.join(china)}: China regions are priced by the aws-cn Price List API with an aws-cn account's "
            "credentials; give --china-profile, or leave them out"
        )
    prices: list[dict[str, Any]] = []
    for region in regions:
        api = cn_client if is_china(region) else client
        prices.extend(_ecr_prices(api, region, today))
        prices.extend(_internet_out(api, region, today))
        prices.extend(_inter_region(api, region, today))
        prices.extend(_by_usage_type(api, region, today, EC2_SERVICE, "NAT Gateway", _NAT_USAGE, "aws.nat"))
        prices.extend(_by_usage_type(api, region, today, VPC_SERVICE, "VpcEndpoint", _VPCE_USAGE, "aws.vpce.interface"))

    document = {"catalog_version": CATALOG_VERSION, "prices": prices}
    target = Path(out_dir) / f"aws-pricelist-{today.isoformat()}.yaml"
    try:
        CatalogFile.model_validate(document)
    except ValidationError as exc:  # a bug here, not the user's: say so with the same field paths as a bad file
        detail = format_validation_error(target, exc, document, unknown_key=unknown_catalog_key)
        raise RefreshError(f"the snapshot would not be a valid catalog file:\n{detail}") from exc
    _write_atomically(target, document, regions, today)
    return target


# ---------------------------------------------------------------------------------------------------------
# Queries


def _get_products(client: Any, service_code: str, filters: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Every product of a GetProducts query, following NextToken; PriceList items arrive as JSON strings."""
    kwargs: dict[str, Any] = {
        "ServiceCode": service_code,
        "Filters": [{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in filters.items()],
        "FormatVersion": "aws_v1",
        "MaxResults": PAGE_SIZE,
    }
    while True:
        page = client.get_products(**kwargs)
        for item in page.get("PriceList", []):
            yield json.loads(item) if isinstance(item, str) else item
        token = page.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token


def _ecr_prices(client: Any, region: str, today: date) -> list[dict[str, Any]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for product in _get_products(client, ECR_SERVICE, {"regionCode": region}):
        usage = product.get("product", {}).get("attributes", {}).get("usagetype", "")
        entry_id = _classify_ecr(usage)
        if entry_id is not None:
            found.setdefault(entry_id, []).append(product)
    if "ecr.storage.standard" not in found:
        raise RefreshError(
            f"the Price List API returned no {ECR_SERVICE} storage product (usage type …TimedStorage-ByteHrs) for "
            f"region {region!r}; is the region code right and does ECR exist there?"
        )
    out = []
    for entry_id in sorted(found):
        entry = _entry(entry_id, region, _one(found[entry_id], f"{entry_id} in {region}"), ECR_SERVICE, today)
        out.append(entry)
    return out


def _classify_ecr(usage_type: str) -> str | None:
    if usage_type.endswith("TimedStorage-Archive-ByteHrs"):
        return "ecr.storage.archive"
    if usage_type.endswith("TimedStorage-ByteHrs"):
        return "ecr.storage.standard"
    if usage_type.endswith("Retrieval-Archive"):
        return "ecr.archive.retrieval"
    return None  # image signing and anything new: not priced by regcost


def _by_usage_type(
    client: Any, region: str, today: date, service: str, family: str, pattern: re.Pattern[str], prefix: str
) -> list[dict[str, Any]]:
    """`<prefix>.hourly` and `<prefix>.processing` from the products of one family whose usage type matches.

    A region without the product (not offered, or not yet in the list) yields nothing: the catalog's named
    approximation answers for it, as for any gap.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for product in _get_products(client, service, {"regionCode": region, "productFamily": family}):
        match = pattern.match(product.get("product", {}).get("attributes", {}).get("usagetype", ""))
        if match is not None:
            entry_id = f"{prefix}.hourly" if match[1] == "Hours" else f"{prefix}.processing"
            found.setdefault(entry_id, []).append(product)
    return [
        _entry(entry_id, region, _one(found[entry_id], f"{entry_id} in {region}"), service, today)
        for entry_id in sorted(found)
    ]


def _internet_out(client: Any, region: str, today: date) -> list[dict[str, Any]]:
    products = [
        p
        for p in _get_products(
            client, DATA_TRANSFER_SERVICE, {"fromRegionCode": region, "transferType": "AWS Outbound"}
        )
        if p.get("product", {}).get("attributes", {}).get("usagetype", "").endswith("DataTransfer-Out-Bytes")
    ]
    if not products:
        raise RefreshError(
            f"the Price List API returned no {DATA_TRANSFER_SERVICE} 'AWS Outbound' product "
            f"(…DataTransfer-Out-Bytes) from region {region!r}"
        )
    return [
        _entry(
            "aws.transfer.internet_out",
            region,
            _one(products, f"internet egress from {region}"),
            DATA_TRANSFER_SERVICE,
            today,
        )
    ]


def _inter_region(client: Any, region: str, today: date) -> list[dict[str, Any]]:
    """One `aws.transfer.inter_region` entry at the most common rate, plus `…to.<dst>` for pairs that differ."""
    by_destination: dict[str, dict[str, Any]] = {}
    for product in _get_products(
        client, DATA_TRANSFER_SERVICE, {"fromRegionCode": region, "transferType": "InterRegion Outbound"}
    ):
        attributes = product.get("product", {}).get("attributes", {})
        destination = attributes.get("toRegionCode")
        # Only AWS regions: destinations such as Local Zones or Outposts are not registry replication targets.
        if not destination or attributes.get("toLocationType", "AWS Region") != "AWS Region":
            continue
        if destination in by_destination:
            by_destination[destination] = _one(
                [by_destination[destination], product], f"inter-region {region}->{destination}"
            )
        else:
            by_destination[destination] = product
    if not by_destination:
        return []  # a region with no inter-region product keeps our '*' default; not an error
    rates = {dst: _rate_key(p) for dst, p in by_destination.items()}
    counts = Counter(rates.values())
    # Most destinations share one rate; ties go to the higher rate so the default never understates.
    common = max(counts, key=lambda key: (counts[key], key))
    exemplar = next(by_destination[d] for d in sorted(by_destination) if rates[d] == common)
    exceptions = sorted(d for d in by_destination if rates[d] != common)
    main = _entry("aws.transfer.inter_region", region, exemplar, DATA_TRANSFER_SERVICE, today)
    main["note"] = (
        f"Inter-region transfer from {region}, charged once at the source-region rate; the rate to "
        f"{counts[common]} of {len(by_destination)} destination regions"
        + (
            f"; others have aws.transfer.inter_region.to.<region> entries: {', '.join(exceptions)}"
            if exceptions
            else ""
        )
        + ". "
        + main["note"]
    )
    out = [main]
    for destination in exceptions:
        out.append(
            _entry(
                f"aws.transfer.inter_region.to.{destination}",
                region,
                by_destination[destination],
                DATA_TRANSFER_SERVICE,
                today,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------------
# Parsing one product


def _on_demand_dimensions(product: dict[str, Any]) -> list[dict[str, Any]]:
    terms = product.get("terms", {}).get("OnDemand", {})
    if not terms:
        raise RefreshError(f"sku {product.get('product', {}).get('sku')}: no OnDemand term")
    # ECR and data transfer have one OnDemand offer term; if a future list carries several, the newest applies.
    term = max(terms.values(), key=lambda t: t.get("effectiveDate", ""))
    dimensions = list(term.get("priceDimensions", {}).values())
    if not dimensions:
        raise RefreshError(f"sku {product.get('product', {}).get('sku')}: OnDemand term without price dimensions")
    return sorted(dimensions, key=lambda d: float(d.get("beginRange", "0")))


def _price_spec(product: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(catalog unit, {"price": …} or {"tiers": […]}) from the product's OnDemand price dimensions."""
    sku = product.get("product", {}).get("sku")
    dimensions = _on_demand_dimensions(product)
    units = {d.get("unit") for d in dimensions}
    if len(units) != 1 or next(iter(units)) not in UNIT_MAP:
        raise RefreshError(f"sku {sku}: unexpected price unit(s) {sorted(map(str, units))}; known: {sorted(UNIT_MAP)}")
    unit = UNIT_MAP[str(next(iter(units)))]  # one unit, a key of UNIT_MAP (checked above)
    tiers: list[dict[str, Any]] = []
    expected_begin = 0.0
    for d in dimensions:
        begin = float(d.get("beginRange", "0"))
        end_text = d.get("endRange", "Inf")
        end = None if end_text == "Inf" else float(end_text)
        if begin != expected_begin:
            raise RefreshError(f"sku {sku}: price tiers are not contiguous at {begin:g} (expected {expected_begin:g})")
        try:
            price = float(d["pricePerUnit"][_currency(product)])
        except (KeyError, ValueError) as exc:
            raise RefreshError(f"sku {sku}: price dimension without a {_currency(product)} price") from exc
        # Whole-number bounds are written as integers (10240, not 10240.0): the snapshot is read by people.
        tiers.append({"up_to": int(end) if end is not None and end.is_integer() else end, "price": price})
        expected_begin = end if end is not None else float("inf")
    if tiers[-1]["up_to"] is not None:
        raise RefreshError(f"sku {sku}: the last price tier ends at {tiers[-1]['up_to']:g} instead of Inf")
    if len(tiers) == 1:
        return unit, {"price": tiers[0]["price"]}
    return unit, {"tiers": tiers}


def _currency(product: dict[str, Any]) -> str:
    """USD everywhere but the China partition's list, which prices in CNY."""
    region = product.get("product", {}).get("attributes", {}).get("regionCode", "")
    return "CNY" if is_china(region) or _first_price_currency(product) == "CNY" else "USD"


def _first_price_currency(product: dict[str, Any]) -> str | None:
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            return next(iter(dimension.get("pricePerUnit", {})), None)
    return None


def _rate_key(product: dict[str, Any]) -> tuple[Any, ...]:
    unit, spec = _price_spec(product)
    if "price" in spec:
        return (unit, ((None, spec["price"]),))
    return (unit, tuple((t["up_to"], t["price"]) for t in spec["tiers"]))


def _one(products: list[dict[str, Any]], what: str) -> dict[str, Any]:
    """Several SKUs for one catalog entry are fine if they price identically; otherwise refuse to guess."""
    keys = {_rate_key(p) for p in products}
    if len(keys) > 1:
        skus = ", ".join(str(p.get("product", {}).get("sku")) for p in products)
        raise RefreshError(f"{what}: the Price List API returned differently priced products (skus {skus})")
    return sorted(products, key=lambda p: str(p.get("product", {}).get("sku")))[0]


def _entry(entry_id: str, region: str, product: dict[str, Any], service: str, today: date) -> dict[str, Any]:
    unit, spec = _price_spec(product)
    attributes = product.get("product", {}).get("attributes", {})
    version = product.get("version") or "current"
    published = product.get("publicationDate", "unknown")
    descriptions = "; ".join(
        dict.fromkeys(d.get("description", "").strip() for d in _on_demand_dimensions(product) if d.get("description"))
    )
    host, partition = (
        ("pricing.cn-northwest-1.amazonaws.com.cn", "cn")
        if is_china(region)
        else ("pricing.us-east-1.amazonaws.com", "aws")
    )
    return {
        "id": entry_id,
        "region": region,
        "unit": unit,
        "currency": _currency(product),
        **spec,
        # The versioned offer file holds the same prices as this GetProducts answer (ecr-facts.md §6).
        "source": f"https://{host}/offers/v1.0/{partition}/{service}/{version}/{region}/index.json",
        "as_of": today,
        "source_kind": "provider-price-data",
        "note": (
            f"AWS Price List API GetProducts ({service}), publication {published}, version {version}, "
            f"sku {product.get('product', {}).get('sku')}, usage type {attributes.get('usagetype')}. {descriptions}"
        ).strip(),
    }


# ---------------------------------------------------------------------------------------------------------
# Writing


class _PlainDumper(yaml.SafeDumper):
    """No &id001 anchors for the date object every entry shares: each entry reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _write_atomically(target: Path, document: dict[str, Any], regions: list[str], today: date) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# AWS prices from the AWS Price List API (GetProducts), fetched {today.isoformat()} for "
        f"{len(regions)} regions: {', '.join(regions)}.\n"
        "# Generated by regcost (analysis/pricing/refresh.py); load it as a user catalog file to override the\n"
        "# shipped AWS entries. Format: docs/pricing.md.\n"
    )
    body = yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120)
    fd, tmp = tempfile.mkstemp(prefix=".aws-pricelist-", suffix=".yaml.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(header + body)
        os.replace(tmp, target)  # readers never see a half-written snapshot
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
