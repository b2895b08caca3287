"""Pulls: daily RepositoryPullCount sums and each image's lastRecordedPullTime, consistent with them."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from analysis.demo.estate.builds import DraftRepo
from analysis.demo.estate.records import PullCount


def repository_pulls(
    repo: DraftRepo,
    rng: np.random.Generator,
    now: datetime,
    metric_start: datetime,
    n_mdays: int,
    m_weekday: np.ndarray,
    start: datetime,
) -> list[PullCount]:
    """Daily RepositoryPullCount sums (heavy-tailed per repository) and consistent lastRecordedPullTime."""
    if rng.random() < (0.22 if not repo.cache else 0.0) or not repo.builds:
        return []  # dead repository: never pulled, so no image has a lastRecordedPullTime either
    mean = min(float(rng.lognormal(2.3, 1.7)), 150_000.0)
    first_push = min(b.pushed_at for b in repo.builds)
    created = max(0, (first_push - metric_start).days + 1)
    season = np.where(m_weekday < 5, 1.0, 0.35) * rng.gamma(4.0, 0.25, n_mdays)
    daily = rng.poisson(mean * season)
    daily[:created] = 0
    pull_days = np.nonzero(daily)[0]
    if len(pull_days) == 0:
        return []  # no pulls published in the window: treat as never pulled, consistently
    out = [
        PullCount(
            repo.account,
            repo.region,
            repo.name,
            (metric_start + timedelta(days=int(d))).date(),
            int(daily[d]),
        )
        for d in pull_days
    ]

    def on_pull_day(after: datetime, latest: bool) -> datetime | None:
        """A pull time within the metric window on a day that really has pulls, after `after`."""
        ok = (
            [d for d in pull_days[-6:] if metric_start + timedelta(days=int(d) + 1) > after]
            if latest
            else [d for d in pull_days if metric_start + timedelta(days=int(d) + 1) > after]
        )
        if not ok:
            return None
        d = int(ok[-1] if latest else ok[int(rng.integers(len(ok)))])
        day0 = metric_start + timedelta(days=d)
        lo = max(day0, after + timedelta(seconds=1))
        hi = min(day0 + timedelta(days=1), now)
        if hi <= lo:
            return None
        return lo + (hi - lo) * float(rng.random())

    heads = [b for b in repo.builds if b.kind in ("image", "index")]
    hot = {id(b) for b in heads[-5:]} | {id(b) for b in heads if {"latest", "main", "prod"} & set(b.tags)}
    hot |= {id(b) for b in [h for h in heads if any(t.startswith("v") for t in h.tags)][-3:]}
    by_group: dict[int, datetime | None] = {}
    for b in heads:
        age = (now - b.pushed_at).days
        if id(b) in hot:
            t = on_pull_day(b.pushed_at, latest=True)
        else:
            p = (0.85 if b.tags else 0.3) * np.exp(-age / (240 if b.tags else 90))
            t = None
            if rng.random() < p:
                # It was pulled while current: some time within weeks of its push.
                t = b.pushed_at + timedelta(days=float(rng.uniform(0.01, 30 if b.tags else 10)))
                if t >= metric_start:  # inside the window the repository must have pulls that day
                    t = on_pull_day(b.pushed_at, latest=False)
        b.last_pull = t
        by_group[b.group] = t if b.kind == "index" else by_group.get(b.group)
    by_digest = {h.digest: h for h in heads}
    for b in repo.builds:
        if b.kind == "child":
            t = by_group.get(b.group)
            # Clients pull the child for their platform: amd64 nearly always, arm64 sometimes.
            b.last_pull = t if t and (b.arch == "amd64" or rng.random() < 0.4) else None
        elif b.kind == "sig":
            subject = by_digest.get(b.subject or "")
            t = subject.last_pull if subject and rng.random() < 0.5 else None  # `cosign verify` before deploy
            b.last_pull = t if t and t > b.pushed_at else None
    return out
