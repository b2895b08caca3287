"""ECR lifecycle policy → Harbor tag retention policy, and Harbor's retention evaluated on the same images.

The inversion: an ECR rule says what to **expire** (images it matches and that meet its count); whatever no
rule acts on is kept. A Harbor rule says what to **retain**; in a repository that any rule's scope selects,
whatever no rule retains is deleted, and rules combine with OR (harbor-facts §1.4). So every ECR rule
becomes "retain the images of my selection that I would not expire" (imageCountMoreThan N → latestPushedK
N, sinceImagePushed N → nDaysSinceLastPush N), and the images no ECR rule selects need explicit `always`
rules — otherwise Harbor deletes what ECR never touched.

Selectors follow Harbor's doublestar selector (src/lib/selector/selectors/doublestar/selector.go):
`matches P` selects a tagged artifact when any tag matches P, an untagged one when `extras.untagged`;
`excludes P` selects a tagged artifact when any tag does NOT match P, an untagged one when NOT
`extras.untagged`. Hence "untagged only" is `excludes **` with untagged=false. Tags cannot contain `/`,
so ECR's `*` and doublestar's `*` match the same tags.

What cannot be carried over exactly is marked `approximate` (saying what differs) or `impossible`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from analysis.portability.lifecycle import Policy, Rule

MAX_HARBOR_RULES = 15  # harbor-facts §1.4: at most 15 rules per retention policy
DEFAULT_CRON = "0 0 2 * * *"  # 6 fields, seconds first and 0 (harbor-facts §1.4): daily at 02:00
Status = Literal["exact", "approximate", "impossible"]
RANK = {"exact": 0, "approximate": 1, "impossible": 2}


@dataclass(frozen=True)
class Translation:
    kind: str  # lifecycle | immutability | replication | pull-through-cache | project
    source: str  # what in ECR
    target: str  # what in Harbor
    status: Status
    note: str = ""


@dataclass(frozen=True)
class HarborRule:
    template: str  # latestPushedK | latestPulledN | nDaysSinceLastPush | nDaysSinceLastPull | always
    param: int | None
    decoration: str  # matches | excludes
    pattern: str
    untagged: bool
    repositories: tuple[str, ...]  # repository names inside the project

    @cached_property
    def repo_pattern(self) -> str:
        names = sorted(self.repositories)
        return names[0] if len(names) == 1 else "{" + ",".join(names) + "}"

    def applies_to(self, repository: str) -> bool:
        """Whether the rule's repository selector (`repo_pattern`, doublestar) selects `repository`."""
        return _doublestar(self.repo_pattern).fullmatch(repository) is not None

    def payload(self, priority: int, action: str = "retain") -> dict:
        params = {self.template: self.param} if self.param is not None else {}
        return {
            "priority": priority,
            "disabled": False,
            "action": action,
            "template": self.template,
            "params": params,
            "tag_selectors": [
                {
                    "kind": "doublestar",
                    "decoration": self.decoration,
                    "pattern": self.pattern,
                    "extras": '{"untagged":%s}' % ("true" if self.untagged else "false"),
                }
            ],
            "scope_selectors": {
                "repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": self.repo_pattern}]
            },
        }


UNTAGGED_ONLY = ("excludes", "**", False)
ALL_TAGGED = ("matches", "**", False)
EVERYTHING = ("matches", "**", True)


def _selector(rule: Rule) -> tuple[tuple[str, str, bool], str]:
    """Harbor selector for an ECR rule's selection, and what differs (empty when exact)."""
    if rule.tag_status == "untagged":
        return UNTAGGED_ONLY, ""
    if rule.tag_status == "any":
        return EVERYTHING, ""
    patterns = [p + "*" for p in rule.prefixes] + list(rule.patterns)
    note = ""
    if len(patterns) > 1:
        note = (
            f"ECR requires every one of {patterns} to match a tag; a Harbor rule has one tag selector, "
            f"so only {patterns[0]!r} is used (Harbor retains more)"
        )
    pattern = "**" if patterns[0] == "*" else patterns[0]
    return ("matches", pattern, False), note


def _may_overlap(a: Rule, b: Rule) -> bool:
    if a.storage_class != b.storage_class:
        return False
    if "any" in (a.tag_status, b.tag_status):
        return True
    return a.tag_status == b.tag_status  # two tagged rules may share images (an image has several tags)


