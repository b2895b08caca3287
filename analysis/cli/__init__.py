"""The `regcost` command: collect → warehouse → model → render.

Each module registers its commands on the one Typer app in `base`; importing them here wires the CLI.
"""

from analysis.cli import collect, demo, estimate, inspect, portability  # noqa: F401  (registers the commands)
from analysis.cli.base import app

__all__ = ["app"]
