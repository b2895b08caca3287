"""What the benchmarks that run the emulated AWS in a child process share: their common options."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def emulator_arguments(parser: argparse.ArgumentParser, latency_ms: float = 50.0) -> None:
    """--latency-ms (added to every call), --no-record, and the hidden --serve of the child process."""
    parser.add_argument("--latency-ms", type=float, default=latency_ms)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-record", action="store_true")


def parse_or_serve(
    parser: argparse.ArgumentParser, serve: Callable[[argparse.Namespace], None]
) -> argparse.Namespace | None:
    """The benchmark's arguments; None once `serve` has run, when this process is the emulator child."""
    emulator_arguments(parser)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return None
    return args
