# newsetl: `make run` builds the environment and runs the main job on the shipped sample;
# `make test` runs the test suite. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_DATA ?= ../shared/data
export NEWSETL_DATA ?= $(SHARED_DATA)

.PHONY: venv run test eval clean

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) -m pipelines run --input 'samples/*.jsonl.gz' --input 'samples/*.txt' --output out/ --overwrite

test: venv
	$(PY) -m pytest -q tests

eval: venv
	$(PY) -m benchmarks.eval_dedup --data $(SHARED_DATA)
	$(PY) -m benchmarks.eval_extraction --data $(SHARED_DATA)

clean:
	rm -rf out .pytest_cache build *.egg-info
