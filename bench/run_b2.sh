#!/usr/bin/env bash
# B2 against its peers (docs/benchmarks.md): batch `pantau locate`, the whole process — load the
# layer, index it, read 1M lon,lat lines on stdin, print one code (or an empty line) per line —
# against the naive GEOS C program (bench/peers/naive_geos) and PostGIS's best plan, on the same
# points in the same run. Programs alternate within each round so that a noisy neighbour hurts
# them alike; medians of the rounds. Every output must be byte-identical to the naive peer's.
#
# Usage: bench/run_b2.sh [BUILD_DIR (default build)]
# Needs: cmake --build BUILD_DIR --target pantau pantau_peer_naive_locate; GNU time (apt-get
# install time). PostGIS is measured when it is installed (apt-get install postgresql-15-postgis-3
# gdal-bin): a throwaway cluster as the `postgres` user on a Unix socket, never the system one.
# Environment: PANTAU_SHARED_DATA (default ../shared/data beside the repo); B2_POINTS (1000000)
# and B2_ROUNDS (3) for a quick try.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
shared="${PANTAU_SHARED_DATA:-$root/../shared/data}"
points_n="${B2_POINTS:-1000000}"
rounds="${B2_ROUNDS:-3}"

pantau="$build/server/pantau"
naive="$build/bench/pantau_peer_naive_locate"
for exe in "$pantau" "$naive"; do
  [ -x "$exe" ] || { echo "run_b2.sh: $exe not built (cmake --build $build --target pantau pantau_peer_naive_locate)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "run_b2.sh: /usr/bin/time not found; apt-get install time" >&2; exit 1; }
# `pantau index` is newer than `pantau locate`: measure a prebuilt index only where it exists.
has_index=no
"$pantau" index --help >/dev/null 2>&1 && has_index=yes
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
has_pg=no
if [ -n "$pg_bin" ] && [ -x "$pg_bin/pg_ctl" ] && command -v ogr2ogr >/dev/null &&
   ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  has_pg=yes
else
  echo "run_b2.sh: no PostGIS peer (apt-get install postgresql-15-postgis-3 gdal-bin)" >&2
fi

# name | file | code field (pantau's default picks `kode`: these layers have no `code`) | bbox
layers=(
  "Banten desa (1,552)|$shared/region/desa_kelurahan_banten.geojson|kode|105.099874 -7.016197 106.779863 -5.807603"
  "Tangerang kelurahan (104)|$shared/tangerang/kelurahan.geojson|kode|106.551454 -6.256101 106.748623 -6.097069"
)

work=$(mktemp -d /var/tmp/pantau-b2.XXXXXX)
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
  [ "$has_pg" = no ] || as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql=(runuser -u postgres -- psql -h "$work" -U postgres -X -q -v ON_ERROR_STOP=1)
if [ "$has_pg" = yes ]; then
  chown postgres "$work"
  as_pg "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
  cat >> "$work/pg/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work'
shared_buffers = 256MB
work_mem = 256MB
EOF
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start >/dev/null
  "${psql[@]}" -c "CREATE EXTENSION postgis"
fi

# Runs one program: $1 = key, $2 = stdin, $3 = stdout, rest = command. Appends "key wall KiB".
timed() {
  local key="$1" in="$2" out="$3"
  shift 3
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" < "$in" > "$out" 2> "$work/stderr" ||
    { echo "run_b2.sh: $key failed:" >&2; cat "$work/stderr" "$work/time" >&2; exit 1; }
  # A load report (repaired or skipped districts) would explain a difference: show it.
  [ ! -s "$work/stderr" ] || sed "s/^/run_b2.sh: $key: /" "$work/stderr" | head -5 >&2
  echo "$key $(tail -1 "$work/time")" >> "$work/times"
}

# The PostGIS job, timed from the COPY of the points to the last code written; loading the layer
# and its GiST index is not. Peak RSS: psql's (it holds the whole result before writing it) plus
# the backend's VmHWM, which counts the shared buffers it touched.
pg_job() {
  local out="$1" key wall kib
  # JIT off: it compiles for each run and the nested loop gains nothing from it (measured: 0.5-0.9 s
  # faster without it on the 1,552 desa). A temp table is never scanned in parallel, but a parallel
  # plan only splits the scan of the points; the joins stay in the leader (measured: no faster).
  cat > "$work/job.sql" <<EOF
SET jit = off;
CREATE TEMP TABLE pts (line bigserial, lon float8, lat float8);
\\copy pts (lon, lat) FROM '$work/points.csv' WITH (FORMAT csv)
\\o $out
SELECT c.code FROM pts p LEFT JOIN LATERAL (
  SELECT d.code FROM districts d WHERE ST_Covers(d.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
  ORDER BY d.code COLLATE "C" LIMIT 1) c ON true
ORDER BY p.line;
\\o $work/hwm
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\\s+(\\d+)'))[1];
EOF
  timed PostGIS /dev/null "$work/psql.out" "${psql[@]}" -At -f "$work/job.sql"
  read -r key wall kib < <(tail -1 "$work/times")
  sed -i '$d' "$work/times"
  echo "$key $wall $((kib + $(cat "$work/hwm")))" >> "$work/times"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b != "" && b > 0) printf "%.1f×", a / b; else print "—" }'; }

echo "B2 $(date -u +%Y-%m-%dT%H:%MZ), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "$points_n points a layer, $rounds rounds, pantau index: $has_index, PostGIS: $has_pg"
echo
echo "| layer | program | median wall s | median peak RSS MiB | × pantau --districts | × pantau --index | identical |"
echo "|---|---|---|---|---|---|---|"
status=0
notes=()
for entry in "${layers[@]}"; do
  IFS='|' read -r name file field bbox <<< "$entry"
  [ -f "$file" ] || { echo "run_b2.sh: $file not found (set PANTAU_SHARED_DATA)" >&2; exit 1; }
  # shellcheck disable=SC2086 # the bbox is four words on purpose
  python3 "$root/bench/b2_points.py" "$points_n" 14 $bbox > "$work/points.csv"
  chmod a+r "$work/points.csv"
  : > "$work/times"
  programs=(pantau_--districts naive_GEOS)
  if [ "$has_index" = yes ]; then
    /usr/bin/time -f '%e %M' -o "$work/time" "$pantau" index build --districts "$file" --out "$work/layer.pidx" > /dev/null
    notes+=("$name: pantau index build $(awk '{ printf "%.2f s, %.0f MiB peak RSS", $1, $2 / 1024 }' "$work/time")")
    programs=(pantau_--districts pantau_--index naive_GEOS)
  fi
  if [ "$has_pg" = yes ]; then
    ogr2ogr -f PostgreSQL "PG:host=$work user=postgres dbname=postgres" "$file" -nln districts \
      -select "$field" -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST
    "${psql[@]}" -c "ALTER TABLE districts RENAME COLUMN $field TO code" -c "VACUUM ANALYZE districts"
    programs+=(PostGIS)
  fi
  differs=" "
  for ((r = 1; r <= rounds; ++r)); do
    for p in "${programs[@]}"; do
      case "$p" in
        pantau_--districts) timed "$p" "$work/points.csv" "$work/out.$p" "$pantau" locate --districts "$file" ;;
        pantau_--index) timed "$p" "$work/points.csv" "$work/out.$p" "$pantau" locate --index "$work/layer.pidx" ;;
        naive_GEOS) timed "$p" "$work/points.csv" "$work/out.$p" "$naive" "$file" "$field" ;;
        PostGIS) pg_job "$work/out.$p" ;;
      esac
    done
    # The reference is the naive peer's first answer; every run, its own later ones included, is held to it.
    [ "$r" -gt 1 ] || cp "$work/out.naive_GEOS" "$work/reference"
    for p in "${programs[@]}"; do
      cmp -s "$work/reference" "$work/out.$p" && continue
      differs+="$p "
      n=$(paste -d'|' "$work/reference" "$work/out.$p" | awk -F'|' '$1 != $2' | wc -l)
      echo "run_b2.sh: $name, ${p//_/ }, round $r: $n of $points_n lines differ from the naive peer's (point|naive|that):" >&2
      paste -d'|' "$work/points.csv" "$work/reference" "$work/out.$p" | awk -F'|' '$2 != $3' | head -3 >&2
    done
    rm -f "$work"/out.*
  done
  base=$(awk '$1 == "pantau_--districts" { print $2 }' "$work/times" | median)
  base_index=$(awk '$1 == "pantau_--index" { print $2 }' "$work/times" | median)
  for p in "${programs[@]}"; do
    wall=$(awk -v p="$p" '$1 == p { print $2 }' "$work/times" | median)
    kib=$(awk -v p="$p" '$1 == p { print $3 }' "$work/times" | median)
    same=yes
    [[ "$differs" != *" $p "* ]] || { same=no; status=1; }
    printf '| %s | %s | %.2f | %.0f | %s | %s | %s |\n' "$name" "${p//_/ }" "$wall" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" \
      "$(ratio "$wall" "$base")" "$(ratio "$wall" "$base_index")" "$same"
  done
  [ "$has_pg" = no ] || "${psql[@]}" -c "DROP TABLE districts"
done
echo
for note in "${notes[@]}"; do echo "$note"; done
[ "$has_pg" = no ] || echo "PostGIS: loading the layer and its GiST index is not timed; its RSS is the backend's VmHWM plus psql's."
exit "$status"
