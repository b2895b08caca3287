"""The shared formatters: break-even percentiles only from enough draws."""

from __future__ import annotations

from analysis.model.result import Band, ScenarioUncertainty
from analysis.render.format import MIN_BREAK_EVEN_DRAWS, break_even_spread

BAND = Band(p10=[0.0], p50=[0.0], p90=[0.0])


def _scenario(never: float, p10: float = 7, p50: float = 9, p90: float = 14) -> ScenarioUncertainty:
    return ScenarioUncertainty(
        name="harbor",
        monthly=BAND,
        cumulative=BAND,
        horizon_tco={"p10": 1.0, "p50": 2.0, "p90": 3.0, "mean": 2.0},
        p_beats_baseline=0.5,
        break_even={"p10": p10, "p50": p50, "p90": p90, "never": never},
    )


def test_two_draws_of_ten_thousand_give_no_percentiles():
    # 2 of 10,000 draws break even: never = 9,998 / 10,000
    text = break_even_spread(_scenario(never=0.9998), 10_000)
    assert text == "2 of 10,000 draws break even: too few for percentiles"
    assert "P50" not in text


def test_enough_draws_give_percentiles_and_their_count():
    # 9,000 of 10,000 draws break even (never = 10 %)
    assert (
        break_even_spread(_scenario(never=0.1), 10_000) == "P10 7 · P50 9 · P90 14 (9,000 of 10,000 draws break even)"
    )
    assert MIN_BREAK_EVEN_DRAWS <= 9_000


def test_none_break_even():
    assert break_even_spread(_scenario(never=1.0, p10=None, p50=None, p90=None), 500) == "never within horizon"


def test_counts_read_as_words():
    from analysis.render.format import counted

    assert [counted(1, "account"), counted(3, "region"), counted(1_200, "finding")] == [
        "1 account",
        "3 regions",
        "1,200 findings",
    ]