def translate_policy(
    policy: Policy, repositories: tuple[str, ...], label: str
) -> tuple[list[HarborRule], list[Translation]]:
    """Retention rules for `repositories` (names inside their Harbor project) from one ECR policy."""
    out: list[HarborRule] = []
    notes: list[Translation] = []
    rules = list(policy.rules)
    archive_expiry = next((r for r in rules if r.storage_class == "archive"), None)
    for i, rule in enumerate(rules):
        src = f"{label} rule {rule.priority} ({rule.tag_status}, {rule.count_type} {rule.count_number}, {rule.action})"
        (decoration, pattern, untagged), sel_note = _selector(rule)
        overlaps = [e.priority for e in rules[:i] if _may_overlap(e, rule)]
        if rule.storage_class == "archive":
            notes.append(
                Translation(
                    "lifecycle",
                    src,
                    "folded into the transition rule's retention",
                    "impossible",
                    "Harbor has no archive storage class: there are no archived images to expire",
                )
            )
            continue
        if rule.action == "archive":
            template, param, status, note = _archive_rule(rule, archive_expiry)
        else:
            template = "latestPushedK" if rule.count_type == "imageCountMoreThan" else "nDaysSinceLastPush"
            param, status, note = rule.count_number, "exact", ""
        reasons = [n for n in (note, sel_note) if n]
        if overlaps:
            reasons.append(
                f"in ECR rule(s) {overlaps} claim shared images first; Harbor retains what any rule retains (OR)"
            )
        if sel_note or (overlaps and status == "exact"):
            status = "approximate"
        hr = HarborRule(template, param, decoration, pattern, untagged, repositories)
        out.append(hr)
        notes.append(Translation("lifecycle", src, _describe(hr), status, "; ".join(reasons)))
    out += _complement(rules, repositories, label, notes)
    return out, notes


def _archive_rule(rule: Rule, expiry: Rule | None) -> tuple[str, int | None, Status, str]:
    if expiry is None:
        return (
            "always",
            None,
            "impossible",
            "Harbor has no archive storage class: images ECR would archive stay in normal storage (kept)",
        )
    later = max(expiry.count_number, 90)
    n = rule.count_number
    if rule.count_type == "sinceImagePulled":
        return (
            "nDaysSinceLastPull",
            n + later,
            "approximate",
            f"no archive tier: ECR archives after {n} days without a pull and deletes {later} days later; Harbor "
            f"keeps the image in normal storage and deletes it after {n + later} days without a pull "
            "(Harbor's pull time starts empty after migration)",
        )
    if rule.count_type == "sinceImagePushed":
        return (
            "nDaysSinceLastPush",
            n + later,
            "approximate",
            f"no archive tier: archived at {n} days, deleted {later} days later in ECR; Harbor deletes at {n + later}",
        )
    return ("latestPushedK", n, "approximate", "no archive tier: Harbor deletes what ECR would archive, then expire")


def _complement(
    rules: list[Rule], repositories: tuple[str, ...], label: str, notes: list[Translation]
) -> list[HarborRule]:
    """`always` rules for the images no ECR rule selects (ECR keeps them; Harbor would delete them)."""
    standard = [r for r in rules if r.storage_class == "standard"]
    out = []
    if not any(r.tag_status in ("untagged", "any") for r in standard):
        hr = HarborRule("always", None, *UNTAGGED_ONLY, repositories)
        out.append(hr)
        notes.append(Translation("lifecycle", f"{label}: untagged images no rule selects", _describe(hr), "exact"))
    tagged = [r for r in standard if r.tag_status == "tagged"]
    if any(r.tag_status == "any" for r in standard) or any(
        [*r.patterns, *(p + "*" for p in r.prefixes)] == ["*"] for r in tagged
    ):
        return out
    patterns = sorted({_selector(r)[0][1] for r in tagged})
    pattern = patterns[0] if len(patterns) == 1 else "{" + ",".join(patterns) + "}"
    hr = HarborRule("always", None, "excludes", pattern if patterns else "", False, repositories)
    status: Status
    if not patterns:  # no tagged rule at all: keep every tagged image
        hr = HarborRule("always", None, *ALL_TAGGED, repositories)
        status, note = "exact", ""
    else:
        status = "approximate"
        note = (
            f"an image with a tag matching {pattern} and another tag (e.g. latest) is always kept by Harbor; "
            "ECR counts it under the matching rule"
        )
    out.append(hr)
    notes.append(Translation("lifecycle", f"{label}: tagged images no rule selects", _describe(hr), status, note))
    return out


