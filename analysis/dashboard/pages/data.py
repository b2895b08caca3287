"""Data: where the numbers come from — runs, collection errors, the snapshot per scope, prices and assumptions."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analysis.dashboard import controls, state, tables
from analysis.dashboard.format import GIB

_UNITS = {"catalog candidate": "choice (catalog)"}

snap = state.require_snapshot()
result = state.current_result(snap)

st.title("Data")
st.caption(
    f"Warehouse **{snap.path}**, read at {snap.loaded_at:%Y-%m-%d %H:%M:%S} UTC (read-only; re-checked every "
    f"{state.RECHECK_SECONDS:.0f} s, re-read when a run finishes). Current snapshot from "
    f"{'run' if len(snap.run_ids) == 1 else 'runs'} {', '.join(map(str, snap.run_ids))}."
)

st.subheader("Runs")
runs = snap.runs.copy()
if not runs.empty:
    counts = runs["counts"].map(lambda c: json.loads(c) if c else {})
    runs["images"] = counts.map(lambda c: c.get("images"))
    runs["took"] = (runs["finished_at"] - runs["started_at"]).dt.total_seconds()
    for col in ("started_at", "finished_at"):
        runs[col] = runs[col].dt.strftime("%Y-%m-%d %H:%M:%S")
    tables.grid(
        runs,
        {
            "run_id": "Run",
            "source": "Source",
            "status": "Status",
            "started_at": "Started (UTC)",
            "finished_at": "Finished (UTC)",
            "took": "Took (s)",
            "errors": "Errors",
            "images": "Images",
        },
        key="table.runs",
        counts=("run_id", "errors", "images"),
        decimals={"took": 1},
        help={"images": "Images read by an ECR or registry collection (— for the other sources)."},
    )

st.subheader("Collection errors")
with_errors = [r for r, df in snap.errors.items() if not df.empty]
if not with_errors:
    runs_read = f"{len(snap.errors)} {'run' if len(snap.errors) == 1 else 'runs'}"
    st.success(f"No errors recorded in the last {runs_read}.", icon=":material/check_circle:")
else:
    if state.owned("data.run") not in with_errors:
        st.session_state["regcost.data.run"] = with_errors[0]
    run = st.selectbox("Run", with_errors, **state.bind("data.run", with_errors[0]))
    st.dataframe(snap.errors[run], hide_index=True, key="table.errors", width="stretch")

st.subheader("Current snapshot per account and region")
scopes = snap.scopes.copy()
for col in ("naive_bytes", "repository_unique_bytes", "scope_unique_bytes"):
    scopes[col] = scopes[col] / GIB
tables.grid(
    scopes,
    {
        "account_id": "Account",
        "region": "Region",
        "status": "Status",
        "run_id": "Run",
        "repositories": "Repositories",
        "images": "Images",
        "tagged_images": "Tagged",
        "untagged_images": "Untagged",
        "archived_images": "Archived",
        "pulls": "Pulls",
        "naive_bytes": "Naive GiB",
        "repository_unique_bytes": "Repository-unique GiB",
        "scope_unique_bytes": "Scope-unique GiB",
    },
    key="table.scopes",
    counts=("run_id", "repositories", "images", "tagged_images", "untagged_images", "archived_images", "pulls"),
    decimals={"naive_bytes": 1, "repository_unique_bytes": 1, "scope_unique_bytes": 1},
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
                "kind": r["kind"].capitalize() if r["kind"] == "harbor" else r["kind"].upper(),
                "repositories": r["repositories"],
                "artifacts": r["artifacts"],
                "unique blobs GiB": r["unique_blob_bytes"] / GIB,
                "Σ project quota GiB": None if r["quota_sum_bytes"] is None else r["quota_sum_bytes"] / GIB,
                "physical GiB": None if r["physical_bytes"] is None else r["physical_bytes"] / GIB,
                "physical from": r["physical_source"],
                "naive GiB": r["naive_bytes"] / GIB,
                "pulls": r["pulls"],
                "last GC": None if r["last_gc"] is None else str(r["last_gc"])[:19],
                "version": r["version"],
                "run": r["run_id"],
            }
            for r in snap.registries
        ]
    )
    tables.grid(
        registries,
        {c: c[0].upper() + c[1:] for c in registries.columns},
        key="table.registries",
        counts=("repositories", "artifacts", "pulls", "run"),
        decimals={c: 2 for c in registries.columns if "GiB" in c},
    )
    st.caption(
        "unique blobs: layers, configs and manifests, each digest once (what the registry stores); Σ project "
        "quota: Harbor's project quotas (a blob shared by several projects counts in each); physical: Harbor's "
        "blob table (/statistics or the exporter), deleted blobs included until garbage collection. naive: Σ artifact "
        "sizes. Empty: not reported (physical needs a system administrator or `--metrics-url`)."
    )
    for r in snap.registries:  # the registry named once, as the report does, not at the head of every line
        if r["explanation"]:
            lines = "\n".join(f"- {line}" for line in r["explanation"])
            st.markdown(f"`{r['registry']}`: why its numbers differ\n\n{lines}")

st.subheader("Assumptions in force")
st.caption('The presets, with any change made on the Scenarios page; scenario "all": shared by every scenario.')
assumptions = pd.DataFrame([a.model_dump() for a in result.assumptions])
titles = {s.name: s.title for s in result.scenarios}
assumptions["scenario"] = assumptions["scenario"].map(lambda n: "all" if n == "*" else titles.get(n, n))
assumptions["label"] = assumptions["name"].map(lambda n: controls.label(n.rsplit(".", 1)[-1]))
for col in ("base", "low", "high"):
    assumptions[col] = [
        controls.value_text(v, unit) for v, unit in zip(assumptions[col], assumptions["unit"], strict=True)
    ]
# The values now read in per cent: a unit of "fraction" beside "84.7 %" would contradict them (as in the report,
# a pick among the catalog's options is a choice, not a unit of measure).
assumptions["unit"] = assumptions["unit"].map(
    lambda u: "%" + u.removeprefix("fraction") if u.startswith("fraction") else _UNITS.get(u, u)
)
tables.grid(
    assumptions,
    {
        "scenario": "Scenario",
        "label": "Assumption",
        "base": "Base",
        "low": "Low",
        "high": "High",
        "unit": "Unit",
        "source": "Source",
        "name": "Identifier",
    },
    key="table.assumptions",
    help={"name": "The name in scenario files and `regcost estimate -f json`."},
)

st.subheader("Price catalog")
st.caption(
    "The whole catalog, every location (`regcost pricing show`); each price carries its unit, currency, source "
    f"and date. The prices this estimate used date from {result.catalog_as_of.get('oldest', '?')} to "
    f"{result.catalog_as_of.get('newest', '?')}; the report lists them, graded by source."
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
    column_config={
        "id": "Price",
        "location": "Location",
        "price_text": "Price as published",
        "unit": "Unit",
        "currency": "Currency",
        "as_of": "As of",
        "source": st.column_config.LinkColumn("Source"),
        "origin": "Catalog file",
    },
)
state.downloads(snap)
