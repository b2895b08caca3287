"""The moto patches, installed once per process: each replaces or adds a method on moto's classes.

What moto does not model is patched in from here, never by editing site-packages (docs/demo-estate.md §5 lists
every patch): ECR's read operations (`ecr`), an indexed CloudWatch GetMetricData (`cloudwatch`) and CloudTrail
LookupEvents (`cloudtrail`) and Athena's result paging and failed queries (`athena`).
"""

from __future__ import annotations

import threading

from moto.cloudwatch.models import CloudWatchBackend
from moto.ecr.responses import ECRResponse

from analysis.demo.aws.cloudwatch import get_metric_data
from analysis.demo.aws.ecr import (
    batch_get_image,
    describe_images,
    describe_pull_through_cache_rules,
    describe_repositories,
    get_account_setting,
    list_images,
    list_pull_time_update_exclusions,
)

_PATCHED = False
_PATCH_LOCK = threading.Lock()


def install_patches() -> None:
    """Idempotently patch moto's ECR responses and CloudWatch backend (see module docstring)."""
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return
        ECRResponse.describe_repositories = describe_repositories  # type: ignore[method-assign]
        ECRResponse.describe_images = describe_images  # type: ignore[method-assign]
        ECRResponse.list_images = list_images  # type: ignore[method-assign]
        ECRResponse.batch_get_image = batch_get_image  # type: ignore[method-assign]
        # Operations moto does not implement at all; moto dispatches any method named after the operation.
        ECRResponse.describe_pull_through_cache_rules = describe_pull_through_cache_rules  # type: ignore[attr-defined]
        ECRResponse.get_account_setting = get_account_setting  # type: ignore[attr-defined]
        ECRResponse.list_pull_time_update_exclusions = list_pull_time_update_exclusions  # type: ignore[attr-defined]
        CloudWatchBackend._regcost_original_get_metric_data = CloudWatchBackend.get_metric_data  # type: ignore[attr-defined]
        CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
        from analysis.demo.aws.cloudtrail import install as install_lookup_events  # LookupEvents (#13)

        install_lookup_events()
        from analysis.demo.aws.athena import install as install_athena  # result paging, failed queries (#16)

        install_athena()
        _PATCHED = True
