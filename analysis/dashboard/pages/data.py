"""Data: where the numbers come from — runs, collection errors, the snapshot per scope, prices and assumptions."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analysis.dashboard import state
from analysis.dashboard.format import GIB

snap = state.require_snapshot()
result = state.current_result(snap)

st.title("Data")
st.caption(
    f"Warehouse **{snap.path}**, read at {snap.loaded_at:%Y-%m-%d %H:%M:%S} UTC (read-only; re-checked every "
    f"{state.RECHECK_SECONDS:.0f} s, re-read when a run finishes). Current snapshot from run(s) "
    f"{', '.join(map(str, snap.run_ids))}."
)

st.subheader("Runs")
runs = snap.runs.copy()
if not runs.empty:
    counts = runs["counts"].map(lambda c: json.loads(c) if c else {})
    runs["images"] = counts.map(lambda c: c.get("images"))
    runs["took (s)"] = (runs["finished_at"] - runs["started_at"]).dt.total_seconds()
    runs = runs.drop(columns=["counts"])
st.dataframe(runs, hide_index=True, key="table.runs", width="stretch")

st.subheader("Collection errors")
with_errors = [r for r, df in snap.errors.items() if not df.empty]
if not with_errors:
    st.success(f"No errors recorded in the last {len(snap.errors)} run(s).", icon=":material/check_circle:")
else:
    if state.owned("data.run") not in with_errors:
        st.session_state["regcost.data.run"] = with_errors[0]
    run = st.selectbox("Run", with_errors, **state.bind("data.run", with_errors[0]))
    st.dataframe(snap.errors[run], hide_index=True, key="table.errors", width="stretch")

st.subheader("Current snapshot per account and region")
scopes = snap.scopes.copy()
for col in ("naive_bytes", "repository_unique_bytes", "scope_unique_bytes"):
    scopes[col.replace("_bytes", " GiB")] = scopes.pop(col) / GIB
st.dataframe(
    scopes,
    hide_index=True,
    key="table.scopes",
    width="stretch",
    column_config={c: st.column_config.NumberColumn(c, format="%.1f") for c in scopes.columns if "GiB" in c},
)
st.caption(
    "naive: Σ imageSizeInBytes (double-counts shared layers and index children); repository unique: what ECR "
    "bills without blob mounting; scope unique: unique blobs across the region's repositories."
)

if snap.registries:
    st.subheader("Self-hosted registries")
    registries = pd.DataFrame(
        [
            {
                "registry": r["registry"],
                "kind": r["kind"],
                "repositories": r["repositories"],
                "artifacts": r["artifacts"],
                "unique blobs GiB": r["unique_blob_bytes"] / GIB,
                "Σ project quota GiB": None if r["quota_sum_bytes"] is None else r["quota_sum_bytes"] / GIB,
                "physical GiB": None if r["physical_bytes"] is None else r["physical_bytes"] / GIB,
                "physical from": r["physical_source"],
                "naive GiB": r["naive_bytes"] / GIB,
                "pulls": r["pulls"],
                "last GC": r["last_gc"],
                "version": r["version"],
                "run": r["run_id"],
            }
            for r in snap.registries
        ]
    )
    st.dataframe(
        registries,
        hide_index=True,
        key="table.registries",
        width="stretch",
        column_config={c: st.column_config.NumberColumn(c, format="%,.2f") for c in registries if "GiB" in c}
        | {"pulls": st.column_config.NumberColumn("pulls", format="localized")},
    )
    st.caption(
        "unique blobs: layers, configs and manifests, each digest once (what the registry stores); Σ project "
        "quota: Harbor's project quotas (a blob shared by several projects counts in each); physical: Harbor's "
        "blob table (/statistics or the exporter), deleted blobs included until garbage collection. naive: Σ artifact "
        "sizes. Empty: not reported (physical needs a system administrator or `--metrics-url`)."
    )
    for r in snap.registries:
        for line in r["explanation"]:
            st.markdown(f"- `{r['registry']}`: {line}")

st.subheader("Assumptions in force")
st.caption("The presets, with any change made on the Scenarios page; `*` is shared by every scenario.")
st.dataframe(
    pd.DataFrame([a.model_dump() for a in result.assumptions]),
    hide_index=True,
    key="table.assumptions",
    width="stretch",
)

st.subheader("Price catalog")
st.caption(
    f"Prices used by this estimate date from {result.catalog_as_of.get('oldest', '?')} to "
    f"{result.catalog_as_of.get('newest', '?')}. Every price carries its unit, currency, source and date "
    "(`regcost pricing show`)."
)
prices = pd.DataFrame(state.catalog().as_rows())
prices["origin"] = prices["origin"].map(lambda o: o.rsplit("/", 1)[-1] if o else "")
grep = st.text_input("Filter by id", placeholder="e.g. aws.ecr or hetzner", **state.bind("data.grep", ""))
if grep:
    prices = prices[prices["id"].str.contains(grep, case=False, regex=False)]
st.dataframe(
    prices[["id", "location", "price_text", "unit", "currency", "as_of", "source", "origin"]],
    hide_index=True,
    key="table.prices",
    width="stretch",
    column_config={"source": st.column_config.LinkColumn("source"), "origin": "file"},
)
state.downloads(snap)
