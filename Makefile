# The README's two commands are `make demo` and `make test`; each sets up everything it needs first.
.PHONY: setup setup-test demo test dist lint format bench clean

setup:
	@scripts/bootstrap.sh

setup-test:
	@scripts/bootstrap.sh --test

demo: setup
	.venv/bin/regcost demo

# What CI runs (.ci/run is `make test`): lint and types first, they fail in seconds; then the tests.
# ~/.local/bin: where bootstrap puts uv when it had to install it (tests/test_packaging.py builds with uv).
test: setup-test
	.venv/bin/ruff check analysis tests benchmarks
	.venv/bin/ruff format --check analysis tests benchmarks
	.venv/bin/mypy analysis
	PATH="$$HOME/.local/bin:$$PATH" .venv/bin/python -m pytest

# The wheel and sdist users install (`pipx install dist/regcost-*.whl`); the run-time files ride inside the package.
dist:
	PATH="$$HOME/.local/bin:$$PATH" uv build --out-dir dist

# The checks `make test` starts with, without the tests.
lint: setup-test
	.venv/bin/ruff check analysis tests benchmarks
	.venv/bin/ruff format --check analysis tests benchmarks
	.venv/bin/mypy analysis

format: setup-test
	.venv/bin/ruff format analysis tests benchmarks
	.venv/bin/ruff check --fix analysis tests benchmarks

# Each script measures one target and rewrites its section of docs/benchmarks.md (minutes, not seconds).
bench: setup-test
	.venv/bin/python benchmarks/collect_ecr.py
	.venv/bin/python benchmarks/estimate_5m.py
	.venv/bin/python benchmarks/uncertainty.py
	.venv/bin/python benchmarks/cur_scan.py
	.venv/bin/python benchmarks/report_demo.py
	.venv/bin/python benchmarks/dashboard_1m.py
	.venv/bin/python benchmarks/cli_startup.py

clean:
	rm -f regcost.duckdb regcost-demo.duckdb regcost*.duckdb.lock regcost*.duckdb.staging
	rm -rf dist
	rm -rf regcost-demo-trail regcost-demo-cur
