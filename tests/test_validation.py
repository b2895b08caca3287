"""analysis/validation.py: a bad input file's problems read as `file: field.path: what was expected (got …)`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from analysis.validation import field_path, format_validation_error


class _Tier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to: float | None
    price: float


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    tiers: list[_Tier]

    @field_validator("tiers")
    @classmethod
    def _last_open(cls, tiers: list[_Tier]) -> list[_Tier]:
        if tiers and tiers[-1].up_to is not None:
            raise _Sub(f"[{len(tiers) - 1}].up_to", "the last tier must have 'up_to: null'")
        return tiers


class _Sub(ValueError):
    def __init__(self, subpath: str, message: str) -> None:
        super().__init__(message)
        self.subpath = subpath


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prices: list[_Entry]


PATH = Path("prices.yaml")


def _error(raw: object) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        _File.model_validate(raw)
    return err.value


def test_every_problem_gets_a_line_with_the_entrys_id():
    raw = {"prices": [{"id": "a.b", "tiers": [{"up_to": None, "price": "cheap"}], "colour": "red"}]}
    lines = format_validation_error(PATH, _error(raw), raw).splitlines()
    assert lines == [
        "prices.yaml: prices[0].tiers[0].price (id a.b): "
        "Input should be a valid number, unable to parse string as a number (got 'cheap')",
        "prices.yaml: prices[0].colour (id a.b): unknown field",
    ]


def test_first_only_is_one_line_that_counts_the_rest_and_names_the_key_meant():
    raw = {"prices": [{"id": "a.b", "tiers": [], "colour": 1}], "prises": 1}
    exc = _error(raw)
    line = format_validation_error(PATH, exc, first_only=True, unknown_key=lambda name: f"unknown field {name!r}")
    assert "\n" not in line
    assert line == "prices.yaml: prices[0].colour: unknown field 'colour' (+1 more)"


def test_a_validator_that_knows_the_nested_part_points_at_it():
    raw = {"prices": [{"id": "a.b", "tiers": [{"up_to": 10, "price": 1}]}]}
    (line,) = format_validation_error(PATH, _error(raw), raw).splitlines()
    assert line == "prices.yaml: prices[0].tiers[0].up_to (id a.b): the last tier must have 'up_to: null'"


def test_a_missing_field_and_the_top_level_are_said_in_words():
    assert field_path(()) == "(top level)"
    assert field_path(("assumptions", "share", "float")) == "assumptions.share"  # a union's member is left out
    line = format_validation_error(PATH, _error({"prices": [{"tiers": []}]}), first_only=True)
    assert line == "prices.yaml: prices[0].id: required field is missing"
