"""The `regcost` command: collect → warehouse → model → render.

Each module registers its commands on the one Typer app in `base`; importing them here wires the CLI.
"""

import atexit
import gc

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

# At exit CPython's last garbage collection walks every object the command left (botocore's service models, the
# modules): ~0.08 s after a collection, more than its own load takes. Frozen objects are skipped; the command has
# closed what it opened by then (the warehouse), and the memory goes back with the process.
atexit.register(gc.freeze)

__all__ = ["app"]
