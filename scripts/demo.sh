#!/usr/bin/env bash
# Builds the engine (once) and runs the demo shard (configs/demo.json: four cameras from recorded footage of
# people walking, looped at their native rate) with the default model; detection events go to standard
# output as JSON lines. Extra arguments go to the engine, e.g. --duration 30s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$CAMFLUX_ROOT"
need_packages ffmpeg opencv-doc
"$CAMFLUX_ROOT/scripts/prepare-media.sh"
export_model_dir
jar=$(camflux_jar)
exec java -jar "$jar" --config configs/demo.json "$@"
