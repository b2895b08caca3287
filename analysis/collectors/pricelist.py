"""The AWS Price List API as a source (`regcost pricing refresh`): its declared operation and its endpoints.

The client is built guarded like every collector's (AwsSettings.client); the answers are parsed into a catalog
snapshot by analysis/pricing/refresh.py, which takes the client and never builds one.
"""

from __future__ import annotations

from analysis.collectors.operations import Operations, declare

PRICING_OPERATIONS: tuple[str, ...] = ("GetProducts",)
# The Price List API is served from us-east-1 (also eu-central-1, ap-south-1); prices for every region come
# from any of them, so one fixed endpoint keeps results independent of the user's --region.
PRICING_ENDPOINT_REGION = "us-east-1"
PRICING_ENDPOINT_REGION_CN = "cn-northwest-1"

OPERATIONS = declare("pricelist", Operations("pricing", "pricing", PRICING_OPERATIONS))
