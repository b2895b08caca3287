"""Streamlit glue shared by every page: the warehouse path, the cached snapshot, the assumptions on screen and
the estimate computed from them, and the download buttons.

Caching (the profile SQL is the slow part; the estimate takes 0.05–0.3 s):
- the snapshot is a `st.cache_resource` keyed by (warehouse path, fingerprint of its newest finished run): one
  read per finished run, shared by every session, never copied;
- the warehouse is re-checked (one small query) at most every RECHECK_SECONDS, so moving a slider does not
  touch the file at all;
- the estimate is a `st.cache_data` keyed by (path, fingerprint, scenarios, edited assumptions);
- the migration plan (1–3 s) is a `st.cache_data` keyed by (path, fingerprint): built once per finished run from
  its own short read-only connection.
"""

from __future__ import annotations

import argparse
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
    read_plan,
    read_snapshot,
)
from analysis.model.result import EstimateResult
from analysis.model.scenarios import Scenario, load_scenarios, pick
from analysis.pipeline.request import EstimateRequest, apply_overrides
from analysis.pipeline.result import Estate, read_estate, run
from analysis.pricing import Catalog, load_catalog
from analysis.render import Result, render
from analysis.warehouse import WarehouseError, default_path

RECHECK_SECONDS = 10.0
EDITS = "regcost.edits"  # {assumption name: value shown on screen}, only those that differ from the presets
SELECTED = "regcost.selected"  # scenario names compared

COLLECT_HELP = (
    "Collect your estate with `regcost collect ecr --profile PROFILE --regions all`, or try the demo estate "
    "with `regcost demo`, then open it with `regcost dashboard --db FILE`."
)


def db_path() -> str:
    """`streamlit run app.py -- --db PATH`, else $REGCOST_DB, else ./regcost.duckdb."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--db", default=None)
    given = parser.parse_known_args(sys.argv[1:])[0].db
    return str(given or default_path())


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


@st.cache_resource(max_entries=4, show_spinner="Reading the warehouse …")
def _snapshot_for(path: str, fp: tuple[Any, ...]) -> Snapshot:
    return read_snapshot(path)


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
    return load_catalog(None)


def selected_names() -> list[str]:
    names = st.session_state.get(SELECTED)
    return list(names) if names else list(presets())


def edits() -> dict[str, Any]:
    return dict(st.session_state.get(EDITS, {}))


def apply_edits(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """The scenario with the on-screen assumptions in place of its own (an edit applies to every scenario)."""
    return apply_overrides(scenario, changes)


def scenarios_for(names: list[str], changes: dict[str, Any]) -> list[Scenario]:
    return [apply_edits(s, changes) for s in pick(presets(), names)]


@st.cache_resource(max_entries=4, show_spinner="Reading the warehouse …")
def _estate_for(path: str, fp: tuple[Any, ...]) -> Estate:
    """What `regcost estimate` reads from the warehouse, once per finished collection (analysis/pipeline/result.py)."""
    return read_estate(EstimateRequest(db=Path(path)), catalog())


@st.cache_data(max_entries=64, show_spinner=False)
def _estimate(path: str, fp: tuple[Any, ...], names: tuple[str, ...], changes_json: str, draws: int = 0) -> Result:
    """`regcost estimate` with the scenarios and assumptions on screen: the same request, the same `run`."""
    request = EstimateRequest(db=Path(path), scenarios=names, overrides=json.loads(changes_json), draws=draws)
    return run(request, _estate_for(path, fp))


FULL = "regcost.full"  # {generated_at: the whole result}: what the downloads render


def _shown(full: Result) -> EstimateResult:
    st.session_state.setdefault(FULL, {})[full.estimate.generated_at.isoformat()] = full
    return full.estimate


def uncertain_result(snap: Snapshot, draws: int) -> EstimateResult:
    """The estimate on screen with Monte Carlo percentiles and the tornado (cached per combination)."""
    with st.spinner("Drawing…"):
        return _shown(
            _estimate(snap.path, snap.fingerprint, tuple(selected_names()), json.dumps(edits(), sort_keys=True), draws)
        )


def current_result(snap: Snapshot) -> EstimateResult:
    """The estimate for the scenarios and assumptions on screen (cached per combination)."""
    return _shown(_estimate(snap.path, snap.fingerprint, tuple(selected_names()), json.dumps(edits(), sort_keys=True)))


def full_result(result: EstimateResult) -> Result:
    """The whole result (plan, effort, data quality) an estimate on screen belongs to."""
    found = st.session_state.get(FULL, {}).get(result.generated_at.isoformat())
    return found if found is not None else Result(estimate=result)


# -- the migration plan ------------------------------------------------------------------------------------
@st.cache_data(max_entries=4, show_spinner="Building the migration plan …")
def _plan(path: str, fp: tuple[Any, ...], at: str) -> dict[str, Any]:
    return read_plan(path, at=datetime.fromisoformat(at), catalog=catalog())


def migration_plan(snap: Snapshot) -> dict[str, Any] | None:
    """`regcost plan` (no reference scan) as of the last collection, as `source.plan_view`; None while busy."""
    try:
        return _plan(snap.path, snap.fingerprint, snap.collected_at.isoformat())
    except WarehouseBusy:
        return None


# -- downloads ---------------------------------------------------------------------------------------------
DOWNLOADS = (
    ("JSON", "json", "application/json", "json"),
    ("CSV (per component × month)", "csv", "text/csv", "csv"),
    ("Markdown", "markdown", "text/markdown", "md"),
)


def downloads(result: EstimateResult) -> None:
    """Sidebar downloads of the estimate on screen, through the same renderers as the CLI."""
    with st.sidebar:
        st.subheader("Download this estimate")
        changed = len(edits())
        st.caption(
            "With the assumptions on screen"
            + (f" ({changed} changed from the presets)." if changed else " (the presets).")
            + " The same renderers as `regcost estimate --format …`."
        )
        for label, fmt, mime, ext in DOWNLOADS:
            st.download_button(
                label,
                data=render(full_result(result), fmt),
                file_name=f"regcost-estimate.{ext}",
                mime=mime,
                key=f"download.{fmt}",
                icon=":material/download:",
                width="stretch",
                on_click="ignore",
            )
        _report_downloads(result)


REPORT_KEY = "regcost.report"  # (identity of the result it was built from, html bytes, pdf bytes)


def _report_downloads(result: EstimateResult) -> None:
    """HTML and PDF reports of the estimate on screen, built on request: a PDF takes seconds (charts through a
    headless Chromium, then layout), too slow to redo on every slider move."""
    identity = json.dumps([result.generated_at.isoformat(), [s.name for s in result.scenarios]])
    if st.button("Build HTML + PDF report", key="report.build", icon=":material/description:", width="stretch"):
        from analysis.render import render_bytes

        try:
            with st.spinner("Rendering the report (a few seconds)…"):
                full = full_result(result)
                st.session_state[REPORT_KEY] = (identity, render_bytes(full, "html"), render_bytes(full, "pdf"))
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
