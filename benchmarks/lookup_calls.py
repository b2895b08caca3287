"""LookupEvents for 10,000 pull events over the emulated AWS: calls made against the minimum, and pacing.

The Event history holds 5,000 BatchGetImage and 5,000 GetDownloadUrlForLayer records (AWS's documented pull
record, varied); `lookup_pull_events` reads them as against AWS, paced at 2 calls/s on a simulated clock (the
emulator does not throttle, so the pacing is measured, not waited for). Figures go to docs/benchmarks.md
(section `lookup-calls`).

    .venv/bin/python benchmarks/lookup_calls.py
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _record import record  # noqa: E402

from analysis.collectors import cloudtrail as ct  # noqa: E402
from analysis.collectors.aws import AwsSettings  # noqa: E402
from analysis.demo.aws import EmulatedAWS  # noqa: E402
from analysis.demo.aws.cloudtrail import put_lookup_events  # noqa: E402
from analysis.demo.estate import ACCOUNT_IDS  # noqa: E402

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "cloudtrail" / "aws-docs-ecr-events.json"
EACH = 5_000


def history(end: datetime) -> list[dict]:
    pull = next(e for e in json.loads(FIXTURE.read_text()) if e["eventName"] == "BatchGetImage")
    out = []
    for i in range(2 * EACH):
        r = copy.deepcopy(pull)
        r["eventID"] = str(uuid.uuid4())
        r["eventTime"] = (end - timedelta(seconds=17 * i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if i % 2:
            r["eventName"] = "GetDownloadUrlForLayer"
            r["requestParameters"] = {
                "registryId": "123456789012",
                "repositoryName": "testrepo",
                "layerDigest": f"sha256:{i % 50:064x}",
            }
        out.append(r)
    return out


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def main() -> None:
    end = datetime.now(UTC).replace(microsecond=0)
    with EmulatedAWS() as aws, tempfile.TemporaryDirectory() as tmp:
        kwargs = aws.client_kwargs("eu-west-1")
        put_lookup_events(ACCOUNT_IDS[0], "eu-west-1", history(end))
        settings = AwsSettings(
            endpoint_url=aws.endpoint_url, static_credentials={k: v for k, v in kwargs.items() if k != "endpoint_url"}
        )
        client = settings.client(settings.base_session(), "cloudtrail", "eu-west-1")
        clock = SimulatedClock()
        t = time.perf_counter()
        state = ct.lookup_pull_events(
            client,
            Path(tmp) / "spool.ndjson",
            end - timedelta(days=7),
            end + timedelta(seconds=1),
            pacer=ct.Pacer(ct.LOOKUP_RATE, clock.clock, clock.sleep),
        )
        wall = time.perf_counter() - t
    minimum = 2 * -(-EACH // ct.LOOKUP_PAGE)
    body = (
        "## LookupEvents — 10,000 pull events (`benchmarks/lookup_calls.py`)\n\n"
        "| events | minimum calls (⌈n/50⌉ per event name) | calls made | ratio | paced time at 2 calls/s "
        "| wall time against the emulator |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n"
        f"| {state.events:,} | {minimum} | {state.calls} | {state.calls / minimum:.3f} | {clock.now:.1f} s "
        f"| {wall:.1f} s |\n\nTarget (issue #13): ≤ 1.05 × the minimum. Against AWS the paced time is the floor: "
        "LookupEvents allows 2 calls per second per account and region."
    )
    record("lookup-calls", body)
    print(body)


if __name__ == "__main__":
    main()
