"""The shipped catalog, user overrides, and the errors a person gets for a bad file or a missing price."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from analysis.pricing import CatalogError, PriceNotFound, load_catalog, shipped_dir
from analysis.pricing.catalog_format import UNITS

SHIPPED = shipped_dir()

# Every id the model is expected to find (per region/site where given).
EXPECTED = [
    ("ecr.storage.standard", {"region": "us-east-1"}),
    ("ecr.storage.archive", {"region": "eu-central-1"}),
    ("ecr.archive.retrieval", {"region": "us-east-1"}),
    ("inspector.ecr.initial_scan", {"region": "us-east-1"}),
    ("inspector.ecr.rescan", {"region": "us-east-1"}),
    ("aws.transfer.internet_out", {"region": "us-east-1"}),
    ("aws.transfer.internet_out", {"region": "us-east-2"}),
    ("aws.transfer.internet_out", {"region": "us-west-2"}),
    ("aws.transfer.internet_out", {"region": "eu-west-1"}),
    ("aws.transfer.internet_out", {"region": "eu-central-1"}),
    ("aws.transfer.inter_region", {"region": "us-east-1"}),
    ("aws.nat.processing", {"region": "us-east-1"}),
    ("aws.nat.hourly", {"region": "eu-central-1"}),
    ("aws.ec2.m6i.xlarge", {"region": "us-east-1"}),
    ("aws.ec2.m6i.xlarge", {"region": "eu-central-1"}),
    ("aws.ebs.gp3", {"region": "us-east-1"}),
    ("aws.s3.standard", {"region": "us-east-1"}),
    ("aws.s3.requests.put", {"region": "us-east-1"}),
    ("aws.s3.requests.get", {"region": "us-east-1"}),
    ("aws.rds.postgres.db.t4g.medium.single-az", {"region": "us-east-1"}),
    ("aws.rds.postgres.db.t4g.medium.multi-az", {"region": "us-east-1"}),
    ("aws.elasticache.cache.t4g.micro.valkey", {"region": "us-east-1"}),
    ("aws.eks.cluster", {"region": "eu-central-1"}),
    ("aws.alb.hourly", {"region": "us-east-1"}),
    ("aws.alb.lcu", {"region": "us-east-1"}),
    ("hetzner.cloud.cx33", {"site": "hetzner-fsn1"}),
    ("hetzner.volume", {"site": "hetzner-fsn1"}),
    ("hetzner.objectstorage.base", {"site": "hetzner-fsn1"}),
    ("ovh.instance.b3-16", {"site": "ovh-de"}),
    ("ovh.objectstorage.standard", {"site": "ovh-de"}),
    ("ovh.egress", {"site": "ovh-de"}),
    ("scaleway.objectstorage.standard", {"site": "scaleway-fr-par"}),
    ("ionos.objectstorage.standard", {"site": "ionos-de"}),
    ("onprem.colo.power", {"site": "onprem-default"}),
    ("onprem.colo.cabinet", {"site": "onprem-default"}),
    ("onprem.storage.raw_hdd", {"site": "onprem-default"}),
    ("labour.ops", {"site": "us"}),
    ("labour.ops", {"site": "de"}),
]


def _entry(id: str, *, region: str, price: float, header: bool = True) -> str:
    head = "catalog_version: 1\nprices:\n" if header else ""
    return head + (
        f"  - {{id: {id}, region: '{region}', unit: GB, currency: USD, price: {price}, "
        "source: 'https://example.com/ours', as_of: 2026-11-01}\n"
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# A valid user entry, to be broken in one way per test.
GOOD_ENTRY = """
    catalog_version: 1
    prices:
      - id: aws.transfer.internet_out
        region: us-east-1
        unit: GB
        currency: USD
        tiers:
          - {up_to: 10240, price: 0.07}
          - {up_to: null, price: 0.05}
        source: https://example.com/our-private-pricing-agreement
        as_of: 2026-10-01
        note: Negotiated private pricing addendum.
