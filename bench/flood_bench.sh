#!/usr/bin/env bash
# A lone /decode while 16 clients flood k = 5000 bound requests (/encode with bounds): the expensive
# lane must keep the cheap path fast and shed what it cannot queue (503 + Retry-After).
#
#   bench/flood_bench.sh http://127.0.0.1:8000 [flooders] [seconds]
#
# The flooders are curl loops (they wait on the server, not the CPU); wrk measures the lone client.
set -euo pipefail
# shellcheck source=bench/wrk_digits.sh
source "$(dirname "$0")/wrk_digits.sh"
url=${1:?usage: bench/flood_bench.sh URL [flooders] [seconds]}
flooders=${2:-16}
seconds=${3:-10}
dir=$(mktemp -d)
pids=()
# Stops the flooding loops and the curl each has in flight (a k = 5000 request would run on).
stop_flood() {
  local pid curls
  for pid in "${pids[@]}"; do
    kill -STOP "$pid" 2>/dev/null || true  # frozen, the loop cannot start another curl meanwhile
    curls=$(pgrep -P "$pid" || true)       # found while still its children
    # shellcheck disable=SC2086  # one pid per word
    kill "$pid" $curls 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true  # a stopped process acts on its TERM once continued
  done
  wait 2>/dev/null || true
  pids=()
}
cleanup() { stop_flood; rm -rf "$dir"; }
trap cleanup EXIT
python3 - "$dir/digit.png" <<'PY'
import sys, zlib, struct
w = h = 28  # a white bar on black: any image will do for the flood
rows = b"".join(b"\0" + bytes(255 if 10 <= x < 18 else 0 for x in range(w)) for _ in range(h))
def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
latent=$(digits_latent "$url")
write_decode_lua "$latent" "$dir/decode.lua"
for i in $(seq "$flooders"); do
  ( while true; do
      curl -s -o /dev/null -w "%{http_code}\n" -F model=digits -F k=5000 -F bounds=true -F "image=@$dir/digit.png" "$url/encode"
    done >"$dir/flood-$i.txt" ) &
  pids+=($!)
done
sleep 2  # let the lane fill
out=$(wrk -t1 -c1 -d"${seconds}s" --latency -s "$dir/decode.lua" "$url/decode")
stop_flood
codes=$(cat "$dir"/flood-*.txt | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')
echo "lone POST /decode while $flooders clients flood k = 5000 bounds, ${seconds} s:"
printf '  %s req/s   p50 %s   p99 %s\n' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
  "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
echo "  flood answers over the 2 s warm-up and the run (count×status): $codes"
