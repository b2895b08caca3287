"""Harbor at a site (and the migration to it), on a small input priced by a small catalog of our own whose
round numbers keep the arithmetic legible; the AWS-side prices are the shipped ones (NAT $0.045/GB in
us-east-1 and $0.048/GB in eu-west-1, cross-AZ $0.01/GB, inter-region $0.02/GB, internet 0.09 for the first
10,240 GB then 0.085, S3 Standard $0.023/GB-month, m7g.large $0.0816/hour).

The input: 3,000 GB globally unique, growing 100 GB a month; pulls of 10,000 GB a month served from
us-east-1 and 5,000 GB from eu-west-1 before a 50 % node cache, so 7,500 GB a month are transferred, split
60 % same region, 10 % other AWS region, 20 % internet / on-prem, 10 % other clouds.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.model.assumptions import Assumptions
from analysis.model.costs import Ctx, Line
from analysis.model.ecr import RegionUsage
from analysis.model.inputs import ModelInput
from analysis.model.migration import dual_run, migration_costs, move_traffic, proxy_setup
from analysis.model.resolved import ResolvedAssumptions
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
  - id: labour.devops
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
    return Ctx(catalog, ResolvedAssumptions.of(a), np.arange(1, months + 1, dtype=float))


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
    # 2,625 × (2/3 × 0.045 + 1/3 × 0.048) = 78.75 + 42.00 = 120.75
    assert cents(got["NAT gateway processing (AWS workloads pulling from the site)"].monthly[0]) == 120.75
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
    # Rule 2: no PUE on a per-kW colocation price (it covers the facility's cooling and losses).
    # a server: 9,600 / 48 months = 200 + 9,600 × 0.125 / 12 = 100 + 0.5 kW × 200 = 100 → 400; × 3 = 1,200
    assert cents(got["Compute and services (ha-kubernetes)"].monthly[0]) == 1_200.00
    # raw bytes = 4,575 provisioned × 1.5 (the parameter used as a redundancy factor here) = 6,862.5 × 0.05
    assert got["Registry storage"].monthly[0] == pytest.approx(343.125)
    # the site's uplink is fixed (no egress price): no egress line; NAT stays
    assert "Site egress beyond included traffic" not in got


def test_onprem_colocation_pays_rack_space_ip_transit_and_cross_connects(catalog):
    network = "Colocation: rack space and network"
    at = {"location": "onprem-default", "line": network}  # the shipped onprem.yaml prices
    sh = harbor(
        site={"kind": "on-prem", "site": "testsite", "labour_site": "testland"},
        resources=[
            {"what": "servers", "onprem_server": True, "count": 3},
            {"what": "rack space", "price": "onprem.colo.space", **at},
            {"what": "IP transit 1 Gbps", "price": "onprem.colo.ip_transit", **at},
            {"what": "cross-connects", "price": "onprem.colo.cross_connect", "count": 2, **at},
        ],
        storage={"backend": "block", "price": "test.block"},
        egress_price=None,
    )
    got = by_name(selfhosted_costs(_input(), sh, ctx(catalog)))
    # Rule 2: rack space 500 + IP transit (1 Gbps committed) 1,000 + 2 cross-connects × 200 = 1,900.00 a month
    line = got[network]
    assert cents(line.monthly) == pytest.approx([1_900.00] * 12)
    assert line.group == "network"
    assert cents(got["Compute and services (ha-kubernetes)"].monthly[0]) == 1_200.00  # the servers alone


def test_labour_is_a_platform_engineers_loaded_rate(catalog):
    c = ctx(catalog, ops_hours_month=None, upgrades_per_year=None, hours_per_upgrade=None)
    sh = harbor(site={**SITE, "labour_site": "us"})
    labour = by_name(selfhosted_costs(_input(), sh, c))["Operations labour"]
    # Rule 9: catalog bases 10 h + 2.4 upgrades / 12 × 4 h = 10.8 h × labour.devops us 79.63
    # (125,000 × 1.325 / 2,080) = 860.004, not the sysadmin's 61.66
    assert labour.monthly[0] == pytest.approx(860.004)
    assert labour.prices[0].id == "labour.devops"
    # a rate given as an assumption wins over the catalog's: 10.8 × 40 = 432.00
    c = ctx(catalog, ops_hours_month=None, upgrades_per_year=None, hours_per_upgrade=None, labour_rate=40)
    assert cents(by_name(selfhosted_costs(_input(), sh, c))["Operations labour"].monthly[0]) == 432.00


AWS_SITE = {"kind": "aws", "region": "us-east-1", "labour_site": "testland"}


def _harbor_on_aws(redirect: bool = True) -> SelfHosted:
    return harbor(
        site=AWS_SITE,
        resources=[{"what": "worker nodes", "price": "aws.ec2.m7g.large", "count": 3}],
        storage={"backend": "object", "price": "aws.s3.standard", "redirect": redirect},
        egress_price=None,
        backup_price="aws.s3.standard",
        backup_location=None,
    )


def test_harbor_on_aws_with_s3_redirects(catalog):
    c = ctx(catalog, vpc_endpoints="s3-gateway", vpc_endpoint_share=0.4, layers_per_gb=30)
    got = by_name(selfhosted_costs(_input(), _harbor_on_aws(), c))
    # 3 × 0.0816/h × 730 = 3 × 59.568 = 178.704
    assert got["Compute and services (ha-kubernetes)"].monthly[0] == pytest.approx(178.704)
    # S3: 3,660 GB × 0.023 = 84.18; backup 2 × 3,660 = 7,320 GB × 0.023 = 168.36
    assert cents(got["Registry storage"].monthly[0]) == 84.18
    assert cents(got["Backup / DR copy"].monthly[0]) == 168.36
    # Rule 3, redirect on (Harbor's default with S3): layers go from S3 to the consumer; S3 is regional, so
    # same-region pulls cross no AZ boundary and cost nothing.
    assert "Cross-AZ transfer" not in got
    # other AWS regions pull from S3: 7,500 × 0.7 − 3,000 (us-east-1's own same-region) = 2,250 GB × 0.02 = 45.00
    assert cents(got["Inter-region transfer (pulls)"].monthly[0]) == 45.00
    # S3's internet egress: 7,500 × 0.3 = 2,250 GB × 0.09 = 202.50
    assert cents(got["Data transfer out to the internet"].monthly[0]) == 202.50
    # Rule 4: NAT for private consumers. Same-region S3 URLs skip it where the S3 gateway is (40 % of VPCs):
    # (3,000 × 0.6 + 2,250 cross-region) × 0.5 private = 2,025 GB × 0.045 = 91.125
    assert float(got["NAT gateway processing (pulls from Harbor)"].monthly[0]) == pytest.approx(91.125)
    # one S3 GET per layer: 7,500 GB × 30 layers = 225,000 × 0.0004 / 1,000 = 0.09
    assert cents(got["S3 GET requests (redirected layer downloads)"].monthly[0]) == 0.09


def test_harbor_on_aws_without_redirects_serves_through_its_nodes(catalog):
    got = by_name(selfhosted_costs(_input(), _harbor_on_aws(redirect=False), ctx(catalog)))
    # Rule 3, redirect off: same-region pulls of the home region 10,000 × 0.5 × 0.6 = 3,000 GB, half cross an AZ:
    # 1,500 GB billed out of one AZ and into the other: 1,500 × 0.01 × 2 = 30.00
    assert cents(got["Cross-AZ transfer"].monthly[0]) == 30.00
    assert cents(got["Inter-region transfer (pulls)"].monthly[0]) == 45.00  # 2,250 GB × 0.02, as with redirects
    # Rule 4: same-region consumers reach the internal load balancer in the VPC; only cross-region private
    # consumers cross a NAT: 2,250 × 0.5 = 1,125 GB × 0.045 = 50.625
    assert float(got["NAT gateway processing (pulls from Harbor)"].monthly[0]) == pytest.approx(50.625)
    assert "S3 GET requests (redirected layer downloads)" not in got


def test_harbor_on_aws_with_s3_redirects_and_no_gateway_endpoint(catalog):
    got = by_name(selfhosted_costs(_input(), _harbor_on_aws(), ctx(catalog, vpc_endpoints="none")))
    # Rule 4: every private S3 download crosses the NAT: (3,000 + 2,250) × 0.5 = 2,625 GB × 0.045 = 118.125
    assert float(got["NAT gateway processing (pulls from Harbor)"].monthly[0]) == pytest.approx(118.125)


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


def test_copy_out_to_harbor_on_aws_pays_the_pairs_own_rate(catalog):
    aws = _harbor_on_aws()
    ohio = aws.model_copy(update={"site": aws.site.model_copy(update={"region": "us-east-2"})})
    copy = by_name(migration_costs(_input(), ohio, ctx(catalog)))["Copy-out egress (migration)"]
    # to Harbor in us-east-2: us-east-1 → us-east-2 is priced apart at 0.01 (AWS price map, 2025-06-05), eu-west-1 →
    # us-east-2 at eu-west-1's usual 0.02: 2,000 × 0.01 + 1,000 × 0.02 = 20.00 + 20.00 = 40.00
    assert cents(copy.amount) == 40.00
    assert copy.quantity == pytest.approx(3_000)


def _line(name: str, group: str, amount: float) -> Line:
    return Line(name, group, np.full(4, amount))


def test_dual_run_pays_storage_of_both_and_each_pull_once(catalog):
    c = ctx(catalog, months=4, dual_run_months=2)
    ecr = [_line("ECR storage", "storage", 100.0), _line("ECR egress", "transfer", 40.0)]
    line = dual_run(ecr, c)
    # Rule 1: consumers move in even waves; at mid-month m, (m − 0.5) / 2 have moved: ECR serves 75 %, 25 %, 0.
    # ECR storage all of months 1-2; its egress 40 × 0.75 = 30, 40 × 0.25 = 10: 130, 110, 0, 0
    assert cents(line.monthly) == pytest.approx([130.00, 110.00, 0.00, 0.00])
    harbor_lines = [_line("Harbor storage", "storage", 50.0), _line("Harbor egress", "transfer", 40.0)]
    move_traffic(harbor_lines, c)
    # Harbor's egress carries the moved consumers: 40 × 0.25 = 10, 40 × 0.75 = 30, then 40; its storage is whole
    assert cents(harbor_lines[1].monthly) == pytest.approx([10.00, 30.00, 40.00, 40.00])
    assert cents(harbor_lines[0].monthly) == pytest.approx([50.00] * 4)
    # the same pulls at the same price are paid once: ECR's 30 + Harbor's 10 = 40 in month 1, 10 + 30 in month 2
    assert cents(line.monthly - 100.0 * np.array([1, 1, 0, 0]) + harbor_lines[1].monthly) == pytest.approx([40.0] * 4)


def test_dual_run_with_a_fractional_month(catalog):
    c = ctx(catalog, months=4, dual_run_months=1.5)
    line = dual_run([_line("ECR storage", "storage", 100.0), _line("ECR egress", "transfer", 30.0)], c)
    # storage: all of month 1, half of month 2; traffic on ECR at mid-month 1: 1 − 0.5 / 1.5 = 2/3, then 0:
    # 100 + 30 × 2/3 = 120.00; 50.00; 0; 0
    assert cents(line.monthly) == pytest.approx([120.00, 50.00, 0.00, 0.00])


def test_hybrid_proxy_cache_set_up_is_not_zero(catalog):
    one_time = proxy_setup(harbor(), ctx(catalog, proxy_setup_days=5))
    # Rule 7: 5 engineer-days (the plan's Harbor set-up) × 8 h × 50 (testland rate) = 2,000.00
    assert cents(one_time.amount) == 2_000.00
    assert one_time.quantity == 5


def test_migration_engineering_from_the_plan(catalog):
    eng = by_name(migration_costs(_input(), harbor(), ctx(catalog, migration_days=65.48)))["Migration engineering"]
    # Rule 8: the plan's 65.48 engineer-days replace the 10 + 2 per 100 repositories: 65.48 × 8 h × 50 = 26,192.00
    assert cents(eng.amount) == 26_192.00
    assert "plan" in eng.note
