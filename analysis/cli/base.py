"""The shared parts of the `regcost` command: the Typer apps, consoles, common options, and errors for
people — one line saying what went wrong and what to do, exit code 1 (2 for bad usage); tracebacks only
with --debug. Click's own usage errors (an unknown option, a value not among the choices) are said the
same way.

Start-up is kept to the CLI framework's own: this module and the command modules import typer, click and the
standard library only; pandas, DuckDB, the model and rich's renderables load inside the commands that use
them (benchmarks/cli_startup.py measures `regcost --help`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer
from typer._click import exceptions as click_errors  # typer ships its own Click
from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import TyperGroup

if TYPE_CHECKING:  # the collectors pull in boto3: imported where a command needs them, not at start-up
    from rich.console import Console

    from analysis.pipeline.ecr import RunSummary

# Defaults and choices the options show, without importing the model at start-up (tests/test_cli_result.py checks
# them against the model's DEFAULT_SEED and DEFAULT_REGION, analysis.render.FORMATS and pipeline.report's choices).
DEFAULT_SEED = 20261127
DEFAULT_REGION = "us-east-1"
ESTIMATE_FORMATS = ("table", "json", "csv", "markdown")
REPORT_CHOICES = ("html", "pdf", "both")


def _say_error(message: str) -> None:
    """The one style of every error: `error: what went wrong; what to do` on stderr (red when a terminal)."""
    label = "\033[1;31merror:\033[0m" if sys.stderr.isatty() else "error:"
    sys.stderr.write(f"{label} {message}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class _ChoiceParam(RuntimeParam):
    """A choice option (`Literal[...]`) checked the way typer checks it (`coerce_cli_choice`, the function its
    pydantic adapter wraps), without building that adapter: typer builds a pydantic TypeAdapter for every option
    value it parses, so `regcost estimate --format xml` imported pydantic (0.25 s, 3.5× the framework's import)
    only to say the value is not among the choices. Same value out, same message (`_Group` drops pydantic's
    "Value error, " prefix), same exit code 2."""

    choices: tuple[Any, ...] = ()
    case_sensitive: bool = True

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return coerce_cli_choice(value, choices=self.choices, case_sensitive=self.case_sensitive, ctx=ctx)
        except ValueError as exc:
            raise click_errors.BadParameter(str(exc), ctx=ctx, param=param) from None


@dataclass(frozen=True)
class _LazyParam(RuntimeParam):
    """Typer's own coercion, built when a value is there to coerce: typer builds it (a pydantic TypeAdapter)
    for every option of a command on the way to any error, even for an option not given (`--help` unset)."""

    descriptor: Any = None
    built: dict[str, RuntimeParam] = field(default_factory=dict)

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        plain = _plain_value(self.descriptor, value, param, ctx)
        if plain is not _NOT_PLAIN:
            return plain
        if "param" not in self.built:
            self.built["param"] = build_runtime_param(self.descriptor)
        return self.built["param"]._coerce_value(value, param, ctx)


_NOT_PLAIN = object()
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


def _number(kind: type, value: Any) -> int | float | None:
    """An int or float option's value as pydantic's lax mode makes it, for plain digits only; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and (kind is float or isinstance(value, int)):
        return kind(value)
    if isinstance(value, str) and (_INT if kind is int else _FLOAT).fullmatch(value):
        return kind(value)
    return None


def _plain_value(desc: Any, value: Any, param: Any, ctx: Any) -> Any:
    """A str, bool, int, float or Path value, or a list of str, as typer's adapters give it
    (tests/cli/test_plain_values.py holds them equal), or _NOT_PLAIN: typer's adapter imports pydantic (0.19 s of
    `collect ecr --region R` before its first AWS call, issue #16) to hand back what click already parsed."""
    info = desc.parameter_info
    if info.parser is not None or desc.is_file or desc.is_tuple:
        return _NOT_PLAIN
    annotation = desc.annotation
    if desc.is_list:
        plain_list = annotation == list[str] and isinstance(value, list | tuple)
        return list(value) if plain_list and all(isinstance(v, str) for v in value) else _NOT_PLAIN
    if (annotation is str and isinstance(value, str)) or (annotation is bool and isinstance(value, bool)):
        return value
    if annotation in (int, float) and not info.clamp:
        number = _number(annotation, value)
        low, high = info.min, info.max
        inside = number is not None and (low is None or number >= low) and (high is None or number <= high)
        return number if inside else _NOT_PLAIN  # out of range or not a plain number: typer's words
    if annotation is Path and info.path_type in (None, Path) and isinstance(value, str | Path):
        # typer's own path checks (exists, dir_okay, resolve_path…); only str → Path went through pydantic
        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    return _NOT_PLAIN


def _light_params(params: Sequence[Any]) -> None:
    """Give each option of a command the pydantic-free check of a plain choice (above), or else typer's own
    built only when a value comes (lists, parsers and files of choices keep typer's own)."""
    for param in params:
        desc = getattr(param, "type_descriptor", None)
        if desc is None or getattr(param, "_runtime_param", 0) is not None:
            continue
        plain = not (desc.is_list or desc.is_tuple or desc.is_file or desc.parameter_info.parser is not None)
        args = {"parameter_info": desc.parameter_info, "annotation": desc.annotation}
        if desc.is_choice and plain:
            param._runtime_param = _ChoiceParam(
                **args, choices=tuple(desc.choices or ()), case_sensitive=desc.case_sensitive
            )
        else:
            param._runtime_param = _LazyParam(**args, descriptor=desc)


class _Group(TyperGroup):
    """Click's usage errors in regcost's style (one line, what to do, exit code 2) instead of a usage block."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _light_params(self.get_params(ctx))  # this group's own options (`--help`, `--version`, `--debug`)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _light_params(command.get_params(ctx))  # `--help` included: click adds it here
        return name, command, rest

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            )
        except click_errors.NoArgsIsHelpError as exc:  # `regcost collect` alone: the help, as asked
            sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx else "")
            code = exc.exit_code
        except click_errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "regcost"
            message = exc.format_message().replace("Value error, ", "").rstrip(".")
            _say_error(f"{message}; see `{where} --help`")
            code = exc.exit_code
        except click_errors.ClickException as exc:
            _say_error(exc.format_message())
            code = exc.exit_code
        except typer.Abort:
            _say_error("aborted")
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _typer(**kwargs: Any) -> typer.Typer:
    # Plain Click help: rich's help renderer alone takes three times the framework's import time.
    return typer.Typer(cls=_Group, rich_markup_mode=None, no_args_is_help=True, **kwargs)


app = _typer(
    name="regcost",
    help="What your container registry costs on AWS ECR, what it would cost self-hosted (Harbor), "
    "and what it takes to move.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
collect_app = _typer(help="Collect inventories and usage into the warehouse.")
app.add_typer(collect_app, name="collect")
pricing_app = _typer(help="The price catalog: what is in force, and refreshing AWS prices.")
app.add_typer(pricing_app, name="pricing")


class _LazyConsole:
    """A rich Console made on first use: rich's console costs start-up time that `--help` need not pay."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            options = dict(self._options)
            if options.pop("piped_width", None) and not sys.stdout.isatty():
                options["width"] = 160
            self._console = Console(**options)
        return self._console

    def print_json(self, json: str) -> None:
        """JSON as rich prints it (indent 2, non-ASCII kept), written straight out when it is not for a terminal:
        rich highlights it token by token even then (13 s for the 6 MB of `lifecycle -f json` at 5M images)."""
        if self._options.get("stderr") or sys.stdout.isatty():
            self.made().print_json(json)
            return
        import json as json_

        sys.stdout.write(json_.dumps(json_.loads(json), indent=2, ensure_ascii=False) + "\n")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)


