"""`--athena-table DB.TABLE --workgroup W [--athena-region R]`, shared by `collect costs` and `collect trail`:
the options, their check, and how a failed or cancelled query is said (docs/athena.md). Registers no command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from analysis.cli.base import UsageError, _say_error

if TYPE_CHECKING:
    from analysis.collectors.athena import AthenaTarget

AthenaTableOption = Annotated[
    str | None,
    typer.Option(help="Have Athena aggregate this table (DATABASE.TABLE); only the aggregate is downloaded."),
]
WorkgroupOption = Annotated[str | None, typer.Option(help="The Athena workgroup that runs --athena-table's query.")]
AthenaRegionOption = Annotated[str, typer.Option(help="The region of --athena-table and --workgroup.")]


def athena_target(table: str | None, workgroup: str | None, region: str) -> AthenaTarget | None:
    """--athena-table with --workgroup, checked; None without --athena-table."""
    from analysis.collectors.athena import AthenaError, target

    if table is None:
        if workgroup is not None:
            raise UsageError("--workgroup goes with --athena-table DATABASE.TABLE")
        return None
    if not workgroup:
        raise UsageError("--athena-table needs --workgroup WORKGROUP (the one whose output location holds results)")
    try:
        return target(table, workgroup, region)
    except AthenaError as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def athena_errors() -> Iterator[None]:
    """A failed or cancelled Athena query: its one line, exit 1 (the run is recorded failed, nothing loaded)."""
    from analysis.collectors.athena import AthenaError

    try:
        yield
    except AthenaError as exc:
        _say_error(str(exc))
        raise typer.Exit(1) from None
