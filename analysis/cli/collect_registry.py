"""`regcost collect harbor|oci`: a self-hosted registry over its API, with credentials that never reach a flag
value, the warehouse or the output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from analysis.cli.base import (
    DbOption,
    FormatOption,
    UsageError,
    _errors_for_people,
    _print_errors,
    collect_app,
    console,
    err,
)


def _registry_url(url: str, option: str) -> str:
    from analysis.urls import has_userinfo

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"{option} must start with https:// or http://")
    if has_userinfo(url):  # never echo it: it holds a password that is now in the shell history
        raise UsageError(f"{option} must not carry credentials; use --username with --password-env or --password-file")
    return url.rstrip("/")


def _registry_password(password_env: str | None, password_file: Path | None) -> str | None:
    """The secret from an environment variable or a file, never from a flag value (shell history)."""
    import os

    if password_env and password_file:
        raise UsageError("use either --password-env or --password-file, not both")
    if password_env:
        value = os.environ.get(password_env)
        if not value:
            raise UsageError(f"environment variable {password_env} (from --password-env) is not set or empty")
        return value
    if password_file:
        try:
            value = password_file.read_text().strip()
        except OSError as exc:
            raise UsageError(f"cannot read --password-file {password_file}: {exc.strerror}") from None
        if not value:
            raise UsageError(f"--password-file {password_file} is empty")
        return value
    return None


def _collect_registry_cmd(
    kind: str,
    url: str,
    username: str | None,
    password_env: str | None,
    password_file: Path | None,
    ca_bundle: Path | None,
    insecure: bool,
    metrics_url: str | None,
    manifests: bool,
    db: Path | None,
    fmt: str,
    trust_realm: list[str] | None = None,
) -> None:
    from analysis.collectors.http import Credentials, HttpClient
    from analysis.pipeline.registry import collect_registry
    from analysis.units import human_bytes
    from analysis.warehouse import Warehouse, default_path

    url = _registry_url(url, "--url")
    if metrics_url:
        metrics_url = _registry_url(metrics_url, "--metrics-url")
    password = _registry_password(password_env, password_file)
    if bool(username) != bool(password):
        raise UsageError("--username needs --password-env or --password-file (and they need --username)")
    if ca_bundle is not None and not ca_bundle.is_file():
        raise UsageError(f"--ca-bundle {ca_bundle}: no such file")
    if insecure:
        err.print(
            "[yellow]warning: --insecure: TLS certificates are not verified; the credentials can be intercepted[/]",
            soft_wrap=True,
            highlight=False,
        )
    credentials = Credentials(username, password) if username and password else None
    client = HttpClient(
        url,
        credentials,
        ca_bundle=str(ca_bundle) if ca_bundle else None,
        insecure=insecure,
        trusted_realms=tuple(trust_realm or ()),
    )
    with Warehouse(db) as wh:
        summary = collect_registry(wh, kind, client, metrics_url=metrics_url, manifests=manifests)
    if fmt == "json":
        console.print_json(json.dumps({"schema_version": 1, **summary.as_dict()}, default=str))
    else:
        c, s = summary.counts, summary.storage
        console.print(
            f"Run {summary.run_id} ({kind} {summary.registry}): [bold]{summary.status}[/] — "
            f"{c.get('repositories', 0):,} repositories, {c.get('images', 0):,} artifacts, "
            f"manifests fetched {c.get('manifests_fetched', 0):,} (new in cache {c.get('manifests_new', 0):,}), "
            f"metric samples {c.get('metric_samples', 0):,}, accessories {c.get('registry_accessories', 0):,}",
            highlight=False,
        )
        if s.get("harbor_version"):
            console.print(f"talked to Harbor {s['harbor_version']}", highlight=False)
        if s.get("physical_bytes") is not None:
            console.print(f"physical storage ({s['physical_source']}): {human_bytes(s['physical_bytes'])}")
        if s.get("physical_note"):
            console.print(f"physical storage: {s['physical_note']}", highlight=False, soft_wrap=True)
        console.print(f"Storage three ways and why they differ: [bold]regcost status --db {db or default_path()}[/]")
        _print_errors(summary.errors)
        if summary.status == "partial":
            err.print(
                "[yellow]partial run[/]: exit status 3 (complete 0, failed 1, partial 3); the parts listed above "
                "were not read — collect again, or see `regcost status`",
                highlight=False,
                soft_wrap=True,
            )
    if summary.status in ("failed", "partial"):
        raise typer.Exit(1 if summary.status == "failed" else 3)


UrlOption = Annotated[str, typer.Option("--url", help="Registry base URL, e.g. https://harbor.example.com.")]
MetricsUrlOption = Annotated[
    str | None, typer.Option("--metrics-url", help="Prometheus metrics URL (Harbor exporter / registry debug server).")
]
UsernameOption = Annotated[
    str | None,
    typer.Option(
        "--username", help="User or robot account (robot$name); its secret via --password-env or --password-file."
    ),
]
PasswordEnvOption = Annotated[
    str | None, typer.Option("--password-env", help="Name of the environment variable holding the password.")
]
PasswordFileOption = Annotated[
    Path | None, typer.Option("--password-file", help="File holding the password (first line).")
]
CaBundleOption = Annotated[Path | None, typer.Option("--ca-bundle", help="PEM file of CAs to verify TLS with.")]
InsecureOption = Annotated[bool, typer.Option("--insecure", help="Do not verify TLS certificates (warns).")]
TrustRealmOption = Annotated[
    list[str] | None,
    typer.Option(
        "--trust-realm",
        help="Host of a token service on another host than the registry that may receive the credentials "
        "(HTTPS only; repeatable).",
    ),
]
ManifestsOption = Annotated[
    bool, typer.Option("--manifests/--no-manifests", help="Fetch manifests of new digests (unique blob bytes).")
]


@collect_app.command("harbor")
def collect_harbor_cmd(
    url: UrlOption,
    username: UsernameOption = None,
    password_env: PasswordEnvOption = None,
    password_file: PasswordFileOption = None,
    ca_bundle: CaBundleOption = None,
    insecure: InsecureOption = False,
    metrics_url: MetricsUrlOption = None,
    manifests: ManifestsOption = True,
    trust_realm: TrustRealmOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect a Harbor (API v2.0, read-only): projects, quotas, repositories, artifacts, policies, GC, metrics."""
    with _errors_for_people():
        _collect_registry_cmd(
            "harbor",
            url,
            username,
            password_env,
            password_file,
            ca_bundle,
            insecure,
            metrics_url,
            manifests,
            db,
            fmt,
            trust_realm,
        )


