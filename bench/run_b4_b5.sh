#!/usr/bin/env bash
# Benchmarks B4 (ingest → subscriber) and B5 (fan-out) of /work/shared/BENCHMARKS.md: the same
# workloads against pantau and the reference Node.js peer (bench/peers/node), and for B5 also
# against nginx with Nchan (bench/peers/nchan; it has no ingest, so no B4), in the same run,
# alternating servers run by run, medians of RUNS runs, and a ratio table at the end.
# What each figure means: docs/benchmarks.md.
#
#   bench/run_b4_b5.sh            the full run (RUNS=5; over an hour on 2 cores)
#   bench/run_b4_b5.sh --smoke    one short run of B4 and of B5 at 1,000 clients (a few minutes)
#   B4=off B5_CLIENTS=10000,19000 bench/run_b4_b5.sh    B5 alone, at 10k and 19k clients only
#   B4=off B5_CLIENTS=none B7=on bench/run_b4_b5.sh     B7 through HTTP alone
#
# Environment (defaults in brackets):
#   BUILD_DIR [build-bench]  DISTRICTS [../shared/data/tangerang/kelurahan.geojson]
#   DATA_ROOT [/dev/shm: tmpfs; give a real-disk directory to include fsync cost]
#   SERVER_CPU [0]  LOADGEN_CPU [1]  RUNS [5, smoke 1]  PANTAU_TICK_MS [5]  OUT [a fresh temp dir]
#   PANTAU_CONFIG [none: the built-in defaults] a config file for pantau's serve --config, e.g.
#     bench/peer_parity.ini (threshold alerts off: the work the Node peer does)
#   B4 [on; off skips it]  B5_CLIENTS [1000,5000,10000,19000, smoke 1000; none skips B5]  B5_RATES [10,100,1000]
#   B7 [off; on adds B7 through HTTP: 100-report batches over 32 connections, one subscriber,
#     the server on both cores (B7_SERVER_CPU [0,1]), its data on the real disk (B7_DATA_ROOT
#     [/var/tmp]) and pantau's default 50 ms tick; the highest acknowledged rate, pantau and Node]
#   B5_SERVERS [pantau,node,nchan]  NGINX [nginx]  NCHAN_MODULE [/usr/lib/nginx/modules/ngx_nchan_module.so]
#     Nchan is skipped, with a message, when nginx or the module is missing
#     (apt-get install nginx libnginx-mod-nchan)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=full
case "${1:-}" in
  "") ;;
  --smoke) mode=smoke ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
  *) echo "run_b4_b5.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
esac

build_dir=${BUILD_DIR:-$root/build-bench}
districts=${DISTRICTS:-$root/../shared/data/tangerang/kelurahan.geojson}
data_root=${DATA_ROOT:-/dev/shm}
server_cpu=${SERVER_CPU:-0}
loadgen_cpu=${LOADGEN_CPU:-1}
tick_ms=${PANTAU_TICK_MS:-5}
pantau_config=${PANTAU_CONFIG:-}
if [ "$mode" = smoke ]; then runs=${RUNS:-1}; else runs=${RUNS:-5}; fi
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/pantau-b4b5.XXXXXX")}
pantau_port=18180
peer_port=18181
nchan_port=18182
b4=${B4:-on}
b7=${B7:-off}
b7_server_cpu=${B7_SERVER_CPU:-0,1}
b7_data_root=${B7_DATA_ROOT:-/var/tmp}
nginx_bin=${NGINX:-nginx}
nchan_module=${NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}
b5_list=${B5_SERVERS:-pantau,node,nchan}
read -r -a b5_servers <<< "${b5_list//,/ }"

[ -f "$districts" ] || { echo "run_b4_b5.sh: no districts file $districts (set DISTRICTS)" >&2; exit 2; }
[ -d "$data_root" ] || { echo "run_b4_b5.sh: DATA_ROOT $data_root is not a directory" >&2; exit 2; }
if [ -n "$pantau_config" ]; then
  [ -f "$pantau_config" ] || { echo "run_b4_b5.sh: no config file $pantau_config (PANTAU_CONFIG)" >&2; exit 2; }
  pantau_config=$(cd "$(dirname "$pantau_config")" && pwd)/$(basename "$pantau_config")
