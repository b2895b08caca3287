"""regcost: what a container registry costs on AWS ECR, self-hosted (Harbor), and what it takes to move."""

from importlib.metadata import PackageNotFoundError, version

try:  # the installed distribution's version (pyproject.toml), so the wheel, the CLI and the warehouse agree
    __version__ = version("regcost")
except PackageNotFoundError:  # imported from a checkout that was never installed (no dist-info to read)
    __version__ = "0+unknown"
