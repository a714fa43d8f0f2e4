#!/usr/bin/env bash
# ctest smoke test for pantau_loadgen: a real pantau on an ephemeral port, 20 subscribers, one
# second of reports at a low rate. Passes when the loadgen exits 0 with deliveries > 0
# (--require-deliveries); no timing is asserted (the p99 bound is set out of reach).
#
#   loadgen_smoke.sh PANTAU_BINARY LOADGEN_BINARY KELURAHAN_GEOJSON
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: loadgen_smoke.sh PANTAU LOADGEN KELURAHAN_GEOJSON" >&2; exit 2; }
pantau=$1 loadgen=$2 districts=$3

dir=$(mktemp -d "${TMPDIR:-/tmp}/pantau-loadgen-smoke.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

# Ingest needs a source key (docs/security.md); the subscribers read under --public-read.
key=$("$pantau" keys add --data-dir "$dir/var" --source loadgen 2> /dev/null)
"$pantau" serve --listen 127.0.0.1:0 --districts "$districts" --data-dir "$dir/var" --public-read > "$dir/out" 2> "$dir/err" &
pid=$!
url=
for _ in $(seq 1 300); do
  url=$(sed -n 's|^pantau: serving on http://\([0-9.]*:[0-9]*\).*|\1|p' "$dir/out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "pantau did not start:" >&2
  cat "$dir/err" >&2
  exit 1
fi

"$loadgen" --target "$url" --api-key "$key" --districts "$districts" --clients 20 --filter all --rate 200 --step-s 1 \
  --warmup-s 0 --http-conns 2 --batch 10 --p99-ms 100000 --require-deliveries