fi
districts=$(cd "$(dirname "$districts")" && pwd)/$(basename "$districts")
case "$b4" in on|off) ;; *) echo "run_b4_b5.sh: B4 is on or off, not $b4" >&2; exit 2 ;; esac
case "$b7" in on|off) ;; *) echo "run_b4_b5.sh: B7 is on or off, not $b7" >&2; exit 2 ;; esac
if [ "$b7" = on ] && [ ! -d "$b7_data_root" ]; then
  echo "run_b4_b5.sh: B7_DATA_ROOT $b7_data_root is not a directory" >&2; exit 2
fi
for which in "${b5_servers[@]}"; do
  case "$which" in pantau|node|nchan) ;; *) echo "run_b4_b5.sh: unknown B5 server $which" >&2; exit 2 ;; esac
done
nchan_missing=
if ! command -v "$nginx_bin" > /dev/null 2>&1; then
  nchan_missing="no nginx binary ($nginx_bin; set NGINX)"
elif [ ! -f "$nchan_module" ]; then
  nchan_missing="no Nchan module at $nchan_module (set NCHAN_MODULE)"
fi
if [ -n "$nchan_missing" ] && [[ " ${b5_servers[*]} " == *" nchan "* ]]; then
  echo "== skipping the Nchan peer: $nchan_missing; apt-get install nginx libnginx-mod-nchan brings both"
  b5_list=
  for which in "${b5_servers[@]}"; do if [ "$which" != nchan ]; then b5_list+=" $which"; fi; done
  read -r -a b5_servers <<< "$b5_list"
fi
mkdir -p "$out"

echo "== building into $build_dir (logs and raw output in $out)"
# An existing build dir keeps its configuration (it must have PANTAU_BENCH=ON and a Release build).
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DPANTAU_TESTS=OFF -DPANTAU_BENCH=ON \
    -DPANTAU_TSAN=OFF > "$out/cmake.log"
fi
cmake --build "$build_dir" -j "$(nproc)" --target pantau pantau_loadgen pantau_bench_fanout_floor >> "$out/cmake.log"
uses_node=no
if [ "$b4" = on ] || [ "$b7" = on ] || [[ " ${b5_servers[*]} " == *" node "* ]]; then uses_node=yes; fi
if [ "$uses_node" = yes ] && [ ! -d "$root/bench/peers/node/node_modules" ]; then
  (cd "$root/bench/peers/node" && npm ci --no-audit --no-fund > "$out/npm.log")
fi
pantau_bin=$build_dir/server/pantau
loadgen_bin=$build_dir/bench/pantau_loadgen
floor_bin=$build_dir/bench/pantau_bench_fanout_floor

server_pid=
server_dir=
server_log=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
    server_pid=
  fi
  if [ -n "$server_dir" ]; then
    # nginx logs into its prefix; keep its error log with the run's other server logs.
    if [ -f "$server_dir/logs/error.log" ]; then cat "$server_dir/logs/error.log" >> "$server_log"; fi
    rm -rf "$server_dir"
    server_dir=
  fi
}
trap stop_server EXIT

# start_server pantau|node|nchan LOG: a fresh server pinned to SERVER_CPU, ready when /healthz
# answers; sets server_pid and port (not in a subshell: stop_server needs the pid).
port=
start_server() {
  local which=$1 log=$2
  server_log=$log
  if [ "$which" = pantau ]; then
    port=$pantau_port
    server_dir=$(mktemp -d "$data_root/pantau-b4b5.XXXXXX")
    # A source key for the load generator (it reads PANTAU_API_KEY); subscribers read under
    # --public-read, and no rate limit may throttle the benchmark's own load.
    PANTAU_API_KEY=$("$pantau_bin" keys add --data-dir "$server_dir" --source loadgen 2> /dev/null)
    export PANTAU_API_KEY
    taskset -c "$server_cpu" "$pantau_bin" serve --listen "127.0.0.1:$port" --districts "$districts" \
      --data-dir "$server_dir" --stream-tick-ms "$tick_ms" --max-connections 19500 --public-read \
      --rate-per-credential 0 ${pantau_config:+--config "$pantau_config"} > "$log" 2>&1 &
  elif [ "$which" = nchan ]; then
    # By hand on a fresh prefix (config, pid, logs, temp files), never the system's nginx service.
    # The prefix must be readable by the worker, which runs as nobody when nginx starts as root.
    port=$nchan_port
    server_dir=$(mktemp -d "$data_root/pantau-b5-nchan.XXXXXX")
    chmod 755 "$server_dir"
    mkdir -p "$server_dir/logs" "$server_dir/tmp"
    sed -e "s|@NCHAN_MODULE@|$nchan_module|" -e "s|@LISTEN@|127.0.0.1:$port|" \
      "$root/bench/peers/nchan/nginx.conf.in" > "$server_dir/nginx.conf"
    taskset -c "$server_cpu" "$nginx_bin" -p "$server_dir/" -c "$server_dir/nginx.conf" > "$log" 2>&1 &
  else
    port=$peer_port
    taskset -c "$server_cpu" node "$root/bench/peers/node/server.js" --listen "127.0.0.1:$port" \
      --districts "$districts" > "$log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server_pid" 2> /dev/null; then break; fi
    sleep 0.1
  done
  echo "run_b4_b5.sh: $which did not start; its log:" >&2
  cat "$log" >&2
  if [ -n "$server_dir" ] && [ -f "$server_dir/logs/error.log" ]; then cat "$server_dir/logs/error.log" >&2; fi
  exit 1
}

