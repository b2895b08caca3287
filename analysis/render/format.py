"""The formatters every output shares: money to the cent, shares, engineer-days, break-even months and their
percentiles. A number reads the same in the table, the Markdown, the CSV's labels, the HTML, the PDF and the
dashboard (which re-exports its few screen formats from here: analysis/dashboard/format.py).

Money is rounded here and only here; the result keeps full precision.
"""

from __future__ import annotations

from datetime import datetime

from analysis.model.result import EstimateResult, ScenarioResult, ScenarioUncertainty
from analysis.render.wording import about
from analysis.units import counted as counted  # re-exported: the report and the dashboard count in words

GIB = float(2**30)
TIB = float(2**40)
# On a screen, money carries its symbol (a metric has no column header to name the currency).
SYMBOLS = {"USD": "$", "EUR": "€"}
# Percentiles of the break-even month need draws that break even: below this many, the months are withheld
# and the count is said instead (P10 of 2 draws is one of the two, not a tenth of anything).
MIN_BREAK_EVEN_DRAWS = 100


def money(value: float, currency: str = "") -> str:
    text = f"{value:,.2f}"
    return f"{currency} {text}" if currency else text


def money_short(value: float, currency: str, *, cents: bool = False) -> str:
    """The dashboard's money: `$12,345` (or `$12,345.67` with cents); negative amounts as `−$1,234` (U+2212)."""
    symbol = SYMBOLS.get(currency, currency + " ")
    text = f"{abs(value):,.2f}" if cents else f"{abs(value):,.0f}"
    return f"{'−' if value < 0 else ''}{symbol}{text}"


def headline(r: EstimateResult) -> str:
    """The recommendation rounded for a reader, as the report's first page and the dashboard's Overview say it
    (the exact figures are in the table below it): "saves about USD 12,600 (18%)", not 12,630.75."""
    if r.recommendation.scenario == r.baseline:
        return r.recommendation.headline
    s = r.scenario(r.recommendation.scenario)
    base = r.scenario(r.baseline).horizon_tco
    share = f" ({s.savings_vs_baseline / base:.0%})" if base else ""
    payback = f", paying back in month {s.break_even_month}" if s.break_even_month else ""
    saves = about(s.savings_vs_baseline, r.currency)
    return f"{s.title}: saves about {saves}{share} over {r.horizon_months} months{payback}"


def pct(share: float) -> str:
    """0 % and 100 % only when exact: 0.2 % of draws is not "never"."""
    if 0 < share < 0.01 or 0.99 < share < 1:
        return f"{share:.1%}"
    return f"{share:.0%}"


def days(x: float) -> str:
    """Engineer-days (two decimals at most, no trailing zeros)."""
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def gib(n: float, digits: int = 1) -> str:
    return f"{n / GIB:,.{digits}f}"


def size(n: float) -> str:
    """Bytes with their unit: GiB, or TiB from 10 TiB up (10,240.0 GiB still reads; 10,240,000.0 does not)."""
    if n >= 10 * TIB:
        return f"{n / TIB:,.1f} TiB"
    return f"{gib(n)} GiB"


def count(x: float) -> str:
    return f"{x:,.0f}"


def when(t: datetime | None) -> str:
    return f"{t:%Y-%m-%d %H:%M} UTC" if t else "—"


def break_even(s: ScenarioResult, baseline: str) -> str:
    return break_even_month(s.break_even_month, baseline=s.name == baseline)


def break_even_month(month: int | None, *, baseline: bool = False) -> str:
    if baseline:
        return "baseline"
    return f"month {month}" if month else "not within horizon"


def break_even_draws(s: ScenarioUncertainty, draws: int) -> int:
    """How many draws paid back within the horizon."""
    never = s.break_even.get("never")
    return 0 if never is None else round(draws * (1 - never))


def break_even_spread(s: ScenarioUncertainty, draws: int) -> str:
    """The break-even month over the draws, or why there is none: percentiles only from enough draws."""
    if s.p_beats_baseline is None:
        return "baseline"
    reached = break_even_draws(s, draws)
    be = s.break_even
    if reached == 0 or be.get("p50") is None:
        return "never within horizon"
    if reached < MIN_BREAK_EVEN_DRAWS:
        return f"{reached:,} of {draws:,} draws break even: too few for percentiles"
    return (
        f"P10 {be['p10']:.0f} · P50 {be['p50']:.0f} · P90 {be['p90']:.0f} ({reached:,} of {draws:,} draws break even)"
    )
