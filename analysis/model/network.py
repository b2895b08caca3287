"""What the measured network path costs: NAT processing on pull bytes, and what the endpoints that remove it cost.

Pure arithmetic over the collector's figures and the price catalog (no I/O). Layers are S3 objects: the S3
*gateway* endpoint, which takes them off the NAT, is free (measurement-facts.md §4.3); the ECR *interface*
endpoints (ecr.dkr, ecr.api) cost per endpoint per AZ-hour plus per GB, and only carry manifests and API calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.model.costs import flat_price
from analysis.pricing.catalog import Catalog
from analysis.pricing.catalog_format import PriceNotFound

GB = 2**30
HOURS_PER_MONTH = 730  # AWS's convention for monthly figures of hourly prices
DAYS_PER_MONTH = 30


@dataclass
class RegionPath:
    region: str
    nat_bytes: float  # layer bytes through a NAT gateway in the window
    private_bytes: float  # through the S3 gateway endpoint
    direct_bytes: float  # internet gateway (public IP), transit gateway or no route
    unplaced_bytes: float  # callers not placed in a subnet
    window_days: int
    nat_subnets: int  # subnets whose layer path is a NAT gateway (topology)
    subnets: int
    interface_azs: int  # availability zones of NAT-path subnets (where interface endpoints would go)

    @property
    def measured_nat_share(self) -> float | None:
        """Share of the placed layer bytes that went through a NAT gateway; None when nothing was placed."""
        placed = self.nat_bytes + self.private_bytes + self.direct_bytes
        return self.nat_bytes / placed if placed else None

    @property
    def topology_nat_share(self) -> float | None:
        """Share of subnets whose layers go through a NAT gateway (when no pull could be placed)."""
        return self.nat_subnets / self.subnets if self.subnets else None


@dataclass
class NatCost:
    region: str
    nat_gb_per_month: float
    nat_cost_per_month: float | None  # None when the catalog has no NAT price for the region
    s3_gateway_endpoint_cost_per_month: float  # 0: gateway endpoints are free
    interface_endpoints_cost_per_month: float | None  # ecr.dkr + ecr.api in every AZ of a NAT-path subnet
    price_note: str


def nat_cost(path: RegionPath, catalog: Catalog) -> NatCost:
    gb_month = path.nat_bytes / GB * DAYS_PER_MONTH / max(path.window_days, 1)
    notes = []
    try:
        nat = catalog.get("aws.nat.processing", region=path.region)
        nat_cost_month: float | None = gb_month * flat_price(nat)
        notes.append(f"NAT USD {nat.price}/GB ({nat.source}, {nat.as_of})")
    except PriceNotFound:
        nat_cost_month = None
        notes.append(f"no NAT price for {path.region} in the catalog")
    try:
        hourly = catalog.get("aws.vpce.interface.hourly", region=path.region)
        interface: float | None = 2 * path.interface_azs * flat_price(hourly) * HOURS_PER_MONTH
        notes.append(f"interface endpoint USD {hourly.price}/AZ-hour ({hourly.source}, {hourly.as_of})")
    except PriceNotFound:
        interface = None
        notes.append(f"no interface endpoint price for {path.region} in the catalog")
    return NatCost(path.region, gb_month, nat_cost_month, 0.0, interface, "; ".join(notes))
