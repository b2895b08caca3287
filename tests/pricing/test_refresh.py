"""Price List refresh, driven by recorded GetProducts responses through botocore's Stubber.

moto has no `pricing` service, so the responses are fixtures in tests/fixtures/pricelist/, shaped like real
GetProducts answers (ecr-facts.md §6): `FormatVersion`, `PriceList` as a list of JSON *strings* with
product.attributes and terms.OnDemand.<sku>.<term>.priceDimensions, `NextToken` on a page with more to come.
SKUs, rate codes and the image-signing usage type in the fixtures are synthetic; prices, tier bounds, usage
type patterns and attributes follow the reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from analysis.collectors.pricelist import PRICING_OPERATIONS
from analysis.pricing import load_catalog, read_catalog_file, shipped_dir
from analysis.pricing.refresh import RefreshError, ecr_regions, refresh_aws

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pricelist"
TODAY = date(2026, 11, 27)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def params(service: str, next_token: str | None = None, **filters: str) -> dict[str, Any]:
    """The exact GetProducts request refresh_aws must send."""
    request: dict[str, Any] = {
        "ServiceCode": service,
        "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    if next_token:
        request["NextToken"] = next_token
    return request


def expect_region(stub: Stubber, region: str, ecr_pages: list[str]) -> None:
    token = None
    for page in ecr_pages:
        body = fixture(page)
        stub.add_response("get_products", body, params("AmazonECR", token, regionCode=region))
        token = body.get("NextToken")
    stub.add_response(
        "get_products",
        fixture(f"dt-out-{region}.json"),
        params("AWSDataTransfer", fromRegionCode=region, transferType="AWS Outbound"),
    )
    stub.add_response(
        "get_products",
        fixture(f"dt-interregion-{region}.json"),
        params("AWSDataTransfer", fromRegionCode=region, transferType="InterRegion Outbound"),
    )
    stub.add_response(
        "get_products",
        fixture(f"nat-{region}.json"),
        params("AmazonEC2", regionCode=region, productFamily="NAT Gateway"),
    )
    stub.add_response(
        "get_products",
        fixture(f"vpce-{region}.json"),
        params("AmazonVPC", regionCode=region, productFamily="VpcEndpoint"),
    )


@pytest.fixture()
def client() -> Iterator[Any]:
    yield boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture()
def snapshot(client: Any, tmp_path: Path) -> Path:
    with Stubber(client) as stub:
        expect_region(stub, "us-east-1", ["ecr-us-east-1-page1.json", "ecr-us-east-1-page2.json"])
        expect_region(stub, "eu-central-1", ["ecr-eu-central-1.json"])
        path = refresh_aws(client, ["us-east-1", "eu-central-1"], tmp_path / "snapshots", TODAY)
        stub.assert_no_pending_responses()  # every page, including the NextToken page, was requested
    return path


def entries_by_key(path: Path) -> dict[tuple[str, str], Any]:
    return {(e.id, e.location): e for e in read_catalog_file(path).prices}


def test_snapshot_is_dated_and_in_catalog_format(snapshot: Path, tmp_path: Path) -> None:
    assert snapshot == tmp_path / "snapshots" / "aws-pricelist-2026-11-27.yaml"
    assert snapshot.read_text().startswith("# AWS prices from the AWS Price List API")
    for entry in read_catalog_file(snapshot).prices:
        assert entry.as_of == TODAY and entry.currency == "USD"
        assert "Price List API GetProducts" in entry.note and "publication 20" in entry.note
        assert entry.source.startswith("https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/")
    assert not list((tmp_path / "snapshots").glob(".*tmp"))  # no temp file left behind


def test_internet_egress_tiers(snapshot: Path) -> None:
    dto = entries_by_key(snapshot)[("aws.transfer.internet_out", "us-east-1")]
    assert dto.unit == "GB"
    # beginRange/endRange 0-10240 @0.09, 10240-51200 @0.085, 51200-153600 @0.07, 153600-Inf @0.05
    assert dto.tier_pairs() == ((10_240, 0.09), (51_200, 0.085), (153_600, 0.07), (None, 0.05))
    assert "version 20261120183012" in dto.note and "AWSDataTransfer/20261120183012/us-east-1" in dto.source
    assert entries_by_key(snapshot)[("aws.transfer.internet_out", "eu-central-1")].tier_pairs()[0] == (10_240, 0.09)


def test_ecr_storage_archive_and_retrieval_across_pages(snapshot: Path) -> None:
    entries = entries_by_key(snapshot)
    standard = entries[("ecr.storage.standard", "us-east-1")]
    assert (standard.unit, standard.price) == ("GB-month", 0.10)
    assert "usage type TimedStorage-ByteHrs" in standard.note
    archive = entries[("ecr.storage.archive", "us-east-1")]
    assert archive.tier_pairs() == ((153_600, 0.10), (None, 0.07))
    # Retrieval is only on the second page: it is there because NextToken was followed.
    retrieval = entries[("ecr.archive.retrieval", "us-east-1")]
    assert (retrieval.unit, retrieval.price) == ("GB", 0.03)
    assert entries[("ecr.storage.standard", "eu-central-1")].price == 0.10
    # The image-signing SKU on page 2 is not something regcost prices.
    assert {k[0] for k in entries if k[0].startswith("ecr.")} == {
        "ecr.storage.standard",
        "ecr.storage.archive",
        "ecr.archive.retrieval",
    }


def test_inter_region_common_rate_and_exceptions(snapshot: Path) -> None:
    entries = entries_by_key(snapshot)
    # us-east-1 -> us-west-2, eu-west-1, eu-central-1, ap-southeast-4 at 0.02; -> us-east-2 at 0.01.
    main = entries[("aws.transfer.inter_region", "us-east-1")]
    assert main.price == 0.02 and "4 of 5 destination regions" in main.note and "us-east-2" in main.note
    assert entries[("aws.transfer.inter_region.to.us-east-2", "us-east-1")].price == 0.01
    assert entries[("aws.transfer.inter_region", "eu-central-1")].price == 0.02
    assert not any(k[0].startswith("aws.transfer.inter_region.to.") and k[1] == "eu-central-1" for k in entries)


def test_snapshot_overrides_the_shipped_aws_entries(snapshot: Path) -> None:
    catalog = load_catalog([snapshot])
    shipped_aws = shipped_dir() / "aws-regions.yaml"
    dto = catalog.get("aws.transfer.internet_out", region="us-east-1")
    assert dto.origin == snapshot and dto.as_of == TODAY
    assert dto.overridden_from is not None and dto.overridden_from.origin == shipped_aws
    overridden = {(o.entry.id, o.entry.location) for o in catalog.overrides()}
    # Every shipped entry the snapshot also prices is replaced by it (and reported so), in both regions.
    assert {
        ("aws.transfer.internet_out", "us-east-1"),
        ("aws.transfer.internet_out", "eu-central-1"),
        ("aws.transfer.inter_region", "us-east-1"),
        ("ecr.storage.standard", "eu-central-1"),
        ("aws.nat.processing", "us-east-1"),
        ("aws.nat.processing", "eu-central-1"),
        ("aws.vpce.interface.hourly", "eu-central-1"),
    } <= overridden
    assert catalog.get("ecr.storage.standard", region="us-east-1").origin == snapshot
    assert catalog.get("ecr.storage.standard", region="ap-south-1").origin == shipped_aws  # not refreshed
    assert catalog.get("aws.transfer.inter_region", region="eu-central-1").origin == snapshot
    # The refreshed Frankfurt NAT price replaces the shipped third-party midpoint.
    assert catalog.get("aws.nat.processing", region="eu-central-1").price == 0.052


def test_nat_gateway_and_vpc_endpoint_prices(snapshot: Path) -> None:
    entries = entries_by_key(snapshot)
    # us-east-1's NAT usage types carry no region prefix (NatGateway-Hours); Frankfurt's do (EUC1-NatGateway-Bytes).
    assert entries[("aws.nat.hourly", "us-east-1")].price == 0.045
    assert entries[("aws.nat.processing", "us-east-1")].unit == "GB"
    assert "EUC1-NatGateway-Bytes" in entries[("aws.nat.processing", "eu-central-1")].note
    assert entries[("aws.vpce.interface.hourly", "eu-central-1")].price == 0.012
    # First 1 PB (1,048,576 GB) $0.01, next 4 PB $0.006, above $0.004.
    assert entries[("aws.vpce.interface.processing", "us-east-1")].tier_pairs() == (
        (1_048_576, 0.01),
        (5_242_880, 0.006),
        (None, 0.004),
    )
    # The Gateway Load Balancer endpoint in the same product family is not an interface endpoint.
    assert not any("GWLBE" in (e.note or "") for e in entries.values())
    assert all(e.source_kind == "provider-price-data" for e in entries.values())


def test_china_regions_need_the_china_price_list(client: Any, tmp_path: Path) -> None:
    with pytest.raises(RefreshError, match="cn-north-1: China regions are priced by the aws-cn Price List API"):
        refresh_aws(client, ["us-east-1", "cn-north-1"], tmp_path, TODAY)
    assert list(tmp_path.iterdir()) == []


def test_every_ecr_region_of_the_three_partitions_is_listed_from_botocore() -> None:
    regions = ecr_regions()
    assert {"us-east-1", "ap-southeast-6", "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1"} <= set(
        regions
    )
    assert len(regions) >= 38 and regions == sorted(regions)


def test_empty_answer_for_a_region_writes_nothing(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        stub.add_response("get_products", fixture("empty.json"), params("AmazonECR", regionCode="us-esat-1"))
        with pytest.raises(RefreshError, match="no AmazonECR storage product .* 'us-esat-1'"):
            refresh_aws(client, ["us-esat-1"], tmp_path, TODAY)
    assert list(tmp_path.iterdir()) == []


def test_one_failing_region_writes_no_partial_snapshot(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        expect_region(stub, "us-east-1", ["ecr-us-east-1-page1.json", "ecr-us-east-1-page2.json"])
        stub.add_client_error("get_products", service_error_code="ThrottlingException", service_message="Rate exceeded")
        with pytest.raises(Exception, match="ThrottlingException"):
            refresh_aws(client, ["us-east-1", "eu-central-1"], tmp_path, TODAY)
    assert list(tmp_path.iterdir()) == []


def test_conflicting_products_are_refused(client: Any, tmp_path: Path) -> None:
    page = fixture("ecr-eu-central-1.json")
    storage = json.loads(page["PriceList"][0])
    dimension = next(iter(next(iter(storage["terms"]["OnDemand"].values()))["priceDimensions"].values()))
    dimension["pricePerUnit"]["USD"] = "0.1100000000"
    storage["product"]["sku"] = "ZZZZZZZZZZZZZZZZ"
    page["PriceList"].append(json.dumps(storage))
    with Stubber(client) as stub:
        stub.add_response("get_products", page, params("AmazonECR", regionCode="eu-central-1"))
        with pytest.raises(RefreshError, match="differently priced products"):
            refresh_aws(client, ["eu-central-1"], tmp_path, TODAY)


def test_declared_operations() -> None:
    # The stubbed client above only accepted get_products; the declaration must say the same.
    assert PRICING_OPERATIONS == ("GetProducts",)


def test_region_codes_are_checked_before_any_call(client: Any, tmp_path: Path) -> None:
    with Stubber(client), pytest.raises(RefreshError, match="not AWS region codes: 'all'"):
        refresh_aws(client, ["us-east-1", "all"], tmp_path, TODAY)


def test_china_through_its_own_price_list_in_renminbi(tmp_path: Path) -> None:
    # The aws-cn Price List endpoint answers in CNY (the Ningxia figures of aws-china.yaml); regions without an
    # inter-region or VPC endpoint product simply yield no entry (the approximation rules answer for them).
    cn = boto3.client("pricing", region_name="cn-northwest-1", aws_access_key_id="t", aws_secret_access_key="t")
    empty = fixture("empty.json")
    with Stubber(cn) as stub:
        stub.add_response(
            "get_products", fixture("ecr-cn-northwest-1.json"), params("AmazonECR", regionCode="cn-northwest-1")
        )
        stub.add_response(
            "get_products",
            fixture("dt-out-cn-northwest-1.json"),
            params("AWSDataTransfer", fromRegionCode="cn-northwest-1", transferType="AWS Outbound"),
        )
        stub.add_response(
            "get_products",
            empty,
            params("AWSDataTransfer", fromRegionCode="cn-northwest-1", transferType="InterRegion Outbound"),
        )
        stub.add_response(
            "get_products",
            fixture("nat-cn-northwest-1.json"),
            params("AmazonEC2", regionCode="cn-northwest-1", productFamily="NAT Gateway"),
        )
        stub.add_response(
            "get_products", empty, params("AmazonVPC", regionCode="cn-northwest-1", productFamily="VpcEndpoint")
        )
        path = refresh_aws(None, ["cn-northwest-1"], tmp_path, TODAY, cn_client=cn)
        stub.assert_no_pending_responses()
    entries = entries_by_key(path)
    assert set(entries) == {
        ("ecr.storage.standard", "cn-northwest-1"),
        ("aws.transfer.internet_out", "cn-northwest-1"),
        ("aws.nat.hourly", "cn-northwest-1"),
        ("aws.nat.processing", "cn-northwest-1"),
    }
    for entry in entries.values():
        assert entry.currency == "CNY"
        assert entry.source.startswith("https://pricing.cn-northwest-1.amazonaws.com.cn/offers/v1.0/cn/")
    assert entries[("ecr.storage.standard", "cn-northwest-1")].price == 0.69
    assert entries[("aws.transfer.internet_out", "cn-northwest-1")].price == 0.933
