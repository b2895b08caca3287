"""Harbor at a site (and the migration to it), on a small input priced by a small catalog of our own whose
round numbers keep the arithmetic legible; the AWS-side prices are the shipped ones (NAT $0.045/GB in
us-east-1 and $0.05/GB in eu-west-1, cross-AZ $0.01/GB, inter-region $0.02/GB, internet 0.09 for the first
10,240 GB then 0.085, S3 Standard $0.023/GB-month, m7g.large $0.0816/hour).

The input: 3,000 GB globally unique, growing 100 GB a month; pulls of 10,000 GB a month served from
us-east-1 and 5,000 GB from eu-west-1 before a 50 % node cache, so 7,500 GB a month are transferred, split
60 % same region, 10 % other AWS region, 20 % internet / on-prem, 10 % other clouds.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions
from analysis.model.costs import Ctx, Resolved
from analysis.model.ecr import RegionUsage
from analysis.model.inputs import ModelInput
from analysis.model.migration import dual_run, migration_costs
from analysis.model.scenarios import SelfHosted
from analysis.model.selfhosted import selfhosted_costs
from analysis.pricing import load_catalog

SRC = "source: https://example.com/test-prices\n    as_of: 2026-01-01"
OWN_PRICES = f"""\
catalog_version: 1
prices:
  - id: test.vm
    site: testsite
    unit: hour
    currency: USD
    price: 0.05
    included: [{{what: egress, quantity: 1, unit: TB}}]
    {SRC}
  - id: test.db
    site: testsite
    unit: month
    currency: USD
    price: 20.0
    {SRC}
  - id: test.eurvm
    site: testsite
    unit: month
    currency: EUR
    price: 10.0
    {SRC}
  - id: test.obj.base
    site: testsite
    unit: month
    currency: USD
    price: 5.0
    included:
      - {{what: storage, quantity: 1, unit: TB-month}}
      - {{what: egress, quantity: 1, unit: TB}}
    {SRC}
  - id: test.obj.storage
    site: testsite
    unit: GB-month
    currency: USD
    price: 0.01
    {SRC}
  - id: test.block
    site: testsite
    unit: GB-month
    currency: USD
    price: 0.05
    {SRC}
  - id: test.backup
    site: backupsite
    unit: GB-month
    currency: USD
    price: 0.004
    {SRC}
  - id: test.egress
    site: testsite
    unit: TB
    currency: USD
    price: 2.048
    note: 2.048 per TB of 1024 GB = 0.002 per GB
    {SRC}
  - id: labour.ops
    site: testland
    unit: hour-labour
    currency: USD
    price: 50.0
    {SRC}
  - id: onprem.colo.power
    site: testsite
    unit: kW-month
    currency: USD
    price: 200.0
    {SRC}
parameters:
  - {{id: onprem.server.capex, unit: server, currency: USD, basis: assumption, candidates: {{q: {{value: 9600}}}},
     default: q, as_of: 2026-01-01, note: a quote}}
  - {{id: onprem.server.amortisation_months, unit: months, basis: assumption, candidates: {{q: {{value: 48}}}},
     default: q, as_of: 2026-01-01, note: four years}}
  - {{id: onprem.server.support_fraction_per_year, unit: fraction-per-year, basis: assumption,
     candidates: {{q: {{value: 0.125}}}}, default: q, as_of: 2026-01-01, note: support contract}}
  - {{id: onprem.server.power_watts, unit: watts, basis: assumption, candidates: {{q: {{value: 500}}}}, default: q,
     as_of: 2026-01-01, note: measured}}
  - {{id: onprem.pue, unit: ratio, basis: assumption, candidates: {{q: {{value: 1.5}}}}, default: q,
     as_of: 2026-01-01, note: our room}}
fx:
  - {{from: EUR, to: USD, rate: 1.25, source: "https://example.com/test-prices", as_of: 2026-01-01}}
