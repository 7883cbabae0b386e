# Family Context gateway. `make demo` starts the demo; `make test` runs lint, types and tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint types pytest schema bench bench-cpu bench-instructions profile timeline loop-trace bench-audit bench-page bench-linkage bench-federation \
	bench-linkage-backends linkage-model loadtest federation-demo federation-packages vendor-govuk-frontend \
	vendor-axe-core clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/family-context demo $(DEMO_ARGS)

test: lint types pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

schema: $(STAMP)
	$(BIN)/python -m schema.export

# Two authorities and an early-help system behind Hive Gateway (docs/federation.md); needs Node 20 and npm.
# federation/'s packages come from its lock file (npm ci), again whenever the lock file changes.
FEDERATION_PACKAGES := federation/node_modules/.package-lock.json

$(FEDERATION_PACKAGES): federation/package-lock.json
	npm ci --no-audit --no-fund --prefix federation

federation-packages: $(FEDERATION_PACKAGES)

federation-demo: $(STAMP) $(FEDERATION_PACKAGES)
	$(BIN)/python -m gateway.federation_demo .demo/federation 4000

# The router's overhead and _entities batching; results in docs/benchmarks.md.
bench-federation: $(STAMP) $(FEDERATION_PACKAGES)
	$(BIN)/python -m benchmarks.federation

# The family-context query (batched and not), then the gateway's CPU, workers, children(500) and memory. BASELINE=DIR
# (a checkout with its own .venv, e.g. `git worktree add /tmp/base <commit> && make -C /tmp/base .venv/.installed-stamp`)
# measures that code beside this one in the same run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.family_context
	$(BIN)/python -m benchmarks.gateway_cpu $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_ARGS)

bench-cpu: $(STAMP)
	$(BIN)/python -m benchmarks.gateway_cpu $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_ARGS)

# Instructions per family and tiny query (valgrind's callgrind): noise-free, for A/B of code changes; docs/benchmarks.md
bench-instructions: $(STAMP)
	$(BIN)/python -m benchmarks.instructions $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_ARGS)

# Where the gateway's CPU goes under the benchmark's load (py-spy); output in .prof/. PROFILE_ARGS="--query children"
profile: $(STAMP)
	$(BIN)/python -m benchmarks.profile $(PROFILE_ARGS)

# Where a family query's time goes at 50 ms upstream latency, from the gateway's own spans; into docs/benchmarks.md.
timeline: $(STAMP)
	$(BIN)/python -m benchmarks.timeline $(BENCH_ARGS)

# Every event-loop callback of a few family queries at 50 ms upstream latency, in order; into .prof/loop-trace.txt.
loop-trace: $(STAMP)
	$(BIN)/python -m benchmarks.loop_trace $(LOOP_TRACE_ARGS)

bench-audit: $(STAMP)
	$(BIN)/python -m benchmarks.audit_overhead

# What the social worker's page (/app) adds to the family-context query it is built on; docs/benchmarks.md.
bench-page: $(STAMP)
	$(BIN)/python -m benchmarks.webapp_page

# Linkage quality on the sandbox and FEBRL4 (this project beside Splink), scorer and training speed, search latency;
# results in docs/linkage.md.
bench-linkage: $(STAMP)
	$(BIN)/python -m benchmarks.linkage_eval

# Training time on DuckDB and on a local Spark (2 cores), the same 20,000 sandbox records in one run. docs/linkage.md
bench-linkage-backends: $(STAMP)
	$(BIN)/python -m benchmarks.linkage_eval.backends

# Retrain the linkage model the demo ships (linkage/data/sandbox_model.json) on the demo's population.
linkage-model: $(STAMP)
	$(BIN)/python -m benchmarks.linkage_eval.sandbox_model

# Healthy load at 8, 32, 128 clients, then the fault scenarios; loopback only, about 12 minutes. docs/reliability.md
loadtest: $(STAMP)
	$(BIN)/python -m benchmarks.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache

include vendor/graphiql/Makefile.fragment
include vendor/govuk-frontend/Makefile.fragment
include vendor/axe-core/Makefile.fragment
