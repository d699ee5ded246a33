# Two entry points: `make demo` (runs the flagship analysis on embedded simulated data) and
# `make test` (lint incl. the import-layering contracts, types, unit tests, doctests of every
# module, executed notebooks, docs). `make test-slow` runs the long statistical checks
# (coverage over seeds; see README). All targets create .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Real data mirror for tests and notebooks; CI sets it explicitly. Falls back to ../shared/data.
COUNTYECONOMY_DATA_DIR ?= $(wildcard $(abspath ../shared/data))
export COUNTYECONOMY_DATA_DIR
PYTEST_WORKERS ?= 2

.PHONY: demo lab test test-slow lint typecheck unit doctest docs browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/countyeconomy demo

# JupyterLab on the notebooks: the `lab` extra (JupyterLab, ipywidgets for progress-bar widgets,
# the kernel), registered as the venv's python3 kernel
$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@ $(VENV)/.installed

# JupyterLab refuses to run as root without --allow-root (containers, CI machines)
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(VENV)/.lab-installed
	$(BIN)/jupyter lab $(LAB_FLAGS) notebooks

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check countyeconomy tests benchmarks
	$(BIN)/ruff format --check countyeconomy tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy --strict countyeconomy

unit: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" --nbmake notebooks tests
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --doctest-modules countyeconomy

# the docstring examples of every module, on their own
doctest: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --doctest-modules countyeconomy

# long statistical checks (confidence-interval coverage over many seeds); not part of `make test`
test-slow: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m slow tests

docs: $(VENV)/.dev-installed
	$(BIN)/mkdocs build --strict

# every page of the site that `docs` built, offline in headless Chromium (tests/browser)
browser: docs
	$(BIN)/python -m pytest -m browser -rA tests/browser

test: lint typecheck unit docs browser

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf build site
