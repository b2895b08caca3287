"""Portability: the migration plan to Harbor — scores, findings, waves, and what the lifecycle policies become.

The same plan as `regcost plan` (analysis.portability.plan.build_plan), with the reference scan of
`regcost dashboard --scan PATH` if given, evaluated as of the last collection and cached per finished run
(state.migration_plan).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.dashboard import state
from analysis.dashboard.format import GIB, money
from analysis.dashboard.tables import grid, money_column

snap = state.require_snapshot()
result = state.current_result(snap)
plan = state.migration_plan(snap)

st.title("Portability")
if plan is None:
    st.info(
        "A collection is writing to the warehouse: the migration plan is built when it finishes "
        f"(checked every {state.RECHECK_SECONDS:.0f} s).",
        icon=":material/sync:",
    )
    state.downloads(snap)
    st.stop()

s = plan["summary"]
days = s["migration_days"]
st.caption(
    f"The migration plan to Harbor for warehouse {snap.path}, as `regcost plan` builds it, evaluated as of "
    f"{plan['at'][:19].replace('T', ' ')} UTC (the end of the last collection). "
    + (
        f"Image references scanned in {', '.join(f'`{p}`' for p in state.scan_paths())}: their findings, risk "
        "and effort are in the figures below, as in `regcost plan --scan`. `regcost plan` also writes the Harbor "
        "API payloads and the scenario overrides."
        if state.scan_paths()
        else "**No reference scan here:** `regcost dashboard --scan PATH` (as `regcost plan --scan PATH`) adds "
        "the image references found in Git repositories (manifests, Helm, Terraform, CI) — their findings, risk "
        "and effort — to the plan and to the effort the estimate prices."
    )
)

cols = st.columns(4)
cols[0].metric(
    "Repositories to migrate",
    f"{s['repositories']:,}",
    help=f"Into {s['projects']} Harbor projects in {s['waves']} waves; replicas and pull-through caches are "
    "recreated, not copied.",
)
cols[1].metric(
    "Bytes copied",
    f"{s['bytes_copied'] / GIB:,.1f} GiB",
    help="Unique blobs, each copied by the first wave that needs it (GiB = 2^30 bytes).",
)
cols[2].metric(
    "Copy-out egress",
    money(s["egress_cost"], "USD", cents=True),
    help="One-time: the copied bytes at each source region's internet egress rate (price catalog).",
)
cols[3].metric(
    "Engineer-days",
    f"{days['base']:g}",
    help=f"Setup ({plan['assumptions']['setup_days']:g} d) + the findings' effort + the waves' effort. "
    f"Range {days['low']:g}–{days['high']:g} ({plan['assumptions']['range'][0]:g}× – "
    f"{plan['assumptions']['range'][1]:g}×): effort overruns more than it underruns.",
)
waves_days = sum(w["engineering_days"] for w in plan["waves"])
findings_days = sum(f["effort_days"] for f in plan["findings"])
st.caption(
    f"Engineer-days {days['base']:g} = setup {plan['assumptions']['setup_days']:g} + findings {findings_days:g} + "
    f"waves {waves_days:g}; range {days['low']:g}–{days['high']:g} — the `migration_days` assumption "
    f"`regcost plan` hands the self-hosted scenarios. `regcost plan` also writes {s['payload_calls']:,} Harbor API "
    "calls (projects, robots, retention, replication), validated against the API spec."
)

st.subheader("Portability per area")
st.caption(
    "5: moves as is … 1: much to rebuild; one point off per piece of evidence found in the estate"
    + (
        " and in the scanned files. A report built with the same `--scan` gives the same scores and effort."
        if state.scan_paths()
        else ". **Why a PDF may score lower:** these scores count what the warehouse shows. A report built with a "
        "reference scan (`regcost report --scan PATH`; the demo's report scans data/demo-gitops) also counts the "
        "image references found in Git — manifests, Helm, Terraform, CI — so its scores can be lower and its "
        "engineer-days higher. Start the dashboard with the same `--scan PATH` and the two agree."
    )
)
scores = pd.DataFrame(
    [
        {"Area": x["row"][0].upper() + x["row"][1:], "Score": f"{x['score']} / 5", "Evidence": "; ".join(x["evidence"])}
        for x in plan["scores"]
    ]
)
st.table(scores.set_index("Area"))

st.subheader("Findings: ECR features in use and what Harbor offers instead")
findings = pd.DataFrame(
    [
        {
            "Feature": f["title"],
            "Evidence": f["evidence"],
            "Harbor instead": f["harbor"],
            "Effort (days)": f["effort_days"],
            "Effort basis": f["effort_basis"],
        }
        for f in plan["findings"]
    ],
    columns=["Feature", "Evidence", "Harbor instead", "Effort (days)", "Effort basis"],
)
st.table(findings.set_index("Feature").style.format({"Effort (days)": "{:.2f}"}))
st.caption(
    f"{len(findings)} findings, {findings['Effort (days)'].sum():g} engineer-days. "
    "`regcost plan --format json` lists the repositories behind each finding."
)

st.subheader("Migration waves")
st.caption(
    "Low risk first, highest value first within a risk class; the first wave is a pilot of 10 repositories. "
    "One-time cost per wave: the copy-out egress and the engineer-days."
)
waves = pd.DataFrame(
    [
        {
            "Wave": w["wave"],
            "Risk": w["risk"],
            "Repositories": w["repositories"],
            "Copied GiB": w["bytes_copied"] / GIB,
            "Egress": w["egress_cost"],
            "Engineer-days": w["engineering_days"],
            "Pulls/month": w["pulls_per_month"],
            # one name and how many more: three names were cut mid-word at 1280 px (`regcost plan` lists them all)
            "Repositories in it": w["first_repositories"][0] + (f" + {w['names'] - 1:,} more" if w["names"] > 1 else "")
            if w["first_repositories"]
            else "—",
        }
        for w in plan["waves"]
    ]
)
st.dataframe(
    waves,
    hide_index=True,
    key="table.waves",
    width="stretch",
    column_config={
        "Repositories": st.column_config.NumberColumn("Repositories", format="%,.0f"),
        "Copied GiB": st.column_config.NumberColumn(
            "Copied GiB", format="%,.1f", help="Blobs not copied by an earlier wave."
        ),
        "Egress": money_column("Egress", "USD", "Copy-out egress at the source region's internet rate."),
        "Engineer-days": st.column_config.NumberColumn("Engineer-days", format="%.2f"),
        "Pulls/month": st.column_config.NumberColumn("Pulls/month", format="%,.0f"),
        "Repositories in it": st.column_config.TextColumn(
            "Repositories in it", width="medium", help="The wave's first repository; `regcost plan` lists them all."
        ),
    },
)

st.subheader("Lifecycle: what ECR's policies expire vs the translated Harbor retention")
life = plan["lifecycle"]
if not life["repositories_evaluated"]:
    st.caption("No repository has an ECR lifecycle policy: nothing to translate.")
else:
    st.caption(
        f"ECR's lifecycle policies simulated on the collected images as of the plan's date (`regcost lifecycle`): "
        f"{life['images_expired']:,} images expired and {life['images_archived']:,} archived in "
        f"{life['repositories_with_actions']:,} repositories, {life['images_held_by_index']:,} kept because an "
        f"index still references them; {life['bytes_freed'] / GIB:,.1f} GiB freed, "
        f"{money(life['monthly_saving'], 'USD', cents=True)}/month as billed"
        + (
            " (nothing left to expire is the usual case: ECR applies its policies itself, within about a day)"
            if not life["images_expired"]
            else ""
        )
        + ". Then the same images under the Harbor retention rules the policies translate to:"
    )
    cols = st.columns(4)
    cols[0].metric("Repositories with a policy", f"{life['repositories_evaluated']:,}")
    cols[1].metric(
        "ECR expires",
        f"{life['images_expired']:,} images",
        help=f"{life['images_archived']:,} more archived (ECR's archive storage class).",
    )
    cols[2].metric(
        "ECR expires, Harbor keeps",
        f"{s['ecr_expires_harbor_keeps']:,} images",
        help="Images the ECR policy expires that the translated Harbor retention rules keep.",
    )
    cols[3].metric(
        "Harbor deletes, ECR keeps",
        f"{s['harbor_deletes_ecr_keeps']:,} images",
        help="Images the translated Harbor retention rules delete that the ECR policy keeps.",
    )
    if plan["retention_differences"]:
        grid(
            pd.DataFrame(plan["retention_differences"]),
            {
                "account_id": "Account",
                "region": "Region",
                "repository_name": "Repository",
                "ecr_expires_harbor_keeps": "ECR expires, Harbor keeps",
                "harbor_deletes_ecr_keeps": "Harbor deletes, ECR keeps",
                "ecr_archives_harbor_keeps": "ECR archives, Harbor keeps",
            },
            key="table.retention",
            counts=("ecr_expires_harbor_keeps", "harbor_deletes_ecr_keeps", "ecr_archives_harbor_keeps"),
        )
tr = s["translations"]
st.caption(
    "The ECR settings translated to Harbor (lifecycle, immutability, replication, pull-through cache): "
    f"{tr.get('exact', 0)} exact, {tr.get('approximate', 0)} approximate, {tr.get('impossible', 0)} impossible"
    + (f"; {life['malformed_policies']} malformed lifecycle policies." if life["malformed_policies"] else ".")
)
state.downloads(snap)