def _real(lazy: Console) -> Console:
    """The rich Console behind a lazy one: rich's own objects (a progress bar) need the real thing."""
    proxy = cast(Any, lazy)
    return proxy.made() if isinstance(proxy, _LazyConsole) else lazy


# Piped output (CI logs, `| less`) is not squeezed to 80 columns: tables stay readable.
console = cast("Console", _LazyConsole(piped_width=True))
err = cast("Console", _LazyConsole(stderr=True))
_state = {"debug": False}

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Warehouse file (DuckDB). Default: $REGCOST_DB or ./regcost.duckdb.", show_default=False),
]
FormatOption = Annotated[Literal["table", "json"], typer.Option("--format", "-f", help="Output format.")]
ScanOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--scan",
        help="Scan these files or folders for image references: the migration plan, and the effort the "
        "self-hosted scenarios price, count them (repeatable; default: no scan).",
    ),
]


class UsageError(Exception):
    """Bad arguments: said in one line, exit code 2."""


def _check_scan(scan_paths: list[Path] | None) -> None:
    missing = [str(p) for p in scan_paths or [] if not p.exists()]
    if missing:
        raise UsageError(f"--scan: no such file or folder: {', '.join(missing)}")


def _print_version(wanted: bool) -> None:
    if wanted:
        from analysis import __version__

        sys.stdout.write(f"regcost {__version__}\n")
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
        _say_error(message)
        raise typer.Exit(code) from None


