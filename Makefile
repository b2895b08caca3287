# The README's two commands are `make demo` and `make test`; each sets up everything it needs first.
.PHONY: setup setup-test demo test lint format bench clean

setup:
	@scripts/bootstrap.sh

setup-test:
	@scripts/bootstrap.sh --test

demo: setup
	.venv/bin/regcost demo

test: setup-test
	.venv/bin/python -m pytest

lint: setup-test
	.venv/bin/ruff check analysis tests benchmarks
	.venv/bin/ruff format --check analysis tests benchmarks

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

clean:
	rm -f regcost.duckdb regcost-demo.duckdb
	rm -rf regcost-demo-trail
