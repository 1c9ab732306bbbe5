# Aisle: `make run` and `make test` set up everything on a fresh machine.
# Only the package registries are used; no model or data set is downloaded.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
AISLE  := $(VENV)/bin/aisle
STAMP  := $(VENV)/.installed
DATA   ?= var
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test lint setup demo-data bench clean

# Until the web gateway lands: ingest the demo shop and show scripted searches,
# train the recommenders once, then a scripted chat through the offline brain.
run: setup $(DATA)/recsys/artifacts/CURRENT
	$(AISLE) demo --data-dir $(DATA)
	@printf '%s\n' "show me candles" "only red ones" "cheaper" "tell me about the second one" \
		"what goes with it?" "how much is delivery?" | $(AISLE) chat --data-dir $(DATA)
	@echo "Chat yourself: $(AISLE) chat --data-dir $(DATA)"

$(DATA)/recsys/artifacts/CURRENT: data/demo/interactions.parquet data/demo/products.jsonl | setup
	$(AISLE) train -q --data-dir $(DATA)/recsys

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check assistant retrieval recsys web tests bench data
	$(VENV)/bin/mypy

setup: $(STAMP)

# torch first, pinned: its CPU wheel lies on disk, any other spec pulls CUDA.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo-data: setup
	$(PY) data/build_demo.py

bench: setup
	$(PY) bench/retrieval_bench.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .mypy_cache .ruff_cache
