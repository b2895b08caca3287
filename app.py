"""regcost dashboard (Streamlit): wires the pages of analysis/dashboard/.

    regcost dashboard --db regcost-demo.duckdb [--scan DIR]   # or: streamlit run app.py -- --db FILE [--scan DIR]

Portability shows the migration plan of `regcost plan` (with `--scan`: the same reference scan).
"""

from __future__ import annotations

import base64

import streamlit as st

from analysis.resources import dashboard_pages

PAGES = dashboard_pages()  # inside the package, wherever it is installed (the build copies this file there)
# A local image: an emoji or material page icon makes the browser fetch the favicon from a CDN (fails offline).
# As a data URL: Streamlit passes it through as it is; a file path it opens with Pillow (an import of ~0.1 s on
# every restarted server's first page) only to check a size that the file already has.
ICON = "data:image/png;base64," + base64.b64encode((PAGES.parent / "icon.png").read_bytes()).decode()
st.set_page_config(page_title="regcost", page_icon=ICON, layout="wide")
page = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "inventory.py", title="Inventory", icon=":material/inventory_2:"),
        st.Page(PAGES / "scenarios.py", title="Scenarios", icon=":material/tune:"),
        st.Page(PAGES / "uncertainty.py", title="Uncertainty", icon=":material/query_stats:"),
        st.Page(PAGES / "portability.py", title="Portability", icon=":material/move_up:"),
        st.Page(PAGES / "data.py", title="Data", icon=":material/database:"),
    ]
)
page.run()
