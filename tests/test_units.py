"""Byte counts as a person reads them: the unit follows the size, binary units (GiB = 2^30 bytes)."""

from __future__ import annotations

import pytest

from analysis.units import human_bytes


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (800, "800 B"),
        (1023, "1,023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),  # 1536 / 1024 = 1.5
        (12_897_485, "12.3 MiB"),  # 12,897,485 / 1,048,576 = 12.30…
        (3 * 2**30 // 2, "1.5 GiB"),
        (2**40, "1.0 TiB"),
        (5000 * 2**40, "5,000.0 TiB"),  # no unit above TiB: thousands get a separator
        (-2048, "-2.0 KiB"),
    ],
)
def test_the_unit_follows_the_size(n, shown):
    assert human_bytes(n) == shown


def test_a_size_nobody_read_is_not_zero():
    assert human_bytes(None) == "—"
    assert human_bytes(None, unknown="unknown") == "unknown"
    assert human_bytes(0) == "0 B"


def test_counts_read_as_words_with_irregular_plurals():
    from analysis.units import counted

    assert counted(1, "registry", "registries") == "1 registry"
    assert counted(2, "registry", "registries") == "2 registries"
    assert counted(1_500, "rule") == "1,500 rules"
