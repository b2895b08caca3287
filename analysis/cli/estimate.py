"""The model's commands: `regcost estimate`, `calibrate`, `report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from analysis.cli.base import (
    CalibrateOption,
    CatalogOption,
    CurrencyOption,
    DbOption,
    DrawsOption,
    FormatOption,
    HorizonOption,
    ScenarioFileOption,
    ScenarioOption,
    SeedOption,
    UsageError,
    UsageFileOption,
    _check_currency,
    _errors_for_people,
    app,
    console,
    err,
)
from analysis.model.estimate import DEFAULT_SEED
from analysis.model.registry_workload import DEFAULT_REGION
from analysis.pipeline.estimate import run_estimate
from analysis.render import FORMATS, render
from analysis.warehouse import Warehouse


@app.command()
def estimate(
    scenario: ScenarioOption = None,
    horizon: HorizonOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")] = "table",
    explain: Annotated[bool, typer.Option("--explain", help="Per component: quantity × unit price = cost.")] = False,
    usage: UsageFileOption = None,
    scenario_file: ScenarioFileOption = None,
    catalog: CatalogOption = None,
    currency: CurrencyOption = None,
    draws: DrawsOption = 10_000,
    seed: SeedOption = DEFAULT_SEED,
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
    db: DbOption = None,
) -> None:
    """Project what each scenario costs month by month, and when a migration pays back."""
    with _errors_for_people():
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
        _check_currency(currency)
        result = run_estimate(
            db,
            usage=usage,
            scenario=scenario,
            scenario_file=scenario_file,
            catalog=catalog,
            horizon=horizon,
            currency=currency,
            draws=draws,
            seed=seed,
            calibrate=calibrate,
            registry=from_registry,
            region=as_region,
        )
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
    from analysis.model.calibration import calibrate_warehouse
    from analysis.model.scenarios import load_scenarios, pick

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
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, pdf or both.")] = "both",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder the reports are written to.")] = Path(
        "reports"
    ),
    name: Annotated[str, typer.Option(help="File name of the reports, without extension.")] = "regcost-report",
    paper: Annotated[str, typer.Option(help="PDF paper size: a4 or letter.")] = "a4",
    horizon: HorizonOption = None,
    usage: UsageFileOption = None,
    scenario_file: ScenarioFileOption = None,
    catalog: CatalogOption = None,
    currency: CurrencyOption = None,
    draws: DrawsOption = 10_000,
    seed: SeedOption = DEFAULT_SEED,
    calibrate: CalibrateOption = False,
    scan_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--scan",
            help="Scan these files or folders for image references for the migration plan (repeatable; "
            "default: no scan).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the estimate as a self-contained HTML report and a PDF (A4 or Letter) for the people who decide."""
    from analysis.pipeline.report import REPORT_FORMATS, build_inputs, formats_of, write_reports

    with _errors_for_people():
        if fmt not in REPORT_FORMATS:
            raise UsageError(f"--format {fmt}: expected one of {', '.join(REPORT_FORMATS)}")
        if paper not in ("a4", "letter"):
            raise UsageError(f"--paper {paper}: expected a4 or letter")
        _check_currency(currency)
        if not name or Path(name).name != name:
            raise UsageError(f"--name {name!r}: expected a file name without folders")
        missing = [str(p) for p in scan_paths or [] if not p.exists()]
        if missing:
            raise UsageError(f"--scan: no such file or folder: {', '.join(missing)}")
        inputs = build_inputs(
            db,
            usage=usage,
            scan_paths=scan_paths or (),
            scenario=scenario,
            scenario_file=scenario_file,
            catalog=catalog,
            horizon=horizon,
            currency=currency,
            draws=draws,
            seed=seed,
            calibrate=calibrate,
        )
        for path in write_reports(inputs, output, formats_of(fmt), paper=paper, name=name):
            console.print(f"wrote [bold]{path}[/]", highlight=False)