def _describe(hr: HarborRule) -> str:
    what = {
        "latestPushedK": f"retain the {hr.param} most recently pushed",
        "latestPulledN": f"retain the {hr.param} most recently pulled",
        "nDaysSinceLastPush": f"retain those pushed within {hr.param} days",
        "nDaysSinceLastPull": f"retain those pulled within {hr.param} days",
        "always": "retain always",
    }[hr.template]
    sel = (
        "untagged only"
        if (hr.decoration, hr.pattern, hr.untagged) == UNTAGGED_ONLY
        else (
            f"tags {hr.decoration} {hr.pattern}" + (" + untagged" if hr.untagged and hr.decoration == "matches" else "")
        )
    )
    return f"{what} ({sel})"


def fit_to_limit(rules: list[HarborRule], project: str) -> tuple[list[HarborRule], list[Translation]]:
    """At most 15 rules per project: first merge rules of the same repositories' shape (the most generous
    parameter wins: Harbor keeps more), then drop what still does not fit (reported as impossible)."""
    merged: dict[tuple, HarborRule] = {}
    for r in rules:  # identical rules for different repositories share one rule
        key = (r.template, r.param, r.decoration, r.pattern, r.untagged)
        prev = merged.get(key)
        merged[key] = r if prev is None else replace(prev, repositories=prev.repositories + r.repositories)
    out, notes = list(merged.values()), []
    if len(out) > MAX_HARBOR_RULES:
        by_shape: dict[tuple, HarborRule] = {}
        for r in out:
            shape = (r.template, r.decoration, r.pattern, r.untagged)
            prev = by_shape.get(shape)
            if prev is None:
                by_shape[shape] = r
            else:
                param = max(p for p in (prev.param, r.param) if p is not None) if prev.param or r.param else None
                by_shape[shape] = replace(prev, param=param, repositories=prev.repositories + r.repositories)
        out = list(by_shape.values())
        notes.append(
            Translation(
                "lifecycle",
                f"project {project}: {len(merged)} distinct rules",
                f"{len(out)} rules (same selector merged, the largest count/days kept)",
                "approximate",
                f"Harbor allows {MAX_HARBOR_RULES} rules per project; repositories with a smaller count or fewer days "
                "keep more in Harbor",
            )
        )
    if len(out) > MAX_HARBOR_RULES:
        dropped = out[MAX_HARBOR_RULES:]
        out = out[:MAX_HARBOR_RULES]
        repos = sorted({n for r in dropped for n in r.repositories})
        notes.append(
            Translation(
                "lifecycle",
                f"project {project}: {len(dropped)} rules beyond {MAX_HARBOR_RULES}",
                "not created",
                "impossible",
                f"over Harbor's {MAX_HARBOR_RULES}-rule limit; split the project. Affects: {', '.join(repos[:8])}",
            )
        )
    return out, notes


def retention_payload(rules: list[HarborRule], project_id: int = 0, cron: str = DEFAULT_CRON) -> dict:
    """Body of POST /retentions (scope.ref: the project's id, filled in when the project exists)."""
    return {
        "algorithm": "or",
        "scope": {"level": "project", "ref": project_id},
        "trigger": {"kind": "Schedule", "settings": {"cron": cron}, "references": {}},
        "rules": [r.payload(i + 1) for i, r in enumerate(rules)],
    }


# -- Harbor's retention evaluated on an image list ------------------------------------------------


@lru_cache(maxsize=1024)
def _doublestar(pattern: str) -> re.Pattern[str]:
    """doublestar semantics for tags and repository names: * within a path segment, ** across, {a,b}.

    Compiled once per pattern: a project's repository selector is a brace list of every repository name in
    it (hundreds in a large estate), asked about each of its repositories — compiling it per question was
    quadratic in repositories per project and 71 % of `plan` at 5M images (issue #20)."""
    return re.compile(doublestar_regex(pattern))


_SPECIAL = set("\\.+*?()|[]{}^$")  # special outside a class in Python's re and in RE2 alike


