"""ECR lifecycle policies: the current grammar, and their evaluation on an image list as ECR applies them.

Grammar and evaluation rules: ecr-facts §3.6 (AWS docs lifecycle_policy_parameters, LifecyclePolicies):

* rules are evaluated together and applied by `rulePriority`, lowest first; a `tagStatus: any` rule must
  have the highest priority;
* an image is acted on by exactly one or zero rules, and **an image that matches the tagging requirements of
  a rule cannot be acted on by a rule with a lower priority** (higher number) — even if the first rule
  leaves it alone. Earlier rules' images still count in later rules' `imageCountMoreThan` ("identified as if
  they had not been expired");
* `tagPrefixList` / `tagPatternList`: every prefix / pattern must match one of the image's tags; a pattern
  has at most four `*`;
* `imageCountMoreThan` sorts by push time, newest first; `sinceImagePulled` uses the last recorded pull, the
  push time if never pulled (the restore time if restored and not pulled since), and only with `transition`;
  `sinceImageTransitioned` uses the archive time and needs `storageClass: archive`;
* images referenced by an index (manifest list) cannot be expired or archived before the index;
* archived images are billed for 90 days at least (ecr-facts §1.3): the simulation never expires an image
  archived for less than 90 days.

`parse_policy` never raises on bad input: it returns the reasons, which become findings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

ARCHIVE_MINIMUM_DAYS = 90  # ecr-facts §1.3: early deletion is charged for the full 90 days
MAX_RULES = 50  # ecr-facts §3.6 quota
MAX_POLICY_CHARS = 30_720
MAX_WILDCARDS = 4

TagStatus = Literal["any", "tagged", "untagged"]
CountType = Literal["imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"]
Action = Literal["expire", "archive"]


@dataclass(frozen=True)
class Rule:
    priority: int
    tag_status: TagStatus
    count_type: CountType
    count_number: int
    action: Action  # "archive" = transition to the archive storage class
    prefixes: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    storage_class: Literal["standard", "archive"] = "standard"
    description: str = ""

    def tag_regexes(self) -> list[re.Pattern[str]]:
        """One regex per prefix or pattern; every one must match some tag of the image."""
        out = [re.compile(re.escape(p) + ".*", re.S) for p in self.prefixes]
        out += [re.compile(".*".join(re.escape(part) for part in p.split("*")), re.S) for p in self.patterns]
        return out


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    text: str = ""


@dataclass(frozen=True)
class PolicyProblem:
    """Why a policy text cannot be evaluated (ECR would reject it at PutLifecyclePolicy)."""

    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return "; ".join(self.reasons)


def parse_policy(text: str | None) -> Policy | PolicyProblem:
    """The policy, or every reason ECR's validation would reject it."""
    if text is None or not str(text).strip():
        return PolicyProblem(("empty policy text",))
    if len(text) > MAX_POLICY_CHARS:
        return PolicyProblem((f"policy text is {len(text):,} characters; ECR accepts at most {MAX_POLICY_CHARS:,}",))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return PolicyProblem((f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",))
    except TypeError as exc:
        return PolicyProblem((f"not valid JSON: {exc}",))
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list) or not doc["rules"]:
        return PolicyProblem(('expected an object with a non-empty "rules" list',))
    raw_rules = doc["rules"]
    reasons: list[str] = []
    if len(raw_rules) > MAX_RULES:
        reasons.append(f"{len(raw_rules)} rules; ECR accepts at most {MAX_RULES}")
    rules: list[Rule] = []
    for i, raw in enumerate(raw_rules):
        rule_or_reasons = _parse_rule(raw, f"rules[{i}]")
        if isinstance(rule_or_reasons, Rule):
            rules.append(rule_or_reasons)
        else:
            reasons += rule_or_reasons
    priorities = [r.priority for r in rules]
    if len(set(priorities)) != len(priorities):
        reasons.append(f"rulePriority values must be unique, got {sorted(priorities)}")
    # Per storage class: archive-class rules (sinceImageTransitioned) are a separate set of images, and the AWS
    # archive examples pair an "any" transition rule with an "any" rule that expires archived images.
    for storage in ("standard", "archive"):
        same = [r for r in rules if r.storage_class == storage]
        anys = [r for r in same if r.tag_status == "any"]
        if anys and max(r.priority for r in same) not in {r.priority for r in anys}:
            reasons.append('a rule with tagStatus "any" must have the highest rulePriority')
        if len(anys) > 1:
            reasons.append('only one rule may have tagStatus "any"')
    standard_untagged = [r for r in rules if r.tag_status == "untagged" and r.storage_class == "standard"]
    if len(standard_untagged) > 1:
        reasons.append("only one rule may select untagged images")
    if reasons:
        return PolicyProblem(tuple(reasons))
    return Policy(tuple(sorted(rules, key=lambda r: r.priority)), text)


def _parse_rule(raw: Any, where: str) -> Rule | list[str]:
    if not isinstance(raw, dict):
        return [f"{where}: expected an object"]
    out: list[str] = []
    sel = raw.get("selection")
    act = raw.get("action")
    prio = raw.get("rulePriority")
    if not isinstance(prio, int) or isinstance(prio, bool) or prio < 1:
        out.append(f"{where}.rulePriority: expected a positive integer, got {prio!r}")
    if not isinstance(sel, dict):
        return [*out, f"{where}.selection: missing"]
    if not isinstance(act, dict):
        return [*out, f"{where}.action: missing"]
    status = sel.get("tagStatus")
    if status not in ("any", "tagged", "untagged"):
        out.append(f"{where}.selection.tagStatus: expected any, tagged or untagged, got {status!r}")
    prefixes, patterns = sel.get("tagPrefixList"), sel.get("tagPatternList")
    for name, value in (("tagPrefixList", prefixes), ("tagPatternList", patterns)):
        if value is not None and (
            not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value)
        ):
            out.append(f"{where}.selection.{name}: expected a non-empty list of strings")
    if prefixes is not None and patterns is not None:
        out.append(f"{where}.selection: use tagPrefixList or tagPatternList, not both")
    if status == "tagged" and prefixes is None and patterns is None:
        out.append(f'{where}.selection: tagStatus "tagged" needs tagPrefixList or tagPatternList')
    if status in ("any", "untagged") and (prefixes or patterns):
        out.append(f'{where}.selection: tagStatus "{status}" takes no tag list')
    for p in patterns or []:
        if isinstance(p, str) and p.count("*") > MAX_WILDCARDS:
            out.append(f"{where}.selection.tagPatternList: {p!r} has more than {MAX_WILDCARDS} wildcards")
    count_type = sel.get("countType")
    if count_type not in ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"):
        out.append(f"{where}.selection.countType: unknown {count_type!r}")
    number = sel.get("countNumber")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        out.append(f"{where}.selection.countNumber: expected a positive integer, got {number!r}")
    unit = sel.get("countUnit")
    if count_type == "imageCountMoreThan" and unit is not None:
        out.append(f"{where}.selection.countUnit: not allowed with imageCountMoreThan")
    if count_type in ("sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned") and unit != "days":
        out.append(f'{where}.selection.countUnit: "days" is required with {count_type}')
    storage = sel.get("storageClass", "standard")
    if storage not in ("standard", "archive"):
        out.append(f"{where}.selection.storageClass: expected standard or archive, got {storage!r}")
    if count_type == "sinceImageTransitioned" and storage != "archive":
        out.append(f'{where}.selection: sinceImageTransitioned needs storageClass "archive"')
    if storage == "archive" and count_type != "sinceImageTransitioned":
        out.append(f'{where}.selection: storageClass "archive" is only used with sinceImageTransitioned')
    kind = act.get("type")
    if kind not in ("expire", "transition"):
        out.append(f"{where}.action.type: expected expire or transition, got {kind!r}")
    if kind == "transition" and act.get("targetStorageClass") != "archive":
        out.append(f'{where}.action.targetStorageClass: "archive" is required with transition')
    if count_type == "sinceImagePulled" and kind == "expire":
        out.append(f"{where}: sinceImagePulled may only be used with transition (not expire)")
    if storage == "archive" and kind == "transition":
        out.append(f"{where}: archived images can only be expired")
    if out:
        return out
    # No error above: each value passed its check, so it has the type the rule declares.
    return Rule(
        priority=cast(int, prio),
        tag_status=cast(TagStatus, status),
        count_type=cast(CountType, count_type),
        count_number=cast(int, number),
        action="archive" if kind == "transition" else "expire",
        prefixes=tuple(prefixes or ()),
        patterns=tuple(patterns or ()),
        storage_class=storage,
        description=str(raw.get("description") or ""),
    )


