"""Every module with logic has a mirrored test file (issue #17), so a newcomer finds a module's tests by its path:

    analysis/<package>/<module>.py  ↔  tests/<package>/test_<module>.py
    analysis/<module>.py            ↔  tests/test_<module>.py

"Logic" is a function or a class anywhere in the module; a module of constants, re-exports or a Streamlit page
script (top-level statements only) needs none. Tests of behaviour across modules (reliability, secrets, docs,
packaging, architecture) live beside the mirrored ones under names of their own.

ALLOWED lists the modules that have no mirrored test yet, each with its reason; shrink it, never grow it
without one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "analysis"

ALLOWED: dict[str, str] = {
    "__init__.py": "the package's version, read on first use: tests/cli/test_base.py checks `regcost --version`",
    "render/__init__.py": "render() over every format: tests/render/test_every_format.py and test_golden.py",
    "demo/aws/cloudtrail.py": "the emulated LookupEvents; driven end to end by tests/collectors/test_cloudtrail.py",
    "demo/aws/cloudwatch.py": "the emulated GetMetricData; driven by tests/collectors/test_cloudwatch.py",
    "demo/aws/patches.py": "moto patches; every patched call is driven by tests/demo/aws/test_server.py",
    "demo/aws/seed.py": "seeds the emulated AWS; its result is what tests/demo/aws/test_server.py reads back",
    "demo/estate/builds.py": "build steps; their output is checked in tests/demo/estate/test_images.py",
    "demo/estate/manifests.py": "manifest bodies; checked through tests/demo/estate/test_images.py and test_blobs.py",
    "demo/estate/records.py": "the generator's record classes; checked through tests/demo/estate/test_generate.py",
    "demo/harbor/sample.py": "the hand-written sample Harbor; crawled by tests/collectors/test_harbor.py",
    "demo/harbor/spec.py": "validates the fake against Harbor's swagger; exercised by tests/demo/harbor/test_routes.py",
}


def _has_logic(path: Path) -> bool:
    tree = ast.parse(path.read_text(), str(path))
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.walk(tree))


def mirror(module: Path) -> Path:
    """analysis/model/ecr.py → tests/model/test_ecr.py; a package's __init__.py → tests/<package>/test_<package>.py."""
    rel = module.relative_to(ROOT)
    folder = Path("tests", *rel.parts[:-1])
    stem = (rel.parts[-2] if len(rel.parts) > 1 else "analysis") if module.name == "__init__.py" else module.stem
    return REPO / folder / f"test_{stem}.py"


MODULES = sorted(p for p in ROOT.rglob("*.py") if "_data" not in p.parts and "_app" not in p.parts)
WITH_LOGIC = [p for p in MODULES if _has_logic(p)]


def _key(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_mirror_paths():
    assert mirror(ROOT / "model" / "ecr.py") == REPO / "tests" / "model" / "test_ecr.py"
    assert mirror(ROOT / "units.py") == REPO / "tests" / "test_units.py"
    assert mirror(ROOT / "pricing" / "__init__.py") == REPO / "tests" / "pricing" / "test_pricing.py"


def test_every_module_with_logic_has_a_mirrored_test():
    missing = [
        f"{_key(p)} → {mirror(p).relative_to(REPO)}"
        for p in WITH_LOGIC
        if _key(p) not in ALLOWED and not mirror(p).exists()
    ]
    assert not missing, "modules with logic but no mirrored test file:\n" + "\n".join(missing)


@pytest.mark.parametrize("key", sorted(ALLOWED))
def test_the_allow_list_holds_only_what_is_still_missing(key: str):
    module = ROOT / key
    assert module.exists(), f"{key} is gone: drop it from ALLOWED"
    assert _has_logic(module), f"{key} has no logic any more: drop it from ALLOWED"
    assert not mirror(module).exists(), f"{mirror(module).relative_to(REPO)} exists: drop {key} from ALLOWED"