def doublestar_regex(pattern: str) -> str:
    """The regular expression of a doublestar pattern, for Python's `re` and DuckDB's `regexp_full_match` (RE2)
    alike: only the characters both treat as special are escaped (`re.escape` also escapes `-`, `#`, `~`, …)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            j = pattern.index("}", i)
            out.append("(?:" + "|".join(doublestar_regex(p) for p in pattern[i + 1 : j].split(",")) + ")")
            i = j + 1
            continue
        else:
            out.append("\\" + c if c in _SPECIAL else c)
        i += 1
    return "".join(out)


def _tag_selected(rule: HarborRule, tags: pd.Series) -> np.ndarray:
    rx = _doublestar(rule.pattern) if rule.pattern else None

    def one(ts: list[str]) -> bool:
        if not ts:
            return rule.untagged if rule.decoration == "matches" else not rule.untagged
        hits = [rx is None or bool(rx.fullmatch(t)) for t in ts]
        return any(hits) if rule.decoration == "matches" else not all(hits)

    return np.fromiter((one(t) for t in tags), dtype=bool, count=len(tags))


def harbor_deletes(
    rules: list[HarborRule], repository: str, images: pd.DataFrame, children: pd.DataFrame | None, *, at: datetime
) -> np.ndarray:
    """Which of one repository's images Harbor's retention deletes (True) at `at`.

    Candidates are top-level artifacts: an index's children are not listed separately in Harbor, they go
    with their index. Pull times are taken as collected from ECR (after a real migration Harbor's start empty).
    """
    img = images.reset_index(drop=True)
    n = len(img)
    applicable = [r for r in rules if r.applies_to(repository)]
    if not applicable or n == 0:
        return np.zeros(n, dtype=bool)
    digests = img["image_digest"].to_numpy()
    links = None
    is_child = np.zeros(n, dtype=bool)
    if children is not None and len(children):
        links = children[children["index_digest"].isin(digests) & children["child_digest"].isin(digests)]
        is_child = np.isin(digests, links["child_digest"].to_numpy())
    pushed, pulled = _instants(img["pushed_at"]), _instants(img["last_pull_at"])
    now = pd.Timestamp(at)
    retained = np.zeros(n, dtype=bool)
    for r in applicable:
        sel = _tag_selected(r, img["image_tags"]) & ~is_child
        if r.template == "always":
            keep = sel
        elif r.template in ("latestPushedK", "latestPulledN"):
            times = pushed if r.template == "latestPushedK" else pulled
            key = times.astype("int64").to_numpy()
            # Never pulled (or pushed) ranks last, as Harbor's zero time does (rule/latestpl/evaluator.go sorts by
            # PulledTime descending). min + 1, not min: the sort negates the key, and -min overflows to min, which
            # ranked a never-pulled image first. Ties keep the order received (read_outcomes: push time, digest).
            key = np.where(times.isna().to_numpy(), np.iinfo(np.int64).min + 1, key)
            idx = np.flatnonzero(sel)
            top = idx[np.argsort(-key[idx], kind="stable")][: r.param]
            keep = np.zeros(n, dtype=bool)
            keep[top] = True
        elif r.template == "nDaysSinceLastPush":
            keep = sel & (pushed >= now - pd.Timedelta(days=r.param)).to_numpy()
        else:  # nDaysSinceLastPull: never pulled → not retained
            keep = sel & (pulled >= now - pd.Timedelta(days=r.param)).fillna(False).to_numpy(dtype=bool)
        retained |= keep
    deleted = ~retained & ~is_child
    if links is not None and len(links):
        # a child goes when every index listing it goes (one vectorised group-by, not a Python call per child)
        parent_gone = links["index_digest"].isin(digests[deleted]).to_numpy()
        parents = pd.Series(parent_gone).groupby(links["child_digest"].to_numpy()).all()
        deleted |= np.isin(digests, parents[parents].index.to_numpy())
    return deleted


def _instants(times: pd.Series) -> pd.Series:
    """Times as tz-aware instants. Already tz-aware (as read from the warehouse): as they are — comparisons and
    epoch values do not depend on the zone's name — else parsed as UTC (to_datetime costs ms per repository)."""
    return times if isinstance(times.dtype, pd.DatetimeTZDtype) else pd.to_datetime(times, utc=True)
