"""ECR lifecycle policies evaluated in the warehouse: every repository at once, as set operations in DuckDB.

The same rules as `lifecycle.evaluate` (the per-repository Python evaluator, kept as the oracle the tests compare
with on random estates): an image is acted on by the first rule, in priority order, whose selection it matches,
when it meets that rule's count; `imageCountMoreThan` ranks every image the rule selects (newest push first, ties
by digest) with a window per repository; ages compare with a cut-off computed once per rule; tag prefixes and
patterns become constant LIKE / starts_with predicates, one per rule (never a regex per image); an image an
index references is not expired (archived) before the index, settled in at most four passes like the oracle.

The statements run on the caller's cursor into temp tables (a read-only warehouse stays read-only):
`_lc_img` the evaluated images with their policy, `_lc_out` one row per image with action, rule and blocked, and
`rid`: the image's rowid in `_lc_img` (joins on one integer, not on four strings).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from analysis.portability.lifecycle import ARCHIVE_MINIMUM_DAYS, Policy, Rule

KEY = "account_id, region, repository_name, image_digest"
_EPOCH = "TIMESTAMPTZ '1970-01-01 00:00:00+00'"  # the oracle fills a missing push time with the epoch


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _like(pattern: str) -> str:
    """An ECR tag pattern (`*` = any characters, the rest literal) as a LIKE pattern with `\\` as escape."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _selection(rule: Rule) -> str:
    storage = "archived" if rule.storage_class == "archive" else "NOT archived"
    if rule.tag_status == "untagged":
        return f"{storage} AND NOT tagged"
    if rule.tag_status == "any":
        return storage
    every = [f"len(list_filter(image_tags, lambda t: starts_with(t, {_lit(p)}))) > 0" for p in rule.prefixes]
    every += [f"len(list_filter(image_tags, lambda t: t LIKE {_lit(_like(p))} ESCAPE '\\')) > 0" for p in rule.patterns]
    return " AND ".join([storage, "tagged", *every])


def _cutoff(at: datetime, days: int) -> str:
    return f"TIMESTAMPTZ {_lit((pd.Timestamp(at) - timedelta(days=days)).isoformat())}"


def _meets(rule: Rule, at: datetime) -> str:
    n = rule.count_number
    if rule.count_type == "imageCountMoreThan":
        return (
            "row_number() OVER (PARTITION BY account_id, region, repository_name "
            f"ORDER BY pushed_at DESC, image_digest) > {n}"
        )
    if rule.count_type == "sinceImagePushed":
        ref = "pushed_at"
    elif rule.count_type == "sinceImagePulled":
        ref = (
            "CASE WHEN last_activated_at IS NOT NULL AND (last_pull_at IS NULL OR last_activated_at > last_pull_at) "
            "THEN last_activated_at ELSE coalesce(last_pull_at, pushed_at) END"
        )
    else:  # sinceImageTransitioned: never below the 90-day archive minimum
        ref, n = "last_archived_at", max(n, ARCHIVE_MINIMUM_DAYS)
    return f"coalesce({ref} < {_cutoff(at, n)}, false)"


def evaluate_all(
    con: duckdb.DuckDBPyConnection, todo: pd.DataFrame, policies: list[Policy | None], *, at: datetime
) -> None:
    """Evaluate `policies[policy_id]` on the current images of each `todo` repository (SCOPE + policy_id) at `at`,
    into the temp table `_lc_out` (KEY, action, rule, blocked) on `con`."""
    con.register("_lc_todo", todo)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _lc_img AS
            SELECT i.account_id, i.region, i.repository_name, i.image_digest, i.image_tags,
                   coalesce(i.pushed_at, {_EPOCH}) AS pushed_at, i.last_pull_at, i.last_archived_at, i.image_status,
                   i.last_activated_at, i.image_status = 'ARCHIVED' AS archived,
                   coalesce(len(i.image_tags), 0) > 0 AS tagged, t.policy_id
            FROM current_ecr_images i JOIN _lc_todo t USING (account_id, region, repository_name)"""
        )
    finally:
        con.unregister("_lc_todo")
    selects = [
        f"SELECT rowid AS rid, {rule.priority} AS priority, {_lit(rule.action)} AS action, {_meets(rule, at)} AS meets "
        f"FROM _lc_img WHERE policy_id = {pid} AND {_selection(rule)}"
        for pid, policy in enumerate(policies)
        if policy is not None
        for rule in policy.rules
    ]
    selected = (
        " UNION ALL ".join(selects) or "SELECT rowid AS rid, 0 AS priority, '' AS action, false AS meets FROM _lc_img"
    )
    # The first rule that selects an image decides it: it acts when the image meets that rule's count.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _lc_out AS
        WITH sel AS ({selected}),
        first AS (  -- priorities are unique within a policy
            SELECT rid, min(priority) AS priority, arg_min(action, priority) AS action,
                   arg_min(meets, priority) AS meets
            FROM sel GROUP BY rid
        )
        SELECT {", ".join("i." + k for k in KEY.split(", "))}, i.rowid AS rid,
               CASE WHEN f.meets THEN f.action END AS action,
               CASE WHEN f.meets THEN f.priority::DOUBLE END AS rule,
               false AS blocked
        FROM _lc_img i LEFT JOIN first f ON f.rid = i.rowid"""
    )
    _hold_children(con)


def _hold_children(con: duckdb.DuckDBPyConnection) -> None:
    """An image referenced by an index is not expired (archived) before the index is expired (archived)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _lc_links AS
        SELECT DISTINCT p.rowid AS parent, ch.rowid AS child
        FROM _lc_img p JOIN manifest_children c ON c.index_digest = p.image_digest
        JOIN _lc_img ch ON ch.account_id = p.account_id AND ch.region = p.region
         AND ch.repository_name = p.repository_name AND ch.image_digest = c.child_digest"""
    )
    if not con.execute("SELECT count(*) FROM _lc_links").fetchall()[0][0]:
        return
    for _ in range(4):  # nested indexes are rare and shallow (the oracle's bound)
        blocked = con.execute(
            """
            WITH parent AS (
                SELECT l.child AS rid,
                       bool_and(coalesce(o.action = 'expire', false)) AS expired,
                       bool_and(coalesce(o.action IN ('expire', 'archive'), false) OR i.archived) AS archived
                FROM _lc_links l JOIN _lc_out o ON o.rid = l.parent JOIN _lc_img i ON i.rowid = l.parent
                GROUP BY l.child
            )
            UPDATE _lc_out o SET action = NULL, rule = NULL, blocked = true FROM parent p
            WHERE o.rid = p.rid
              AND ((o.action = 'expire' AND NOT p.expired) OR (o.action = 'archive' AND NOT p.archived))
            """
        ).fetchall()[0][0]
        if not blocked:
            return
