"""A reference: whether a person must rewrite it by hand, and whether it points at a public upstream."""

from __future__ import annotations

import pytest

from analysis.portability.reference import Reference


def _ref(form: str = "literal", registry: str = "ecr") -> Reference:
    return Reference("k8s/app.yaml", 1, 0, 10, "x", "kubernetes", form, registry=registry)


@pytest.mark.parametrize(
    ("form", "templated"),
    [("literal", False), ("host", False), ("templated", True), ("assembled", True), ("helm-split", True)],
)
def test_templated_forms_are_rewritten_by_hand(form: str, templated: bool):
    assert _ref(form=form).templated is templated


def test_an_upstream_is_any_registry_but_ecr():
    assert not _ref().upstream
    assert _ref(registry="docker-hub").upstream
