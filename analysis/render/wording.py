"""Words and numbers for a reader who is not the model's author: assumption identifiers as labels, figures
rounded to what they can claim, the grade of a price's source, units that match the quantity they measure.

Presentation only: nothing here computes a cost. The one division (`billed_quantity`) restates a cost the
model computed in the unit its price is quoted in, so that "quantity × unit price = cost" reads true.
"""

from __future__ import annotations

import math
import re

from markupsafe import Markup, escape

from analysis.model.result import Component, OneTimeCost, PriceCitation

# Words an identifier spells in lower case that a reader knows in capitals.
_ACRONYMS = {"gc": "GC", "vpc": "VPC", "vpcs": "VPCs", "api": "API", "azs": "AZs", "az": "AZ", "gb": "GB", "dr": "DR"}
# Identifiers the word-by-word rule reads badly.
_LABELS = {
    "other_internet_egress_gb_month": "Other internet egress (GB per month)",
    "migration_days_per_100_repositories": "Migration days per 100 repositories",
    "pull_growth_monthly": "Pull growth per month",
    "endpoint_vpcs_per_region": "VPCs with endpoints per region",
    "cleanup_archives_never_pulled": "Clean-up archives never-pulled images",
    "untagged_cleanup_share": "Share of untagged bytes the clean-up removes",
    "consumers": "Consumers",
    "ops_hours_month": "Operations hours per month",
    "hours_per_upgrade": "Hours per upgrade",
    "upgrades_per_year": "Upgrades per year",
    "horizon_months": "Horizon",
    "discount_rate_annual": "Discount rate per year",
    "dual_run_months": "Dual run",
    "site_local_share": "Share of consumers local to the site",
    "proxied_consumer_share": "Share of consumers behind the proxy",
}


def human_label(identifier: str) -> str:
    """`layer_cache_hit_ratio` → "Layer cache hit ratio"; `consumers.same_region` → "Consumers: same region"."""
    if identifier in _LABELS:
        return _LABELS[identifier]
    parts = [_LABELS.get(p) or _words(p) for p in identifier.split(".")]
    text = ": ".join(parts)
    return text[:1].upper() + text[1:]


def _words(identifier: str) -> str:
    return " ".join(_ACRONYMS.get(w, w) for w in identifier.split("_") if w)


def number(x: float) -> str:
    """Three significant figures, no exponent, no trailing zeros: 0.847013 → 0.847, 1e-05 → 0.00001, 36 → 36."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    rounded = float(f"{x:.3g}")
    decimals = max(0, 2 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{rounded:,.0f}"


def value_text(base: str) -> str:
    """An assumption's base value as the result gives it (a string), for a reader."""
    try:
        return number(float(base))
    except ValueError:
        pass
    if base in ("True", "False"):
        return "yes" if base == "True" else "no"
    days = re.fullmatch(r"DAYS_(\d+)", base)
    if days:
        return f"{days.group(1)} days"
    return base.replace("_", " ") if re.fullmatch(r"[a-z0-9_]+", base) else base


