# Sourced by the wrk benchmarks: the digits model's request bodies, read from a running server.
#
#   digits_latent URL          prints a latent of the digits model's size, as a JSON list
#   write_decode_lua LATENT F  writes a wrk script POSTing /decode of that one latent to F

digits_latent() {
  python3 -c "
import json, urllib.request
models = json.load(urllib.request.urlopen('$1/models'))
print([0.1] * next(m['latent_size'] for m in models if m['name'] == 'digits'))"
}

write_decode_lua() {
  cat > "$2" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "digits", "latents": [$1]}'
LUA
}
