#!/usr/bin/env bash
# Cameras per GPU host: the plan behind docs/gpu.md's table, in one device call. The host's decode ceiling (NVDEC
# with 16 CPU streams beside it), the kept pictures of each NVDEC path against the CPU decoder's, then the whole engine
# with busy cameras that do not loop within a run (60 s clips: each loop of a file re-creates a CUVID decoder, which
# live cameras never do), decoder auto: NVDEC up to decode.nvdec.frames_per_second, the rest on the CPU.
# Earlier plans (decoder variants, contexts, budgets, OpenCV's pool) and what they found: bench/results/gpu-*.md.
# Needs the packs of bench/gpu/pack-e2e.sh unpacked (rt, app) and its clips in /tmp/gpu/clips (or made here); for the
# motion gate on a host without GTK 2, .gpu/gtk.tar.xz (bench/gpu/pack-gtk.sh). Results come back as
# $OUT/cameras-per-host.tgz (packed after every step, so a call cut short still brings back what finished) and
# $OUT/summary.md.
#   bash bench/gpu/cameras-per-host.sh
# Settings (environment): N1080, N720 camera counts, comma-separated for a sweep (default 184 and 300, the table's),
#   NMOTION 1080p cameras with the motion gate on (default 152), 0 leaving a step out; CEILING=0 leaves out the decode
#   ceiling;
#   DECODE a decode node for every step, compact JSON without spaces, e.g. DECODE='{"nvdec":{"contexts":4}}';
#   COMPARE another decode node the 1080p sweep runs each N with first, in the same step (--compare-decode);
#   CHECK=0 leaves out the picture check; DURATION, STEP_TIMEOUT as for e2e-on-device.sh.
set -uo pipefail
here=$(dirname "$0")
final=${OUT:-/tmp/gpu-final}
work=/tmp/cph; rm -rf $work; mkdir -p $work
[ -f .gpu/gtk.tar.xz ] && [ ! -d /tmp/gpu/gtk ] && tar -C /tmp/gpu -xJf .gpu/gtk.tar.xz
export OUT=$work STEP_TIMEOUT=${STEP_TIMEOUT:-240}
D=io.camflux.bench.load.BenchMain
decode=${DECODE:+--decode $DECODE}
compare=${COMPARE:+--compare-decode $COMPARE}
keep() { tar -C $work -czf "$final/cameras-per-host.tgz" . ; }
run() { bash $here/e2e-on-device.sh "$@"; keep; }
media=/tmp/gpu/app/.gpu-build/media
cp /tmp/gpu/clips/*-60s.mp4 $media/ 2>/dev/null
for c in vtest-1080p vtest-720p; do
  [ -s $media/$c-60s.mp4 ] || run "mk$c=java:$D ffmpeg -v error -y -stream_loop 5 -i @app/media/$c.mp4 -c copy @app/media/$c-60s.mp4"
done
[ -s $media/vtest-720p-60s.mp4 ] || { echo "no 60 s clips (cp .gpu/clips/*.mp4 /tmp/gpu/clips/)"; exit 1; }

[ "${CHECK:-1}" = 0 ] || run "check1080=java:$D decode --file @app/media/vtest-1080p.mp4 --check $decode --out $work/check1080"
[ "${CEILING:-1}" = 0 ] || run "ceil1080=java:$D decode --file @app/media/vtest-1080p-60s.mp4 --streams 32 --decoders nvdec --keep-every 4 --seconds 5 --with-cpu 16 $decode --out $work/ceil1080"
[ "${N1080:-184}" = 0 ] || run "busy1080:--sweep ${N1080:-184} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto $decode $compare"
[ "${N720:-300}" = 0 ] || run "busy720:--sweep ${N720:-300} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto $decode"
[ "${NMOTION:-152}" = 0 ] || run "busy1080motion:--cameras ${NMOTION:-152} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto --motion on $decode"

cp hs_err_pid*.log $work/ 2>/dev/null
grep -h "where the decoding threads were" $work/*.log > $work/threads.txt 2>/dev/null
keep
{ cat $work/threads.txt; grep -hE "^\||^#" $work/*/gpu-decode.md $work/*/decode-check.md $work/*.md; } > "$final/summary.md" 2>/dev/null
ls -la "$final"
