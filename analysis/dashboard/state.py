"""Streamlit glue shared by every page: the warehouse path, the cached snapshot, the assumptions on screen and
the estimate computed from them, and the download buttons.

Caching (the profile SQL is the slow part; the estimate takes 0.05–0.3 s):
- the snapshot is a `st.cache_resource` keyed by (warehouse path, fingerprint of its newest finished run): one
  read per finished run, shared by every session, never copied; it is kept on disk as well (`st.cache_data`,
  persist="disk", keyed by the fingerprint and the file's size and mtime), so a dashboard started again on the
  same warehouse skips the profile SQL;
- the warehouse is re-checked (one small query) at most every RECHECK_SECONDS, so moving a slider does not
  touch the file at all;
- the estimate is a `st.cache_data` keyed by (path, fingerprint, scenarios, edited assumptions);
- the migration plan (seconds) is a `st.cache_data` keyed by (path, fingerprint, file size and mtime), on disk
  too: built once per finished run from its own short read-only connection.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from analysis.dashboard.source import (
    Snapshot,
    WarehouseBusy,
    WarehouseMissing,
    fingerprint,
    plan_view,
    read_snapshot,
)
from analysis.model.estimate import DEFAULT_SEED, EmptyWarehouse
from analysis.model.result import EstimateResult
from analysis.model.scenarios import Scenario, load_scenarios, pick
from analysis.pipeline.plan_store import code_digest
from analysis.pipeline.request import EstimateRequest, apply_overrides
from analysis.pipeline.result import Estate, catalog_of, catalog_stamp, read_estate, run
from analysis.pricing import Catalog
from analysis.render import Result, render, render_bytes
from analysis.warehouse import WarehouseError, default_path

RECHECK_SECONDS = 10.0
EDITS = "regcost.edits"  # {assumption name: value shown on screen}, only those that differ from the presets
SELECTED = "regcost.selected"  # scenario names compared

COLLECT_HELP = (
    "Collect your estate with `regcost collect ecr --profile PROFILE --regions all`, or try the demo estate "
    "with `regcost demo`, then open it with `regcost dashboard --db FILE`."
)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--db", default=None)
    parser.add_argument("--scan", action="append", default=[])
    return parser.parse_known_args(sys.argv[1:])[0]


def db_path() -> str:
    """`streamlit run app.py -- --db PATH`, else $REGCOST_DB, else ./regcost.duckdb."""
    return str(_args().db or default_path())


def scan_paths() -> tuple[str, ...]:
    """`regcost dashboard --scan PATH …` (`streamlit run app.py -- --scan PATH`): the folders the migration plan
    scans for image references, as `regcost estimate/report --scan` (the demo's report scans its GitOps folder)."""
    return tuple(str(Path(p).resolve()) for p in _args().scan)


# -- the warehouse snapshot ------------------------------------------------------------------------------
@dataclass
class _Holder:
    """The last good snapshot of one warehouse path and what happened at the last check."""

    snapshot: Snapshot | None = None
    checked: float = 0.0
    busy_since: datetime | None = None
    problem: str | None = None


@st.cache_resource(show_spinner=False)
def _holder(path: str) -> _Holder:
    return _Holder()


CODE_STAMP = code_digest()  # a snapshot or plan pickled by another version is never read back


def file_key(path: str) -> tuple[str | int, ...]:
    """What changes when the warehouse file or the code reading it does: size and mtime of the file and of its
    write-ahead log, and the code's digest."""
    out: list[str | int] = [CODE_STAMP]
    for p in (Path(path), Path(f"{path}.wal")):
        try:
            st_ = p.stat()
            out += [st_.st_size, st_.st_mtime_ns]
        except OSError:
            out += [0, 0]
    return tuple(out)


@st.cache_data(persist="disk", max_entries=4, show_spinner="Reading the warehouse …")
def _stored_snapshot(path: str, fp: tuple[Any, ...], file: tuple[str | int, ...]) -> Snapshot:
    """The snapshot, kept on disk (~/.streamlit/cache) as well: a dashboard started again on a warehouse it has
    read before shows its first page without the profile SQL. The profile is the estimate's (read once)."""
    try:
        estate = _estate_for(path, fp)
    except EmptyWarehouse:  # nothing collected yet: the pages say how to collect
        return read_snapshot(path)
    return read_snapshot(path, estate=estate)


@st.cache_resource(max_entries=4, show_spinner=False)
def _snapshot_for(path: str, fp: tuple[Any, ...]) -> Snapshot:
    """One copy per finished run, shared by every session (`st.cache_data` would copy it on each call)."""
    return _stored_snapshot(path, fp, file_key(path))


def holder(force: bool = False) -> _Holder:
    path = db_path()
    h = _holder(path)
    now = time.monotonic()
    if force or h.snapshot is None or now - h.checked >= RECHECK_SECONDS:
        h.checked = now
        try:
            h.snapshot = _snapshot_for(path, fingerprint(path))
            h.busy_since, h.problem = None, None
        except WarehouseBusy:
            h.busy_since = h.busy_since or datetime.now(UTC)
        except WarehouseMissing as exc:
            h.snapshot, h.busy_since, h.problem = None, None, str(exc)
    return h


def require_snapshot() -> Snapshot:
    """The snapshot to show, or a friendly page (nothing collected, no file, busy) and stop."""
    h = holder()
    if h.busy_since is not None:
        if h.snapshot is None:
            st.info(
                f"A collection is writing to **{db_path()}** (DuckDB lets one process hold the file while it "
                f"writes). This page checks again every {RECHECK_SECONDS:.0f} s and shows the estate as soon as "
                "the collection finishes."
            )
            _retry_when_free()
            st.stop()
        st.warning(
            f"A collection is writing to the warehouse: showing run {h.snapshot.last_run_id}, read at "
            f"{h.snapshot.loaded_at:%H:%M:%S} UTC. Newer data appears when the collection finishes "
            f"(checked every {RECHECK_SECONDS:.0f} s).",
            icon=":material/sync:",
        )
        _retry_when_free()
    if h.snapshot is None:
        _welcome(h.problem or f"No warehouse at {db_path()}.")
        st.stop()
    if h.snapshot.empty:
        _welcome(f"The warehouse **{db_path()}** has no complete collection yet.")
        st.stop()
    return h.snapshot


def _welcome(problem: str) -> None:
    st.title("regcost")
    st.info(f"{problem}\n\n{COLLECT_HELP}", icon=":material/database:")
    st.markdown(
        "```sh\nregcost demo --db regcost-demo.duckdb        # a realistic estate in an emulated AWS, ~25 s\n"
        "regcost dashboard --db regcost-demo.duckdb\n```"
    )


@st.fragment(run_every=RECHECK_SECONDS)
def _retry_when_free() -> None:
    h = holder()
    if h.busy_since is None:
        st.rerun(scope="app")


# -- scenarios, catalog and the assumptions on screen -------------------------------------------------------
@st.cache_resource(show_spinner=False)
def presets() -> dict[str, Scenario]:
    return load_scenarios(None)


@st.cache_resource(show_spinner=False)
def catalog() -> Catalog:
    """The shipped catalog, one object per process for the estate and every estimate (parsing its twelve YAML
    files took 0.2–0.5 s; a restarted dashboard unpickles it from disk in a few ms)."""
    return _stored_catalog(CODE_STAMP, catalog_stamp())


@st.cache_data(persist="disk", max_entries=2, show_spinner=False)
def _stored_catalog(code: str, files: tuple[tuple[str, int, int], ...]) -> Catalog:
    return catalog_of()


# -- state owned by the app -------------------------------------------------------------------------------------
# Streamlit drops the state of every widget whose page is not shown (navigating Scenarios → Uncertainty →
# Overview used to empty the scenario selection). So the values live under `regcost.*` keys no widget owns; each
# widget is filled from them before it is drawn (`bind`) and writes back through its on_change callback.
def bind(name: str, default: Any) -> dict[str, Any]:
    """Keyword arguments for a widget (key `w.<name>`) whose value is the app's `regcost.<name>` (`default`
    until first set)."""
    key = f"w.{name}"
    st.session_state[key] = st.session_state.get(f"regcost.{name}", default)
    return {"key": key, "on_change": _commit, "args": (name, key)}


def _commit(name: str, key: str) -> None:
    st.session_state[f"regcost.{name}"] = st.session_state[key]


def owned(name: str, default: Any = None) -> Any:
    """The app's value of `regcost.<name>`."""
    return st.session_state.get(f"regcost.{name}", default)


def selected_names() -> list[str]:
    """The scenarios compared: all presets until the user picks; the baseline always first."""
    names = st.session_state.get(SELECTED)
    return [s.name for s in pick(presets(), list(names) if names is not None else None)]


def edits() -> dict[str, Any]:
    return dict(st.session_state.get(EDITS, {}))


def apply_edits(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """The scenario with the on-screen assumptions in place of its own (an edit applies to every scenario)."""
    return apply_overrides(scenario, changes)


def scenarios_for(names: list[str], changes: dict[str, Any]) -> list[Scenario]:
    return [apply_edits(s, changes) for s in pick(presets(), names)]


CLI_DRAWS = 10_000  # `regcost estimate --draws`' default: the Uncertainty page and the downloads use it too


@st.cache_data(persist="disk", max_entries=4, show_spinner="Reading the warehouse and building the migration plan …")
def _stored_estate(path: str, fp: tuple[Any, ...], file: tuple[str | int, ...], scans: tuple[str, ...] = ()) -> Estate:
    """The estate, kept on disk (~/.streamlit/cache) as well, keyed like the snapshot: a dashboard started again
    on a warehouse it has read shows its first page without rebuilding the migration plan (a minute at 1M
    images on a loaded machine; under 1 MB pickled for the demo)."""
    return read_estate(_request(path, scans), catalog())


@st.cache_resource(max_entries=4, show_spinner=False)
def _estate_for(path: str, fp: tuple[Any, ...]) -> Estate:
    """What `regcost estimate` reads from the warehouse (profile, quality, measurements, the plan), once per
    finished collection and shared by every session (analysis/pipeline/result.py); one copy per process
    (`st.cache_data` would copy it on each call)."""
    return _stored_estate(path, fp, file_key(path), scan_paths())


def _request(path: str, scans: tuple[str, ...]) -> EstimateRequest:
    """`regcost estimate --db PATH [--scan DIR …]`: what the dashboard's estate is read with."""
    return EstimateRequest(db=Path(path), scan_paths=tuple(Path(p) for p in scans))


@st.cache_data(max_entries=64, show_spinner=False)
def _estimate(
    path: str, fp: tuple[Any, ...], names: tuple[str, ...], changes_json: str, draws: int, seed: int
) -> Result:
    """`regcost estimate --db PATH --scenario NAME… --draws N --seed S` with the assumptions edited on screen:
    the same request and the same `run` as the CLI, over the estate read once (cached per combination)."""
    request = _request(path, scan_paths()).model_copy(
        update={"scenarios": names, "overrides": json.loads(changes_json), "draws": draws, "seed": seed}
    )
    return run(request, _estate_for(path, fp), catalog())


def _cached(snap: Snapshot, draws: int) -> Result:
    return _estimate(
        snap.path, snap.fingerprint, tuple(selected_names()), json.dumps(edits(), sort_keys=True), draws, DEFAULT_SEED
    )


def current_result(snap: Snapshot) -> EstimateResult:
    """The base case for the scenarios and assumptions on screen (cached per combination): the numbers of
    `regcost estimate` without its Monte Carlo (a slider move re-estimates in a fraction of a second)."""
    return _cached(snap, 0).estimate


def full_result(snap: Snapshot, draws: int = CLI_DRAWS) -> EstimateResult:
    """What `regcost estimate` computes, uncertainty included (cached per combination; about a second)."""
    with st.spinner(f"Drawing {draws:,} times…"):
        return _cached(snap, draws).estimate


# -- the migration plan ------------------------------------------------------------------------------------
@st.cache_resource(max_entries=4, show_spinner=False)
def _plan_view(path: str, fp: tuple[Any, ...]) -> dict[str, Any] | None:
    """The plan the estimate took its effort from (kept with the estate), as the page shows it."""
    kept = _estate_for(path, fp).plan_summary
    return plan_view(kept.plan) if kept is not None else None


def migration_plan(snap: Snapshot) -> dict[str, Any] | None:
    """`regcost plan` (no reference scan) as of the last collection, as `source.plan_view`; None while busy."""
    try:
        return _plan_view(snap.path, snap.fingerprint)
    except WarehouseBusy:
        return None


# -- downloads ---------------------------------------------------------------------------------------------
DOWNLOADS = (
    ("JSON", "json", "application/json", "json"),
    ("CSV (per component × month)", "csv", "text/csv", "csv"),
    ("Markdown", "markdown", "text/markdown", "md"),
)


def _full_key(snap: Snapshot) -> tuple[str, tuple[Any, ...], tuple[str, ...], str, int, int]:
    """The cache key of `regcost estimate`'s result for what is on screen (10,000 draws, the CLI's seed)."""
    return (
        snap.path,
        snap.fingerprint,
        tuple(selected_names()),
        json.dumps(edits(), sort_keys=True),
        CLI_DRAWS,
        DEFAULT_SEED,
    )


def _rendered(key: tuple[str, tuple[Any, ...], tuple[str, ...], str, int, int], fmt: str) -> str:
    return render(_estimate(*key), fmt)


def downloads(snap: Snapshot) -> None:
    """Sidebar downloads of the estimate on screen, through the same renderers as the CLI and with the same
    uncertainty (CLI_DRAWS draws): built when clicked, so a slider move does not wait for the Monte Carlo."""
    key = _full_key(snap)
    with st.sidebar:
        scenarios = presets()
        st.caption(
            "Comparing: " + ", ".join(scenarios[n].title for n in selected_names() if n in scenarios),
            help="Chosen on the Scenarios or the Uncertainty page; every page shows the same selection.",
        )
        st.subheader("Download this estimate")
        changed = len(edits())
        st.caption(
            "With the assumptions on screen"
            + (f" ({changed} changed from the presets)." if changed else " (the presets).")
            + f" The same renderers as `regcost estimate --format …` ({CLI_DRAWS:,} draws, seed {DEFAULT_SEED})."
        )
        for label, fmt, mime, ext in DOWNLOADS:
            st.download_button(
                label,
                data=functools.partial(_rendered, key, fmt),
                file_name=f"regcost-estimate.{ext}",
                mime=mime,
                key=f"download.{fmt}",
                icon=":material/download:",
                width="stretch",
                on_click="ignore",
            )
        _report_downloads(snap, key)


REPORT_KEY = "regcost.report"  # (identity of the result it was built from, html bytes, pdf bytes)


def _report_downloads(snap: Snapshot, key: tuple[Any, ...]) -> None:
    """HTML and PDF reports of the estimate on screen, built on request: a PDF takes seconds (charts through a
    headless Chromium, then layout), too slow to redo on every slider move."""
    identity = json.dumps(key[1:], default=str)
    if st.button("Build HTML + PDF report", key="report.build", icon=":material/description:", width="stretch"):
        try:
            with st.spinner("Rendering the report (a few seconds)…"):
                result = _estimate(*key)
                st.session_state[REPORT_KEY] = (identity, render_bytes(result, "html"), render_bytes(result, "pdf"))
        except WarehouseError as exc:
            st.warning(f"The report needs the warehouse for a moment: {exc}. Try again when the collection ends.")
    built = st.session_state.get(REPORT_KEY)
    if built and built[0] == identity:
        for label, data, mime, ext in (
            ("HTML report", built[1], "text/html", "html"),
            ("PDF report (A4)", built[2], "application/pdf", "pdf"),
        ):
            st.download_button(
                label,
                data=data,
                file_name=f"regcost-report.{ext}",
                mime=mime,
                key=f"download.report.{ext}",
                icon=":material/download:",
                width="stretch",
                on_click="ignore",
            )
    else:
        st.caption("The same report as `regcost report`, from the assumptions on screen.")
