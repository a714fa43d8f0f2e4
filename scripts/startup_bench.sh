#!/usr/bin/env bash
# Start-up time of `pantau serve` with and without a checkpoint (docs/ingest.md): fills a fresh
# data dir with N reports through `pantau replay`, stops the server (which writes a checkpoint),
# times a start from the checkpoint, then deletes the checkpoint and times a start that replays
# every event. Not a test: timings are for docs/ingest.md only.
#
#   scripts/startup_bench.sh [BUILD_DIR] [N]      (defaults: build-dev, 1000000)
set -euo pipefail

build=${1:-build-dev}
n=${2:-1000000}
pantau="$build/server/pantau"
work=$(mktemp -d /tmp/pantau_startup.XXXXXX)
trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

# N reports over the last 30 days across Tangerang, in time order: a busy city's month of
# reports. Each base type comes in 5 variants (garbage_0 .. garbage_4): the dedup search scans
# every open incident of a type near a report, and incidents stay open here (nobody closes them),
# so fewer types would make filling the log slow (see docs/ingest.md); start-up does not search.
python3 - "$n" > "$work/archive.ndjson" <<'PY'
import json, random, sys, time
n = int(sys.argv[1]); random.seed(1)
now = time.time(); span = 30 * 86400
cats = [("complaint", ["garbage", "road_damage", "street_light", "noise"]),
        ("transport", ["traffic_jam", "accident", "broken_signal"]),
        ("disaster", ["flood", "fire", "fallen_tree"])]
sev = ["unknown", "minor", "moderate", "severe", "extreme"]
out = sys.stdout
for i in range(n):
    c, types = random.choice(cats)
    t = now - span + span * i / n
    out.write(json.dumps({"source": "bench", "external_id": "b%d" % i, "category": c,
        "type": "%s_%d" % (random.choice(types), random.randrange(5)), "severity": random.choice(sev),
        "lon": random.uniform(106.56, 106.72), "lat": random.uniform(-6.25, -6.12),
        "text": "report %d" % i,
        "observed_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + "Z"}) + "\n")
PY

start_server() { # sets pid, url and took: the seconds from exec to "serving on"
    local t0 t1
    : > "$work/out"
    t0=$(date +%s.%N)
    "$pantau" serve --listen 127.0.0.1:0 --data-dir "$work/var" > "$work/out" 2>> "$work/log" &
    pid=$!
    until grep -q "serving on" "$work/out"; do sleep 0.02; done
    t1=$(date +%s.%N)
    url=$(sed -n 's/^pantau: serving on //p' "$work/out")
    took=$(echo "$t1 - $t0" | bc)
}
stop_server() { kill -INT "$pid"; wait "$pid" || true; pid=; }

start_server
t0=$(date +%s.%N)
"$pantau" replay "$work/archive.ndjson" --to "${url%/}" --speed max --batch 2000
echo "replayed $n reports in $(echo "$(date +%s.%N) - $t0" | bc) s"
stop_server # writes the checkpoint

start_server
with=$took
stop_server
sqlite3 "$work/var/events.sqlite" "DELETE FROM checkpoints"
start_server
without=$took
stop_server
grep -E "event log: |checkpoint at" "$work/log" | sed 's/^[^ ]* [^ ]* //'
echo "events: $n; start-up with checkpoint: ${with} s; without (replaying every event): ${without} s"
echo "events.sqlite: $(du -h "$work/var/events.sqlite" | cut -f1)"
