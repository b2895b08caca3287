"""An organization of many small accounts × 4 regions in the emulated AWS, 50 ms per call and a quota of calls in
flight per account and region; `collect ecr --organization` run whole, against its latency-bound minimum.

The minimum is calls × latency ÷ the concurrency allowed: min(--max-concurrency, scopes × quota). The emulated
AWS runs in a process of its own (as AWS does), so the collector's and moto's CPU do not share one GIL.

    .venv/bin/python benchmarks/org_pace.py [--accounts 20] [--quota 4] [--max-concurrency 64] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _emulated import parse_or_serve  # noqa: E402
from _record import record  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2")
ROLE = "OrganizationAccountAccessRole"


def org_estate(accounts: int):
    """One small estate (4 repositories a region, 40 images each) copied into `accounts` accounts."""
    from analysis.demo.estate import generate_estate

    one = generate_estate(seed=3, repositories=16, images=16 * 40, accounts=1, regions=REGIONS)
    ids = [f"{100_000_000_000 + i:012d}" for i in range(accounts)]

    def copies(items):
        return [replace(x, account_id=a) for a in ids for x in items]

    return replace(
        one,
        accounts=ids,
        management_account=ids[0],
        repositories=copies(one.repositories),
        images=copies(one.images),
        registries=copies(one.registries),
        pull_counts=copies(one.pull_counts),
    )


def serve(args: argparse.Namespace) -> None:
    """The child process: seed the emulated AWS, print how to reach it, answer `calls` until `stop`."""
    from analysis.demo.aws import EmulatedAWS

    with EmulatedAWS(latency_ms=args.latency_ms) as aws:
        aws.seed(org_estate(args.accounts))
        quota = aws.limit_in_flight(args.quota)
        aws.reset_calls()
        print(json.dumps(aws.client_kwargs()), flush=True)
        for line in sys.stdin:
            if line.strip() == "calls":
                counts = {f"{s}:{o}": n for (s, o), n in aws.call_counts().items()}
                cpu = time.process_time()
                print(json.dumps({"calls": counts, "throttled": quota.throttled, "cpu": cpu}), flush=True)
            elif line.strip() == "stop":
                return


def collect(kwargs: dict[str, str], args: argparse.Namespace, db: Path) -> tuple[float, dict]:
    from analysis.collectors.aws import AwsSettings
    from analysis.collectors.ecr import EcrOptions
    from analysis.pipeline.ecr import EcrRequest, collect_ecr
    from analysis.warehouse import Warehouse

    endpoint = kwargs.pop("endpoint_url")
    kwargs.pop("region_name", None)
    settings = AwsSettings(endpoint_url=endpoint, static_credentials=kwargs)
    request = EcrRequest(
        regions=list(REGIONS),
        organization_role=ROLE,
        options=EcrOptions(manifests=False),
        max_concurrency=args.max_concurrency,
    )
    t0, cpu0 = time.perf_counter(), time.process_time()
    with Warehouse(db) as wh:
        summary = collect_ecr(wh, settings, request)
    cpu = time.process_time() - cpu0
    return time.perf_counter() - t0, summary.counts | {"status": summary.status, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--quota", type=int, default=4)
    parser.add_argument("--max-concurrency", type=int, default=64)
    args = parse_or_serve(parser, serve)
    if args is None:
        return
    child = [sys.executable, __file__, "--serve", "--accounts", str(args.accounts), "--quota", str(args.quota)]
    child += ["--latency-ms", str(args.latency_ms)]
    with subprocess.Popen(child, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as server:
        assert server.stdin is not None and server.stdout is not None
        kwargs = json.loads(server.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            wall, counts = collect(kwargs, args, Path(tmp) / "org.duckdb")
        server.stdin.write("calls\n")
        server.stdin.flush()
        seen = json.loads(server.stdout.readline())
        server.stdin.write("stop\n")
        server.stdin.flush()
    report(args, wall, counts, seen)


def report(args: argparse.Namespace, wall: float, counts: dict, seen: dict) -> None:
    calls = sum(seen["calls"].values())
    scopes = args.accounts * len(REGIONS)
    allowed = min(args.max_concurrency, scopes * args.quota)
    floor = calls * args.latency_ms / 1000 / allowed
    rows = "\n".join(f"| `{op}` | {n:,} |" for op, n in sorted(seen["calls"].items()))
    cores = os.cpu_count() or 1
    cpu_floor = (counts["cpu"] + seen["cpu"]) / cores  # both processes share this machine's cores

    def per_call(cpu: float) -> str:
        return f"{cpu / calls * 1000:.1f} ms"

    title = f"{args.accounts} accounts × {len(REGIONS)} regions (`benchmarks/org_pace.py`)"
    body = f"""## Organization at the API's pace — {title}

Each account holds the same small estate (4 repositories a region, 40 images each); the emulated AWS answers
every call after {args.latency_ms:.0f} ms and throttles an account and region with more than {args.quota} ECR or
CloudWatch calls in flight. `collect ecr --organization --no-manifests --max-concurrency {args.max_concurrency}`,
run whole (AssumeRole, every scope, the warehouse loads).

| | |
|---|---|
| scopes (account × region) | {scopes:,} |
| calls answered (throttled ones included) | {calls:,} |
| of which throttled by the quota | {seen["throttled"]:,} |
| concurrency allowed: min(max-concurrency {args.max_concurrency}, {scopes} scopes × {args.quota}) | {allowed} |
| latency-bound minimum: calls × {args.latency_ms / 1000:.3f} s ÷ {allowed} | {floor:.2f} s |
| wall time | {wall:.2f} s |
| **wall ÷ minimum** | **{wall / floor:.2f}×** |
| CPU seconds: the collector / the emulated AWS (moto) | {counts["cpu"]:.1f} s / {seen["cpu"]:.1f} s |
| CPU per answered call: the collector / moto | {per_call(counts["cpu"])} / {per_call(seen["cpu"])} |
| CPU-bound floor here: (collector + moto CPU) ÷ {cores} cores | {cpu_floor:.2f} s |
| wall ÷ CPU-bound floor | {wall / cpu_floor:.2f}× |
| run status | {counts["status"]}, {counts.get("repositories", 0):,} repositories, {counts.get("images", 0):,} images |

| operation | calls |
|---|---|
{rows}

Read the ratio with the CPU lines: 64 calls in flight at 50 ms is 1,280 calls/s, and the collector and moto
both spend milliseconds of CPU per call, on the same {cores} cores. The run cannot be faster than their CPU
seconds spread over the cores (the CPU-bound floor above), so on this machine the latency-bound minimum is out of
reach whatever the collector does; it binds only where calls ÷ allowed concurrency × latency exceeds the CPU
seconds (AWS answers on its own machines, at 50–300 ms). On a loaded machine (the load average is printed
below) both CPU lines stretch in wall time.
"""
    body += f"\nLoad average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores."
    if args.accounts < 200:
        body += f" {args.accounts} accounts, not issue #16's 200, on a 2-core machine shared with other jobs."
    body += "\n"
    print(body)
    if not args.no_record:
        record("org_pace", body)


if __name__ == "__main__":
    main()
