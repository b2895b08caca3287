"""A Helm template's registry parts read from the chart's values.yaml."""

from __future__ import annotations

from pathlib import Path

from analysis.portability.helm_values import resolve_chart_values
from analysis.portability.reference import Reference

PARTS = ("account=.Values.image.account", "region=.Values.image.region")


def _templated(file: str, parts: tuple[str, ...] = PARTS) -> Reference:
    return Reference(
        file=file, line=4, column=0, end=40, text="{{ … }}", kind="helm-template", form="templated", parts=parts
    )


def _chart(root: Path, values: str) -> None:
    (root / "chart" / "templates").mkdir(parents=True)
    (root / "chart" / "values.yaml").write_text(values)


def test_parts_found_in_the_values_resolve_the_reference(tmp_path: Path):
    _chart(tmp_path, "image:\n  account: '123456789012'\n  region: eu-west-1\n")
    (ref,) = resolve_chart_values([_templated("chart/templates/deploy.yaml")], tmp_path)
    assert (ref.account_id, ref.region, ref.resolved) == ("123456789012", "eu-west-1", True)


def test_a_part_missing_from_the_values_leaves_the_reference_partly_resolved(tmp_path: Path):
    _chart(tmp_path, "image:\n  region: eu-west-1\n")
    (ref,) = resolve_chart_values([_templated("chart/templates/deploy.yaml")], tmp_path)
    assert (ref.account_id, ref.region, ref.resolved) == (None, "eu-west-1", False)


def test_references_outside_a_chart_or_without_values_are_kept_as_they_are(tmp_path: Path):
    outside = _templated("k8s/app.yaml")
    no_values = _templated("other/templates/deploy.yaml")
    assert resolve_chart_values([outside, no_values], tmp_path) == [outside, no_values]
