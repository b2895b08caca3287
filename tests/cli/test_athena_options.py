"""--athena-table and --workgroup go together; a table name without its database is refused before any call."""

from __future__ import annotations

import pytest

from analysis.cli.athena_options import athena_target
from analysis.cli.base import UsageError


def test_a_table_is_database_dot_table_with_a_workgroup():
    where = athena_target("cid_cur.cur2", "primary", "eu-west-1")
    assert where is not None and (where.database, where.name, where.quoted) == ("cid_cur", "cur2", '"cid_cur"."cur2"')
    assert athena_target(None, None, "us-east-1") is None


@pytest.mark.parametrize(
    ("table", "workgroup", "says"),
    [
        ("cur2", "primary", "expected DATABASE.TABLE"),
        ("a.b.c", "primary", "expected DATABASE.TABLE"),
        ("cid_cur.cur2", None, "--athena-table needs --workgroup"),
        (None, "primary", "--workgroup goes with --athena-table"),
    ],
)
def test_incomplete_options_are_refused_in_one_line(table, workgroup, says):
    with pytest.raises(UsageError, match=says):
        athena_target(table, workgroup, "us-east-1")
