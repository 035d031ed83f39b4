# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint typecheck format bench clean system-tools

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address localhost

system-tools:
	bash .ci/system-tools.sh

test: $(VENV)/.dev system-tools
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n 2 -m "not browser"
	# the browser walks on their own: beside the rest of the suite, reruns redraw pages under the clicks
	$(PY) -m pytest -m browser

lint: $(VENV)/.dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: $(VENV)/.dev
	$(PY) -m mypy

bench: $(VENV)/.dev
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