"""


# --- shipped files ---------------------------------------------------------------------------------------


def test_shipped_files_load_and_every_entry_is_sourced_and_dated() -> None:
    catalog = load_catalog()
    assert {p.name for p in catalog.files} >= {
        "aws.yaml",
        "allowances.yaml",
        "hetzner.yaml",
        "ovh.yaml",
        "onprem.yaml",
        "labour.yaml",
        "fx.yaml",
    }
    entries = catalog.entries()
    assert len(entries) > 100
    for e in entries:
        assert e.source.startswith("https://"), e.id
        assert date(2020, 1, 1) <= e.as_of <= date(2026, 11, 27), e.id
        assert e.unit in UNITS, e.id
        assert e.currency in ("USD", "EUR", "CNY"), e.id
        assert e.origin is not None and e.origin.parent == SHIPPED
        assert e.overridden_from is None, f"{e.id} is defined twice in the shipped files"
    for p in catalog.parameters():
        assert p.note and p.as_of, p.id
        assert p.basis == "assumption" or p.source or all(c.source for c in p.candidates.values()), p.id


@pytest.mark.parametrize(("price_id", "where"), EXPECTED, ids=[f"{i}@{next(iter(w.values()))}" for i, w in EXPECTED])
def test_expected_ids_are_shipped(price_id: str, where: dict[str, str]) -> None:
    assert load_catalog().get(price_id, **where).id == price_id


def test_shipped_key_figures() -> None:
    catalog = load_catalog()
    assert catalog.get("ecr.storage.standard", region="ap-south-1").price == 0.10  # '*' entry
    assert catalog.get("ecr.storage.archive", region="us-east-1").tier_pairs() == ((153_600, 0.10), (None, 0.07))
    assert catalog.get("ecr.archive.retrieval", region="us-east-1").price == 0.03
    assert catalog.get("aws.transfer.internet_out", region="us-east-1").tier_pairs() == (
        (10_240, 0.09),
        (51_200, 0.085),
        (153_600, 0.07),
        (None, 0.05),
    )
    assert catalog.get("aws.transfer.inter_region", region="us-east-1").price == 0.02
    assert catalog.get("inspector.ecr.initial_scan", region="us-east-1").price == 0.09
    assert catalog.get("inspector.ecr.rescan", region="us-east-1").price == 0.01


def test_every_region_has_its_own_egress_tiers_from_aws_price_data() -> None:
    # AWS's price map (datatransfer.json, June 2025): Tokyo and Sao Paulo step down through their own tiers, they
    # do not charge the first-tier rate flat; Stockholm has its own entry (no silent us-east-1 fallback).
    catalog = load_catalog()
    tokyo = catalog.get("aws.transfer.internet_out", region="ap-northeast-1")
    assert tokyo.tier_pairs() == ((10240, 0.114), (51200, 0.089), (153600, 0.086), (None, 0.084))
    sao_paulo = catalog.get("aws.transfer.internet_out", region="sa-east-1")
    assert sao_paulo.tier_pairs() == ((10240, 0.15), (51200, 0.138), (153600, 0.126), (None, 0.114))
    stockholm = catalog.get("aws.transfer.internet_out", region="eu-north-1")
    assert stockholm.region == "eu-north-1" and stockholm.approximation is None
    assert stockholm.source_kind == "provider-price-data" and "aws-price-watcher" in stockholm.source
    # Inter-region transfer is priced by source: Asia-Pacific and South America are not the US/EU $0.02.
    assert catalog.inter_region("ap-northeast-1").price == 0.09
    assert catalog.inter_region("sa-east-1").price == 0.138
    assert catalog.inter_region("us-east-1").price == 0.02
    assert catalog.inter_region("us-east-1", "us-east-2").price == 0.01  # the one cheaper pair AWS lists
    assert catalog.inter_region("us-east-1", "eu-west-1").price == 0.02


def test_china_is_priced_in_renminbi_with_its_own_flat_egress() -> None:
    catalog = load_catalog()
    for region in ("cn-north-1", "cn-northwest-1"):
        dto = catalog.get("aws.transfer.internet_out", region=region)
        assert (dto.currency, dto.price, dto.approximation) == ("CNY", 0.933, None)
    ningxia = catalog.get("ecr.storage.standard", region="cn-northwest-1")
    assert (ningxia.currency, ningxia.price) == ("CNY", 0.69)
    beijing = catalog.get("ecr.storage.standard", region="cn-north-1")
    assert (beijing.currency, beijing.price, beijing.approximation.used) == ("CNY", 0.69, "cn-northwest-1")
    # 1 USD = 7.077 CNY (CFETS central parity, 2 Jan 2026): CNY 0.69 = USD 0.69 / 7.077 = 0.0975
    assert catalog.convert(0.69, "CNY", "USD") == pytest.approx(0.0975, abs=0.00005)


def test_a_region_without_a_price_gets_a_named_approximation() -> None:
    catalog = load_catalog()
    nz = catalog.get("aws.transfer.internet_out", region="ap-southeast-6")
    assert nz.region == "ap-southeast-2" and nz.approximation is not None
    text = nz.approximation.text()
    assert text.startswith("aws.transfer.internet_out in ap-southeast-6: approximated by ap-southeast-2's price")
    assert "New Zealand" in text
    nat = catalog.get("aws.nat.processing", region="ca-west-1")  # no NAT price found for Calgary
    assert nat.price == 0.045 and nat.approximation.used == "us-east-2" and nat.approximation.region == "ca-west-1"
    # The stand-in keeps its own citation: a reader sees whose number it is.
    assert nat.source == "https://aws.amazon.com/vpc/pricing/" and nat.source_kind == "provider-page"


def test_nat_in_ireland_is_the_price_list_rate_infracost_showed() -> None:
    catalog = load_catalog()
    hourly = catalog.get("aws.nat.hourly", region="eu-west-1")
    processing = catalog.get("aws.nat.processing", region="eu-west-1")
    # Infracost's estimate "Assuming eu-west-1" (gordonmurray/terraform_aws_ecs README, 2024-07-20): "NAT gateway
    # 730 hours $35.04" and "Data processed ... $0.048 per GB": 35.04 / 730 = 0.048 an hour; 730 × 0.048 = 35.04
    assert round(730 * hourly.price, 2) == 35.04
    assert processing.price == 0.048
    assert hourly.approximation is None and processing.source_kind == "third-party"
    assert "gordonmurray/terraform_aws_ecs" in processing.source
    # Regions without any NAT source keep a visible, named stand-in (London takes Ireland's, now $0.048)
    london = catalog.get("aws.nat.processing", region="eu-west-2")
    assert london.approximation is not None and london.approximation.used == "eu-west-1" and london.price == 0.048


def test_nat_in_frankfurt_is_sourced_not_a_range_midpoint() -> None:
    catalog = load_catalog()
    # Per GB: Infracost's breakdown (sucounix/xpov README, 2023-02-05) "Data processed ... $0.052 per GB", no longer
    # the $0.050 midpoint of a third-party range. Per hour: AWS's offer row EUC1-NatGateway-Hours $0.052, and the
    # same breakdown's "NAT gateway 730 hours $37.96" agrees: 730 x 0.052 = 37.96.
    hourly = catalog.get("aws.nat.hourly", region="eu-central-1")
    processing = catalog.get("aws.nat.processing", region="eu-central-1")
    assert round(730 * hourly.price, 2) == 37.96 and processing.price == 0.052
    assert processing.range is None and hourly.approximation is None and processing.approximation is None
    assert hourly.source_kind == "provider-price-data" and "sucounix/xpov" in processing.source


@pytest.mark.parametrize(
    ("region", "hourly", "month"),
    [
        # AWS's offer rows (AmazonEC2 20260904231117): <prefix>-NatGateway-Hours. A 730-hour month, by hand:
        ("sa-east-1", 0.093, 67.89),  # SAE1: 730 x 0.093 = 67.89
        ("eu-north-1", 0.046, 33.58),  # EUN1: 730 x 0.046 = 33.58
        ("eu-central-2", 0.0572, 41.76),  # EUC2: 730 x 0.0572 = 41.756
        ("ap-south-1", 0.056, 40.88),  # APS3 (Mumbai's prefix): 730 x 0.056 = 40.88
        ("us-west-2", 0.045, 32.85),  # USW2: 730 x 0.045 = 32.85
        ("eu-west-2", 0.05, 36.50),  # EUW2: 730 x 0.05 = 36.50
    ],
)
def test_nat_hours_are_aws_offer_rows_not_a_neighbour_s_price(region: str, hourly: float, month: float) -> None:
    entry = load_catalog().get("aws.nat.hourly", region=region)
    assert entry.approximation is None and entry.source_kind == "provider-price-data"
    assert "mooncitizen/togen" in entry.source and entry.as_of.isoformat() == "2026-09-04"
    assert entry.price == hourly and round(730 * entry.price, 2) == month
    # The per-GB rate has no offer row here: São Paulo still takes a named neighbour's, never zero or silence
    if region == "sa-east-1":
        processing = load_catalog().get("aws.nat.processing", region=region)
        assert processing.approximation is not None and processing.price > 0


def test_hetzner_is_net_of_vat_and_includes_traffic() -> None:
    catalog = load_catalog()
    cx33 = catalog.get("hetzner.cloud.cx33", site="hetzner-fsn1")
    assert (cx33.price, cx33.currency, cx33.vat_included) == (6.49, "EUR", False)
    (traffic,) = cx33.included
    assert (traffic.what, traffic.quantity, traffic.unit) == ("egress", 20_480, "GB")
    overage = catalog.get(traffic.overage, site="hetzner-fsn1")
    # EUR 1.00 per TB = 1.00 / 1024 per GB = 0.0009765625
    assert overage.in_unit("GB").price == pytest.approx(1.00 / 1024)
    for e in catalog.entries():
        if e.id.startswith("hetzner.") and e.id != "hetzner.dedicated.px62":
            assert e.vat_included is False, e.id


def test_ranges_keep_low_and_high_around_the_midpoint() -> None:
    cabinet = load_catalog().get("onprem.colo.cabinet", site="onprem-default")
    assert (cabinet.range.low, cabinet.price, cabinet.range.high) == (500.0, 1250.0, 2000.0)
    us = load_catalog().get("labour.ops", site="us")
    # 96,800 x 1.325 / 2,080 = 61.66; x 1.25 -> 58.17; x 1.4 -> 65.15
    assert (us.range.low, us.price, us.range.high) == (58.17, 61.66, 65.15)


def test_assumption_parameters() -> None:
    catalog = load_catalog()
    free = catalog.parameter("aws.transfer.internet_out.free_allowance")
    assert free.default == "none" and free.value() == 0
    assert {name: c.value for name, c in free.candidates.items()} == {
        "none": 0,
        "ecr_page_1gb": 1,
        "aws_wide_100gb": 100,
    }
    assert free.value("aws_wide_100gb") == 100
    sides = catalog.parameter("aws.transfer.inter_region.charged_sides")
    assert sides.default == "source_region_once" and sides.value() == 1
    hours = catalog.parameter("harbor.ops.hours_per_month")
    assert hours.basis == "assumption" and hours.source is None
    low, base, high = hours.low_base_high()
    assert low < base < high
    with pytest.raises(CatalogError, match="not a low/base/high"):
        free.low_base_high()


def test_fx_conversion() -> None:
    catalog = load_catalog()
    # EUR 100 x 1.1592 = USD 115.92; USD 100 / 1.1592 = EUR 86.27
    assert catalog.convert(100.0, "EUR", "USD") == pytest.approx(115.92, abs=0.005)
    assert catalog.convert(100.0, "USD", "EUR") == pytest.approx(86.27, abs=0.005)
    assert catalog.convert(42.0, "EUR", "EUR") == 42.0
    draws = catalog.convert(np.array([6.49, 10.0]), "EUR", "USD")
    # 6.49 x 1.1592 = 7.523208 -> 7.52; 10 x 1.1592 = 11.592 -> 11.59
    np.testing.assert_allclose(draws, [7.52, 11.59], atol=0.005)
    assert catalog.fx_entry("USD", "EUR").source.startswith("https://")


def test_rows_for_a_table() -> None:
    rows = load_catalog().as_rows()
    dto = next(r for r in rows if r["id"] == "aws.transfer.internet_out" and r["region"] == "us-east-1")
    assert dto["tiers"] == "0–10240 @0.09; 10240–51200 @0.085; 51200–153600 @0.07; >153600 @0.05"
    assert dto["price"] is None and dto["unit"] == "GB" and dto["as_of"] == "2025-06-05"
    assert dto["origin"].endswith("aws-regions.yaml") and dto["overrides"] is None
    cx33 = next(r for r in rows if r["id"] == "hetzner.cloud.cx33")
    assert (cx33["site"], cx33["price"], cx33["price_text"]) == ("hetzner-fsn1", 6.49, "6.49")


# --- lookups -------------------------------------------------------------------------------------------------


def test_region_falls_back_to_star_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A shipped any-region entry used for a region is a fallback: the entry says so.
    (tmp_path / "pricing").mkdir()
    write(tmp_path / "pricing", "ours.yaml", _entry("internal.cache", region="*", price=0.5))
    monkeypatch.setenv("REGCOST_DATA_DIR", str(tmp_path))
    entry = load_catalog().get("internal.cache", region="eu-north-1")
    assert entry.location == "*" and entry.price == 0.5
    assert entry.approximation.used == "*" and "any-region ('*') entry" in entry.approximation.text()
    assert load_catalog().get("internal.cache").approximation is None  # no region asked: '*' is exact


def test_a_users_any_region_price_outranks_our_regional_ones(tmp_path: Path) -> None:
    # "Our negotiated storage price, everywhere": one '*' entry in the user's file beats every shipped region.
    user = write(
        tmp_path,
        "edp.yaml",
        _entry("ecr.storage.standard", region="*", price=0.08).replace("unit: GB,", "unit: GB-month,"),
    )
    catalog = load_catalog([user])
    for region in ("us-east-1", "ap-northeast-1", "cn-north-1"):
        entry = catalog.get("ecr.storage.standard", region=region)
        assert (entry.price, entry.origin, entry.approximation) == (0.08, user, None), region
    row = next(r for r in catalog.as_rows() if r["id"] == "ecr.storage.standard" and r["region"] == "*")
    assert "aws-regions.yaml" in row["overrides"] and "aws-china.yaml" in row["overrides"]
    # A later user file's regional entry outranks the earlier user file's '*'.
    later = write(
        tmp_path,
        "tokyo.yaml",
        _entry("ecr.storage.standard", region="ap-northeast-1", price=0.07).replace("unit: GB,", "unit: GB-month,"),
    )
    both = load_catalog([user, later])
    assert both.get("ecr.storage.standard", region="ap-northeast-1").price == 0.07
    assert both.get("ecr.storage.standard", region="us-east-1").price == 0.08


def test_a_users_inter_region_price_outranks_the_shipped_pairs(tmp_path: Path) -> None:
    # us-east-1 → us-east-2 is a shipped pair at $0.01; "our negotiated $0.015 everywhere" is the user's to say
    user = write(tmp_path, "edp.yaml", _entry("aws.transfer.inter_region", region="*", price=0.015))
    catalog = load_catalog([user])
    assert catalog.inter_region("us-east-1", "us-east-2").price == 0.015
    assert catalog.inter_region("eu-west-1", "ca-west-1").price == 0.015
    assert load_catalog().inter_region("us-east-1", "us-east-2").price == 0.01  # without it, the pair's own


def test_missing_region_names_id_region_and_nearest_available(tmp_path: Path) -> None:
    user = write(
        tmp_path,
        "mine.yaml",
        _entry("internal.cache", region="eu-central-1", price=0.5)
        + _entry("internal.cache", region="us-east-1", price=0.4, header=False),
    )
    with pytest.raises(PriceNotFound) as info:
        load_catalog([user]).get("internal.cache", region="ap-southeast-3")  # its rule only names ap-southeast-1
    message = str(info.value)
    assert "'internal.cache'" in message and "'ap-southeast-3'" in message
    assert "available regions (nearest first):" in message
    assert isinstance(info.value, KeyError)


def test_unknown_id_suggests_close_ids() -> None:
    with pytest.raises(
        PriceNotFound,
        match=r"no price with id 'aws\.transfer\.internet_outt'.*did you mean aws\.transfer\.internet_out",
    ):
        load_catalog().get("aws.transfer.internet_outt", region="us-east-1")


def test_site_lookups_do_not_match_region_entries() -> None:
    catalog = load_catalog()
    with pytest.raises(PriceNotFound, match="available sites"):
        catalog.get("hetzner.volume", site="ovh-de")
    with pytest.raises(PriceNotFound, match="only a '\\*' entry would match"):
        catalog.get("hetzner.volume")
    with pytest.raises(CatalogError, match="not both"):
        catalog.get("hetzner.volume", region="us-east-1", site="hetzner-fsn1")


# --- user files and overrides ------------------------------------------------------------------------------


def test_user_file_overrides_ours_and_the_override_is_reported(tmp_path: Path) -> None:
    user = write(tmp_path, "negotiated.yaml", GOOD_ENTRY)
    catalog = load_catalog([user])
    entry = catalog.get("aws.transfer.internet_out", region="us-east-1")
    assert entry.tier_pairs() == ((10_240, 0.07), (None, 0.05))
    assert entry.origin == user
    assert entry.overridden_from is not None and entry.overridden_from.origin == SHIPPED / "aws-regions.yaml"
    assert entry.overridden_from.tier_pairs()[0] == (10_240, 0.09)
    (override,) = catalog.overrides()
    assert override.entry is entry and override.replaced.origin == SHIPPED / "aws-regions.yaml"
    row = next(r for r in catalog.as_rows() if r["id"] == "aws.transfer.internet_out" and r["region"] == "us-east-1")
    assert row["origin"] == str(user) and row["overrides"] == str(SHIPPED / "aws-regions.yaml")
    # Other regions are untouched.
    assert catalog.get("aws.transfer.internet_out", region="us-east-2").origin == SHIPPED / "aws-regions.yaml"


def test_later_user_files_win_and_parameters_can_be_overridden(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", GOOD_ENTRY)
    second = write(
        tmp_path,
        "b.yaml",
        """
        catalog_version: 1
        prices:
          - {id: aws.transfer.internet_out, region: us-east-1, unit: GB, currency: USD, price: 0.04,
             source: "https://example.com/v2", as_of: 2026-11-01}
          - {id: internal.harbor.license, site: onprem-default, unit: month, currency: EUR, price: 0.0,
             source: "https://example.com/internal", as_of: 2026-11-01, note: "Harbor is Apache-2.0"}
        parameters:
          - id: aws.transfer.internet_out.free_allowance
            unit: GB-per-month
            basis: assumption
            candidates: {none: {value: 0}, aws_wide_100gb: {value: 100}}
            default: aws_wide_100gb
            as_of: 2026-11-01
            note: Our billing shows the 100 GB global free tier applied to ECR egress.
        fx:
          - {from: EUR, to: USD, rate: 1.10, source: "https://example.com/treasury", as_of: 2026-11-01}
        """,
    )
    catalog = load_catalog([first, second])
    entry = catalog.get("aws.transfer.internet_out", region="us-east-1")
    assert entry.price == 0.04 and entry.origin == second
    assert (
        entry.overridden_from.origin == first
        and entry.overridden_from.overridden_from.origin == SHIPPED / "aws-regions.yaml"
    )
    assert catalog.get("internal.harbor.license", site="onprem-default").price == 0.0
    free = catalog.parameter("aws.transfer.internet_out.free_allowance")
    assert free.value() == 100 and free.overridden_from.origin == SHIPPED / "allowances.yaml"
    # EUR 100 x 1.10 = USD 110.00
    assert catalog.convert(100, "EUR", "USD") == pytest.approx(110.00, abs=0.005)


def test_a_directory_stands_for_its_yaml_files(tmp_path: Path) -> None:
    write(tmp_path, "negotiated.yaml", GOOD_ENTRY)
    catalog = load_catalog([tmp_path])
    assert catalog.get("aws.transfer.internet_out", region="us-east-1").origin == tmp_path / "negotiated.yaml"


def test_data_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pricing").mkdir()
    write(tmp_path / "pricing", "only.yaml", GOOD_ENTRY)
    monkeypatch.setenv("REGCOST_DATA_DIR", str(tmp_path))
    catalog = load_catalog()
    assert catalog.ids() == ["aws.transfer.internet_out"]
    monkeypatch.setenv("REGCOST_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(CatalogError, match="shipped price catalog not found"):
        load_catalog()


# --- malformed files ----------------------------------------------------------------------------------------


def broken(old: str, new: str) -> str:
    assert old in GOOD_ENTRY
    return GOOD_ENTRY.replace(old, new)


MALFORMED = {
    "bad-yaml": (
        broken("currency: USD", "currency: [USD"),
        r"not valid YAML at line \d+, column \d+",
    ),
    "unknown-key": (
        broken("currency: USD", "currency: USD\n        discount: 0.1"),
        r"prices\[0\]\.discount \(id aws\.transfer\.internet_out\): unknown key",
    ),
    "price-and-tiers": (
        broken("currency: USD", "currency: USD\n        price: 0.09"),
        r"prices\[0\] \(id aws\.transfer\.internet_out\): give exactly one of 'price' or 'tiers'",
    ),
    "tiers-not-ascending": (
        broken(
            "- {up_to: 10240, price: 0.07}", "- {up_to: 10240, price: 0.07}\n          - {up_to: 5000, price: 0.06}"
        ),
        r"prices\[0\]\.tiers\[1\]\.up_to \(id aws\.transfer\.internet_out\): tier bounds must ascend: 5000",
    ),
    "last-tier-bounded": (
        broken("{up_to: null, price: 0.05}", "{up_to: 51200, price: 0.05}"),
        r"prices\[0\]\.tiers\[1\]\.up_to .*the last tier must have 'up_to: null'",
    ),
    "missing-source": (
        broken("        source: https://example.com/our-private-pricing-agreement\n", ""),
        r"prices\[0\]\.source \(id aws\.transfer\.internet_out\): required field is missing",
    ),
    "source-not-a-url": (
        broken("https://example.com/our-private-pricing-agreement", "our sales rep"),
        r"prices\[0\]\.source .*expected an http\(s\) URL",
    ),
    "price-as-text": (
        broken("{up_to: null, price: 0.05}", "{up_to: null, price: '0.05'}"),
        r"prices\[0\]\.tiers\[1\]\.price .*valid number \(got '0\.05'\)",
    ),
    "unknown-unit": (
        broken("unit: GB", "unit: gigabytes"),
        r"prices\[0\]\.unit .*Input should be 'GB-month'",
    ),
    "unknown-currency": (
        broken("currency: USD", "currency: GBP"),
        r"prices\[0\]\.currency .*'USD', 'EUR' or 'CNY' \(got 'GBP'\)",
    ),
    "region-and-site": (
        broken("region: us-east-1", "region: us-east-1\n        site: hetzner-fsn1"),
        r"prices\[0\] .*exactly one of 'region'",
    ),
    "duplicate-key": (
        broken("currency: USD", "currency: USD\n        currency: EUR"),
        r"not valid YAML at line \d+.*duplicate key 'currency'",
    ),
    "no-version": (
        broken("catalog_version: 1\n", ""),
        r"catalog_version: required field is missing",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_names_file_field_and_expectation(tmp_path: Path, case: str) -> None:
    text, pattern = MALFORMED[case]
    bad = write(tmp_path, f"{case}.yaml", text)
    with pytest.raises(CatalogError) as info:
        load_catalog([bad])
    message = str(info.value)
    assert message.startswith(f"{bad}: "), message
    assert __import__("re").search(pattern, message), message


def test_duplicate_entry_within_one_file(tmp_path: Path) -> None:
    entry = GOOD_ENTRY.split("prices:\n", 1)[1]
    bad = write(tmp_path, "dup.yaml", GOOD_ENTRY + entry)
    with pytest.raises(
        CatalogError, match=r"dup\.yaml: prices\[1\] \(id aws\.transfer\.internet_out\): duplicate of prices\[0\]"
    ):
        load_catalog([bad])


def test_overage_must_name_a_known_price(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "server.yaml",
        """
        catalog_version: 1
        prices:
          - id: acme.server
            site: acme-1
            unit: month
            currency: EUR
            price: 10
            included: [{what: egress, quantity: 1024, unit: GB, overage: acme.traffic}]
            source: https://example.com/acme
            as_of: 2026-11-01
        """,
    )
    with pytest.raises(CatalogError, match=r"server\.yaml: prices\[0\]\.included\[0\]\.overage .*'acme\.traffic'"):
        load_catalog([bad])


def test_one_bad_file_loads_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "a-good.yaml", GOOD_ENTRY)
    bad = write(tmp_path, "b-bad.yaml", broken("currency: USD", "currency: XXX"))
    with pytest.raises(CatalogError, match="b-bad.yaml"):
        load_catalog([good, bad])
    # No state survives a failed load: the shipped figure is still what a fresh load gives.
    assert load_catalog().get("aws.transfer.internet_out", region="us-east-1").tier_pairs()[0] == (10_240, 0.09)


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"nope\.yaml: cannot read catalog file"):
        load_catalog([tmp_path / "nope.yaml"])


def test_docs_list_every_shipped_source() -> None:
    # docs/pricing.md's source table must keep up with the data files (regional offer files as one pattern).
    docs = (Path(__file__).resolve().parents[2] / "docs" / "pricing.md").read_text(encoding="utf-8")
    catalog = load_catalog()
    sources = {e.source for e in catalog.entries()} | {catalog.fx_entry("EUR", "USD").source}
    for p in catalog.parameters():
        sources |= {p.source} | {c.source for c in p.candidates.values()}
    regional = "/AWSDataTransfer/current/"
    for source in sorted(s for s in sources if s):
        if regional in source:
            source = source.split(regional)[0] + regional + "&lt;region&gt;/index.json"
        assert source in docs, f"{source} is not in docs/pricing.md's source table"
