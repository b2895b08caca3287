"""Portability: `regcost lifecycle`, `scan`, `plan`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from analysis.cli.base import (
    AsOfOption,
    AtOption,
    DbOption,
    FormatOption,
    UsageError,
    _as_of,
    _at,
    _check_format,
    _errors_for_people,
    _steps,
    app,
    console,
    err,
)

if TYPE_CHECKING:
    from analysis.warehouse import Warehouse


@app.command()
def lifecycle(
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="A proposed lifecycle policy (JSON) to try instead of the collected."),
    ] = None,
    at: AtOption = None,
    repository: Annotated[
        list[str] | None, typer.Option("--repository", help="Only this repository (repeatable; default: all).")
    ] = None,
    top: Annotated[int, typer.Option(help="Repositories shown in the table.", min=1)] = 20,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Simulate ECR lifecycle policies on the collected images: what is expired or archived, bytes freed as billed."""
    from analysis.portability.billing import run_lifecycle
    from analysis.portability.inventory import load_inventory
    from analysis.portability.show import lifecycle_json, print_lifecycle
    from analysis.pricing import load_catalog
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        _check_format(fmt)
        proposed = None
        if policy is not None:
            try:
                proposed = policy.read_text()
            except OSError as exc:
                raise UsageError(f"--policy {policy}: cannot read ({exc.strerror})") from None
            _check_policy(policy, proposed)
        with Warehouse(db, read_only=True) as wh:
            inv = load_inventory(wh, images=False)  # evaluated in the warehouse
            con = wh.cursor()
            report = run_lifecycle(
                inv,
                con,
                load_catalog(),
                at=_at(at),
                proposed=proposed,
                source=str(policy) if policy else "collected",
                repositories=repository,
                keep_outcomes=False,
            )
            con.close()
            unread = _unread_policies(wh) if policy is None else []
        if fmt == "json":
            console.print_json(json.dumps({**lifecycle_json(report), "data_quality": unread}, default=str))
            return
        print_lifecycle(console, report, top=top)
        from analysis.warehouse.quality import note

        for d in unread:
            err.print(f"[yellow]note:[/] {note(d)}", highlight=False, soft_wrap=True)


def _unread_policies(wh: Warehouse) -> list[dict[str, Any]]:
    """Lifecycle policies the snapshot did not read: carried from an earlier read, or missing (simulated as none)."""
    from analysis.warehouse.quality import current_data_quality

    return [d for d in current_data_quality(wh) if d["part"] in ("lifecycle_policy", "scope")]


def _check_policy(path: Path, text: str) -> None:
    """A proposed policy ECR would reject is refused before anything is evaluated: one line, exit 2."""
    from analysis.portability.lifecycle import PolicyProblem, parse_policy

    parsed = parse_policy(text)
    if isinstance(parsed, PolicyProblem):
        raise UsageError(f"--policy {path}: {parsed}; fix the policy (ECR would reject it too) and run again")


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to scan (manifests, Helm, Terraform, CI …).")],
    rewrite_to: Annotated[
        str | None, typer.Option("--rewrite-to", help="Harbor host: a diff repointing references to HOST/project/repo.")
    ] = None,
    diff_out: Annotated[
        Path | None, typer.Option("--diff-out", help="Where the diff goes (default: stdout). Apply with `git apply`.")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Find ECR image references by file and line, join them to the collected repositories, optionally rewrite them."""
    from analysis.portability import references
    from analysis.portability.rewrite import Mapper, default_mapper, mapper_from, rewrite_files, unified_diff
    from analysis.portability.show import print_references, references_json
    from analysis.warehouse import Warehouse, default_path

    with _errors_for_people():
        _check_format(fmt)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        if diff_out is not None and rewrite_to is None:
            raise UsageError("--diff-out needs --rewrite-to HOST")
        if rewrite_to is not None and len(paths) != 1:
            raise UsageError("--rewrite-to takes one folder (the diff's paths are relative to it)")
        skipped: list[tuple[str, str]] = []
        found = references.scan(paths, skipped)
        joined = None
        mapper: Mapper = default_mapper
        path = db or default_path()
        if path.exists():
            from analysis.portability.inventory import load_inventory
            from analysis.portability.translate import design

            with Warehouse(path, read_only=True) as wh:
                inv = load_inventory(wh)
            harbor = design(inv)
            joined = references.join(found, harbor.mapping.merge(inv.repositories), inv.images)
            mapper = mapper_from(harbor.mapping)
        if rewrite_to is not None:
            root = paths[0] if paths[0].is_dir() else paths[0].parent
            diff = unified_diff(rewrite_files(root, found, rewrite_to, mapper))
            if diff_out is not None:
                diff_out.write_text(diff)
                err.print(f"wrote {diff_out}: apply from {root} with `git apply {diff_out.resolve()}`")
            else:
                sys.stdout.write(diff)
                return
        if fmt == "json":
            payload = references_json(found, joined) | {"skipped_files": [dict(file=f, why=w) for f, w in skipped]}
            console.print_json(json.dumps(payload, default=str))
            return
        print_references(console, found, joined)
        if skipped:
            console.print(f"{len(skipped)} files not read (binary or larger than {references.MAX_FILE_BYTES:,} bytes)")
        if joined is None:
            console.print(f"(no warehouse at {path}: references not checked against collected repositories)")


@app.command()
def plan(
    scan_paths: Annotated[
        list[Path] | None, typer.Option("--scan", help="Also scan these files or folders for references (repeatable).")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the Harbor payloads, plan.json and scenario overrides.")
    ] = Path("reports/harbor"),
    wave_size: Annotated[int, typer.Option(help="Most repositories in one wave (the pilot wave has 10).", min=1)] = 50,
    at: AsOfOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Migration plan to Harbor: findings, portability scores, waves with bytes and cost, Harbor API payloads."""
    from analysis.pipeline.plan_store import last_collected
    from analysis.portability.plan import as_dict, build_plan, write_plan
    from analysis.portability.show import print_plan
    from analysis.warehouse import Warehouse

    with _errors_for_people():
        _check_format(fmt)
        missing = [str(p) for p in scan_paths or [] if not p.exists()]
        if missing:
            raise UsageError(f"--scan: no such file or folder: {', '.join(missing)}")
        with _steps(2) as step:
            step("building the migration plan" + (" and scanning for references" if scan_paths else ""))
            with Warehouse(db, read_only=True) as wh:
                # as of the newest collection unless --at: the same plan the estimate and the report take
                when = _as_of(at) or last_collected(wh)
                result = build_plan(wh, scan_paths=scan_paths, at=when, wave_size=wave_size)
            step("writing the Harbor payloads")
            written = write_plan(result, output)
        if fmt == "json":
            files = {k: str(v) for k, v in written.items()}
            console.print_json(json.dumps(as_dict(result) | {"files": files}, default=str))
            return
        print_plan(console, result, written)
