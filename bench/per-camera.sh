#!/usr/bin/env bash
# Memory and threads per camera: the engine jar with N looping file cameras (the still 720p scene, motion gate on,
# stdout sink), for each N: RSS and live threads after WARM seconds, then the per-camera slope between the smallest
# and the largest N. Run from the checkout after the jar is built:
#   bash bench/per-camera.sh [N...]      (default 4 12 20; WARM=30)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export_model_dir
jar=engine/target/camflux.jar
if [ $# -gt 0 ]; then counts=("$@"); else counts=(4 12 20); fi
warm=${WARM:-30}
clip=$(ls .cache/media/bench/static-720p25-*.mp4 2>/dev/null | head -1)
[ -n "$clip" ] || clip=.cache/media/static.mp4
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf '| cameras | RSS MB | threads |\n|---:|---:|---:|\n'
declare -A rss threads
for n in "${counts[@]}"; do
  sources=$(for i in $(seq 1 "$n"); do printf '{"camera_uuid": "cam-%d", "url": "%s", "loop": true, "realtime": true},' "$i" "$PWD/$clip"; done)
  printf '{"max_fps": 6, "sources": [%s], "motion_config": {"enabled": true}, "http": {"host": "127.0.0.1", "port": 0, "metrics_port": 0}}' \
    "${sources%,}" > "$work/shard-$n.json"
  java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -jar "$jar" --config "$work/shard-$n.json" > /dev/null 2> "$work/log-$n" &
  pid=$!
  sleep "$warm"
  rss[$n]=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
  threads[$n]=$(awk '/Threads/ {print $2}' /proc/$pid/status)
  kill -TERM $pid; wait $pid || true
  printf '| %d | %d | %d |\n' "$n" "${rss[$n]}" "${threads[$n]}"
done
lo=${counts[0]}; hi=${counts[-1]}
awk -v a="${rss[$lo]}" -v b="${rss[$hi]}" -v ta="${threads[$lo]}" -v tb="${threads[$hi]}" -v n=$((hi - lo)) \
  'BEGIN {printf "\nper camera (%d to the last): %.1f MB RSS, %.2f threads\n", n, (b - a) / n, (tb - ta) / n}'