def assumption_value(value: object) -> str:
    """A table cell's assumption value (a number, a string, or none: "—", a catalog value applies)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return value_text(str(value))


def about(value: float, currency: str = "") -> str:
    """Money rounded to what a decision needs: two significant figures below 10,000, three above
    (4,068.08 → 4,100; 52,922.92 → 52,900; −182,465.89 → −182,000)."""
    if value == 0:
        text = "0"
    else:
        digits = 2 if abs(value) < 10_000 else 3
        magnitude = math.floor(math.log10(abs(value)))
        step = 10 ** max(magnitude - digits + 1, 0)
        text = f"{round(value / step) * step:,.0f}"
    text = text.replace("-", "−")
    return f"{currency} {text}" if currency else text


def short_url(url: str) -> str:
    """Host, the first two path segments (whose it is: github.com/QuinnyPig/aws-price-watcher) and the last
    (which file): the link or the tooltip keeps the whole address."""
    found = re.match(r"^[a-z]+://([^/]+)(/.*)?$", url)
    if not found:
        return url
    host, parts = found.group(1), [p for p in (found.group(2) or "").split("/") if p]
    if len(parts) <= 3:
        return "/".join([host, *parts])
    return "/".join([host, parts[0], parts[1], "…", parts[-1]])


def code_spans(text: str) -> Markup:
    """Escape `text` and show its `backticked` parts as code (small, monospaced) instead of raw backticks."""
    out = Markup("")
    for i, part in enumerate(str(text).split("`")):
        out += Markup('<span class="mono">{}</span>').format(part) if i % 2 else escape(part)
    return out


# ---- the grade of a price's source ----------------------------------------------------------------------------

# (rank, words): lower ranks are the sources a finance lead can rely on most.
GRADES: dict[str, tuple[int, str]] = {
    "provider-price-data": (1, "first-party price data (the provider's own price list or API)"),
    "provider-page": (2, "the provider's own page or document"),
    "provider-bill": (3, "a provider's bill"),
    "open-dataset": (4, "an open dataset built from the providers' price APIs"),
    "derived": (5, "derived: arithmetic on sourced numbers"),
    "third-party": (6, "a third party (reported, not published by the provider)"),
    "assumption": (7, "our assumption"),
    "unstated": (8, "source type not stated"),
}
SHORT_GRADES = {
    "provider-price-data": "first-party price data",
    "provider-page": "provider page",
    "provider-bill": "provider bill",
    "open-dataset": "open dataset",
    "derived": "derived",
    "third-party": "third party",
    "assumption": "assumption",
    "unstated": "not stated",
}


def grade_of(source_kind: str | None, note: str | None) -> str:
    """The catalog's `source_kind`, or, for entries that predate it, the provenance tag in its note
    (docs/pricing.md: [AWS], [AWS-copy], [DS], [3P], [derived], ASSUMPTION)."""
    if source_kind:
        return source_kind
    text = note or ""
    if "[3P]" in text:
        return "third-party"
    if "[DS" in text:
        return "open-dataset"
    if "[AWS" in text:
        return "provider-page"
    if "[derived]" in text:
        return "derived"
    if "ASSUMPTION" in text:
        return "assumption"
    return "unstated"


# ---- units that match the quantity ---------------------------------------------------------------------------

# The unit of a price as the quantity it multiplies is said (kW-month: kW held for the month).
_PRICE_QUANTITY_UNIT = {
    "kW-month": "kW",
    "hour-labour": "hours",
    "hour": "hours",
    "month": "months",
    "server": "servers",
    "TB": "TB",
    "TB-month": "TB-month",
}
# Quantity units that are the price's unit in other words.
_SAME = {
    ("hours", "hour-labour"),
    ("hours", "hour"),
    ("requests", "1000-requests"),
    ("requests", "request"),
    ("GB-month", "TB-month"),
    ("GB", "TB"),
}
_COUNTS = {"resources", "months", "image-scan", "servers", "requests"}


def quantity_text(quantity: float, unit: str | None) -> str:
    """A count without decimals (3 resources), a measure with two (1,769.27 GB-month)."""
    if unit in _COUNTS and float(quantity).is_integer():
        return f"{quantity:,.0f} {unit}"
    return f"{quantity:,.2f} {unit or ''}".rstrip()


def _matches(unit: str, price_unit: str) -> bool:
    return unit == price_unit or (unit, price_unit) in _SAME or unit.rstrip("s") == price_unit


def billed_quantity(line: Component | OneTimeCost, currency: str) -> str | None:
    """The quantity in the unit of its one price when the line counts something else (3 servers priced per
    kW-month: 6.97 kW), so the line multiplies out; None when the units already agree or it cannot be said
    (several prices, tiers, another currency)."""
    unit = line.unit or ""
    cost = line.cost_month1 if isinstance(line, Component) else line.amount
    if len(line.prices) != 1 or not unit:
        return None
    p = line.prices[0]
    try:
        price = float(p.price_text)
    except ValueError:  # tiers
        return None
    if _matches(unit, p.unit) or p.currency != currency or price <= 0:
        return None
    return f"{cost / price:,.2f} {_PRICE_QUANTITY_UNIT.get(p.unit, p.unit)}"


def approximation_short(p: PriceCitation) -> str:
    """ "approximated by us-east-1's price": the whole reason is given once, with the prices."""
    found = re.search(r"approximated by (.+?)(?:, because|$)", p.approximation)
    return f"approximated by {found.group(1)}" if found else p.approximation
