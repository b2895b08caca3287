"""Byte counts for people: the unit follows the size, so a registry of a few MB does not read "0.0 GiB".

Binary units throughout (KiB = 2^10, MiB = 2^20, GiB = 2^30, TiB = 2^40 bytes), as the cost model's GB = 2^30.
"""

from __future__ import annotations

_UNITS = (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def human_bytes(n: float | None, unknown: str = "—") -> str:
    """`1.5 GiB`, `12.3 MiB`, `800 B`; `unknown` for None (never 0 for a figure nobody read)."""
    if n is None:
        return unknown
    sign = "-" if n < 0 else ""
    size = abs(float(n))
    for unit, scale in _UNITS:
        if size >= scale:
            return f"{sign}{size / scale:,.1f} {unit}"
    return f"{sign}{size:,.0f} B"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """1 finding, 18 findings, 2 registries: a reader stumbles on "finding(s)". `plural`: where it is not noun + s."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"
