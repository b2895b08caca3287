"""Presentation formats shared by the pages: money to the cent or to the unit, bytes in GiB (2^30)."""

from __future__ import annotations

GIB = float(2**30)
SYMBOLS = {"USD": "$", "EUR": "€"}


def money(value: float, currency: str, *, cents: bool = False) -> str:
    """`$12,345` (or `$12,345.67` with cents); negative amounts as `−$1,234`."""
    symbol = SYMBOLS.get(currency, currency + " ")
    text = f"{abs(value):,.2f}" if cents else f"{abs(value):,.0f}"
    return f"{'−' if value < 0 else ''}{symbol}{text}"


def gib(n: float) -> str:
    """Bytes as GiB, or TiB from 10 TiB up."""
    if n >= 10 * 2**40:
        return f"{n / 2**40:,.1f} TiB"
    return f"{n / GIB:,.1f} GiB"


def break_even(month: int | None, *, baseline: bool = False) -> str:
    if baseline:
        return "baseline"
    return f"month {month}" if month else "not within horizon"
