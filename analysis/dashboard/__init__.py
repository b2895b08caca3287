"""The Streamlit dashboard: pages over the one result object, plus the warehouse reader that feeds them.

`source` reads the warehouse (read-only, briefly) into memory; `state` holds the Streamlit glue (caches, the
assumptions on screen, the current estimate, downloads); `controls` turns assumption fields into widgets;
`charts` builds the figures; `pages/` are the pages `app.py` wires. Pages format the result: they never cost.
"""
