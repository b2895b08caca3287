"""Tags: git-sha and semver tags per push, and the moving tags (latest, main, prod) on the newest."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from analysis.demo.estate.builds import Build, DraftRepo


def assign_tags(repo: DraftRepo, rng: np.random.Generator, now: datetime) -> None:
    heads = [b for b in repo.builds if b.kind in ("image", "index")]
    if not heads:
        return
    p_sha = float(rng.uniform(0.35, 0.85))
    p_rel = float(rng.uniform(0.04, 0.15))
    untagged_ok_until = None
    if repo.policy_kind in ("clean-untagged", "expire-untagged-only"):
        # The rule would have deleted older untagged pushes; keep counts by treating them as tagged builds.
        untagged_ok_until = now - timedelta(days=14 if repo.policy_kind == "clean-untagged" else 7)
    major, minor, patch = int(rng.integers(0, 3)), int(rng.integers(0, 8)), 0
    shas = rng.bytes(4 * len(heads)).hex()
    seen: set[str] = set()
    roll = rng.random((len(heads), 3))
    releases: list[Build] = []
    for i, b in enumerate(heads):
        if roll[i, 0] < p_sha or (untagged_ok_until and b.pushed_at < untagged_ok_until):
            sha = shas[8 * i : 8 * i + 7]
            while sha in seen:  # 28-bit short shas collide in big repositories; git would show more digits
                sha = rng.bytes(4).hex()[:7]
            seen.add(sha)
            b.tags.append(f"git-{sha}")
        if roll[i, 1] < p_rel:
            if roll[i, 2] < 0.03:
                major, minor, patch = major + 1, 0, 0
            elif roll[i, 2] < 0.22:
                minor, patch = minor + 1, 0
            else:
                patch += 1
            b.tags.append(f"v{major}.{minor}.{patch}")
            releases.append(b)
    newest = heads[-1]
    # Moving tags live on the newest image only; IMMUTABLE repositories cannot move tags (unless excluded).
    if repo.mutability == "MUTABLE":
        if rng.random() < 0.75:
            newest.tags.append("latest")
        if rng.random() < 0.5:
            newest.tags.append("main")
        if releases and rng.random() < 0.35:
            releases[-1].tags.append("prod")
    elif repo.mutability == "IMMUTABLE_WITH_EXCLUSION":
        newest.tags.append("latest")
