#!/usr/bin/env bash
# Cameras per GPU host, in one device call: the decode ceilings of this host (CPU, and NVDEC on shared CUDA
# contexts), then the whole engine at several N for 1080p25 and 720p25, busy and static, motion gate off and on,
# decoder auto (NVDEC up to its budget, the rest on the CPU). The NVDEC budget of the engine runs is set from the
# 1080p ceiling measured in the same call (0.9 of it), so every row of one call shares its baseline.
# Needs the packs of bench/gpu/pack-e2e.sh unpacked (rt, app) and, for the motion gate on a host without GTK 2,
# .gpu/gtk.tar.xz (bench/gpu/pack-gtk.sh). Everything comes back as $OUT/cameras-per-host.tgz plus a summary.
#   bash bench/gpu/cameras-per-host.sh [final|full|probe|ceiling|paced|paced2|cuvid|cuvid2|confirm|resize|live|live2|live720|live1080|ctx720]   (probe: the decode variants and OpenCV pool A/B
#   of 2026-12-01; ceiling: the host's combined decode ceiling, NVDEC and the CPU at once, and the engine at N
#   around it, motion gate off and on; paced: the decoders with every stream paced at 25 fps as cameras send, one
#   session per stream as the engine runs them, NVDEC with one and with two frame threads per session, and the
#   engine at N around it with each)
set -uo pipefail
here=$(dirname "$0")
final=${OUT:-/tmp/gpu-final}
work=/tmp/cph; rm -rf $work; mkdir -p $work
# confirm writes straight into $OUT, so what finished comes back even if the device time runs out mid-call
[ "${1:-}" = confirm ] && work=$final
[ -f .gpu/gtk.tar.xz ] && [ ! -d /tmp/gpu/gtk ] && tar -C /tmp/gpu -xJf .gpu/gtk.tar.xz
export OUT=$work STEP_TIMEOUT=${STEP_TIMEOUT:-200}
D=io.camflux.bench.load.BenchMain
# with JVM options: run JAVA_OPTIONS STEP...
run() { local extra=$1; shift; JAVA_EXTRA="$extra" bash $here/e2e-on-device.sh "$@"; }
decode() { # NAME CLIP STREAMS DECODERS KEEP_EVERY [JAVA_OPTIONS]   (DECODE_EXTRA: more decode options)
  run "${6:-}" "$1=java:$D decode --file @app/media/$2 --streams $3 --decoders $4 --keep-every $5 --seconds 5 ${DECODE_EXTRA:-} --out $work/$1"
}
budget() { # 0.9 of the NVDEC frames/s of a 1080p decode step with STREAMS streams: budget STREAMS FILE
  local got
  got=$(grep -hE "^\| $1 \| nvdec" "$2" | awk -F'|' '{print $5}' | head -1)
  # a broken decode step (under 500 frames/s) leaves the engine's default
  awk -v f="${got:-1666}" 'BEGIN {printf "%.0f", f < 500 ? 1500 : 0.9 * f}'
}
# packs what the plan has finished into $OUT after each step, so a call cut short still brings it back
keep() { tar -C $work -czf "$final/cameras-per-host.tgz" . ; }
# the 60 s clips (see live) beside the app's media: carried in /tmp/gpu/clips, else made with the bench's ffmpeg
clips60() {
  local media=/tmp/gpu/app/.gpu-build/media c
  cp /tmp/gpu/clips/*-60s.mp4 $media/ 2>/dev/null
  for c in vtest-1080p vtest-720p; do
    [ -s $media/$c-60s.mp4 ] || run "" "mk$c=java:$D ffmpeg -v error -y -stream_loop 5 -i @app/media/$c.mp4 -c copy @app/media/$c-60s.mp4"
  done
  ls -la $media | tee $work/media.txt
  [ -s $media/vtest-720p-60s.mp4 ] || { echo "the 60 s clips were not made (cp .gpu/clips/*.mp4 /tmp/gpu/clips/)"; keep; exit 1; }
}
plan=${1:-final}
case $plan in
  ceiling)
    decode dec1080cpu vtest-1080p.mp4 16 cpu 4
    DECODE_EXTRA="--with-cpu ${NCPU_STREAMS:-16}" decode dec1080 vtest-1080p.mp4 ${NNVDEC:-64} nvdec 4
    b=${BUDGET:-$(budget 64 $work/dec1080/gpu-decode.md)}
    echo "NVDEC budget for the engine runs: $b frames/s (0.9 of the 64-stream 1080p ceiling)" | tee $work/budget.txt
    run "-Dcamflux.nvdec.frames_per_second=$b ${ENGINE_OPTIONS:-}" \
      "busy1080:--sweep ${N1080:-104,112,120} --clip vtest-1080p.mp4 --batch 32 --decoder auto" \
      "busy1080motion:--sweep ${NMOTION:-96,112} --clip vtest-1080p.mp4 --batch 32 --decoder auto --motion on"
    ;;
  paced)
    # paced decode ceilings, NVDEC alone and beside CPU streams, with each way of driving NVDEC. (Call 1 of
    # 2026-12-01 ran this with FFmpeg frame threads per hwaccel session instead, camflux.nvdec.threads 1 vs 2: no
    # difference, and the option was removed.)
    for d in hwaccel cuvid; do
      DECODE_EXTRA="--paced --seconds 6 --with-cpu ${NCPU_STREAMS:-48}" \
        decode paced-$d vtest-1080p.mp4 ${NPACED:-57,72,88} nvdec 4 "-Dcamflux.nvdec.decoder=$d"
    done
    DECODE_EXTRA="--paced --seconds 6" decode paced-cpu vtest-1080p.mp4 ${NPACED_CPU:-64,84} cpu 4
    ;;
  paced2)
    # cameras out of step with each other; NVDEC on the primary context (shared with ONNX Runtime) or on two of its own
    DECODE_EXTRA="--paced --seconds 6 --with-cpu ${NCPU_STREAMS:-48}" \
      decode paced-primary vtest-1080p.mp4 ${NPACED:-57,72} nvdec 4
    DECODE_EXTRA="--paced --seconds 6 --with-cpu ${NCPU_STREAMS:-48}" \
      decode paced-own2 vtest-1080p.mp4 ${NPACED:-57,72} nvdec 4 "-Dcamflux.nvdec.primary=false -Dcamflux.nvdec.contexts=2"
    echo "NVDEC budget ${BUDGET:-1440} frames/s" | tee $work/budget.txt
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET:-1440}" \
      "busy1080:--sweep ${N1080:-96,108} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET:-1440} -Dcamflux.nvdec.primary=false -Dcamflux.nvdec.contexts=2" \
      "busy1080own2:--sweep ${N1080_OWN:-108} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    ;;
  cuvid)
    # NVDEC through FFmpeg's CUVID decoder on the shared device (frames queued per session), cameras out of step
    DECODE_EXTRA="--paced --seconds 6 --with-cpu ${NCPU_STREAMS:-48}" \
      decode paced-cuvid vtest-1080p.mp4 ${NPACED:-57,72,88} nvdec 4 "-Dcamflux.nvdec.decoder=cuvid"
    echo "NVDEC budget ${BUDGET:-2000} frames/s" | tee $work/budget.txt
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET:-2000} -Dcamflux.nvdec.decoder=cuvid" \
      "busy1080cuvid:--sweep ${N1080:-108,120} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET:-2000} -Dcamflux.nvdec.decoder=cuvid -Dcamflux.nvdec.primary=false -Dcamflux.nvdec.contexts=2" \
      "busy1080cuvidown2:--sweep ${N1080_OWN:-120} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    ;;
  cuvid2)
    # the CUVID decoder around 0.9 of the ceiling: NVDEC on contexts of its own, and on ONNX Runtime's primary one
    echo "NVDEC budget ${BUDGET:-2000} frames/s" | tee $work/budget.txt
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET:-2000} -Dcamflux.nvdec.decoder=cuvid -Dcamflux.nvdec.primary=false -Dcamflux.nvdec.contexts=2" \
      "busy1080cuvidown2:--sweep ${N1080_OWN:-108,112,116} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET:-2000} -Dcamflux.nvdec.decoder=cuvid" \
      "busy1080cuvid:--sweep ${N1080:-112} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    ;;
  confirm)
    # the defaults (CUVID on two contexts of NVDEC's own, budget 2,000) against the host's combined decode ceiling,
    # measured in this call with both ways of driving NVDEC, 1080p then 720p
    DECODE_EXTRA="--with-cpu 16" decode ceil1080hwaccel vtest-1080p.mp4 32 nvdec 4 -Dcamflux.nvdec.decoder=hwaccel
    DECODE_EXTRA="--with-cpu 16" decode ceil1080cuvid vtest-1080p.mp4 32 nvdec 4
    run "" "busy1080:--sweep ${N1080:-112,116} --clip vtest-1080p.mp4 --batch 32 --decoder auto"
    DECODE_EXTRA="--with-cpu 16" decode ceil720cuvid vtest-720p.mp4 32 nvdec 4
    run "" "busy720:--sweep ${N720:-176,192} --clip vtest-720p.mp4 --batch 64 --decoder auto"
    ;;
  live|live2|live720|live1080)
    # cameras that do not loop within a run, as live cameras never do: the 10 s clips six times over in one stream of
    # 60 s (`ffmpeg -stream_loop 5 -i CLIP -c copy`), carried in .gpu/clips (bench/gpu/pack-e2e.sh makes them; on the
    # host: cp .gpu/clips/*.mp4 /tmp/gpu/clips/) or made here with the bench's ffmpeg (it needs ALSA's library, which a
    # bare GPU host may not have). Each loop of a file costs an NVDEC camera its decoder (CUVID's flush destroys and
    # re-creates it): with the 10 s clips that held NVDEC cameras under 25 fps (the resize plan; the CPU ones kept 25).
    # live: what gpu-live-2026-12-01-h200.md reports; live2: beyond it (1080p past 152, 720p at the 300)
    clips60
    [ "$plan" = live720 ] || { DECODE_EXTRA="--with-cpu 16" decode ceil1080 vtest-1080p-60s.mp4 32 nvdec 4; keep; }
    if [ "$plan" = live ]; then
      run "" "busy1080:--sweep ${N1080:-128,136} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto"; keep
      DECODE_EXTRA="--with-cpu 16" decode ceil720 vtest-720p-60s.mp4 32 nvdec 4; keep
      run "" "busy720:--sweep ${N720:-196,208} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
      run "-Dcamflux.nvdec.frames_per_second=${BUDGET720:-3000}" \
        "busy720b:--cameras ${N720B:-208} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
    else
      # live2 = live720 then live1080, the open 720p target first; two calls fit the per-call limit
      if [ "$plan" != live1080 ]; then
        DECODE_EXTRA="--with-cpu 16" decode ceil720 vtest-720p-60s.mp4 32 nvdec 4; keep
        run "" "busy720:--sweep ${N720:-300,340} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
        run "-Dcamflux.nvdec.frames_per_second=${BUDGET720:-4000}" \
          "busy720b:--sweep ${N720B:-340,370} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
      fi
      if [ "$plan" != live720 ]; then
        run "" "busy1080motion:--cameras ${NMOTION:-152} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto --motion on"; keep
        run "" "busy1080:--sweep ${N1080:-168,184} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto"; keep
        run "-Dcamflux.nvdec.frames_per_second=${BUDGET1080:-3500}" \
          "busy1080b:--sweep ${N1080B:-168,184} --clip vtest-1080p-60s.mp4 --batch 32 --decoder auto"; keep
      fi
    fi
    ;;
  ctx720)
    # 720p past 300: the NVDEC cameras fell behind (the CPU ones kept 25 fps) with cores and NVDEC to spare; the
    # repeat of 300, then NVDEC on more CUDA contexts of its own (camflux.nvdec.contexts, default 2)
    clips60
    run "" "busy720:--cameras ${N720:-300} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
    for c in ${CONTEXTS:-4 8}; do
      run "-Dcamflux.nvdec.contexts=$c" "busy720c$c:--cameras ${N720C:-320} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
    done
    # N720B=0 leaves this step out
    [ "${N720B:-}" = 0 ] || run "-Dcamflux.nvdec.contexts=8 -Dcamflux.nvdec.frames_per_second=${BUDGET720:-4000}" \
      "busy720c8b:--cameras ${N720B:-340} --clip vtest-720p-60s.mp4 --batch 64 --decoder auto"; keep
    ;;
  resize)
    # NVDEC scaling kept pictures itself (the CUVID decoder's resize, the default since 2026-12-01 evening) against
    # whole pictures scaled by swscale on the CPU: the pictures against the CPU decoder's, the host's decode ceiling
    # and the engine both ways, 1080p then 720p (with a larger NVDEC budget too); the results are packed after
    # every step, so what finished comes back if the device time runs out
    # most wanted first: a call that runs out of time still brings back what it finished
    DECODE_EXTRA=--check decode check1080 vtest-1080p.mp4 1 nvdec 4; keep
    DECODE_EXTRA=--check decode check720 vtest-720p.mp4 1 nvdec 4; keep
    DECODE_EXTRA="--with-cpu 16" decode ceil1080 vtest-1080p.mp4 32 nvdec 4; keep
    run "" "busy1080:--sweep ${N1080:-116,124,132} --clip vtest-1080p.mp4 --batch 32 --decoder auto"; keep
    DECODE_EXTRA="--with-cpu 16" decode ceil720 vtest-720p.mp4 32 nvdec 4; keep
    run "" "busy720:--sweep ${N720:-172,180} --clip vtest-720p.mp4 --batch 64 --decoder auto"; keep
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET720:-3000}" \
      "busy720b:--sweep ${N720B:-184} --clip vtest-720p.mp4 --batch 64 --decoder auto"; keep
    run "-Dcamflux.nvdec.resize=false" "busy1080whole:--cameras ${N1080_WHOLE:-124} --clip vtest-1080p.mp4 --batch 32 --decoder auto"; keep
    DECODE_EXTRA="--with-cpu 16" decode ceil1080whole vtest-1080p.mp4 32 nvdec 4 -Dcamflux.nvdec.resize=false; keep
    run "" "busy1080motion:--cameras ${NMOTION:-116} --clip vtest-1080p.mp4 --batch 32 --decoder auto --motion on"; keep
    run "-Dcamflux.nvdec.frames_per_second=${BUDGET1080:-2500}" \
      "busy1080b:--cameras ${N1080B:-124} --clip vtest-1080p.mp4 --batch 32 --decoder auto"; keep
    ;;
  probe)
    decode n1080k0 vtest-1080p.mp4 32 nvdec 0
    decode n1080k4 vtest-1080p.mp4 32 nvdec 4
    decode n1080k4cv1 vtest-1080p.mp4 32 nvdec 4 -Dcamflux.opencv.threads=1
    decode n1080k4c4 vtest-1080p.mp4 32,64 nvdec 4 -Dcamflux.nvdec.contexts=4
    decode n720k4c4 vtest-720p.mp4 64 nvdec 4 -Dcamflux.nvdec.contexts=4
    b=$(budget 32 $work/n1080k4/gpu-decode.md)
    echo "NVDEC budget for the engine runs: $b frames/s" | tee $work/budget.txt
    run "-Dcamflux.nvdec.frames_per_second=$b" \
      'busy1080:--sweep 96,128 --clip vtest-1080p.mp4 --batch 32 --decoder auto' \
      'busy720:--sweep 192,256 --clip vtest-720p.mp4 --batch 64 --decoder auto'
    run "-Dcamflux.nvdec.frames_per_second=$b -Dcamflux.opencv.threads=1" \
      'busy1080cv1:--cameras 128 --clip vtest-1080p.mp4 --batch 32 --decoder auto'
    ;;
  final|full)
    # final: what the README's table was made with (2026-12-01); full adds the CPU-decoding baseline, a static scene
    # and the CPU decode ceiling (about 3 more minutes)
    decode dec1080 vtest-1080p.mp4 64 nvdec 4
    if [ "$plan" = final ]; then
      decode dec1080gpuscale vtest-1080p.mp4 1 nvdec 4 -Dcamflux.nvdec.gpu_scale=true
      extra=()
    else
      decode dec1080cpu vtest-1080p.mp4 16,48 cpu 4
      extra=("busy1080cpu:--cameras ${NCPU:-96} --clip vtest-1080p.mp4 --batch 32 --decoder cpu"
        "static1080motion:--cameras ${NSTATIC:-160} --clip static-1080p.mp4 --batch 32 --decoder auto --motion on --scene static")
    fi
    decode dec720 vtest-720p.mp4 64 nvdec 4
    b=$(budget 64 $work/dec1080/gpu-decode.md)
    echo "NVDEC budget for the engine runs: $b frames/s (0.9 of the 64-stream 1080p ceiling)" | tee $work/budget.txt
    run "-Dcamflux.nvdec.frames_per_second=$b ${ENGINE_OPTIONS:-}" \
      "busy1080:--sweep ${N1080:-96,128} --clip vtest-1080p.mp4 --batch 32 --decoder auto" \
      "busy720:--sweep ${N720:-160,192} --clip vtest-720p.mp4 --batch 64 --decoder auto" \
      "busy1080motion:--cameras ${NMOTION:-96} --clip vtest-1080p.mp4 --batch 32 --decoder auto --motion on" \
      "${extra[@]}"
    ;;
esac
cp hs_err_pid*.log $work/ 2>/dev/null
grep -h "where the decoding threads were" $work/*.log > $work/threads.txt 2>/dev/null
[ "$work" = "$final" ] || tar -C $work -czf "$final/cameras-per-host.tgz" .
{ cat $work/budget.txt $work/threads.txt; grep -hE "^\||^#" $work/*/gpu-decode.md $work/*/decode-check.md $work/*.md; } > "$final/summary.md" 2>/dev/null
ls -la "$final"