# -- evaluation ------------------------------------------------------------------------------------

IMAGE_COLUMNS = ("image_digest", "image_tags", "pushed_at", "last_pull_at", "image_status", "last_archived_at")


@dataclass
class Outcome:
    """Per image of one repository: `action` (expire | archive | None), the deciding `rule` priority, and
    `blocked` when an index that stays kept the image from being acted on."""

    images: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return int((self.images["action"] == action).sum())


def _tagged_matches(tags: pd.Series, regexes: list[re.Pattern[str]]) -> np.ndarray:
    """Images whose tags satisfy every regex (each by some tag), vectorised over the exploded tag list."""
    if not regexes:
        return np.ones(len(tags), dtype=bool)
    exploded = tags.explode()
    exploded = exploded[exploded.notna()].astype(str)
    ok = np.ones(len(tags), dtype=bool)
    positions = pd.Series(np.arange(len(tags)), index=tags.index)
    for rx in regexes:
        hit = exploded.str.fullmatch(rx.pattern, flags=re.S)
        matched_idx = hit[hit].index.unique()
        mask = np.zeros(len(tags), dtype=bool)
        mask[positions.loc[matched_idx].to_numpy()] = True
        ok &= mask
    return ok


def _select(rule: Rule, img: pd.DataFrame, tagged: np.ndarray) -> np.ndarray:
    archived = img["image_status"].eq("ARCHIVED").to_numpy()
    mask = archived if rule.storage_class == "archive" else ~archived
    if rule.tag_status == "untagged":
        return mask & ~tagged
    if rule.tag_status == "any":
        return mask
    return mask & tagged & _tagged_matches(img["image_tags"], rule.tag_regexes())


