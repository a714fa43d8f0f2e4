#!/usr/bin/env bash
# Start-up of `pantau serve` on a large layer (docs/benchmarks.md, B2): seconds from launching
# the process to the first 200 from /readyz, with a fresh data dir (the grid is built, then saved
# to DATA_DIR/index) and again with the data dir kept (the grid is mapped). Medians of the rounds.
#
# Usage: bench/serve_startup.sh [BUILD_DIR (default build)] [LAYER (default: the Banten desa)]
# Environment: PANTAU_SHARED_DATA (default ../shared/data beside the repo); ROUNDS (5); PORT (18099).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
shared="${PANTAU_SHARED_DATA:-$root/../shared/data}"
layer="${2:-$shared/region/desa_kelurahan_banten.geojson}"
rounds="${ROUNDS:-5}"
port="${PORT:-18099}"
pantau="$build/server/pantau"
[ -x "$pantau" ] || { echo "serve_startup.sh: $pantau not built (cmake --build $build --target pantau)" >&2; exit 1; }
[ -f "$layer" ] || { echo "serve_startup.sh: no layer $layer" >&2; exit 1; }
command -v curl >/dev/null || { echo "serve_startup.sh: needs curl" >&2; exit 1; }
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
  echo "serve_startup.sh: port $port is in use (set PORT)" >&2; exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seconds to ready for one start on data dir $1; the server is stopped afterwards.
start_once() {
  local t0 t1 pid
  t0=$(date +%s.%N)
  "$pantau" serve --listen "127.0.0.1:$port" --districts "desa=$layer" --data-dir "$1" >"$work/log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "serve_startup.sh: pantau exited:" >&2; cat "$work/log" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s.%N)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

fresh=() kept=()
for ((r = 0; r < rounds; r++)); do
  rm -rf "$work/fresh" && mkdir "$work/fresh"
  fresh+=("$(start_once "$work/fresh")")
  grep -q "grid built" "$work/log" || { echo "serve_startup.sh: a fresh start did not build its grid" >&2; exit 1; }
  kept+=("$(start_once "$work/fresh")")
  grep -q "grid mapped" "$work/log" || { echo "serve_startup.sh: a restart did not map its grid" >&2; exit 1; }
done
echo "| start | rounds | median s to /readyz | all |"
echo "|---|---|---|---|"
echo "| fresh data dir (grid built and saved) | $rounds | $(printf '%s\n' "${fresh[@]}" | median) | ${fresh[*]} |"
echo "| restart (grid mapped from DATA_DIR/index) | $rounds | $(printf '%s\n' "${kept[@]}" | median) | ${kept[*]} |"
