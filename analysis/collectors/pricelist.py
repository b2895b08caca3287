"""The AWS Price List API as a source: declared here so `regcost iam-policy` and the read-only test see it.

The reading and parsing live in analysis/pricing/refresh.py (`regcost pricing refresh`).
"""

from __future__ import annotations

from analysis.collectors.aws import Operations, declare
from analysis.pricing.refresh import PRICING_OPERATIONS

OPERATIONS = declare("pricelist", Operations("pricing", "pricing", PRICING_OPERATIONS))
