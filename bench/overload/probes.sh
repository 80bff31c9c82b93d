#!/usr/bin/env bash
# Probes under CPU overload: N file cameras (default 256; looping clips read at their real rate) on this machine's
# cores, and how long /healthz, /ready, /metrics and /cameras take to answer, probed every 2 s for DUR s after WARM s.
# Two runs in one invocation, the baseline first: the grab threads at the normal priority (renice made unavailable,
# as on a system without it), then as shipped (grab threads at a lower priority the more cameras per core: nice 19
# for 256 on 2 cores). Then SIGTERM and how long the drain took.
#   bench/overload/probes.sh [N] [DUR] [WARM]
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$CAMFLUX_ROOT"
"$CAMFLUX_ROOT/scripts/prepare-media.sh" >/dev/null
export_model_dir
n=${1:-256}; dur=${2:-60}; warm=${3:-30}
jar=$(camflux_jar)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
media=$(cd "$CAMFLUX_MEDIA" && pwd)
# renice that always fails: the engine warns once and its grab threads keep the normal priority
mkdir -p "$work/no-renice"
printf '#!/bin/sh\necho "renice: disabled for the baseline" >&2\nexit 1\n' > "$work/no-renice/renice"
chmod +x "$work/no-renice/renice"

run() { # NAME PATH-PREFIX
  local name=$1 prefix=$2 port metrics pid
  port=$(free_port); metrics=$(free_port)
  /usr/bin/python3 - "$n" "$media" "$port" "$metrics" > "$work/config.json" <<'PY'
import json, sys
n, media, port, metrics = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
print(json.dumps({
    "sources": [{"camera_uuid": "c%03d" % i, "url": "%s/cam%d.mp4" % (media, i % 4 + 1), "loop": True}
                for i in range(n)],
    "max_fps": 6, "http": {"host": "127.0.0.1", "port": port, "metrics_port": metrics}}))
PY
  PATH="$prefix$PATH" java -jar "$jar" --config "$work/config.json" > "$work/$name.events" 2> "$work/$name.log" &
  pid=$!
  sleep "$warm"
  local end=$((SECONDS + dur))
  while [ $SECONDS -lt $end ]; do
    for p in "$port/healthz" "$port/ready" "$metrics/metrics" "$port/cameras"; do
      echo "${p#*/} $(curl -s -o /dev/null -m 60 -w '%{time_total}' "http://127.0.0.1:$p")"
    done
    sleep 2
  done > "$work/$name.probes"
  local start=$SECONDS rc=0
  kill -TERM "$pid"; wait "$pid" || rc=$?
  echo "== $name: $n cameras on $(nproc) cores; drain after SIGTERM $((SECONDS - start)) s, exit status $rc"
  grep -h 'renice\|normal priority' "$work/$name.log" | head -2 || true
  /usr/bin/python3 - "$work/$name.probes" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p, t = line.split()
    d[p].append(float(t) * 1000)
for p, v in d.items():
    v.sort()
    print(f"  /{p:8s} n={len(v):3d}  median {statistics.median(v):7.0f} ms  max {v[-1]:7.0f} ms")
PY
}

run baseline "$work/no-renice:"
run shipped ""
