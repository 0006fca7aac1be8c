#!/usr/bin/env bash
# A lone /decode while 16 clients flood k = 5000 bound requests (/encode with bounds): the expensive
# lane must keep the cheap path fast and shed what it cannot queue (503 + Retry-After).
#
#   bench/flood_bench.sh http://127.0.0.1:8000 [flooders] [seconds]
#
# Both sides are wrk (a C load generator): the flooders are its keep-alive connections, each sending the
# next request the moment it has an answer, 503 or not, so the server bears the whole flood while the
# clients take little CPU. (curl loops did this before: restarting a process after every 503 took 1.2 of
# the two cores, and the lone figures measured the client more than the server.)
set -euo pipefail
# shellcheck source=bench/wrk_digits.sh
source "$(dirname "$0")/wrk_digits.sh"
url=${1:?usage: bench/flood_bench.sh URL [flooders] [seconds]}
flooders=${2:-16}
seconds=${3:-10}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/digit.png" <<'PY'
import sys, zlib, struct
w = h = 28  # a white bar on black: any image will do for the flood
rows = b"".join(b"\0" + bytes(255 if 10 <= x < 18 else 0 for x in range(w)) for _ in range(h))
def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
cat > "$dir/flood.lua" <<LUA
-- POST /encode as a browser's form would: model, k = 5000, bounds, and the image
local file = assert(io.open("$dir/digit.png", "rb"))
local png = file:read("*a")
file:close()
local boundary = "iwae-flood-boundary"
local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = field("model", "digits") .. field("k", "5000") .. field("bounds", "true")
  .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"digit.png\"\r\n"
  .. "Content-Type: image/png\r\n\r\n" .. png .. "\r\n--" .. boundary .. "--\r\n"
LUA
latent=$(digits_latent "$url")
write_decode_lua "$latent" "$dir/decode.lua"
wrk -t1 -c"$flooders" -d"$((seconds + 3))s" -s "$dir/flood.lua" "$url/encode" >"$dir/flood.txt" &
flood=$!
sleep 2  # let the lane fill
out=$(wrk -t1 -c1 -d"${seconds}s" --latency -s "$dir/decode.lua" "$url/decode")
wait "$flood"
sent=$(awk '/requests in/ {print $1}' "$dir/flood.txt")
shed=$(awk '/Non-2xx/ {print $NF}' "$dir/flood.txt")
echo "lone POST /decode while $flooders clients flood k = 5000 bounds, ${seconds} s:"
printf '  %s req/s   p50 %s   p99 %s\n' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
  "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
# wrk counts statuses only as 2xx/3xx or not: a refusal is a 503 with Retry-After, but any other failure
# would be counted with them
echo "  the flood, over its $((seconds + 3)) s: $sent requests, $((sent - ${shed:-0})) answered, ${shed:-0} not" \
  "(refused: 503 + Retry-After), $(awk '/Requests\/sec/ {print $2}' "$dir/flood.txt") req/s"
