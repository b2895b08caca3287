"""Overview: what the registry costs today, what is stored and pulled, and the recommendation."""

from __future__ import annotations

import streamlit as st

from analysis.dashboard import charts, state, tables
from analysis.dashboard.format import gib, money
from analysis.render.format import counted, headline
from analysis.units import human_bytes

snap = state.require_snapshot()
p = snap.profile_summary  # what the estimate reports as its profile; drawn before the estimate is ready
assert p is not None

st.title("Overview")
st.caption(
    f"{p.repositories:,} repositories · {p.images:,} images · {counted(p.accounts, 'account')} × "
    f"{counted(len(p.regions), 'region')} ({', '.join(p.regions)}) · warehouse {snap.path}, "
    f"{'run' if len(snap.run_ids) == 1 else 'runs'} {', '.join(map(str, snap.run_ids))}"
)

cols = st.columns(4)
cols[1].metric(
    "ECR-billable storage",
    gib(p.ecr_billable_bytes),
    help="Unique blobs per repository (per registry with blob mounting), what ECR bills. "
    f"Naive Σ imageSizeInBytes would say {gib(p.naive_bytes)}.",
)
cols[2].metric(
    "Globally unique storage",
    gib(p.global_unique_bytes),
    help="Each blob once across the estate: what one self-hosted registry stores (before GC backlog).",
)
cols[3].metric(
    "Pulls per month",
    f"{p.pulls_per_month:,.0f}",
    help=f"CloudWatch RepositoryPullCount over {p.pull_window_days} days, scaled to a month; "
    f"{gib(p.pull_bytes_per_month)}/month before the node layer cache.",
)

for r in snap.registries:
    st.caption(
        f"Self-hosted {r['kind'].capitalize() if r['kind'] == 'harbor' else r['kind'].upper()} registry "
        f"`{r['registry']}` (run {r['run_id']}): {human_bytes(r['unique_blob_bytes'])} of unique blobs in "
        f"{r['repositories']:,} repositories, against {gib(p.ecr_billable_bytes)} ECR-billable for "
        f"{p.repositories:,} ECR repositories — what it stores today, not what the estate would need there. "
        "Its three storage numbers: the Data page."
    )

# The estimate needs the migration plan (the self-hosted scenarios' engineer-days), seconds on a large estate
# the first time: the estate's figures above are on screen meanwhile.
result = state.current_result(snap)
baseline = result.scenario(result.baseline)
ccy = result.currency
cols[0].metric(
    "ECR cost, month 1",
    money(baseline.monthly_total[0], ccy),
    help="Modelled from the collected estate and the price catalog: storage, transfer, scanning, NAT "
    "(Stay on ECR, month 1). Per component with prices and sources: `regcost estimate --explain`.",
)

rec = result.recommendation
st.subheader("Recommendation")
box = st.success if rec.scenario != result.baseline else st.info
box(f"**{headline(result)}**\n\n{rec.reason}.", icon=":material/recommend:")
changed = len(state.edits())
scans = state.scan_paths()
st.caption(
    f"Over {result.horizon_months} months in {ccy}, "
    + (
        f"with {counted(changed, 'assumption')} changed on the Scenarios page."
        if changed
        else "with the preset assumptions."
    )
    + " Move them on the Scenarios page; every page and download follows. "
    # A report built with --scan also prices rewriting the image references it finds: a reader comparing this
    # page with such a report must know whether the two scanned the same files.
    + (
        f"The migration effort counts the image references found in {', '.join(f'`{p}`' for p in scans)}, as "
        "`regcost report --scan` does (see the Portability page)."
        if scans
        else "The migration effort scans no deployment files: a report built with `regcost report --scan PATH` "
        "also prices rewriting the image references it finds, so its self-hosted totals are higher; start the "
        "dashboard with the same `--scan PATH` to compare like with like (see the Portability page)."
    )
)

st.subheader(f"{result.horizon_months}-month cost of each scenario")
st.plotly_chart(charts.tco_bars(result), key="chart.tco", config={"displayModeBar": False})
tables.summary(result)
for note in result.notes:
    st.caption(f"note: {note}")
state.downloads(snap)
