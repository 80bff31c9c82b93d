#!/usr/bin/env bash
# The fleet's figures for the closing note and docs/control-plane.md: three (and replacement) worker processes
# from the runnable jar under the simulated control plane, RabbitMQ from the distribution (FleetIT), with KILLS
# kill -9 failovers (default 5). Prints the FLEET lines: renewals per worker per minute, shard update to the new
# camera's first event, failover gaps (median, worst), partition overlaps, drain hand-over, control-plane outage.
#   bench/fleet/failover.sh [KILLS]
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$CAMFLUX_ROOT"
"$CAMFLUX_ROOT/scripts/prepare-media.sh" >/dev/null
export_model_dir
log=$(mktemp)
./mvnw -B -ntp -pl engine -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=FleetIT \
  -Dfleet.kills="${1:-5}" >"$log" 2>&1 || { tail -80 "$log"; exit 1; }
grep '^FLEET' "$log"
