"""Hand-built image lists for lifecycle tests: ages in days before AT, as the AWS examples state them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd

AT = datetime(2026, 11, 1, tzinfo=UTC)


def image(
    name: str,
    tags: list[str],
    pushed_days: float,
    *,
    pulled_days: float | None = None,
    archived_days: float | None = None,
) -> dict:
    return {
        "image_digest": name,
        "image_tags": tags,
        "pushed_at": AT - timedelta(days=pushed_days),
        "last_pull_at": AT - timedelta(days=pulled_days) if pulled_days is not None else None,
        "image_status": "ARCHIVED" if archived_days is not None else "ACTIVE",
        "last_archived_at": AT - timedelta(days=archived_days) if archived_days is not None else None,
        "last_activated_at": None,
    }


def frame(*images: dict) -> pd.DataFrame:
    return pd.DataFrame(list(images))


def policy(*rules: dict) -> str:
    return json.dumps({"rules": list(rules)})


def rule(
    priority: int,
    tag_status: str,
    count_type: str,
    number: int,
    *,
    action: str = "expire",
    prefixes: list[str] | None = None,
    patterns: list[str] | None = None,
    storage: str | None = None,
) -> dict:
    selection: dict = {"tagStatus": tag_status, "countType": count_type, "countNumber": number}
    if count_type != "imageCountMoreThan":
        selection["countUnit"] = "days"
    if prefixes is not None:
        selection["tagPrefixList"] = prefixes
    if patterns is not None:
        selection["tagPatternList"] = patterns
    if storage is not None:
        selection["storageClass"] = storage
    act = {"type": "expire"} if action == "expire" else {"type": "transition", "targetStorageClass": "archive"}
    return {"rulePriority": priority, "selection": selection, "action": act}
