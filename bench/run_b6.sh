#!/usr/bin/env bash
# Benchmark B6 of /work/shared/BENCHMARKS.md, idle memory: the server's resident memory per
# subscribed, idle WebSocket client, pantau and the Node peer in the same run (docs/benchmarks.md).
# For each server and client count: a fresh server on one core, its RSS once it listens, then N
# loadgen clients subscribed to everything and one report a second for STEP_S seconds; the RSS
# STEP_S/2 seconds into that step, minus the first, over N.
#
#   bench/run_b6.sh                     10,000 and 19,000 clients
#   CLIENTS="1000 5000" bench/run_b6.sh
#
# Environment (defaults in brackets): BUILD_DIR [build-bench] (Release, PANTAU_BENCH=ON, built
# already or built here), DISTRICTS [../shared/data/tangerang/kelurahan.geojson], DATA_ROOT
# [/dev/shm], SERVER_CPU [0], LOADGEN_CPU [1], STEP_S [10], CLIENTS ["10000 19000"], OUT [a temp dir]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build-bench}
districts=${DISTRICTS:-$root/../shared/data/tangerang/kelurahan.geojson}
data_root=${DATA_ROOT:-/dev/shm}
server_cpu=${SERVER_CPU:-0}
loadgen_cpu=${LOADGEN_CPU:-1}
step_s=${STEP_S:-10}
read -r -a client_counts <<< "${CLIENTS:-10000 19000}"
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/pantau-b6.XXXXXX")}
port=18190
[ -f "$districts" ] || { echo "run_b6.sh: no districts file $districts (set DISTRICTS)" >&2; exit 2; }
districts=$(cd "$(dirname "$districts")" && pwd)/$(basename "$districts")
mkdir -p "$out"

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DPANTAU_BENCH=ON -DPANTAU_WEB=OFF > "$out/cmake.log"
fi
cmake --build "$build_dir" -j "$(nproc)" --target pantau pantau_loadgen > "$out/build.log"
pantau_bin=$build_dir/server/pantau
loadgen_bin=$build_dir/bench/pantau_loadgen
if [ ! -d "$root/bench/peers/node/node_modules" ]; then (cd "$root/bench/peers/node" && npm ci --silent); fi

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# measure SERVER N: prints "SERVER N rss_before_kb rss_with_clients_kb kb_per_client"
measure() {
  local which=$1 n=$2 log=$out/$1.$2 server_dir="" pid
  if [ "$which" = pantau ]; then
    server_dir=$(mktemp -d "$data_root/pantau-b6.XXXXXX")
    PANTAU_API_KEY=$("$pantau_bin" keys add --data-dir "$server_dir" --source loadgen 2> /dev/null)
    export PANTAU_API_KEY
    taskset -c "$server_cpu" "$pantau_bin" serve --listen "127.0.0.1:$port" --districts "$districts" \
      --data-dir "$server_dir" --max-connections 19500 --public-read --rate-per-credential 0 > "$log.server.log" 2>&1 &
  else
    taskset -c "$server_cpu" node "$root/bench/peers/node/server.js" --listen "127.0.0.1:$port" \
      --districts "$districts" > "$log.server.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
    sleep 0.1
  done
  sleep 1
  local before; before=$(rss_kb "$pid")
  taskset -c "$loadgen_cpu" "$loadgen_bin" --target "127.0.0.1:$port" --districts "$districts" --clients "$n" \
    --filter all --rates 1 --step-s "$step_s" --warmup-s 0 --no-stop --http-conns 1 > "$log.out" 2> "$log.err" &
  local lg=$!
  until grep -q "posting over" "$log.err" 2> /dev/null; do
    kill -0 "$lg" 2> /dev/null || { echo "run_b6.sh: the loadgen ended early ($log.err)" >&2; break; }
    sleep 0.5
  done
  sleep $((step_s / 2))
  local with; with=$(rss_kb "$pid")
  wait "$lg" || true
  kill "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  [ -n "$server_dir" ] && rm -rf "$server_dir"
  awk -v w="$which" -v n="$n" -v a="$before" -v b="$with" \
    'BEGIN { printf "B6 server=%s clients=%d rss_before_kb=%d rss_with_clients_kb=%d kb_per_client=%.2f\n", w, n, a, b, (b - a) / n }'
}

echo "== B6: idle memory per subscribed client; raw output in $out"
echo "Machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u '+%Y-%m-%d %H:%M UTC')"
for n in "${client_counts[@]}"; do
  measure pantau "$n"
  measure node "$n"
done
