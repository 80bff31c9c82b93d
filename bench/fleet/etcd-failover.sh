#!/usr/bin/env bash
# The etcd fleet's figures for README and docs/fleet.md: EtcdFleetIT (3 etcd members from Debian's etcd-server,
# 3 workers from the runnable jar, RabbitMQ, 10 shards) run RUNS times (default 3). Prints each run's ETCD-FLEET
# lines, then the kill -9 figure (worst shard of each run) as median and worst over the runs.
#   bench/fleet/etcd-failover.sh [RUNS]
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$CAMFLUX_ROOT"
"$CAMFLUX_ROOT/scripts/prepare-media.sh" >/dev/null
export_model_dir
runs=${1:-3}
all=$(mktemp)
for r in $(seq 1 "$runs"); do
  log=$(mktemp)
  ./mvnw -B -ntp -pl engine -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=EtcdFleetIT \
    >"$log" 2>&1 || { tail -80 "$log"; exit 1; }
  echo "run $r:"; grep '^ETCD-FLEET' "$log" | tee -a "$all"
done
grep 'kill -9' "$all" | sed -E 's/.*worst ([0-9.]+) s.*/\1/' | sort -n | awk '{v[NR]=$1} END {
  printf "kill -9 to every shard held again, worst shard per run: median %.2f s, worst %.2f s over %d runs\n",
    (NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2), v[NR], NR }'
