#!/usr/bin/env bash
# `make image`: build the Aisle image with whichever engine this machine has.
#
#   .ci/image/build.sh             # tag $IMAGE, default aisle:0.1.0
#
# - Engine: docker when its daemon answers, else podman (`--isolation chroot`, which
#   works inside an unprivileged container; ENGINE=docker|podman forces one).
# - Base: python:3.11-slim when it is here or can be pulled; else a Debian bookworm base
#   built from Debian's packages by .ci/image/base.sh (kept, so built once per machine).
#   BASE=... forces one.
# - torch: the CPU wheel pip finds on this disk (`pip download --no-index`, nothing is
#   fetched), copied into the build context; else the PyTorch CPU index (the default).
#   TORCH_SOURCE=... forces one.
# Layers are cached in the engine's storage between runs; the build's timing and the
# image's size and layer count are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${IMAGE:-aisle:0.1.0}
OFFICIAL=docker.io/library/python:3.11-slim
LOCAL_BASE=localhost/aisle-base:bookworm
WHEELS=.ci/image/wheels
PYTHON=${PYTHON:-python3}

if [ -z "${ENGINE:-}" ]; then
    if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then
        ENGINE=docker
    elif command -v podman >/dev/null; then
        ENGINE=podman
    else
        echo "image: neither a docker daemon nor podman (make image installs podman with apt)" >&2
        exit 1
    fi
fi
export ENGINE
has_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

if [ -z "${BASE:-}" ]; then
    if has_image "$OFFICIAL"; then
        BASE=$OFFICIAL
    elif has_image "$LOCAL_BASE"; then
        # Built here before because the registry was out of reach: keep using it, so
        # that the cached layers match (BASE=python:3.11-slim to switch).
        BASE=$LOCAL_BASE
    elif timeout "${PULL_TIMEOUT:-60}" "$ENGINE" pull -q "$OFFICIAL" >/dev/null 2>&1; then
        BASE=$OFFICIAL
    else
        echo "image: $OFFICIAL cannot be pulled; building a base from Debian's packages"
        .ci/image/base.sh "$LOCAL_BASE"
        BASE=$LOCAL_BASE
    fi
fi

if [ -z "${TORCH_SOURCE:-}" ]; then
    wheel=$(ls "$WHEELS"/torch-2.13.0+cpu-*.whl 2>/dev/null | head -n1 || true)
    if [ -z "$wheel" ] && "$PYTHON" -m pip download -q --no-index --no-deps --only-binary=:all: \
            -d "$WHEELS" torch==2.13.0 >/dev/null 2>&1; then
        wheel=$(ls "$WHEELS"/torch-2.13.0+cpu-*.whl 2>/dev/null | head -n1 || true)
    fi
    # Only a CPU build; without one on disk the Dockerfile's default index is used.
    TORCH_SOURCE=${wheel:-https://download.pytorch.org/whl/cpu}
fi

args=(build -f Dockerfile --build-arg "BASE=$BASE" --build-arg "TORCH_SOURCE=$TORCH_SOURCE")
if [ "$ENGINE" = podman ]; then
    # chroot isolation: no namespaces or cgroups needed; docker format keeps HEALTHCHECK.
    args+=(--isolation chroot --pull=never --layers --format docker)
    # A host that reaches PyPI through a TLS-inspecting proxy names its CA bundle in
    # pip's config (as this one does): lend it to the build's RUN steps as a volume, so
    # that it never lands in a layer. Without one, pip's own certificates are used.
    cert=${PIP_CERT:-$("$PYTHON" -m pip config get global.cert 2>/dev/null || true)}
    if [ -n "$cert" ] && [ -f "$cert" ]; then
        lend=$(mktemp -d /tmp/aisle-image-pip.XXXXXX)
        trap 'rm -rf "$lend"' EXIT
        cp "$cert" "$lend/ca.crt"
        # On /mnt, which every Debian image has: no mount point is left in a layer.
        printf '[global]\ncert = /mnt/ca.crt\n' > "$lend/pip.conf"
        args+=(--volume "$lend:/mnt:ro" --build-arg PIP_CONFIG_FILE=/mnt/pip.conf)
    fi
fi
echo "image: $ENGINE ${args[*]} -t $IMAGE ."
start=$(date +%s)
"$ENGINE" "${args[@]}" -t "$IMAGE" .
end=$(date +%s)

if [ "$ENGINE" = podman ] && [ "${PRUNE:-1}" = 1 ]; then
    # Each build leaves the previous image and its build stage behind, some GB a time.
    # Tag this build's build stage (every step is cached: seconds) so that it stays the
    # cache of the next build, then drop untagged images: the leftovers of older builds,
    # and any other dangling image on this machine (PRUNE=0 keeps them).
    "$ENGINE" "${args[@]}" --target build -t localhost/aisle-build-cache:latest . >/dev/null
    "$ENGINE" image prune -f >/dev/null
fi

size=$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE")
layers=$("$ENGINE" image inspect --format '{{len .RootFS.Layers}}' "$IMAGE")
echo "image: $IMAGE built in $((end - start)) s on $BASE: $((size / 1000000)) MB, $layers layers"
