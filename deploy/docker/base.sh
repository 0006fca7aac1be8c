#!/usr/bin/env bash
# Prints the base image the Dockerfile should build on (its BASE argument).
#
# python:3.11-slim when it is here or can be pulled; otherwise a local Debian bookworm base,
# iwae-base:bookworm, made once with debootstrap and reused by every later build. The local base carries
# the host's CA bundle (so pip works behind a TLS-inspecting proxy), PIP_BREAK_SYSTEM_PACKAGES=1
# (Debian's pip refuses system installs without it) and a root directory of mode 755 (a 700 root,
# which mktemp -d makes, would let the image's non-root user run nothing). Needs root to debootstrap.
set -euo pipefail

DEFAULT_BASE=${DEFAULT_BASE:-python:3.11-slim}
LOCAL_BASE=${LOCAL_BASE:-iwae-base:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

log() { echo "base.sh: $*" >&2; }

for image in "$DEFAULT_BASE" "$LOCAL_BASE"; do
    if docker image inspect "$image" >/dev/null 2>&1; then
        echo "$image"
        exit 0
    fi
done
if timeout 120 docker pull --quiet "$DEFAULT_BASE" >/dev/null 2>&1; then
    echo "$DEFAULT_BASE"
    exit 0
fi

log "$DEFAULT_BASE cannot be pulled here: building $LOCAL_BASE with debootstrap (once; a few minutes)"
if [ "$(id -u)" != 0 ]; then
    log "debootstrap needs root"
    exit 1
fi
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
root=$(mktemp -d /var/tmp/iwae-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase \
    --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates \
    bookworm "$root" "$MIRROR" >&2
chmod 755 "$root"
cp "$CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | docker import \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python"]' \
    - "$LOCAL_BASE" >/dev/null
echo "$LOCAL_BASE"
