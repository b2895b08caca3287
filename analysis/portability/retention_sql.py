"""Harbor's tag retention evaluated in the warehouse: every repository at once, as set operations in DuckDB.

The same rules as `retention.harbor_deletes` (the per-repository Python evaluator, kept as the oracle the tests
compare with on random estates). In a repository that some rule of its project applies to, Harbor retains what
any applicable rule retains and deletes the other top-level artifacts; an index's children are not candidates,
they go when every index listing them goes (harbor-facts §1.4). Here:

- which rules apply to which repository is a join on each rule's repository list (its scope selector is a
  brace list of names), not a pattern asked about every repository;
- each distinct tag selector (decoration, pattern, untagged) is compiled once into one SQL predicate
  (doublestar → a regular expression for `regexp_full_match`);
- `latestPushedK` / `latestPulledN` are `row_number()` windows per repository and rule; `nDaysSinceLastPush` /
  `nDaysSinceLastPull` compare epoch microseconds with `at` minus whole days (never calendar days in the session's
  time zone, which would move by an hour across a daylight-saving change).

Ties in "the latest K" are broken as the oracle breaks them: it sorts stably the images it receives in
`read_outcomes`' order (push time, then digest), so equal push times rank by digest, and equal pull times by push
time, then digest. Never pulled ranks below every pull (Harbor's zero pull time).

The statements read the temp tables `run_lifecycle` leaves on the cursor (`_lc_img`, `_lc_out`, as `read_outcomes`
does) and `manifest_children`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from analysis.portability.inventory import SCOPE
from analysis.portability.retention import HarborRule, doublestar_regex

DIFFERENCE_COLUMNS = ["ecr_expires_harbor_keeps", "harbor_deletes_ecr_keeps", "ecr_archives_harbor_keeps"]
_GLOB = set("*?{},")  # a repository name with none of these is matched by itself only
_DAY_US = 86_400_000_000


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tag_predicate(decoration: str, pattern: str, untagged: bool) -> str:
    """Harbor's doublestar tag selector as a predicate over `tagged` and `image_tags` (see retention's docstring:
    `matches` selects a tagged artifact when any tag matches, `excludes` when any tag does not)."""
    untagged_sel = untagged if decoration == "matches" else not untagged
    rx = doublestar_regex(pattern) if pattern else ".*"  # no pattern: every tag matches, as in the oracle
    if rx == ".*":
        tagged_sel = "true" if decoration == "matches" else "false"
    else:
        test = f"regexp_full_match(t, {_lit(rx)})"
        test = test if decoration == "matches" else f"NOT {test}"
        tagged_sel = f"len(list_filter(image_tags, lambda t: {test})) > 0"
    return f"CASE WHEN tagged THEN {tagged_sel} ELSE {str(untagged_sel).lower()} END"


def _rule_frames(repos: pd.DataFrame, rules: dict[str, list[HarborRule]]) -> tuple[pd.DataFrame, list[str]]:
    """One row per (project, repository name, rule) the rule's scope selects, and the tag predicates by `sel`."""
    rows: list[tuple[str, str, int, str, int, int]] = []
    selectors: dict[tuple[str, str, bool], int] = {}
    names_of = repos.groupby("project")["harbor_repository"].unique()
    rule_no = 0
    for project, project_rules in rules.items():
        if project not in names_of.index:
            continue
        for r in project_rules:
            if any(_GLOB & set(n) for n in r.repositories):  # not a plain list of names: ask the selector
                names = [n for n in names_of[project] if r.applies_to(n)]
            else:
                names = list(r.repositories)
            sel = selectors.setdefault((r.decoration, r.pattern, r.untagged), len(selectors))
            rows += [(project, n, rule_no, r.template, r.param or 0, sel) for n in names]
            rule_no += 1
    columns = ["project", "harbor_repository", "rule_no", "template", "param", "sel"]
    return pd.DataFrame(rows, columns=columns), [_tag_predicate(*s) for s in selectors]


