#!/usr/bin/env bash
# Cameras per GPU host at a low sample rate, in one device call: 1080p25 H.264 cameras with a key frame every second,
# sampled at max_fps 1, each decoding only its key frames (decode.key_frames_only auto), YOLOX-Nano on CUDA. Decoder
# auto by default: a key-frame camera counts against NVDEC's budget at its key-frame rate, so NVDEC takes them all. Needs the packs of bench/gpu/pack-e2e.sh unpacked (rt, app) and the 60 s clip with a 1 s GOP in
# /tmp/gpu/clips (vtest-1080p-gop1-60s.mp4: ffmpeg -i vtest-1080p.mp4 -c:v libx264 -preset veryfast -bf 0 -g 25
# -keyint_min 25 -sc_threshold 0, looped six times with -c copy). Results: $OUT/low-fps.tgz and $OUT/summary.md.
#   bash bench/gpu/low-fps.sh          N: camera counts, comma-separated for a sweep (default 1000); DECODER auto|cpu|nvdec
#                                      (default auto); STAGGER: the cameras' starts spread over it (default 1s, 0 for
#                                      all at once: every file then sends its key frames in the same instant); CLIP:
#                                      another clip of /tmp/gpu/clips (default vtest-1080p-gop1-60s.mp4); DECODE: a
#                                      decode node, compact JSON, e.g. DECODE='{"nvdec":{"contexts":8}}'
set -uo pipefail
here=$(dirname "$0")
final=${OUT:-/tmp/gpu-final}
work=/tmp/lowfps; rm -rf $work; mkdir -p $work
export OUT=$work STEP_TIMEOUT=${STEP_TIMEOUT:-500} HEAP=${HEAP:-24g}
media=/tmp/gpu/app/.gpu-build/media
cp /tmp/gpu/clips/*-gop1-*.mp4 $media/ 2>/dev/null
# CLIP: a longer clip of the same (made here: ffmpeg -stream_loop 2 -i vtest-1080p-gop1-60s.mp4 -t 150 -c copy
# vtest-1080p-gop1-150s.mp4): a CUVID decoder is made anew at every loop of a file, and NVDEC makes about ten a second
clip=${CLIP:-vtest-1080p-gop1-60s.mp4}
[ -s $media/$clip ] || { echo "no $clip in /tmp/gpu/clips"; exit 1; }
# GPU memory and NVDEC use every 2 s beside the run: what each NVDEC decoder costs, read against the log's decoder lines
nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu,utilization.decoder --format=csv -l 2 > $work/gpu-memory.csv 2>&1 &
smi=$!
stagger=${STAGGER:-1s}; spread=$([ "$stagger" = 0 ] || echo "--stagger $stagger")
bash $here/e2e-on-device.sh "fps1gop1-${DECODER:-auto}-stagger$stagger${DECODE:+-decode}:--sweep ${N:-1000} --clip $clip --max-fps 1 --batch 64 --decoder ${DECODER:-auto} $spread ${DECODE:+--decode $DECODE}"
kill $smi 2>/dev/null
tar -C $work -czf "$final/low-fps.tgz" .
grep -hE "^\||^#|^Largest" $work/*.md > "$final/summary.md" 2>/dev/null
ls -la "$final"
