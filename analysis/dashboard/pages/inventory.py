"""Inventory: storage by account, region and repository; untagged and never-pulled images; top repositories."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.dashboard import charts, state
from analysis.dashboard.format import GIB, gib

snap = state.require_snapshot()
assert snap.profile is not None
repos = snap.profile.repositories

st.title("Inventory")
# "Stored" here and "ECR-billable" on the Overview differ wherever blob mounting is on: say so where both are read.
p = snap.profile_summary
billable = f" (the Overview's ECR-billable total: {gib(p.ecr_billable_bytes)})" if p is not None else ""
st.caption(
    "Current snapshot of every (account, region). Storage here is unique blobs per repository, summed "
    f"(GiB = 2^30 bytes): what ECR bills without blob mounting. Where a registry mounts blobs, ECR bills less"
    f"{billable}. The naive Σ imageSizeInBytes counts shared layers in every image; no registry bills it."
)

f = st.columns([1, 1, 2])
accounts = f[0].multiselect(
    "Accounts", sorted(repos["account_id"].unique()), placeholder="all accounts", **state.bind("inv.accounts", [])
)
regions = f[1].multiselect(
    "Regions", sorted(repos["region"].unique()), placeholder="all regions", **state.bind("inv.regions", [])
)
text = f[2].text_input("Repository name contains", placeholder="e.g. payments/", **state.bind("inv.name", ""))
view = repos
if accounts:
    view = view[view["account_id"].isin(accounts)]
if regions:
    view = view[view["region"].isin(regions)]
if text:
    view = view[view["repository_name"].str.contains(text, case=False, regex=False)]

c = [*st.columns(3), *st.columns(3)]  # five in a row are cut ("2,270.2 …") at 1280 px
c[0].metric("Repositories", f"{len(view):,}")
c[1].metric("Images", f"{int(view['images'].sum()):,}")
c[2].metric(
    "Stored (per repository)",
    gib(view["unique_bytes"].sum()),
    help="Unique blobs per repository, summed: what ECR bills without blob mounting (archive class included). "
    "Where a registry enables blob mounting ECR bills less: the Overview shows the billable total.",
)
c[3].metric(
    "Untagged",
    gib(view["untagged_bytes"].sum()),
    help=f"{int(view['untagged_images'].sum()):,} untagged images; bytes referenced only by untagged images.",
)
c[4].metric(
    "Never pulled",
    gib(view["never_pulled_bytes"].sum()),
    help=f"{int(view['never_pulled_images'].sum()):,} images without a recorded pull (stale); their unique bytes.",
)

if view.empty:
    st.info("No repository matches these filters.")
    st.stop()

st.subheader("Storage by account → region → repository")
st.plotly_chart(charts.storage_treemap(view), key="chart.treemap", config={"displayModeBar": False})
st.caption("Click a tile to zoom in, the bar above to zoom out. The 300 largest repositories are drawn.")


def _table(df: pd.DataFrame, cols: dict[str, str], key: str) -> None:
    out = df[list(cols)].rename(columns=cols)
    config = {
        # GiB to one decimal; counts (pulls per month are a 30-day mean scaled to a month) without decimals
        label: st.column_config.NumberColumn(label, format="%,.1f" if "GiB" in label else "%,.0f")
        for label in out.columns
        if pd.api.types.is_numeric_dtype(out[label]) and not pd.api.types.is_bool_dtype(out[label])
    }
    config.update({k: st.column_config.TextColumn(k, width="medium") for k in ("Repository",) if k in out})
    st.dataframe(out, hide_index=True, column_config=config, key=key, width="stretch", height=390)


shown = view.assign(
    unique_gib=view["unique_bytes"] / GIB,
    untagged_gib=view["untagged_bytes"] / GIB,
    never_pulled_gib=view["never_pulled_bytes"] / GIB,
    naive_gib=view["naive_bytes"] / GIB,
)
left, right = st.columns(2, gap="large")
with left:
    st.subheader("Untagged images")
    _table(
        shown[shown["untagged_images"] > 0].sort_values("untagged_bytes", ascending=False).head(200),
        {
            "repository_name": "Repository",
            "region": "Region",
            "untagged_images": "Images",
            "untagged_gib": "GiB",
        },
        "table.untagged",
    )
with right:
    st.subheader("Stale: never pulled")
    _table(
        shown[shown["never_pulled_images"] > 0].sort_values("never_pulled_bytes", ascending=False).head(200),
        {
            "repository_name": "Repository",
            "region": "Region",
            "never_pulled_images": "Images",
            "never_pulled_gib": "GiB",
        },
        "table.stale",
    )

st.subheader("Top repositories")
by = st.radio("by", ["storage", "pulls per month", "images"], horizontal=True, **state.bind("inv.top", "storage"))
column = {"storage": "unique_bytes", "pulls per month": "pulls_per_month", "images": "images"}[by]
_table(
    shown.sort_values(column, ascending=False).head(50),
    {
        "account_id": "Account",
        "region": "Region",
        "repository_name": "Repository",
        "images": "Images",
        "unique_gib": "Unique GiB",
        "naive_gib": "Naive GiB",
        "pulls_per_month": "Pulls/month",
        "untagged_images": "Untagged",
        "never_pulled_images": "Never pulled",
        "has_lifecycle_policy": "Lifecycle policy",
    },
    "table.top",
)
state.downloads(snap)
