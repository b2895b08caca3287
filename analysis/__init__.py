"""regcost: what a container registry costs on AWS ECR, self-hosted (Harbor), and what it takes to move."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Read on first use: importlib.metadata costs a third of the CLI framework's own import time, and
    # `regcost --help` should start as fast as the framework does (benchmarks/cli_startup.py).
    if name != "__version__":
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:  # the installed distribution's version (pyproject.toml), so the wheel, the CLI and the warehouse agree
        found = version("regcost")
    except PackageNotFoundError:  # imported from a checkout that was never installed (no dist-info to read)
        found = "0+unknown"
    globals()["__version__"] = found
    return found
