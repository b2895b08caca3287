"""Where regcost finds the files it reads at run time: the price catalog, the scenario presets, the Harbor API
spec, the demo's GitOps folder (all under the repository's `data/`) and the dashboard's entry script `app.py`.

The repository keeps them at its top level; the build (pyproject.toml, `force-include`) maps them into the
package, so an installed regcost (wheel, `pipx`, `uv tool`) finds them inside `analysis/` wherever it runs and
puts nothing else into site-packages:

    data/     → analysis/_data/
    app.py    → analysis/_app/app.py   (a folder of its own: Streamlit puts the script's folder on sys.path)

A source checkout (`uv run`, an editable install) has no `_data/`, and the files are where the repository
keeps them. `$REGCOST_DATA_DIR` replaces the shipped folder for prices and presets (pricing/, scenarios/).
"""

from __future__ import annotations

import os
from pathlib import Path

# A real folder, never a zip: Streamlit, DuckDB and the reference scan need paths on disk. From this file, not
# `importlib.resources.files`: that import (and zipfile's) was 5 ms of every command's start-up.
PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE.parent  # the repository root, when running from a source checkout


def shipped_data() -> Path:
    """The data regcost ships: inside the installed package, else the checkout's `data/`."""
    installed = PACKAGE / "_data"
    return installed if installed.is_dir() else _CHECKOUT / "data"


def dashboard_app() -> Path:
    """The Streamlit entry script (`streamlit run` needs a file)."""
    installed = PACKAGE / "_app" / "app.py"
    return installed if installed.is_file() else _CHECKOUT / "app.py"


def dashboard_pages() -> Path:
    return PACKAGE / "dashboard" / "pages"


def cache_dir() -> Path:
    """Where regcost keeps what it can derive again (parsed price files, the Harbor spec's definitions): the
    user's cache ($XDG_CACHE_HOME/regcost or ~/.cache/regcost). Losing it costs only time."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regcost"
