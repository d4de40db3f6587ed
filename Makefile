# Short verbs. Every target sets up the virtual environment first (idempotent).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test bench ui prefect-ui serve clean

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

bench: $(STAMP)      ## benchmarks: print tables, peers side by side
	$(PY) -m bench.run_all $(BENCH)

ui: $(STAMP)         ## MLflow UI on the local store: http://127.0.0.1:5000
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlruns/mlflow.db --host 127.0.0.1 --port 5000

clean:               ## remove the lake and the MLflow store (not the venv)
	rm -rf data/*/* mlruns/*
	touch data/bronze/.gitkeep data/silver/.gitkeep data/gold/.gitkeep mlruns/.gitkeep
