"""Lifecycle: each repository's lifecycle policy document, and the archiving its archive rules did."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from analysis.demo.estate.builds import Build, DraftRepo


def _round_up(n: int, step: int) -> int:
    return max(step, -(-n // step) * step)


def lifecycle_policy(repo: DraftRepo) -> str | None:
    builds = repo.builds
    if repo.policy_kind is None:
        return None
    rules: list[dict[str, Any]] = []
    if repo.policy_kind in ("clean-untagged", "expire-untagged-only"):
        days = 14 if repo.policy_kind == "clean-untagged" else 7
        rules.append(
            {
                "rulePriority": 1,
                "description": f"Expire untagged images {days} days after push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": days,
                },
                "action": {"type": "expire"},
            }
        )
    if repo.policy_kind == "clean-untagged":
        # Set above the current count so the rule has not (yet) removed anything the estate still lists.
        n = sum(1 for b in builds if any(t.startswith("git-") for t in b.tags))
        rules.append(
            {
                "rulePriority": 2,
                "description": "Keep the most recent git-sha builds",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["git-*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": _round_up(n + 1, 100),
                },
                "action": {"type": "expire"},
            }
        )
    if repo.policy_kind == "keep-any":
        rules.append(
            {
                "rulePriority": 1,
                "description": "Cap the repository size",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": _round_up(len(builds) + 1, 500),
                },
                "action": {"type": "expire"},
            }
        )
    if repo.policy_kind == "archive":
        rules.append(
            {
                "rulePriority": 1,
                "description": "Archive untagged images not pulled for 90 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePulled",
                    "countUnit": "days",
                    "countNumber": 90,
                },
                "action": {"type": "transition", "targetStorageClass": "archive"},
            }
        )
        rules.append(
            {
                "rulePriority": 2,
                "description": "Archive tagged images not pulled for 180 days",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "sinceImagePulled",
                    "countUnit": "days",
                    "countNumber": 180,
                },
                "action": {"type": "transition", "targetStorageClass": "archive"},
            }
        )
    return json.dumps({"rules": rules}, indent=2)


_ARCHIVE_AFTER = {"untagged": 90, "tagged": 180}


def archive(repo: DraftRepo, rng: np.random.Generator, now: datetime) -> None:
    """Apply the repository's archive rules as ECR would have: index groups move together (a child cannot be
    archived before the index that references it), within a day of becoming eligible."""
    groups: dict[int, list[Build]] = defaultdict(list)
    for b in repo.builds:
        groups[b.group].append(b)
    newest_group = max(groups, key=lambda g: max(b.pushed_at for b in groups[g]))
    for g, members in groups.items():
        if g == newest_group:
            continue
        head = next((b for b in members if b.kind in ("image", "index")), members[0])
        activity = max((b.last_pull or b.pushed_at) for b in members)
        days = _ARCHIVE_AFTER["tagged" if head.tags else "untagged"]
        when = activity + timedelta(days=days, hours=float(rng.uniform(1, 23)))
        if when < now:
            for b in members:
                b.status, b.archived_at = "ARCHIVED", when
