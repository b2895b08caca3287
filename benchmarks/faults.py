"""An 80-repository collection against the emulated AWS, without faults, with three operations failing for good,
and in a 40 % throttling storm. Targets (issue #12): failing-for-good within 1.5× the fault-free time, the storm
within 3×, every row collected in both.

Records in docs/benchmarks.md: wall time of each case (median of --repeat runs), the ratio to the fault-free
case, the run status, images collected ÷ seeded and the calls made.

    .venv/bin/python benchmarks/faults.py [--repositories 80] [--images 4000] [--latency-ms 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _record import record  # noqa: E402

from analysis.collectors.aws import AwsSettings  # noqa: E402
from analysis.demo.aws import EmulatedAWS  # noqa: E402
from analysis.demo.estate import generate_estate  # noqa: E402
from analysis.pipeline.ecr import EcrRequest, RunSummary, collect_ecr  # noqa: E402
from analysis.warehouse import Warehouse  # noqa: E402

REGISTRY_READS = ("DescribeRegistry", "GetRegistryPolicy", "GetRegistryScanningConfiguration")
REPOSITORY_READS = ("ListTagsForResource", "GetLifecyclePolicy", "GetRepositoryPolicy")


def _registry_500(aws: EmulatedAWS) -> None:
    for op in REGISTRY_READS:
        aws.inject_fault(op, "ServerException", status=500, message="internal failure (injected)")


def _repository_500(aws: EmulatedAWS) -> None:
    for op in REPOSITORY_READS:
        aws.inject_fault(op, "ServerException", status=500, message="internal failure (injected)")


def _storm(aws: EmulatedAWS) -> None:
    aws.throttle(0.40, seed=12)


CASES: list[tuple[str, str, Callable[[EmulatedAWS], None] | None, float]] = [
    ("no faults", "—", None, 1.0),
    ("3 registry reads answer 500", " / ".join(REGISTRY_READS), _registry_500, 1.5),
    ("3 repository reads answer 500", " / ".join(REPOSITORY_READS), _repository_500, 1.5),
    ("40 % throttling storm", "every ECR and CloudWatch call, p = 0.40", _storm, 3.0),
]


def _collect(aws: EmulatedAWS, estate, db: Path) -> tuple[float, RunSummary]:
    creds = aws.client_kwargs()
    settings = AwsSettings(
        endpoint_url=creds["endpoint_url"],
        static_credentials={k: v for k, v in creds.items() if k != "endpoint_url"},
    )
    request = EcrRequest(regions=list(estate.regions), organization_role="OrganizationAccountAccessRole")
    start = time.perf_counter()
    with Warehouse(db) as wh:
        summary = collect_ecr(wh, settings, request)
    return time.perf_counter() - start, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=80)
    parser.add_argument("--images", type=int, default=4_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    estate = generate_estate(seed=args.seed, repositories=args.repositories, images=args.images)
    rows = []
    baseline = None
    with EmulatedAWS(latency_ms=args.latency_ms) as aws, tempfile.TemporaryDirectory() as tmp:
        aws.seed(estate)
        _collect(aws, estate, Path(tmp) / "warm-up.duckdb")  # imports, botocore models, moto's first answers
        for name, faults, inject, target in CASES:
            times, summary, calls = [], None, 0
            for i in range(args.repeat):
                aws.clear_faults()
                if inject:
                    inject(aws)
                aws.reset_calls()
                took, summary = _collect(aws, estate, Path(tmp) / f"{name}-{i}.duckdb")  # cold: a new warehouse
                times.append(took)
                calls = len(aws.calls)
            aws.clear_faults()
            median = statistics.median(times)
            baseline = baseline or median
            assert summary is not None
            images = summary.counts.get("images", 0)
            rows.append(
                (name, faults, median, min(times), max(times), median / baseline, target, summary, images, calls)
            )
            print(f"{name}: {median:.2f} s ({median / baseline:.2f}×), {summary.status}, images {images:,}", flush=True)

    lines = [
        f"## Faults and throttling — {args.repositories} repositories (`benchmarks/faults.py`)",
        "",
        f"Estate: seed {args.seed}, {len(estate.repositories)} repositories, {len(estate.images):,} images in "
        f"{len(estate.accounts)} accounts × {len(estate.regions)} regions; emulated AWS (moto over HTTP) with "
        f"**{args.latency_ms:g} ms latency per call**; each case a cold collection into a new warehouse, median of "
        f"{args.repeat} runs. Faults from the emulator's harness (`inject_fault`, `throttle`).",
        "",
        "| case | faulted operations | median s (min–max) | × no faults | target | status | images collected | calls |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for name, faults, median, lo, hi, ratio, target, summary, images, calls in rows:
        met = "✓" if ratio <= target else "✗"
        lines.append(
            f"| {name} | {faults} | {median:.2f} ({lo:.2f}–{hi:.2f}) | {ratio:.2f} | ≤ {target:g}× {met} | "
            f"{summary.status} | {images:,} / {len(estate.images):,} | {calls:,} |"
        )
    lines += [
        "",
        "Why it holds: a 5xx is tried three times in all (not botocore's eleven), an operation that fails for good "
        "in three repositories of a scope is skipped for the rest (recorded once, last good value kept), registry "
        "reads run alongside the repositories, and throttles are retried up to ten attempts (first backoff ≤ 0.25 s, "
        "doubling, capped at 5 s) under a client-side rate limiter that engages on bursts of throttles only "
        "(docs/reliability.md).",
    ]
    record("faults", "\n".join(lines))


if __name__ == "__main__":
    main()
