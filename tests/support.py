"""Helpers the tests share (a module of its own: several folders have a conftest.py, so `import conftest`
would be ambiguous)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from analysis.collectors.aws import AwsSettings
from analysis.collectors.ecr import EcrOptions
from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate
from analysis.pipeline.ecr import EcrRequest, RunSummary, collect_ecr
from analysis.warehouse import Warehouse

SMALL = {"seed": 11, "repositories": 30, "images": 1_500}


def imported_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh Python process has imported once it has run `code` (start-up costs)."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def today() -> datetime:
    """The collector reads CloudWatch up to today's UTC midnight, so the estate is generated as of then."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def settings_for(aws: EmulatedAWS) -> AwsSettings:
    kwargs = aws.client_kwargs()
    return AwsSettings(
        endpoint_url=kwargs["endpoint_url"],
        static_credentials={k: v for k, v in kwargs.items() if k != "endpoint_url"},
    )


def run_collection(
    aws: EmulatedAWS, estate: Estate, db: Path, *, options: EcrOptions | None = None, regions: list[str] | None = None
) -> RunSummary:
    request = EcrRequest(
        regions=regions or list(estate.regions),
        organization_role="OrganizationAccountAccessRole",
        options=options or EcrOptions(),
    )
    with Warehouse(db) as wh:
        return collect_ecr(wh, settings_for(aws), request)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving_dashboard(
    regcost: str, db: Path, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`regcost dashboard` on a free port, yielded (its URL) once its health endpoint answers; stopped on exit."""
    port = _free_port()
    proc = subprocess.Popen(
        [regcost, "dashboard", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env={**(os.environ if env is None else env), "COLUMNS": "200"},
        start_new_session=True,  # its own process group: stopping it stops the streamlit server it started too
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
                    assert resp.read() == b"ok"
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, f"the dashboard did not answer on {url} within 60 s"
                time.sleep(0.2)  # polling the health endpoint, not waiting for a guessed duration
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the whole group: `regcost dashboard` execs streamlit, which may fork
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def estimate_from_usage(path: Path, scenarios: list, catalog: object):
    """The estimate of a usage file with these scenario objects (the model's core, as `pipeline.result.run` calls
    it): for tests that hand the model scenario objects rather than files."""
    from analysis.model.estimate import estimate
    from analysis.model.inputs import from_usage_file, usage_summary

    inp = from_usage_file(path)
    return estimate(inp, usage_summary(inp), scenarios, catalog)
