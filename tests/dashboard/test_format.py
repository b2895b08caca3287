"""The dashboard's formats: money to the unit or the cent, a real minus sign, bytes in GiB up to 10 TiB."""

from __future__ import annotations

from analysis.dashboard.format import break_even, gib, money


def test_money():
    assert money(12345.4, "USD") == "$12,345"
    assert money(12345.666, "USD", cents=True) == "$12,345.67"
    assert money(-1234, "EUR") == "−€1,234"  # U+2212, the sign a reader sees as minus
    assert money(10, "CHF") == "CHF 10"  # no symbol known: the code and a space


def test_gib_switches_to_tib_at_ten_tib():
    assert gib(3 * 2**30 // 2) == "1.5 GiB"
    assert gib(10 * 2**40 - 1) == "10,240.0 GiB"  # just under 10 TiB: still GiB (10 × 1024)
    assert gib(10 * 2**40) == "10.0 TiB"


def test_break_even():
    assert break_even(7) == "month 7"
    assert break_even(None) == "not within horizon"
    assert break_even(None, baseline=True) == "baseline"
