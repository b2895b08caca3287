"""regcost works wherever it is installed (#15): the wheel is built from this checkout, installed into a fresh
venv outside it, and run from an empty folder, as a user would after `pipx install regcost`.

It builds with uv and installs the locked versions from uv's cache (PyPI for anything missing from it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import serving_dashboard

from analysis.dashboard.format import money

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
PRESETS = sorted(p.stem for p in (ROOT / "data" / "scenarios").glob("*.yaml"))
# What the tool reads at run time, where the wheel must carry it (inside the package).
RUN_TIME_FILES = [
    "analysis/_data/pricing/aws.yaml",
    "analysis/_data/scenarios/ecr.yaml",
    "analysis/_data/harbor/harbor-api-v2.0-swagger.yaml",
    "analysis/_data/demo-gitops/k8s/payments-api.yaml",
    "analysis/_app/app.py",
    "analysis/dashboard/pages/overview.py",
    "analysis/render/templates/report.html.j2",
]


@dataclass(frozen=True)
class Installed:
    dist: Path
    venv: Path
    site_packages: Path
    home: Path  # an empty folder to run from
    env: dict[str, str]

    def regcost(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.venv / "bin" / "regcost"), *args],
            cwd=self.home,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"regcost {' '.join(args)}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        return proc


def _uv() -> str:
    # scripts/bootstrap.sh installs uv (into ~/.local/bin when it was missing) before `make test` runs pytest.
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path.home() / ".local" / "bin"))
    assert uv, "uv is not installed: run scripts/bootstrap.sh --test"
    return uv


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    uv, base = _uv(), tmp_path_factory.mktemp("installed")
    # Nothing from this checkout's environment may leak into the user's: no venv, no path, no regcost settings.
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH") and not k.startswith("REGCOST_")
    }
    env |= {"UV_SYSTEM_CERTS": "true", "UV_NATIVE_TLS": "true"}

    def run(*args: str) -> None:
        proc = subprocess.run([uv, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"uv {' '.join(args)}:\n{proc.stderr[-3000:]}"

    dist, venv, constraints = base / "dist", base / "venv", base / "constraints.txt"
    run("build", "--quiet", "--project", str(ROOT), "--out-dir", str(dist))  # the sdist, then the wheel from it
    # The locked versions, so the venv gets what the tests ran against (and uv's cache has them already).
    run("export", "--quiet", "--project", str(ROOT), "--frozen", "--no-dev", "--no-hashes", "--no-emit-project",
        "--output-file", str(constraints))  # fmt: skip
    run("venv", "--quiet", str(venv), "--python", sys.executable)
    wheel = next(dist.glob("regcost-*.whl"))
    run("pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-c", str(constraints), str(wheel))
    site = next((venv / "lib").glob("python3*/site-packages"))
    home = base / "empty"
    home.mkdir()
    return Installed(dist, venv, site, home, env)


def test_the_wheel_carries_every_run_time_file_inside_the_package(installed: Installed) -> None:
    names = zipfile.ZipFile(next(installed.dist.glob("regcost-*.whl"))).namelist()
    assert not [f for f in RUN_TIME_FILES if f not in names]
    assert {n.split("/")[0] for n in names} == {"analysis", f"regcost-{VERSION}.dist-info"}
    # The sdist is the repository's layout: data/ and app.py at the top, as the wheel above was built from it.
    with tarfile.open(next(installed.dist.glob("regcost-*.tar.gz"))) as sdist:
        tops = {m.name.split("/", 2)[1] for m in sdist.getmembers() if m.name.count("/") >= 1}
    assert {"analysis", "data", "app.py", "pyproject.toml", "README.md"} <= tops


def test_site_packages_holds_nothing_of_regcost_outside_its_package(installed: Installed) -> None:
    site = installed.site_packages
    assert not (site / "data").exists() and not (site / "app.py").exists()
    record = (site / f"regcost-{VERSION}.dist-info" / "RECORD").read_text().splitlines()
    outside = [
        line.split(",")[0]
        for line in record
        if not line.startswith(("analysis/", f"regcost-{VERSION}.dist-info/", "../../../bin/regcost,"))
    ]
    assert outside == []
    where = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import analysis; print(analysis.__file__)"],
        cwd=installed.home,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where) == site / "analysis" / "__init__.py"  # the installed copy, not this checkout


def test_version(installed: Installed) -> None:
    assert installed.regcost("--version").stdout.strip() == f"regcost {VERSION}"


def test_pricing_and_presets_from_an_empty_folder(installed: Installed) -> None:
    """The two failures the issue reported: no shipped price catalog, no baseline scenario 'ecr'."""
    shutil.copy(ROOT / "docs" / "examples" / "usage.yaml", installed.home / "usage.yaml")
    out = json.loads(installed.regcost("estimate", "--usage", "usage.yaml", "--draws", "0", "--format", "json").stdout)
    assert out["regcost_version"] == VERSION
    assert out["profile"]["source"] == "usage file"
    assert sorted(s["name"] for s in out["scenarios"]) == PRESETS
    shipped = installed.site_packages / "analysis" / "_data" / "pricing"
    assert out["catalog_files"] and all(Path(f).parent == shipped for f in out["catalog_files"])
    prices = json.loads(installed.regcost("pricing", "show", "--format", "json").stdout)["prices"]
    assert prices and all(Path(p["origin"]).parent == shipped and p["source"] and p["as_of"] for p in prices)


def test_demo_report_and_dashboard_from_an_empty_folder(installed: Installed) -> None:
    home = installed.home
    demo = json.loads(
        installed.regcost("demo", "--repositories", "20", "--images", "200", "--format", "json", timeout=240).stdout
    )
    assert demo["regcost_version"] == VERSION == demo["estimate"]["regcost_version"]
    assert demo["plan"]["references"] > 0  # the shipped demo GitOps folder was found and scanned
    assert (home / "reports" / "demo-report.pdf").read_bytes()[:5] == b"%PDF-"
    assert "<html" in (home / "reports" / "demo-report.html").read_text()[:500].lower()

    installed.regcost("report", "--db", "regcost-demo.duckdb", "--format", "html", "-o", "board")
    assert "Stay on ECR" in (home / "board" / "regcost-report.html").read_text()

    # The installed dashboard renders its Overview from the installed files, with the CLI's month-1 ECR cost.
    estimate = json.loads(
        installed.regcost("estimate", "--db", "regcost-demo.duckdb", "--draws", "0", "--format", "json").stdout
    )
    ecr_month1 = next(s for s in estimate["scenarios"] if s["name"] == "ecr")["monthly_total"][0]
    page = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", OVERVIEW],
        cwd=home,
        env={**installed.env, "REGCOST_DB": str(home / "regcost-demo.duckdb")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert page.returncode == 0, page.stderr[-2000:]
    assert json.loads(page.stdout.splitlines()[-1])["ECR cost, month 1"] == money(ecr_month1, "USD")

    regcost = str(installed.venv / "bin" / "regcost")
    with serving_dashboard(regcost, home / "regcost-demo.duckdb", cwd=home, env=installed.env) as url:
        assert url.startswith("http://127.0.0.1:")


# Run inside the installed venv: the app script the package ships, executed by Streamlit's test runner.
OVERVIEW = """
import json
from streamlit.testing.v1 import AppTest
from analysis.resources import dashboard_app
at = AppTest.from_file(str(dashboard_app()), default_timeout=90).run()
assert not at.exception, [e.value for e in at.exception]
print(json.dumps({m.label: m.value for m in at.metric}))
"""
