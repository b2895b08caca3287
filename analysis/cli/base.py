"""The shared parts of the `regcost` command: the Typer apps, consoles, common options, and errors for
people — one line saying what went wrong and what to do, exit code 1 (2 for bad usage); tracebacks only
with --debug."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analysis import __version__
from analysis.warehouse import WarehouseError

if TYPE_CHECKING:  # the collectors pull in boto3: imported where a command needs them, not at start-up
    from analysis.pipeline.ecr import RunSummary

app = typer.Typer(
    name="regcost",
    help="What your container registry costs on AWS ECR, what it would cost self-hosted (Harbor), "
    "and what it takes to move.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
collect_app = typer.Typer(help="Collect inventories and usage into the warehouse.", no_args_is_help=True)
app.add_typer(collect_app, name="collect")
pricing_app = typer.Typer(help="The price catalog: what is in force, and refreshing AWS prices.", no_args_is_help=True)
app.add_typer(pricing_app, name="pricing")

# Piped output (CI logs, `| less`) is not squeezed to 80 columns: tables stay readable.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)
_state = {"debug": False}

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (DuckDB). Default: $REGCOST_DB or ./regcost.duckdb.", show_default=False),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


class UsageError(Exception):
    """Bad arguments: said in one line, exit code 2."""


def _print_version(wanted: bool) -> None:
    if wanted:
        console.print(f"regcost {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    # Eager: it answers before Click asks for a command (`regcost --version` alone is a whole command line).
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    _state["debug"] = debug


@contextmanager
def _errors_for_people() -> Iterator[None]:
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]: the run is marked failed; the previous snapshot stays current")
        raise typer.Exit(130) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        code, message = _explain(exc)
        err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(code) from None


def _explain(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, UsageError):
        return 2, str(exc)
    import botocore.exceptions

    from analysis.collectors.accounts import AccountsError
    from analysis.collectors.cur import CurError
    from analysis.model.calibration import CalibrationError
    from analysis.model.estimate import EmptyWarehouse
    from analysis.model.scenarios import ScenarioError
    from analysis.pricing import CatalogError

    if isinstance(exc, WarehouseError | AccountsError | EmptyWarehouse | CurError | CalibrationError):
        return 1, str(exc)
    if isinstance(exc, ScenarioError | CatalogError):
        return 2, str(exc)
    if isinstance(exc, botocore.exceptions.ProfileNotFound):
        return 1, f"{exc}; list profiles with `aws configure list-profiles`"
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return 1, "no AWS credentials found: pass --profile, or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return 2, "no region: pass --region REGION or --regions all"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return 1, f"{type(exc).__name__}: {first} (run with --debug for details)"


def _run_with_progress(work: Callable[[Callable[[str, int], None]], RunSummary], quiet: bool) -> RunSummary:
    if quiet or not sys.stderr.isatty():
        return work(lambda _e, _n: None)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        scopes = bar.add_task("regions", total=None)
        repos = bar.add_task("repositories", total=0)

        def on(event: str, n: int) -> None:
            if event == "scopes_found":
                bar.update(scopes, total=n)
            elif event == "scope_done":
                bar.advance(scopes, n)
            elif event == "repos_found":
                bar.update(repos, total=(bar.tasks[repos].total or 0) + n)
            elif event == "repo_done":
                bar.advance(repos, n)

        return work(on)


def _print_errors(errors: list[Any]) -> None:
    if not errors:
        return
    err.print(f"[yellow]{len(errors)} part(s) skipped[/] — recorded in collection_errors; the rest was collected:")
    grouped: dict[tuple[Any, Any], list[Any]] = {}  # (operation, error code): records and dicts alike
    for e in errors:
        get = e.get if isinstance(e, dict) else lambda k, e=e: getattr(e, k, None)
        grouped.setdefault((get("operation"), get("error_code")), []).append(get)
    for (operation, code), items in sorted(grouped.items()):
        # ECR: account/region/repository; a self-hosted registry: its repository (project included) or project
        parts = ("account_id", "region", "repository", "project")
        where = sorted({"/".join(x for x in (g(k) for k in parts[:3]) if x) or (g(parts[3]) or "") for g in items})
        shown = ", ".join(where[:4]) + (f" … (+{len(where) - 4})" if len(where) > 4 else "")
        err.print(
            f"  {operation} {code} ×{len(items)}: {shown} — {items[0]('message')}", highlight=False, soft_wrap=True
        )


ScenarioOption = Annotated[
    list[str] | None,
    typer.Option("--scenario", "-s", help="Scenario name (repeatable; default: all). 'ecr' is always the baseline."),
]
ScenarioFileOption = Annotated[
    list[Path] | None,
    typer.Option("--scenario-file", help="Your scenario YAML (repeatable); same name as a preset replaces it."),
]
CatalogOption = Annotated[
    list[Path] | None,
    typer.Option("--catalog", help="Your price catalog file or folder (repeatable); overrides ours by id."),
]


def _at(text: str | None) -> Any:
    from datetime import UTC, datetime

    if text is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at {text}: expected a date such as 2026-11-01 or 2026-11-01T12:00:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise UsageError(f"--format {fmt}: expected table or json")


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f}"


# Options of the portability commands --------------------------------

AtOption = Annotated[
    str | None, typer.Option("--at", help="Evaluate as of this date (YYYY-MM-DD or ISO 8601, UTC). Default: now.")
]


# Options of the model's commands (estimate, report) --------------------------------------------------
HorizonOption = Annotated[int | None, typer.Option(help="Months to project (default 36).", min=1, max=120)]
UsageFileOption = Annotated[
    Path | None, typer.Option("--usage", help="Hand-written usage YAML instead of the warehouse (what-if).")
]
CurrencyOption = Annotated[str | None, typer.Option(help="USD or EUR (default: the baseline scenario's).")]
DrawsOption = Annotated[
    int, typer.Option(help="Monte Carlo draws over the assumptions' ranges (0: the base case only).", min=0)
]
SeedOption = Annotated[int, typer.Option(help="Seed of the Monte Carlo draws (same seed, same result).")]
CalibrateOption = Annotated[
    bool,
    typer.Option("--calibrate", help="Fit the layer-cache hit ratio and consumer split to the collected bill first."),
]


def _check_currency(currency: str | None) -> None:
    if currency is not None and currency not in ("USD", "EUR"):
        raise UsageError(f"--currency {currency}: expected USD or EUR")