def _meets_count(rule: Rule, img: pd.DataFrame, selected: np.ndarray, at: datetime) -> np.ndarray:
    n = rule.count_number
    if rule.count_type == "imageCountMoreThan":
        pushed = img["pushed_at"].astype("int64").to_numpy()
        idx = np.flatnonzero(selected)
        # newest first; ties broken by digest so the result does not depend on row order
        order = idx[np.lexsort((img["image_digest"].to_numpy()[idx], -pushed[idx]))]
        out = np.zeros(len(img), dtype=bool)
        out[order[n:]] = True
        return out
    if rule.count_type == "sinceImagePushed":
        ref = img["pushed_at"]
    elif rule.count_type == "sinceImagePulled":
        pulled, activated = img["last_pull_at"], img.get("last_activated_at")
        ref = pulled.fillna(img["pushed_at"])
        if activated is not None:
            restored_since = activated.notna() & (pulled.isna() | (activated > pulled))
            ref = ref.where(~restored_since, activated)
    else:  # sinceImageTransitioned: never below the 90-day archive minimum
        ref = img["last_archived_at"]
        n = max(n, ARCHIVE_MINIMUM_DAYS)
    cutoff = pd.Timestamp(at) - pd.Timedelta(days=n)
    return (ref < cutoff).fillna(False).to_numpy(dtype=bool)


def evaluate(policy: Policy, images: pd.DataFrame, children: pd.DataFrame | None = None, *, at: datetime) -> Outcome:
    """Apply `policy` to one repository's images as ECR would at `at`.

    `images` has IMAGE_COLUMNS (+ optional last_activated_at); `children` maps index_digest → child_digest
    (rows whose index is not in `images` are ignored)."""
    img = images.reset_index(drop=True).copy()
    for col in ("pushed_at", "last_pull_at", "last_archived_at", "last_activated_at"):
        if col in img:
            img[col] = pd.to_datetime(img[col], utc=True)
    img["pushed_at"] = img["pushed_at"].fillna(pd.Timestamp(0, tz="UTC"))
    tagged = img["image_tags"].map(lambda t: t is not None and len(t) > 0).to_numpy(dtype=bool)
    claimed = np.zeros(len(img), dtype=bool)
    action = np.full(len(img), None, dtype=object)
    rule_of = np.full(len(img), np.nan)
    for rule in policy.rules:  # lowest priority number first
        selected = _select(rule, img, tagged)
        acted = selected & ~claimed & _meets_count(rule, img, selected, at)
        action[acted] = rule.action
        rule_of[acted] = rule.priority
        claimed |= selected  # matched the tagging requirements: no later rule may act on it
    img["action"] = pd.Series(action, index=img.index, dtype=object)  # None = kept (not a NaN string)
    img["rule"] = rule_of
    img["blocked"] = False
    if children is not None and len(children):
        _hold_children(img, children)
    return Outcome(img)


def _hold_children(img: pd.DataFrame, children: pd.DataFrame) -> None:
    """An image referenced by an index is not expired (archived) before the index is expired (archived)."""
    digests = set(img["image_digest"])
    links = children[children["index_digest"].isin(digests) & children["child_digest"].isin(digests)]
    if links.empty:
        return
    for _ in range(4):  # nested indexes are rare and shallow
        state = dict(zip(img["image_digest"], img["action"], strict=True))
        was_archived = dict(zip(img["image_digest"], img["image_status"].eq("ARCHIVED"), strict=True))
        parent_state = (
            links.assign(
                expired=links["index_digest"].map(state).eq("expire"),
                archived=links["index_digest"].map(state).isin(["expire", "archive"])
                | links["index_digest"].map(was_archived).astype(bool),
            )
            .groupby("child_digest")[["expired", "archived"]]
            .all()
        )
        rows = img["image_digest"].isin(parent_state.index)
        sub = img.loc[rows]
        ps = parent_state.loc[sub["image_digest"]]
        block = ((sub["action"] == "expire").to_numpy() & ~ps["expired"].to_numpy()) | (
            (sub["action"] == "archive").to_numpy() & ~ps["archived"].to_numpy()
        )
        if not block.any():
            return
        blocked_idx = sub.index[block]
        img.loc[blocked_idx, "action"] = None
        img.loc[blocked_idx, "rule"] = np.nan
        img.loc[blocked_idx, "blocked"] = True


def as_of(at: datetime | None) -> datetime:
    """The evaluation time: `at`, or now (UTC)."""
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
