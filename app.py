"""regcost dashboard (Streamlit). The full dashboard is a later stage; this page shows what was collected.

.venv/bin/streamlit run app.py -- --db regcost-demo.duckdb
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
import streamlit as st

from analysis.warehouse import Warehouse, WarehouseError, default_path, queries


def _db_arg() -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(default_path()))
    return parser.parse_known_args(sys.argv[1:])[0].db


st.set_page_config(page_title="regcost", layout="wide")
st.title("regcost — registry cost and portability")
db = _db_arg()
try:
    with Warehouse(db, read_only=True) as wh:
        scopes = pd.DataFrame(queries.inventory_by_scope(wh))
        runs = pd.DataFrame(queries.recent_runs(wh))
except WarehouseError as exc:
    st.info(f"{exc}.\n\nCollect with `regcost collect ecr --profile PROFILE --regions all`, or try `regcost demo`.")
    st.stop()

if scopes.empty:
    st.info("The warehouse has no complete collection yet: run `regcost collect ecr` or `regcost demo`.")
    st.stop()

gib = 2**30
cols = st.columns(4)
cols[0].metric("Repositories", f"{scopes['repositories'].sum():,}")
cols[1].metric("Images", f"{scopes['images'].sum():,}")
cols[2].metric("Σ imageSizeInBytes (naive)", f"{scopes['naive_bytes'].sum() / gib:,.1f} GiB")
cols[3].metric("Unique per repository (ECR bills)", f"{scopes['repository_unique_bytes'].sum() / gib:,.1f} GiB")
st.subheader("Current snapshot by account and region")
st.dataframe(scopes, hide_index=True)
st.subheader("Runs")
st.dataframe(runs, hide_index=True)
