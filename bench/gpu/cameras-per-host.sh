#!/usr/bin/env bash
# Cameras per GPU host, in one device call: the decode ceilings of this host (CPU, and NVDEC on the one shared
# CUDA device), then the whole engine at several N for 1080p25 and 720p25, busy and static, motion gate off and on,
# decoder auto (NVDEC up to its budget, the rest on the CPU). The NVDEC budget of the engine runs is set from the
# 1080p ceiling measured here (0.9 of it), so every row of one call shares its baseline.
# Needs the packs of bench/gpu/pack-e2e.sh unpacked (rt, app) and, for the motion gate on a host without GTK 2,
# .gpu/gtk.tar.xz (bench/gpu/pack-gtk.sh). Everything comes back as $OUT/cameras-per-host.tgz plus a summary.
#   bash bench/gpu/cameras-per-host.sh [quick]
set -uo pipefail
here=$(dirname "$0")
final=${OUT:-/tmp/gpu-final}
work=/tmp/cph; rm -rf $work; mkdir -p $work
[ -f .gpu/gtk.tar.xz ] && [ ! -d /tmp/gpu/gtk ] && tar -C /tmp/gpu -xJf .gpu/gtk.tar.xz
app=/tmp/gpu/app/.gpu-build
export OUT=$work STEP_TIMEOUT=${STEP_TIMEOUT:-150}
D=io.camflux.bench.load.BenchMain
plan=${1:-full}
bash $here/e2e-on-device.sh \
  "dec1080=java:$D decode --file @app/media/vtest-1080p.mp4 --streams 32,64,96 --decoders nvdec --keep-every 4 --seconds 5 --out $work/dec1080" \
  "dec1080cpu=java:$D decode --file @app/media/vtest-1080p.mp4 --streams 16,48 --decoders cpu --keep-every 4 --seconds 5 --out $work/dec1080cpu" \
  "dec720=java:$D decode --file @app/media/vtest-720p.mp4 --streams 64,128,192 --decoders nvdec --keep-every 4 --seconds 5 --out $work/dec720"
# the best NVDEC frames/s at 1080p, as megapixels/s, times 0.9
best=$(grep -E '^\| [0-9]+ \| nvdec' $work/dec1080/gpu-decode.md | awk -F'|' '{print $5}' | sort -n | tail -1)
budget=$(awk -v f="${best:-1400}" 'BEGIN {printf "%.0f", 0.9 * f * 1920 * 1080 / 1e6}')
echo "NVDEC budget for the engine runs: $budget megapixels/s (0.9 of ${best:-?} frames/s of 1080p)" | tee $work/budget.txt
export JAVA_EXTRA="-Dcamflux.nvdec.megapixels_per_second=$budget"
if [ "$plan" = quick ]; then
  bash $here/e2e-on-device.sh 'e1080:--sweep 96 --clip vtest-1080p.mp4 --batch 32 --decoder auto'
else
  bash $here/e2e-on-device.sh \
    'busy1080:--sweep 96,128 --clip vtest-1080p.mp4 --batch 32 --decoder auto' \
    'busy720:--sweep 192,256 --clip vtest-720p.mp4 --batch 64 --decoder auto' \
    'static1080motion:--cameras 128 --clip static-1080p.mp4 --batch 32 --decoder auto --motion on --scene static'
fi
tar -C $work -czf "$final/cameras-per-host.tgz" .
cat $work/*/gpu-decode.md $work/*.md 2>/dev/null | grep -E "^\||^#" > "$final/summary.md"
ls -la "$final"
