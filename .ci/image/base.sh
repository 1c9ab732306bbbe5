#!/usr/bin/env bash
# Build a Debian bookworm base with Python 3.11 from Debian's own packages, for hosts that
# cannot pull python:3.11-slim (no registry reachable, only the Debian mirror). It plays
# the official image's part: `python` and `python3` on PATH, apt ready to install more.
#
#   .ci/image/base.sh [TAG]        # default localhost/aisle-base:bookworm
#
# Skips the work when TAG already exists (CI keeps podman's storage between runs).
set -euo pipefail

TAG=${1:-localhost/aisle-base:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$TAG"; then
    echo "base: $TAG exists, not rebuilt"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "base: debootstrap needs root"; exit 1; }

work=$(mktemp -d /var/tmp/aisle-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

debootstrap --variant=minbase \
    --include=python3.11,python3.11-venv,python3-pip,ca-certificates \
    bookworm "$root" "$MIRROR"

# What the official image gives and the Dockerfile relies on: `python` on PATH.
ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python"
ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python3"
# Keep the image small, as the official slim images do.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
# The host's resolver settings are no business of the image.
: > "$root/etc/resolv.conf"
rm -f "$root/etc/hostname"

tar --numeric-owner --xattrs -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    --message "debootstrap --variant=minbase bookworm + python3.11" \
    - "$TAG"
echo "base: built $TAG"