def _explain(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, UsageError):
        return 2, str(exc)
    import botocore.exceptions
    from pydantic import ValidationError

    from analysis.collectors.accounts import AccountsError
    from analysis.collectors.cur import CurError
    from analysis.model.calibration import CalibrationError
    from analysis.model.estimate import EmptyWarehouse
    from analysis.model.scenarios import ScenarioError
    from analysis.pricing import CatalogError
    from analysis.warehouse import WarehouseError

    if isinstance(exc, WarehouseError | AccountsError | EmptyWarehouse | CurError | CalibrationError):
        return 1, str(exc)
    if isinstance(exc, ScenarioError | CatalogError):
        return 2, str(exc)
    if isinstance(exc, ValidationError):  # a request that cannot be estimated (analysis/pipeline/request.py)
        problem = exc.errors()[0]
        where = ".".join(str(x) for x in problem["loc"])
        return 2, f"{where}: {problem['msg']}"
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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_real(err),
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
            elif event == "plan":  # the collection ends by building the migration plan (kept with the snapshot)
                bar.add_task("migration plan", total=None)

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


def _at(text: str | None) -> datetime:
    """`--at` as a UTC time; now when not given."""
    from datetime import UTC

    return _as_of(text) or datetime.now(UTC)


def _as_of(text: str | None) -> datetime | None:
    """`--at` as a UTC time; None when not given (the command's own default)."""
    from datetime import UTC

    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at {text}: expected a date such as 2026-11-01 or 2026-11-01T12:00:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_format(fmt: str) -> None:
    """Click checks the choices already; kept for callers that build a format themselves."""
    if fmt not in ("table", "json"):
        raise UsageError(f"--format {fmt}: expected table or json")


@contextmanager
def _steps(total: int, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """Progress for work that takes seconds (a report, a plan): a spinner naming the step under way, on
    stderr when it is a terminal; `step(text)` moves to the next step."""
    if quiet or not sys.stderr.isatty():
        yield lambda _text: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=_real(err), transient=True
    ) as bar:
        task = bar.add_task("", total=total)

        def step(text: str) -> None:
            bar.update(task, description=text, advance=0 if not bar.tasks[task].description else 1)

        yield step


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f}"


# Options of the portability commands --------------------------------

AtOption = Annotated[
    str | None, typer.Option("--at", help="Evaluate as of this date (YYYY-MM-DD or ISO 8601, UTC). Default: now.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Evaluate the estate as of this date (YYYY-MM-DD or ISO 8601, UTC): the growth window and the "
        "migration plan end there. Default: when the newest collection finished, so the same warehouse gives "
        "the same numbers whenever it is read (estimate, report and plan alike).",
    ),
]


# Options of the model's commands (estimate, report) --------------------------------------------------
HorizonOption = Annotated[int | None, typer.Option(help="Months to project (default 36).", min=1, max=120)]
UsageFileOption = Annotated[
    Path | None, typer.Option("--usage", help="Hand-written usage YAML instead of the warehouse (what-if).")
]
CurrencyOption = Annotated[
    Literal["USD", "EUR"] | None, typer.Option(help="Currency (default: the baseline scenario's).")
]
DrawsOption = Annotated[
    int, typer.Option(help="Monte Carlo draws over the assumptions' ranges (0: the base case only).", min=0)
]
SeedOption = Annotated[int, typer.Option(help="Seed of the Monte Carlo draws (same seed, same result).")]
CalibrateOption = Annotated[
    bool,
    typer.Option("--calibrate", help="Fit the layer-cache hit ratio and consumer split to the collected bill first."),
]