"""

ASSUMPTIONS = {
    "layer_cache_hit_ratio": 0.5,
    "consumers": {"same_region": 0.6, "other_region": 0.1, "internet": 0.2, "other_cloud": 0.1},
    "storage_growth_factor": 1.0,
    "gc_backlog_share": 0.2,
    "block_utilisation_target": 0.8,
    "backup_copies": 2,
    "site_local_share": 0.5,
    "private_subnet_share": 0.5,
    "cross_az_share": 0.5,
    "ops_hours_month": 10,
    "upgrades_per_year": 3,
    "hours_per_upgrade": 4,
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    path = tmp_path_factory.mktemp("prices") / "own.yaml"
    path.write_text(OWN_PRICES)
    return load_catalog([path])


def _input() -> ModelInput:
    z = np.zeros(2)
    usage = RegionUsage(
        regions=["eu-west-1", "us-east-1"],
        standard_gb=np.array([1_000.0, 2_000.0]),
        archive_gb=z,
        growth_gb_month=np.array([0.0, 100.0]),
        untagged_gb=z,
        never_pulled_gb=z,
        pull_gb_month=np.array([5_000.0, 10_000.0]),
        pull_through_cache_gb=z,
        replication_gb_month=z,
        scanned_pushes_month=z,
        scanned_tagged_images=z,
    )
    return ModelInput(
        usage=usage,
        global_unique_gb=3_000.0,
        global_growth_gb_month=100.0,
        repositories=250,
        unique_gb_by_region={"eu-west-1": 1_000.0, "us-east-1": 2_000.0},
        source="usage file",
    )


def ctx(catalog, months: int = 12, **overrides) -> Ctx:
    a = Assumptions(**{**ASSUMPTIONS, **overrides})
    return Ctx(catalog, Resolved(a), np.arange(1, months + 1, dtype=float))


SITE = {"kind": "eu-cloud", "site": "testsite", "labour_site": "testland"}
RESOURCES = [
    {"what": "registry nodes", "price": "test.vm", "count": 2},
    {"what": "PostgreSQL", "price": "test.db"},
    {"what": "Redis", "price": "test.eurvm"},
]


def harbor(**over) -> SelfHosted:
    spec = {
        "site": SITE,
        "deployment": "ha-kubernetes",
        "resources": RESOURCES,
        "storage": {"backend": "object", "base_fee": "test.obj.base", "price": "test.obj.storage"},
        "egress_price": "test.egress",
        "backup_price": "test.backup",
        "backup_location": "backupsite",
    }
    return SelfHosted.model_validate({**spec, **over})


def by_name(lines) -> dict:
    return {line.component: line for line in lines}


def cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 2)


def test_harbor_on_object_storage_at_a_cloud_site(catalog):
    got = by_name(selfhosted_costs(_input(), harbor(), ctx(catalog)))
    assert list(got) == [
        "Compute and services (ha-kubernetes)",
        "Registry storage",
        "Backup / DR copy",
        "Site egress beyond included traffic",
        "NAT gateway processing (AWS workloads pulling from the site)",
        "Operations labour",
    ]
    # compute: 2 × 0.05/h × 730 h = 73.00, + 20.00, + EUR 10 × 1.25 = 12.50 → 105.50 a month, 4 resources
    compute = got["Compute and services (ha-kubernetes)"]
    assert cents(compute.monthly) == pytest.approx([105.50] * 12)
    assert compute.quantity == 4
    # stored: mid-month stock (3,000 + 100 × 0.5) × (1 + 0.2 GC backlog) = 3,660 GB; month 2 3,150 × 1.2 = 3,780
    # object storage: base fee 5.00 includes 1 TB (1,024 GB): 5.00 + (3,660 − 1,024) × 0.01 = 31.36;
    # month 2: 5.00 + (3,780 − 1,024) × 0.01 = 32.56
    storage = got["Registry storage"]
    assert cents(storage.monthly[:2]) == pytest.approx([31.36, 32.56])
    assert storage.quantity == pytest.approx(3_660)
    # backup: 2 copies of 3,660 GB at 0.004 = 29.28; month 2 7,560 × 0.004 = 30.24
    assert cents(got["Backup / DR copy"].monthly[:2]) == pytest.approx([29.28, 30.24])
    # egress: 7,500 GB transferred; half the internet consumers (0.2 × 0.5 = 0.1) sit at the site, so
    # 7,500 × (0.6 + 0.1 + 0.2 + 0.1 − 0.1) = 6,750 GB leave; included 2 VMs × 1,024 + the base fee's 1,024
    # = 3,072 GB; (6,750 − 3,072) × 2.048 / 1,024 = 3,678 × 0.002 = 7.356 → 7.36
    egress = got["Site egress beyond included traffic"]
    assert egress.monthly[0] == pytest.approx(7.356)
    assert cents(egress.monthly[0]) == 7.36
    assert egress.quantity == pytest.approx(6_750)
    # NAT on the AWS side: 7,500 × (0.6 + 0.1) × 0.5 private = 2,625 GB at the pull-weighted NAT price
    # 2,625 × (2/3 × 0.045 + 1/3 × 0.05) = 78.75 + 43.75 = 122.50
    assert cents(got["NAT gateway processing (AWS workloads pulling from the site)"].monthly[0]) == 122.50
    # labour: (10 h + 3 upgrades / 12 × 4 h) × 50 = 11 h × 50 = 550.00
    labour = got["Operations labour"]
    assert cents(labour.monthly) == pytest.approx([550.00] * 12)
    assert labour.quantity == pytest.approx(11)


def test_block_storage_is_provisioned_with_headroom(catalog):
    sh = harbor(storage={"backend": "block", "price": "test.block"})
    got = by_name(selfhosted_costs(_input(), sh, ctx(catalog)))
    # 3,660 GB stored ÷ 0.8 utilisation = 4,575 GB provisioned × 0.05 = 228.75; month 2 3,780 / 0.8 × 0.05 = 236.25
    assert cents(got["Registry storage"].monthly[:2]) == pytest.approx([228.75, 236.25])
    assert got["Registry storage"].quantity == pytest.approx(4_575)
    # no base fee now: only the VMs' 2,048 GB are included, (6,750 − 2,048) × 0.002 = 9.404
    assert got["Site egress beyond included traffic"].monthly[0] == pytest.approx(9.404)


def test_onprem_servers_and_storage_redundancy(catalog):
    sh = harbor(
        site={"kind": "on-prem", "site": "testsite", "labour_site": "testland"},
        resources=[{"what": "servers", "onprem_server": True, "count": 3}],
        storage={"backend": "block", "price": "test.block", "redundancy_parameter": "onprem.pue"},
        egress_price=None,
    )
    got = by_name(selfhosted_costs(_input(), sh, ctx(catalog)))
    # a server: 9,600 / 48 months = 200 + 9,600 × 0.125 / 12 = 100 + 0.5 kW × 1.5 PUE × 200 = 150 → 450; × 3
    assert cents(got["Compute and services (ha-kubernetes)"].monthly[0]) == 1_350.00
    # raw bytes = 4,575 provisioned × 1.5 (the parameter used as a redundancy factor here) = 6,862.5 × 0.05
    assert got["Registry storage"].monthly[0] == pytest.approx(343.125)
    # the site's uplink is fixed (no egress price): no egress line; NAT stays
    assert "Site egress beyond included traffic" not in got


def test_labour_from_the_catalog_parameters_and_rate(catalog):
    c = ctx(catalog, ops_hours_month=None, upgrades_per_year=None, hours_per_upgrade=None)
    sh = harbor(site={**SITE, "labour_site": "us"})
    labour = by_name(selfhosted_costs(_input(), sh, c))["Operations labour"]
    # catalog bases: 10 h + 2.4 upgrades / 12 × 4 h = 10.8 h × shipped US rate 61.66 = 665.928
    assert labour.monthly[0] == pytest.approx(665.928)
    # a rate given as an assumption wins over the catalog's: 10.8 × 40 = 432.00
    c = ctx(catalog, ops_hours_month=None, upgrades_per_year=None, hours_per_upgrade=None, labour_rate=40)
    assert cents(by_name(selfhosted_costs(_input(), sh, c))["Operations labour"].monthly[0]) == 432.00


AWS_SITE = {"kind": "aws", "region": "us-east-1", "labour_site": "testland"}


def _harbor_on_aws() -> SelfHosted:
    return harbor(
        site=AWS_SITE,
        resources=[{"what": "worker nodes", "price": "aws.ec2.m7g.large", "count": 3}],
        storage={"backend": "object", "price": "aws.s3.standard"},
        egress_price=None,
        backup_price="aws.s3.standard",
        backup_location=None,
    )


def test_harbor_on_aws(catalog):
    got = by_name(selfhosted_costs(_input(), _harbor_on_aws(), ctx(catalog)))
    # 3 × 0.0816/h × 730 = 3 × 59.568 = 178.704
    assert got["Compute and services (ha-kubernetes)"].monthly[0] == pytest.approx(178.704)
    # S3: 3,660 GB × 0.023 = 84.18; backup 2 × 3,660 = 7,320 GB × 0.023 = 168.36
    assert cents(got["Registry storage"].monthly[0]) == 84.18
    assert cents(got["Backup / DR copy"].monthly[0]) == 168.36
    # same-region pulls of the home region: 10,000 × 0.5 × 0.6 = 3,000 GB, half cross an AZ: 1,500 GB billed out of
    # one AZ and into the other: 1,500 × 0.01 × 2 = 30.00
    assert cents(got["Cross-AZ transfer"].monthly[0]) == 30.00
    # every other AWS pull crosses regions: 7,500 × 0.7 − 3,000 = 2,250 GB × 0.02 = 45.00
    assert cents(got["Inter-region transfer (pulls)"].monthly[0]) == 45.00
    # outside AWS: 7,500 × 0.3 = 2,250 GB × 0.09 = 202.50
    assert cents(got["Data transfer out to the internet"].monthly[0]) == 202.50
    # inside the VPC there is no NAT and no site egress
    assert "NAT gateway processing (AWS workloads pulling from the site)" not in got


def test_harbor_on_aws_gets_the_same_free_allowance_as_ecr(catalog):
    c = ctx(catalog, free_allowance="aws_wide_100gb")
    got = by_name(selfhosted_costs(_input(), _harbor_on_aws(), c))
    # the 100 GB a month are AWS-wide, not ECR's: (2,250 − 100) × 0.09 = 193.50
    assert cents(got["Data transfer out to the internet"].monthly[0]) == 193.50


# -- migration ------------------------------------------------------------------------------------------


def test_copy_out_egress_per_region_and_engineering(catalog):
    one_time = {o.component: o for o in migration_costs(_input(), harbor(), ctx(catalog))}
    copy = one_time["Copy-out egress (migration)"]
    # each region's unique bytes leave once, tiered per region: us-east-1 2,000 × 0.09 + eu-west-1 1,000 × 0.09
    assert cents(copy.amount) == 270.00
    assert copy.quantity == pytest.approx(3_000)
    # engineering: 10 days + 2 days per 100 repositories × 250 / 100 = 15 days × 8 h × 50 = 6,000.00
    eng = one_time["Migration engineering"]
    assert cents(eng.amount) == 6_000.00
    assert eng.quantity == pytest.approx(15)


def test_copy_out_across_tiers_after_the_accounts_other_egress(catalog):
    inp = _input()
    big = ModelInput(**{**inp.__dict__, "unique_gb_by_region": {"us-east-1": 20_000.0}})
    c = ctx(catalog, other_internet_egress_gb_month=5_000)
    copy = by_name(migration_costs(big, harbor(), c))["Copy-out egress (migration)"]
    # 20,000 GB after 5,000 GB of other egress: 5,240 × 0.09 + 14,760 × 0.085 = 471.60 + 1,254.60 = 1,726.20
    assert cents(copy.amount) == 1_726.20


def test_copy_out_to_harbor_on_aws_is_inter_region_and_free_at_home(catalog):
    copy = by_name(migration_costs(_input(), _harbor_on_aws(), ctx(catalog)))["Copy-out egress (migration)"]
    # us-east-1 → S3 in us-east-1: free; eu-west-1 → us-east-1: 1,000 × 0.02 = 20.00
    assert cents(copy.amount) == 20.00
    assert copy.quantity == pytest.approx(1_000)


def test_dual_run_months_including_a_fractional_one(catalog):
    baseline = np.array([100.0, 200.0, 300.0, 400.0])
    line = dual_run(baseline, ctx(catalog, months=4, dual_run_months=1.5))
    # 1.5 months: all of month 1, half of month 2, nothing after: 100, 100, 0, 0
    assert cents(line.monthly) == pytest.approx([100.00, 100.00, 0.00, 0.00])
    line = dual_run(baseline, ctx(catalog, months=4, dual_run_months=2))
    assert cents(line.monthly) == pytest.approx([100.00, 200.00, 0.00, 0.00])