def _deleted_query(predicates: list[str], at: datetime) -> str:
    """Per image of every repository some rule applies to: SCOPE, digest, ECR's action and Harbor's `deleted`."""
    at_us = int(pd.Timestamp(at).value // 1000)
    chosen = "CASE sel " + " ".join(f"WHEN {i} THEN {p}" for i, p in enumerate(predicates)) + " END"
    window = "PARTITION BY repo_id, rule_no ORDER BY"
    return f"""
WITH applied AS (
    SELECT r.repo_id, k.rule_no, k.template, k.param, k.sel
    FROM _rt_repos r JOIN _rt_rules k ON k.project = r.project AND k.harbor_repository = r.harbor_repository
),
img AS (
    SELECT i.rowid AS rid, r.repo_id, i.account_id, i.region, i.repository_name, i.image_digest, i.image_tags,
           coalesce(len(i.image_tags), 0) > 0 AS tagged, i.pushed_at, i.last_pull_at, o.action
    FROM _lc_img i JOIN _rt_repos r USING (account_id, region, repository_name) JOIN _lc_out o ON o.rid = i.rowid
    WHERE r.repo_id IN (SELECT repo_id FROM applied)
),
links AS (  -- index → child, both images of the same repository
    SELECT DISTINCT p.rid AS parent, c.rid AS child
    FROM img p JOIN manifest_children m ON m.index_digest = p.image_digest
    JOIN img c ON c.repo_id = p.repo_id AND c.image_digest = m.child_digest
),
children AS (SELECT DISTINCT child AS rid FROM links),
candidates AS (  -- top-level artifacts each applicable rule's tag selector picks
    SELECT i.rid, i.repo_id, i.image_digest, i.pushed_at, i.last_pull_at, a.rule_no, a.template, a.param
    FROM img i JOIN applied a USING (repo_id)
    WHERE i.rid NOT IN (SELECT rid FROM children) AND {chosen}
),
retained AS (
    SELECT rid FROM candidates WHERE template = 'always'
    UNION ALL
    SELECT rid FROM candidates
    WHERE template = 'nDaysSinceLastPush' AND epoch_us(pushed_at) >= {at_us} - param * {_DAY_US}
    UNION ALL
    SELECT rid FROM candidates  -- never pulled: not retained
    WHERE template = 'nDaysSinceLastPull' AND epoch_us(last_pull_at) >= {at_us} - param * {_DAY_US}
    UNION ALL
    SELECT rid FROM candidates WHERE template = 'latestPushedK'
    QUALIFY row_number() OVER ({window} pushed_at DESC NULLS LAST, image_digest) <= param
    UNION ALL
    SELECT rid FROM candidates WHERE template = 'latestPulledN'
    QUALIFY row_number() OVER ({window} last_pull_at DESC NULLS LAST, pushed_at, image_digest) <= param
),
kept AS (SELECT DISTINCT rid FROM retained),
first AS (  -- before the children follow their indexes
    SELECT i.*, c.rid IS NOT NULL AS is_child, c.rid IS NULL AND k.rid IS NULL AS gone
    FROM img i LEFT JOIN children c ON c.rid = i.rid LEFT JOIN kept k ON k.rid = i.rid
),
orphaned AS (  -- a child goes when every index listing it goes
    SELECT l.child AS rid, bool_and(f.gone) AS gone FROM links l JOIN first f ON f.rid = l.parent GROUP BY l.child
)
SELECT f.account_id, f.region, f.repository_name, f.image_digest, f.action,
       f.gone OR coalesce(o.gone, false) AS deleted
FROM first f LEFT JOIN orphaned o USING (rid)
"""


_DIFFERENCES = f"""
SELECT account_id, region, repository_name,
       count(*) FILTER (WHERE action = 'expire' AND NOT deleted) AS {DIFFERENCE_COLUMNS[0]},
       count(*) FILTER (WHERE deleted AND action IS DISTINCT FROM 'expire') AS {DIFFERENCE_COLUMNS[1]},
       count(*) FILTER (WHERE action = 'archive' AND NOT deleted) AS {DIFFERENCE_COLUMNS[2]}
FROM d GROUP BY ALL
"""


def _run(con: Any, repos: pd.DataFrame, rules: dict[str, list[HarborRule]], at: datetime, outer: str) -> pd.DataFrame:
    frame, predicates = _rule_frames(repos, rules)
    if frame.empty:
        return pd.DataFrame()
    mine = repos[[*SCOPE, "project", "harbor_repository"]].reset_index(drop=True)
    con.register("_rt_repos", mine.assign(repo_id=range(len(mine))))
    con.register("_rt_rules", frame)
    try:
        return con.execute(outer.replace("FROM d", f"FROM ({_deleted_query(predicates, at)}) d")).df()
    finally:
        con.unregister("_rt_repos")
        con.unregister("_rt_rules")


def harbor_deleted(con: Any, repos: pd.DataFrame, rules: dict[str, list[HarborRule]], *, at: datetime) -> pd.DataFrame:
    """Per image of each repository in `repos` (SCOPE, project, harbor_repository) that some rule of
    `rules[project]` applies to: SCOPE, image_digest, ECR's action and whether Harbor's retention deletes it."""
    out = _run(con, repos, rules, at, "SELECT * FROM d")
    columns = [*SCOPE, "image_digest", "action", "deleted"]
    return out.reindex(columns=columns) if out.empty else out[columns]


def retention_differences(
    con: Any, repos: pd.DataFrame, rules: dict[str, list[HarborRule]], *, at: datetime
) -> pd.DataFrame:
    """SCOPE + DIFFERENCE_COLUMNS for each repository in `repos` that some rule of its project applies to (the
    others: Harbor deletes nothing there), in one statement over the lifecycle outcomes."""
    out = _run(con, repos, rules, at, _DIFFERENCES)
    if out.empty:
        columns = [*SCOPE, *DIFFERENCE_COLUMNS]
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in DIFFERENCE_COLUMNS else object) for c in columns})
    return out.astype({c: "int64" for c in DIFFERENCE_COLUMNS})
