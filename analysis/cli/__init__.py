"""The `regcost` command: collect → warehouse → model → render.

Each module registers its commands on the one Typer app in `base`; importing them here wires the CLI.
"""

from analysis.cli import (  # noqa: F401  (registers the commands)
    collect,
    collect_registry,  # noqa: F401  (collect harbor|oci, after ecr and costs)
    demo,
    estimate,
    inspect,
    measure,  # noqa: F401  (collect trail|network|workloads, #13)
    portability,
)
from analysis.cli.base import app

__all__ = ["app"]
