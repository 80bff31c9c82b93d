#!/usr/bin/env bash
# A fleet in five minutes, on this machine: a one-member etcd on loopback, two workers from the jar, four shards of
# recorded footage put with the shards CLI. It shows the shards spreading over the workers, a move, a worker
# killed (its shards move to the other within the ttl), and the survivor's drain. Everything stays on loopback
# and is stopped at the end. Usage: scripts/fleet-demo.sh [SECONDS_PER_STEP] (default 15)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$CAMFLUX_ROOT"
step=${1:-15}
need_packages ffmpeg opencv-doc etcd-server curl
"$CAMFLUX_ROOT/scripts/prepare-media.sh"
export_model_dir
jar=$(camflux_jar)
work=$(mktemp -d /tmp/camflux-fleet-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  scripts/etcd.sh stop "$work/etcd" >/dev/null 2>&1 || true
  say "logs and events kept in $work"
}
trap cleanup EXIT

endpoints=$(scripts/etcd.sh start "$work/etcd" 1 | sed -n 's/^ETCD_ENDPOINTS=//p')
say "etcd on $endpoints"
shards() { java -jar "$jar" shards --etcd "$endpoints" --prefix /demo "$@"; }
media=$(cd "$CAMFLUX_MEDIA" && pwd)
for i in 1 2 3 4; do
  printf '{"sources": [{"camera_uuid": "cam-%03d", "url": "%s/cam%d.mp4", "loop": true}], "max_fps": 2}\n' \
    "$i" "$media" "$i" > "$work/shard-$i.json"
  shards put "shard-$i" "$work/shard-$i.json"
done
for w in worker-1 worker-2; do
  cat > "$work/$w.json" <<JSON
{"runner_id": "$w",
 "coordination": {"etcd": {"endpoints": ["$endpoints"], "prefix": "/demo", "ttl_seconds": 5}},
 "allowed_file_roots": ["$media"],
 "http": {"host": "127.0.0.1", "port": 0, "metrics_port": 0},
 "model": {"path": "yolox_nano", "provider": "cpu", "threads": 1}}
JSON
  java -jar "$jar" --config "$work/$w.json" > "$work/$w.events" 2> "$work/$w.log" &
  pids+=($!)
  say "started $w (events in $work/$w.events)"
done
sleep "$step"
say "the shards, spread over both workers:"; shards ls
say "moving shard-1 away from its holder:"; shards move shard-1 || true
sleep 3; shards ls
say "kill -9 worker-1; its shards move to worker-2 within the ttl (5 s):"
kill -9 "${pids[0]}"; sleep 8; shards ls
say "draining worker-2 (SIGTERM): its last events are confirmed, then it gives the shards back"
kill -TERM "${pids[1]}"; wait "${pids[1]}" || true
shards ls
for w in worker-1 worker-2; do
  printf 'camflux: %s published %s detection events\n' "$w" "$(grep -c '"detections"' "$work/$w.events" || true)" >&2
done
