"""The layers of the package and what each may import (docs/architecture.md), checked on the source.

Every `import` counts, including those inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "analysis"

# Lowest first. A module may import its own package and any lower layer; never a higher one, and never another
# package of its own layer.
LAYERS: list[set[str]] = [
    {"analysis", "resources", "units", "urls", "validation"},  # foundations: version, files, sizes, URLs, input errors
    {"pricing"},  # prices as data
    {"collectors"},  # read AWS, Harbor, OCI, the bill: records out, nothing stored
    {"warehouse"},  # DuckDB: the one owner of the connection
    {"model"},  # workload profile, cost functions, projection, the estimate
    {"portability"},  # lifecycle, references, findings, waves, plan
    {"render"},  # result → table, JSON, CSV, Markdown, HTML, PDF
    {"pipeline"},  # stage runners: collectors → warehouse, warehouse → estimate/plan → reports
    {"dashboard", "demo"},  # the Streamlit app; the emulated estate
    {"cli"},  # the regcost command
]
LAYER = {package: i for i, layer in enumerate(LAYERS) for package in layer}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every analysis import in the file."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
    return [(line, t) for line, t in out if t == "analysis" or t.startswith("analysis.")]


MODULES = sorted(p for p in ROOT.rglob("*.py") if "_data" not in p.parts and "_app" not in p.parts)


def test_every_package_has_a_layer():
    packages = {_package(_module_name(p)) for p in MODULES}
    assert packages <= set(LAYER), f"packages without a layer in LAYERS: {sorted(packages - set(LAYER))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_imports_point_down(path: Path):
    own = _package(_module_name(path))
    wrong = []
    for line, target in _imports(path):
        other = _package(target)
        if other == own:
            continue
        if LAYER[other] >= LAYER[own]:
            wrong.append(f"line {line}: {target} ({other}, layer {LAYER[other]} ≥ {own}, layer {LAYER[own]})")
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycle():
    graph: dict[str, set[str]] = {}
    names = {_module_name(p) for p in MODULES}
    for path in MODULES:
        deps = set()
        for _, target in _imports(path):
            # `from analysis.x import y` depends on analysis.x.y when that is a module, else on analysis.x
            deps |= {t for t in (target,) if t in names}
        graph[_module_name(path)] = deps
    for path in MODULES:  # `from package import module` names the submodule
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analysis"):
                graph[_module_name(path)] |= {f"{node.module}.{a.name}" for a in node.names} & names
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == node:
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_checker_sees_a_cycle():
    """The cycle finder itself: a test that cannot fail proves nothing."""
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


# -- size: a module a newcomer can read, a function whose parts have names (issue #17) ------------------------

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
# analysis/demo/ is exempt (the emulated estate's generators).
SIZE_EXEMPT: set[str] = set()


def _oversized(source: str, where: str) -> list[str]:
    """The module and the functions (methods and nested ones included) in `source` that are too long."""
    out = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        out.append(f"{where}: module of {lines} lines > {MAX_MODULE_LINES}")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                out.append(f"{where}:{node.lineno} {node.name}: {length} lines > {MAX_FUNCTION_LINES}")
    return out


def test_no_long_module_or_function():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        if rel.startswith("analysis/demo/") or rel in SIZE_EXEMPT:
            continue
        found += _oversized(path.read_text(), rel)
    assert not found, "too long (split where the parts have names of their own):\n" + "\n".join(found)


def test_the_size_check_sees_a_long_function_and_module():
    long_function = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES  # def line + 80 body lines = 81
    assert _oversized(long_function, "m.py") == [f"m.py:1 f: 81 lines > {MAX_FUNCTION_LINES}"]
    assert _oversized("def f():\n" + "    x = 1\n" * (MAX_FUNCTION_LINES - 1), "m.py") == []
    long_module = "x = 1\n" * (MAX_MODULE_LINES + 1)
    assert _oversized(long_module, "m.py") == [f"m.py: module of 501 lines > {MAX_MODULE_LINES}"]
