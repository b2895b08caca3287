"""The dashboard's formats are the report's (analysis/render/format.py): the pages import them from here under
the short names they have always used. Money on a screen carries its symbol and is rounded to the unit."""

from __future__ import annotations

from analysis.render.format import GIB, SYMBOLS, money_short, size
from analysis.render.format import break_even_month as break_even

__all__ = ["GIB", "SYMBOLS", "break_even", "gib", "money"]

money = money_short
gib = size
