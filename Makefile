# Short verbs. Every target sets up the virtual environment first (idempotent).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

TIERS := unit model spark flow serving deploy cluster

.PHONY: setup run test $(addprefix test-,$(TIERS)) lint bench ui prefect-ui serve clean server deploy worker demo \
        cluster connect mlflow-server postgres engines-up engines-down engines-status

# The Prefect stack (scripts/prefect_stack.py). Empty PREFECT_DB_URL: SQLite in .prefect/prefect.db;
# for many concurrent runs use PostgreSQL: PREFECT_DB_URL=postgresql+asyncpg://user:pass@host:5432/prefect
PREFECT_PORT        ?= 4200
PREFECT_DB_URL      ?=
PREFECT_CONCURRENCY ?= 2
STACK := $(PY) -m scripts.prefect_stack --port $(PREFECT_PORT) --concurrency $(PREFECT_CONCURRENCY) \
         $(if $(PREFECT_DB_URL),--db-url '$(PREFECT_DB_URL)')

# The engines (scripts/engines.py): real servers on loopback, free ports, state and logs in $(ENGINES_HOME).
# Each target runs in the foreground and prints the SMELTER_* settings to use; Ctrl-C (or engines-down) stops it.
ENGINES_HOME ?= $(CURDIR)/.engines
ENGINES := $(PY) -m scripts.engines --home $(ENGINES_HOME)
# MLflow's backend store: empty = SQLite in $(ENGINES_HOME)/mlflow; `postgres` = the mlflow database of the
# PostgreSQL of `make postgres` (or the one engines-up starts); or any SQLAlchemy URL (postgresql://user@host/db)
MLFLOW_BACKEND_URI ?=
MLFLOW_BACKEND := $(if $(MLFLOW_BACKEND_URI),--backend-uri '$(MLFLOW_BACKEND_URI)')

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)        ## every pipeline, end to end, on the embedded defaults
	$(PY) -m flows.main

test: $(STAMP)       ## the whole test suite
	$(PY) -m pytest -q

# One tier: make test-unit (no JVM, servers or MLflow store: seconds), test-model, test-spark, test-flow,
# test-serving, test-deploy, test-cluster.
$(addprefix test-,$(TIERS)): $(STAMP)
	$(PY) -m pytest -q -m $(@:test-%=%)

lint: $(STAMP)       ## the house checks: ruff lint, ruff format check, mypy (configured in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

$(VENV)/.bench: $(STAMP) Makefile  # re-run when the bench pins here change
	$(PY) -m pip install --quiet numpyro==0.22.0 jax==0.10.2 jaxlib==0.10.2 torch==2.13.0
	$(PY) -m pip install --quiet econml==0.17.0
	$(PY) -m pip install --quiet duckdb==2.0.0  # bench_scaling's single-machine peer
	touch $@

bench: $(VENV)/.bench  ## benchmarks: print tables, peers side by side (BENCH="pipeline scoring" for some)
	$(PY) -m bench.run_all $(BENCH)

ui: $(STAMP)         ## MLflow UI on the local store: http://127.0.0.1:5000
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlruns/mlflow.db --host 127.0.0.1 --port 5000

serve: $(STAMP)      ## online endpoint http://127.0.0.1:8000 (POST /score, /invocations; GET /health, /metadata)
	$(PY) -m smelter.serving

clean:               ## remove the lake and the MLflow store (not the venv)
	rm -rf data/*/* mlruns/*
	touch data/bronze/.gitkeep data/silver/.gitkeep data/gold/.gitkeep mlruns/.gitkeep

server: $(STAMP)     ## Prefect server + UI on http://127.0.0.1:$(PREFECT_PORT), database in .prefect/
	$(STACK) server

deploy: $(STAMP)     ## work pool smelter-process + every deployment in prefect.yaml (server running)
	$(STACK) deploy

worker: $(STAMP)     ## a process worker: runs deployments, in this folder, with your SMELTER_* settings
	$(STACK) worker

prefect-ui: $(STAMP) ## open the Prefect UI
	$(STACK) ui

demo: $(STAMP)       ## server + deploy + worker + one quick run + UI in one go; Ctrl-C stops it all
	$(STACK) demo

cluster: $(STAMP)       ## Spark standalone master + 2 workers from the installed PySpark, on loopback
	$(ENGINES) cluster

connect: $(STAMP)       ## a cluster + a Spark Connect server on it (MASTER=spark://... to attach to another)
	$(ENGINES) connect $(if $(MASTER),--master '$(MASTER)')

mlflow-server: $(STAMP) ## MLflow tracking server, registry, proxied artifacts (MLFLOW_BACKEND_URI=postgres: on make postgres)
	$(ENGINES) mlflow-server $(MLFLOW_BACKEND)

postgres: $(STAMP)      ## a throwaway PostgreSQL (databases prefect, mlflow) for PREFECT_DB_URL
	$(ENGINES) postgres

engines-up: $(STAMP)    ## all four engines; prints the settings; Ctrl-C or `make engines-down` stops them
	$(ENGINES) up $(MLFLOW_BACKEND)

engines-down: $(STAMP)  ## stop every engine recorded in $(ENGINES_HOME)/run
	$(ENGINES) down

engines-status: $(STAMP)
	$(ENGINES) status
