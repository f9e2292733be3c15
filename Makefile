# Two commands do everything on a fresh machine (Python 3.11 + make + the package index):
#   make run    set up, then extract seeds/ into criteria tables under out/
#   make test   set up, then run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "trialnlp needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

run: setup
	$(BIN)/trialnlp extract seeds/ -o out/
	$(BIN)/trialnlp extract seeds/ -o out/criteria.xlsx --quiet

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check trialnlp tests

clean:
	rm -rf out build dist *.egg-info .pytest_cache .hypothesis

# The NER model (trialnlp/ner -> models/chia_ner; see models/MODEL_CARD.md).
#   make train      convert Chia, train floret vectors + the spaCy NER, write models/chia_ner
#   make evaluate   score the shipped model on Chia dev (table + .train/dev_scores.json)
# CHIA=... points at another copy of the corpus (a folder with train/ and dev/).
CHIA ?= ../shared/corpora/chia

.PHONY: train evaluate

train: setup
	$(BIN)/python -c 'import floret' 2>/dev/null || $(BIN)/python -m pip install --quiet "floret>=0.10.5"
	$(BIN)/python -m trialnlp.ner.train --chia $(CHIA) --vectors

evaluate: setup
	$(BIN)/trialnlp evaluate --brat $(CHIA)/dev --json .train/dev_scores.json

# Whole-registry throughput (tools/bench.py; a benchmark, not a test): the blank tokenizer,
# the pipeline in one process, the batch engine with --jobs 1 and 2, cold start, memory.
#   make bench                        on the 3,460 legacy CT.gov records in ../shared
#   make bench BENCH_INPUT=data.jsonl on another input; results in out/bench.json
BENCH_INPUT ?= ../shared/corpora/ctgov/legacy_sample.jsonl

.PHONY: bench

bench: setup
	$(BIN)/python tools/bench.py --input $(BENCH_INPUT) --json out/bench.json

# The review report's headless-browser test (tests/report/test_report_browser.py): Debian's
# chromium (apt-get, when it is missing and we are root) and Playwright to drive it (the
# report-test extra).  Playwright never downloads a browser: the test launches the system one.
.PHONY: browser

browser: setup
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends chromium fonts-dejavu-core >/dev/null; \
		else \
			echo "make browser: no chromium, and no root apt-get to install it" >&2; exit 1; \
		fi; }
	$(BIN)/python -c 'import playwright' 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e ".[report-test]"

# Coverage-guided fuzzing (atheris + libFuzzer): fuzz/fuzz_readers.py (bytes -> every input
# format) and fuzz/fuzz_splitter.py (text -> sections + criteria, offset invariants), each for
# FUZZ_SECONDS, seeded from tests/fixtures/readers and seeds/.  New corpus inputs and any
# finding (crash-*, timeout-*) go to out/fuzz/TARGET/; a finding stops the run (exit 1).
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= readers splitter
FUZZ_FLAGS ?= -max_len=4096 -timeout=30 -rss_limit_mb=2048 -print_final_stats=1

.PHONY: fuzz

fuzz: setup
	$(BIN)/python -c 'import atheris' 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[fuzz]"
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p out/fuzz/$$target/corpus || exit 1; \
		echo "fuzz: fuzz/fuzz_$$target.py for $(FUZZ_SECONDS)s"; \
		$(BIN)/python fuzz/fuzz_$$target.py out/fuzz/$$target/corpus tests/fixtures/readers seeds \
			-max_total_time=$(FUZZ_SECONDS) -artifact_prefix=out/fuzz/$$target/ \
			-dict=fuzz/$$target.dict $(FUZZ_FLAGS) \
			|| exit 1; \
	done