@collect_app.command("oci")
def collect_oci_cmd(
    url: UrlOption,
    username: UsernameOption = None,
    password_env: PasswordEnvOption = None,
    password_file: PasswordFileOption = None,
    ca_bundle: CaBundleOption = None,
    insecure: InsecureOption = False,
    metrics_url: MetricsUrlOption = None,
    manifests: ManifestsOption = True,
    trust_realm: TrustRealmOption = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Collect any OCI distribution registry: catalog, tags, manifests (cached by digest), debug metrics."""
    with _errors_for_people():
        _collect_registry_cmd(
            "oci",
            url,
            username,
            password_env,
            password_file,
            ca_bundle,
            insecure,
            metrics_url,
            manifests,
            db,
            fmt,
            trust_realm,
        )


def _physical_cell(r: dict[str, Any]) -> str:
    """Physical bytes with their source when it is not /statistics; unknown says so (never 0)."""
    from analysis.units import human_bytes

    if r["physical_bytes"] is None:
        return "unknown"
    named = {"exporter": " (exporter)", "blob_sum": " (blob sums, lower bound)"}
    return human_bytes(r["physical_bytes"]) + named.get(r["physical_source"] or "", "")


def _print_registries(registries: list[dict[str, Any]]) -> None:
    """Self-hosted registries: the three storage numbers, and why they differ (harbor-facts §3)."""
    from rich.table import Table

    from analysis.units import human_bytes

    if not registries:
        return
    table = Table(
        title="Self-hosted registries (Harbor, OCI)",
        title_justify="left",
        caption_justify="left",
        caption=(
            "KiB/MiB/GiB = 2^10/2^20/2^30 bytes. naive: Σ artifact sizes, index children not counted again; unique "
            "blobs: layers + configs + manifests of artifacts and their accessories, each digest once (what the "
            "registry stores); Σ quota: Harbor project quotas (a shared blob counts in every project); physical: "
            "Harbor's blob table (/statistics or exporter), deleted blobs included until GC."
        ),
    )
    for col in (
        "registry",
        "kind",
        "version",
        "run",
        "repos",
        "artifacts",
        "naive",
        "unique blobs",
        "Σ quota",
        "physical",
        "pulls",
    ):
        table.add_column(col, justify="left" if col in ("registry", "kind", "version") else "right")
    for r in registries:
        table.add_row(
            r["registry"],
            r["kind"],
            r.get("version") or "—",
            str(r["run_id"]),
            f"{r['repositories']:,}",
            f"{r['artifacts']:,}",
            human_bytes(r["naive_bytes"]),
            human_bytes(r["unique_blob_bytes"]) if r["unique_blob_bytes"] or not r["artifacts"] else "unknown",
            human_bytes(r["quota_sum_bytes"]),
            _physical_cell(r),
            f"{r['pulls']:,}" if r["pulls"] is not None else "—",
        )
    console.print(table)
    for r in registries:
        for line in r["explanation"]:
            console.print(f"  {r['registry']}: {line}", highlight=False, soft_wrap=True)
