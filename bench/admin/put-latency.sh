#!/usr/bin/env bash
# From `PUT /sources/{id}` on the admin API to that camera's first detection event, through the real CLI (stdout
# sink), against a real RTSP server on loopback: two cameras stream throughout; then N times a new camera is PUT,
# timed until its first detection line, and DELETEd. Prints each time and the median, and writes
# bench/results/admin-put-latency-DATE.md.
#   bash bench/admin/put-latency.sh [N=5]
# Needs engine/target/camflux.jar (./mvnw -B -DskipTests package), scripts/prepare-media.sh and CAMFLUX_MODEL_DIR
# (or internet) for the model.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$CAMFLUX_ROOT"
export_model_dir
n=${1:-5}
jar=engine/target/camflux.jar
clip=.cache/media/bench/busy-720p25-120s.mp4
[ -f "$jar" ] || { echo "missing $jar: ./mvnw -B -DskipTests package" >&2; exit 1; }
[ -f "$clip" ] || { echo "missing $clip: run the load bench once (it makes the clip)" >&2; exit 1; }
work=$(mktemp -d)
cleanup() { kill "${engine_pid:-}" "${rtsp_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

streams=(--stream base1="$clip" --stream base2="$clip")
for i in $(seq 1 "$n"); do streams+=(--stream "x$i=$clip"); done
/usr/bin/python3 -u scripts/rtsp_server.py --port 0 "${streams[@]}" > "$work/rtsp.log" 2>&1 &
rtsp_pid=$!
for _ in $(seq 100); do grep -q '^READY' "$work/rtsp.log" && break; sleep 0.1; done
rtsp_port=$(awk '/^READY/ {print $2}' "$work/rtsp.log")
[ -n "$rtsp_port" ] || { echo "the RTSP server did not start:" >&2; cat "$work/rtsp.log" >&2; exit 1; }
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
src() { printf '{"camera_uuid": "%s", "url": "rtsp://127.0.0.1:%s/%s", "site_id": "s", "tenant_id": "t"}' "$1" "$rtsp_port" "$1"; }
cat > "$work/shard.json" <<JSON
{"runner_id": "put-latency", "shard_id": "s0", "max_fps": 6,
 "sources": [$(src base1), $(src base2)],
 "http": {"host": "127.0.0.1", "port": $http_port, "metrics_port": 0},
 "batch": {"max_size": 4, "max_wait_ms": 50}}
JSON
java -jar "$jar" --config "$work/shard.json" > "$work/events.jsonl" 2> "$work/engine.log" &
engine_pid=$!
for _ in $(seq 600); do
  curl -fs "http://127.0.0.1:$http_port/ready" > /dev/null 2>&1 && break; sleep 0.1
done
curl -fs "http://127.0.0.1:$http_port/ready" > /dev/null || { echo "engine not ready" >&2; tail -20 "$work/engine.log" >&2; exit 1; }

times=()
for i in $(seq 1 "$n"); do
  id=x$i
  t0=$(date +%s%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data "$(src "$id")" \
    "http://127.0.0.1:$http_port/sources/$id")
  [ "$code" = 201 ] || { echo "PUT $id: HTTP $code" >&2; exit 1; }
  until grep -q "\"camera_uuid\":\"$id\",\"frame_id\"" "$work/events.jsonl"; do
    sleep 0.01
    [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 60000 ] || { echo "$id: no detection within 60 s" >&2; exit 1; }
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  times+=("$ms")
  echo "PUT /sources/$id -> first detection event: $ms ms"
  curl -s -o /dev/null -X DELETE "http://127.0.0.1:$http_port/sources/$id"
  sleep 1
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}')
echo "median of $n: $median ms"
out=bench/results/admin-put-latency-$(date +%F).md
{
  echo "# admin PUT to first detection ($(date +%F))"
  echo
  echo "Command: \`bash bench/admin/put-latency.sh $n\`  "
  echo "Machine: $(nproc) cores, $(uname -s); the CLI (stdout sink) with 2 streaming RTSP cameras, RTSP server on loopback, clip $(basename "$clip")"
  echo
  echo "| attempt | PUT → first detection event, ms |"
  echo "|---|---|"
  for i in "${!times[@]}"; do echo "| x$((i + 1)) | ${times[$i]} |"; done
  echo
  echo "Median of $n: **$median ms**."
} > "$out"
echo "wrote $out"
