"""regcost dashboard (Streamlit): wires the pages of analysis/dashboard/.

    regcost dashboard --db regcost-demo.duckdb          # or: streamlit run app.py -- --db FILE

Portability shows the migration plan of `regcost plan` (without a reference scan).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="regcost", page_icon=":material/savings:", layout="wide")

PAGES = "analysis/dashboard/pages"
page = st.navigation(
    [
        st.Page(f"{PAGES}/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(f"{PAGES}/inventory.py", title="Inventory", icon=":material/inventory_2:"),
        st.Page(f"{PAGES}/scenarios.py", title="Scenarios", icon=":material/tune:"),
        st.Page(f"{PAGES}/uncertainty.py", title="Uncertainty", icon=":material/query_stats:"),
        st.Page(f"{PAGES}/portability.py", title="Portability", icon=":material/move_up:"),
        st.Page(f"{PAGES}/data.py", title="Data", icon=":material/database:"),
    ]
)
page.run()
