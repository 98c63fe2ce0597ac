# newsetl: `make run` builds the environment and runs the main job on the shipped sample;
# `make test` runs the test suite. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_DATA ?= ../shared/data
export NEWSETL_DATA ?= $(SHARED_DATA)

.PHONY: venv run test eval bench bench-long clean chromium

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) -m pipelines run --input 'samples/*.jsonl.gz' --input 'samples/*.txt' --output out/ --overwrite

test: venv chromium
	$(PY) -m pytest -q tests

# Debian's chromium renders report.html in a test. Installed only when missing, and only as root
# (CI and this project's machines run as root); otherwise the test says how to install it.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && "$(CHROMIUM)" --version; \
	else echo "make chromium: $(CHROMIUM) is missing; install Debian's chromium package as root (sudo make chromium)" >&2; fi

eval: venv
	$(PY) -m benchmarks.eval_dedup --data $(SHARED_DATA)
	$(PY) -m benchmarks.eval_extraction --data $(SHARED_DATA)
	$(PY) -m benchmarks.eval_language --data $(SHARED_DATA)

# make bench: 10 MB and 50 MB generated corpora (benchmarks/bench.py); bench-long: 10 MB, 100 MB, 1 GB
# plus the 100,000-article hot-footer corpus. Results: benchmarks/results/bench-*.json, bench.md.
bench: venv
	$(PY) -m benchmarks.bench --data $(SHARED_DATA)

bench-long: venv
	$(PY) -m benchmarks.bench --data $(SHARED_DATA) --long

clean:
	rm -rf out .pytest_cache build *.egg-info
