#!/usr/bin/env bash
# Server throughput with wrk (a C load generator, so the client leaves the cores to the server):
# GET /healthz (the framework's ceiling), POST /decode of one digit latent, POST /edit with a 16-frame
# sweep; 32 connections, 2 threads, 10 s each, against a running server.
#
#   bench/wrk_bench.sh http://127.0.0.1:8000 [connections] [seconds]
set -euo pipefail
# shellcheck source=bench/wrk_digits.sh
source "$(dirname "$0")/wrk_digits.sh"
url=${1:?usage: bench/wrk_bench.sh URL [connections] [seconds]}
connections=${2:-32}
seconds=${3:-10}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
latent=$(digits_latent "$url")
write_decode_lua "$latent" "$dir/decode.lua"
cat > "$dir/sweep.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "digits", "latent": $latent, "edits": [], "sweep": {"attribute": "0", "start": -3, "stop": 3, "steps": 16}}'
LUA
run() {  # name, extra wrk arguments
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@")
  printf '%-28s %10s req/s   p50 %8s   p99 %8s   errors %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<<"$out")"
}
echo "wrk, $connections connections, ${seconds} s each, $url"
run "GET /healthz" "$url/healthz"
run "POST /decode (1 latent)" -s "$dir/decode.lua" "$url/decode"
run "POST /edit (16-frame sweep)" -s "$dir/sweep.lua" "$url/edit"
