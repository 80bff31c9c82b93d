#!/usr/bin/env bash
# HEVC cameras per GPU host (issue: cameras per GPU host), in device calls of at most 10 minutes each. Needs the
# packs of bench/gpu/pack-e2e.sh unpacked (rt, app), the 60 s clips in /tmp/gpu/clips: vtest-1080p-hevc-60s.mp4 (made
# here: ffmpeg -i vtest-1080p-60s.mp4 -an -c:v libx265 -preset ultrafast -b:v 2500k -x265-params
# keyint=50:min-keyint=50:scenecut=0 -tag:v hvc1) and vtest-1080p-60s.mp4 (H.264, the same footage).
#   STEPS=ceilings bash bench/gpu/hevc.sh    NVDEC's decode ceiling, HEVC and H.264 in the same call (32 and 64
#                                            streams, kept frames every 4th, no CPU decoders beside)
#   STEPS=sweep NHEVC=300,400 BUDGET=8000 CONTEXTS=4 bash bench/gpu/hevc.sh
#                                            the whole engine, busy 1080p25 HEVC cameras, decoder auto with NVDEC's
#                                            budget at BUDGET 1080p frames/s (decode.nvdec.frames_per_second) and
#                                            CONTEXTS CUDA contexts for NVDEC (decode.nvdec.contexts, default 2),
#                                            NVDEC_DECODER cuvid (default) or hwaccel (decode.nvdec.decoder)
#   STEPS=models bash bench/gpu/hevc.sh      two models (--models 2) on CUDA: each model's GPU memory at start
# Results: $OUT/hevc.tgz (packed after every step) and $OUT/summary.md.
set -uo pipefail
here=$(dirname "$0")
final=${OUT:-/tmp/gpu-final}
work=/tmp/hevc; mkdir -p $work
export OUT=$work STEP_TIMEOUT=${STEP_TIMEOUT:-540}
D=io.camflux.bench.load.BenchMain
keep() { tar -C $work -czf "$final/hevc.tgz" . ; }
run() { bash $here/e2e-on-device.sh "$@"; keep; }
media=/tmp/gpu/app/.gpu-build/media
cp /tmp/gpu/clips/*-60s.mp4 $media/ 2>/dev/null
for step in ${STEPS:-ceilings}; do
  case $step in
    ceilings)
      run "ceilhevc=java:$D decode --file @app/media/vtest-1080p-hevc-60s.mp4 --streams 32,64 --decoders nvdec --keep-every 4 --seconds 5 --out $work/ceilhevc" \
          "ceil264=java:$D decode --file @app/media/vtest-1080p-60s.mp4 --streams 32,64 --decoders nvdec --keep-every 4 --seconds 5 --out $work/ceil264" ;;
    sweep)
      run "hevc1080-${NHEVC//,/-}-b${BUDGET:-8000}-c${CONTEXTS:-2}-${NVDEC_DECODER:-cuvid}:--sweep ${NHEVC:-300} --clip vtest-1080p-hevc-60s.mp4 --batch 32 --decoder auto --decode {\"nvdec\":{\"frames_per_second\":${BUDGET:-8000},\"contexts\":${CONTEXTS:-2},\"decoder\":\"${NVDEC_DECODER:-cuvid}\"}}" ;;
    models)
      run "models2:--cameras ${NMODELS:-100} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto --models 2" ;;
  esac
done
grep -h "model .*host memory" $work/*.log > $work/model-memory.txt 2>/dev/null
keep
{ cat $work/model-memory.txt; grep -hE "^\||^#" $work/*/gpu-decode.md $work/*.md; } > "$final/summary.md" 2>/dev/null
ls -la "$final"