# run_load SERVER NAME RUN ARGS...: one loadgen run against a fresh server; raw output kept.
run_load() {
  local which=$1 name=$2 run=$3; shift 3
  local file=$out/$name.$which.$run peer=()
  if [ "$which" = nchan ]; then peer=(--peer nchan); fi
  start_server "$which" "$file.server.log"
  taskset -c "$loadgen_cpu" "$loadgen_bin" --target "127.0.0.1:$port" --districts "$districts" "${peer[@]}" "$@" \
    > "$file.out" 2> "$file.err" || echo "loadgen exited $? ($file.err)" >> "$file.out"
  stop_server
}

# field FILE PATTERN KEY: KEY's value on the last line of FILE that matches PATTERN.
field() {
  { grep -E "$2" "$1" 2> /dev/null || true; } | tail -1 | tr ' ' '\n' | sed -n "s/^$3=//p" | head -1
}

median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# stat NAME SERVER PATTERN KEY: the median of KEY over the runs.
stat() {
  local name=$1 which=$2 pattern=$3 key=$4 r v
  for r in $(seq 1 "$runs"); do
    v=$(field "$out/$name.$which.$r.out" "$pattern" "$key")
    if [ -n "$v" ]; then echo "$v"; fi
  done | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.1f×", a / b }'; }

if [ "$mode" = smoke ]; then
  b4_args=(--clients 1000 --filter all --ramp 500:64000:2 --step-s 2 --warmup-s 1 --p99-ms 10 --http-conns 8 --batch 100)
  b5_clients=(1000)
  b5_step=2
  b7_args=(--clients 1 --filter all --ramp 8000:512000:1.25 --step-s 2 --warmup-s 1 --http-conns 32 --batch 100)
else
  b4_args=(--clients 1000 --filter all --ramp 500:1024000:2 --step-s 5 --warmup-s 2 --p99-ms 10 --http-conns 8 --batch 100)
  b5_clients=(1000 5000 10000 19000)
  b5_step=5
  b7_args=(--clients 1 --filter all --ramp 8000:512000:1.25 --step-s 5 --warmup-s 2 --http-conns 32 --batch 100)
fi
b5_rates=(10 100 1000)
if [ "${B5_CLIENTS:-}" = none ]; then b5_clients=()
elif [ -n "${B5_CLIENTS:-}" ]; then read -r -a b5_clients <<< "${B5_CLIENTS//,/ }"; fi
if [ -n "${B5_RATES:-}" ]; then read -r -a b5_rates <<< "${B5_RATES//,/ }"; fi

# The kernel's floor on this machine now (bench/fanout_floor.cpp), before and after the servers:
# one send of a B5-sized and of a busy-tick-sized message to each of 1,000 loopback connections.
floor() { taskset -c "$server_cpu,$loadgen_cpu" "$floor_bin" 1000 "$1" 3 "$server_cpu" "$loadgen_cpu"; }
floor_before="$(floor 150) / $(floor 12000)"

# pantau_and_node NAME ARGS...: RUNS runs of the same load against pantau and the Node peer, alternating.
pantau_and_node() {
  local name=$1 r which; shift
  for r in $(seq 1 "$runs"); do
    for which in pantau node; do
      run_load "$which" "$name" "$r" "$@"
      echo "   run $r $which: $(grep '^RESULT' "$out/$name.$which.$r.out" || tail -1 "$out/$name.$which.$r.out")"
    done
  done
}

if [ "$b4" = on ]; then
  echo "== B4: ${b4_args[*]}; $runs run(s) per server"
  pantau_and_node b4 "${b4_args[@]}"
fi

if [ "$b7" = on ]; then
  echo "== B7 through HTTP: ${b7_args[*]}; server on CPU $b7_server_cpu, data under $b7_data_root; $runs run(s) per server"
  saved=("$server_cpu" "$data_root" "$tick_ms")
  server_cpu=$b7_server_cpu data_root=$b7_data_root tick_ms=50
  pantau_and_node b7 "${b7_args[@]}"
  server_cpu=${saved[0]} data_root=${saved[1]} tick_ms=${saved[2]}
fi

for n in "${b5_clients[@]}"; do
  for filter in all district; do
    name=b5-$n-$filter
    echo "== B5: $n clients, filter $filter, rates ${b5_rates[*]}; $runs run(s) per server (${b5_servers[*]})"
    for r in $(seq 1 "$runs"); do
      for which in "${b5_servers[@]}"; do
        run_load "$which" "$name" "$r" --clients "$n" --filter "$filter" \
          --rates "$(IFS=,; echo "${b5_rates[*]}")" --no-stop --step-s "$b5_step" --warmup-s 1 --p99-ms 50 \
          --batch 1 --http-conns 32
      done
    done
  done
done

echo
echo "Machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); mode $mode; medians of $runs run(s); data dir under $data_root; pantau stream tick $tick_ms ms; pantau config ${pantau_config:-none (defaults)}"
echo "Server on CPU $server_cpu, loadgen on CPU $loadgen_cpu; raw output in $out"
if [ "$b7" = on ]; then echo "B7: server on CPU $b7_server_cpu, data dir under $b7_data_root, pantau stream tick 50 ms"; fi
echo "Kernel floor, 1,000 loopback sends (150 B / 12 kB): before $floor_before; after $(floor 150) / $(floor 12000)"
echo "B5 servers: ${b5_servers[*]}${nchan_missing:+ (Nchan skipped: $nchan_missing)};" \
  "Nchan's frames carry no seq, so it has no seq check"
echo
echo "| workload | metric | pantau | Node peer | pantau ÷ Node | Nchan | pantau ÷ Nchan |"
echo "|---|---|---|---|---|---|---|"
if [ "$b4" = on ]; then
  p=$(stat b4 pantau '^RESULT' sustained_reports_s); q=$(stat b4 node '^RESULT' sustained_reports_s)
  echo "| B4 ingest → 1,000 subscribers | sustained reports/s (p99 ≤ 10 ms, no errors) | $p | $q | $(ratio "$p" "$q") | | |"
  p=$(stat b4 pantau '^RESULT' p99_ms); q=$(stat b4 node '^RESULT' p99_ms)
  echo "| B4 | p99 ms at that rate | $p | $q | | | |"
  p=$(stat b4 pantau '^RESULT' max_acked_s); q=$(stat b4 node '^RESULT' max_acked_s)
  echo "| B4 | highest acked reports/s of any step, whatever the latency | $p | $q | $(ratio "$p" "$q") | | |"
fi
if [ "$b7" = on ]; then
  p=$(stat b7 pantau '^RESULT' max_acked_s); q=$(stat b7 node '^RESULT' max_acked_s)
  echo "| B7 through HTTP, 100-report batches, 1 subscriber, both cores | highest acked reports/s of any step | $p | $q | $(ratio "$p" "$q") | | |"
fi
for n in "${b5_clients[@]}"; do
  for filter in all district; do
    for rate in "${b5_rates[@]}"; do
      pat="^STEP .* offered=$rate "
      cells=()
      for which in pantau node nchan; do
        d=$(stat "b5-$n-$filter" "$which" "$pat" deliveries_s)
        l=$(stat "b5-$n-$filter" "$which" "$pat" p99_ms)
        e=$(stat "b5-$n-$filter" "$which" "$pat" errors)
        cells+=("$d" "$d ($l; $e)")
      done
      echo "| B5 $n clients, $filter, $rate msg/s | deliveries/s (p99 ms; errors) | ${cells[1]} | ${cells[3]} |" \
        "$(ratio "${cells[0]}" "${cells[2]}") | ${cells[5]} | $(ratio "${cells[0]}" "${cells[4]}") |"
    done
  done
done
