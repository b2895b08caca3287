"""The model's commands: `regcost estimate`, `calibrate`, `report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from analysis.cli.base import (
    DEFAULT_REGION,
    DEFAULT_SEED,
    AsOfOption,
    CalibrateOption,
    CatalogOption,
    CurrencyOption,
    DbOption,
    DrawsOption,
    FormatOption,
    HorizonOption,
    ScanOption,
    ScenarioFileOption,
    ScenarioOption,
    SeedOption,
    UsageError,
    UsageFileOption,
    _as_of,
    _check_scan,
    _errors_for_people,
    _steps,
    app,
    console,
    err,
)

if TYPE_CHECKING:
    from analysis.pipeline.request import EstimateRequest


def _request(**fields: Any) -> EstimateRequest:
    """The flags as the one request every estimate starts from (analysis/pipeline/request.py)."""
    from analysis.pipeline.request import EstimateRequest

    given = {k: v for k, v in fields.items() if v is not None}
    for name in ("scenarios", "scenario_files", "catalogs", "scan_paths"):
        if name in given:
            given[name] = tuple(given[name])
    return EstimateRequest(**given)


@app.command()
def estimate(
    scenario: ScenarioOption = None,
    horizon: HorizonOption = None,
    fmt: Annotated[
        Literal["table", "json", "csv", "markdown"], typer.Option("--format", "-f", help="Output format.")
    ] = "table",
    explain: Annotated[bool, typer.Option("--explain", help="Per component: quantity × unit price = cost.")] = False,
    usage: UsageFileOption = None,
    scenario_file: ScenarioFileOption = None,
    catalog: CatalogOption = None,
    currency: CurrencyOption = None,
    draws: DrawsOption = 10_000,
    seed: SeedOption = DEFAULT_SEED,
    at: AsOfOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    calibrate: CalibrateOption = False,
    from_registry: Annotated[
        str | None,
        typer.Option(
            "--from-registry",
            metavar="URL_OR_ID",
            help="Estimate from this collected Harbor/OCI registry (its URL, as `regcost status` lists it) "
            "instead of ECR: what the same estate costs on ECR vs self-hosted.",
        ),
    ] = None,
    as_region: Annotated[
        str, typer.Option("--as-region", help="With --from-registry: the AWS region the estate would live in on ECR.")
    ] = DEFAULT_REGION,
    scan_paths: ScanOption = None,
    db: DbOption = None,
) -> None:
    """Project what each scenario costs month by month, and when a migration pays back."""
    with _errors_for_people():
        _check_scan(scan_paths)
        from analysis.pipeline.result import run
        from analysis.render import render

        request = _request(
            db=db,
            usage=usage,
            scenarios=scenario,
            scenario_files=scenario_file,
            catalogs=catalog,
            horizon=horizon,
            currency=currency,
            draws=draws,
            seed=seed,
            at=_as_of(at),
            calibrate=calibrate,
            registry=from_registry,
            region=as_region,
            scan_paths=scan_paths,
        )
        with _steps(1, quiet=output is None and not draws) as step:
            step("estimating" + (f" ({draws:,} Monte Carlo draws)" if draws else ""))
            # Only the JSON shows the migration plan; the other formats take its two figures (#20: at 5M images
            # the whole plan is half a minute, its figures a few seconds).
            result = run(request, plan_figures_only=fmt != "json")
        text = render(result, fmt, explain=explain, width=console.width if sys.stdout.isatty() else 160)
        if output is not None:
            output.write_text(text)
            err.print(f"wrote {output}")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def calibrate(
    fit: Annotated[
        bool, typer.Option("--fit", help="Also fit the layer-cache hit ratio and consumer split to billed transfer.")
    ] = False,
    scenario_file: ScenarioFileOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """The model's past months against the bill (storage, internet egress, inter-region); with --fit, the
    assumptions that explain the bill. Use them with `regcost estimate --calibrate`."""
    from rich.table import Table

    from analysis.model.calibration import calibrate_warehouse
    from analysis.model.scenarios import load_scenarios, pick
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        assumptions = pick(load_scenarios(scenario_file), ["ecr"])[0].assumptions
        with Warehouse(db, read_only=True) as wh:
            table, fitted, why = calibrate_warehouse(wh, assumptions)
        if fmt == "json":
            rows = json.loads(table.to_json(orient="records", date_format="iso"))
            payload: dict[str, Any] = {"schema_version": 1, "comparison": rows}
            if fit:
                payload["fit"] = (
                    None
                    if fitted is None
                    else {
                        "layer_cache_hit_ratio": fitted.layer_cache_hit_ratio,
                        "consumers": fitted.consumers,
                        "identified": fitted.identified,
                        "residual": fitted.residual,
                        "months": [m.isoformat() for m in fitted.months],
                    }
                )
                payload["fit_error"] = why
            console.print_json(json.dumps(payload, default=str))
            return
        out = Table(
            title="Model vs bill (regions summed; model under the baseline's assumptions)", title_justify="left"
        )
        for col in ("month", "component", "unit", "model", "actual", "difference", "billed", "usable"):
            out.add_column(col, justify="left" if col in ("month", "component", "unit") else "right")
        for r in table.itertuples():
            out.add_row(
                f"{r.month:%Y-%m}",
                r.component,
                r.unit,
                "—" if r.model != r.model else f"{r.model:,.1f}",
                f"{r.actual:,.1f}",
                "—" if r.difference != r.difference else f"{r.difference:+.1%}",
                f"{r.cost:,.2f}",
                "estimated" if r.estimated else "yes" if r.covered else "no pulls",
            )
        console.print(out)
        if not fit:
            return
        if fitted is None:
            raise UsageError(f"cannot fit: {why}")
        c = fitted.consumers
        console.print(
            f"[bold]Fitted[/] on {len(fitted.months)} month(s), {fitted.observations} region-months "
            f"({fitted.identified}):\n"
            f"  layer_cache_hit_ratio {fitted.layer_cache_hit_ratio:.3f} "
            f"(assumed {_base(assumptions.layer_cache_hit_ratio)})\n"
            f"  consumers: same_region {c['same_region']:.3f}, other_region {c['other_region']:.3f}, "
            f"internet {c['internet']:.3f}, other_cloud {c['other_cloud']:.3f}\n"
            f"  residual {fitted.residual:.1%} of billed transfer\n"
            "Apply them: regcost estimate --calibrate",
            highlight=False,
        )


def _base(value: Any) -> str:
    from analysis.model.assumptions import base

    return f"{base(value):g}"


@app.command()
def report(
    scenario: ScenarioOption = None,
    fmt: Annotated[Literal["html", "pdf", "both"], typer.Option("--format", "-f", help="Report format.")] = "both",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder the reports are written to.")] = Path(
        "reports"
    ),
    name: Annotated[str, typer.Option(help="File name of the reports, without extension.")] = "regcost-report",
    paper: Annotated[Literal["a4", "letter"], typer.Option(help="PDF paper size.")] = "a4",
    horizon: HorizonOption = None,
    usage: UsageFileOption = None,
    scenario_file: ScenarioFileOption = None,
    catalog: CatalogOption = None,
    currency: CurrencyOption = None,
    draws: DrawsOption = 10_000,
    seed: SeedOption = DEFAULT_SEED,
    at: AsOfOption = None,
    calibrate: CalibrateOption = False,
    scan_paths: ScanOption = None,
    db: DbOption = None,
) -> None:
    """Write the estimate as a self-contained HTML report and a PDF (A4 or Letter) for the people who decide."""
    with _errors_for_people():
        if not name or Path(name).name != name:
            raise UsageError(f"--name {name!r}: expected a file name without folders")
        _check_scan(scan_paths)
        from analysis.pipeline.report import formats_of, write_reports
        from analysis.pipeline.result import run

        request = _request(
            db=db,
            usage=usage,
            scan_paths=scan_paths,
            scenarios=scenario,
            scenario_files=scenario_file,
            catalogs=catalog,
            horizon=horizon,
            currency=currency,
            draws=draws,
            seed=seed,
            at=_as_of(at),
            calibrate=calibrate,
        )
        formats = formats_of(fmt)
        with _steps(1 + len(formats)) as step:
            step("estimating and building the migration plan")
            result = run(request)
            written = write_reports(
                result, output, formats, paper=paper, name=name, on_step=lambda f: step(f"rendering the {f.upper()}")
            )
        for path in written:
            console.print(f"wrote [bold]{path}[/]", highlight=False)
