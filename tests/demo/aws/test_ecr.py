"""Emulated ECR pagination: opaque tokens bound to the request, ECR's limits on maxResults."""

from __future__ import annotations

import pytest
from moto.ecr.exceptions import InvalidParameterException

from analysis.demo.aws.ecr import _paginate


def test_pages_follow_the_token_to_the_end_and_the_last_page_has_none() -> None:
    items = list(range(250))
    first, token = _paginate(items, None, None, "describe_images", "team/app")
    assert first == items[:100] and token  # 100 by default
    second, token = _paginate(items, 100, token, "describe_images", "team/app")
    third, last = _paginate(items, 100, token, "describe_images", "team/app")
    assert second == items[100:200] and third == items[200:] and last is None


def test_a_token_from_another_request_or_a_max_results_out_of_range_is_refused() -> None:
    _, token = _paginate(list(range(10)), 5, None, "describe_images", "team/app")
    with pytest.raises(InvalidParameterException, match="Invalid NextToken"):
        _paginate(list(range(10)), 5, token, "describe_images", "team/other")
    with pytest.raises(InvalidParameterException, match="less than or equal to 1000"):
        _paginate([], 1_001, None, "describe_images")
