#!/usr/bin/env bash
# Makes sure a Docker daemon answers: exits 0 when one does (starting Debian's dockerd as root when
# none answers), or 1 saying why none can be had.
#
# The flags suit a machine without iptables or a bridge interface (containers then run with
# --network host) and without overlay mounts (vfs copies every layer whole: prune what you build).
set -uo pipefail

if docker info >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "no Docker daemon answers, and starting one needs root" >&2
    exit 1
fi
if ! command -v dockerd >/dev/null; then
    apt-get update -qq && apt-get install -y -qq docker.io >/dev/null 2>&1 \
        || { echo "no Docker daemon answers, and Debian's docker.io could not be installed" >&2; exit 1; }
fi
log=${DOCKERD_LOG:-/var/log/iwae-dockerd.log}
nohup dockerd --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs >"$log" 2>&1 &
for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && exit 0
    sleep 1
done
echo "dockerd did not answer within 60 s; its log, $log, ends with:" >&2
tail -n 20 "$log" >&2
exit 1
