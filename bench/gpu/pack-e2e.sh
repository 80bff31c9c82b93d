#!/usr/bin/env bash
# Packs what bench/gpu/e2e-on-device.sh needs on the GPU host, as two packs of ../shared/gpu/pack.sh (re-split into
# parts of 50 MB, sent one per transfer, each with .gpu/receive.sh and .gpu/NAME.count), and two 60 s clips:
#   rt:  .gpu-build/runtime (a JRE and ONNX Runtime's CUDA 13 natives, from ../shared/gpu/prepare-runtime.sh)
#   app: the bench jar without the natives linux-x86_64 never loads (macOS with debug symbols, Windows, aarch64,
#        OpenCV's Python module, ONNX Runtime's CPU natives: the runtime brings its own), the clips and the model
# Run from the checkout after `./mvnw -B -DskipTests package` and scripts/prepare-media.sh; needs CAMFLUX_MODEL_DIR
# (or ../shared/models) for yolox_nano.onnx. Repack only what changed: a code change travels as target/classes
# (carry bench/target/classes, engine/target/classes, model/target/classes), no new app pack needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${SHARED:-../shared}
models=${CAMFLUX_MODEL_DIR:-$shared/models}
[ -x .gpu-build/runtime/jre/bin/java ] || "$shared/gpu/prepare-runtime.sh" .gpu-build
mkdir -p .gpu-build/media .gpu-build/models
cp bench/target/camflux-bench.jar .gpu-build/camflux-bench.jar
zip -q -d .gpu-build/camflux-bench.jar 'ai/onnxruntime/native/*' 'org/bytedeco/*/linux-x86_64/python/*' \
  'org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so' 'org/bytedeco/*/macosx*' 'org/bytedeco/*/windows*' || true
cp .cache/media/vtest-1080p.mp4 .cache/media/vtest-720p.mp4 .gpu-build/media/
for h in 720 1080; do  # a static scene: one frame of vtest held for 20 s
  [ -f .gpu-build/media/static-${h}p.mp4 ] || ffmpeg -v error -y -loop 1 -framerate 25 -t 20 \
    -i .cache/media/vtest-frame.png -vf scale=$((h * 16 / 9)):$h,fps=25 -c:v libx264 -preset veryfast -bf 0 -g 50 \
    -pix_fmt yuv420p .gpu-build/media/static-${h}p.mp4
done
cp "$models/yolox_nano.onnx" .gpu-build/models/
# clips that do not loop within a run, as live cameras never do (cameras-per-host.sh): the 10 s clips six times
# over in one stream. Sent as files of their own (carry .gpu/clips; on the host: cp .gpu/clips/*.mp4 /tmp/gpu/clips/)
mkdir -p .gpu/clips
for c in vtest-1080p vtest-720p; do
  [ -f .gpu/clips/$c-60s.mp4 ] || ffmpeg -v error -y -stream_loop 5 -i .cache/media/$c.mp4 -c copy .gpu/clips/$c-60s.mp4
done
# parts small enough to travel beside the checkout (a transfer carries 64 MiB in all, the tracked files included)
resplit() {
  cat .gpu/"$1".part* > .gpu/"$1".whole && rm .gpu/"$1".part*
  split -b ${PART_BYTES:-50000000} -d -a 2 .gpu/"$1".whole .gpu/"$1".part && rm .gpu/"$1".whole
  ls .gpu/"$1".part* | wc -l > .gpu/"$1".count
}
[ -f .gpu/rt.count ] || { "$shared/gpu/pack.sh" rt .gpu-build/runtime && resplit rt; }
"$shared/gpu/pack.sh" app .gpu-build/camflux-bench.jar .gpu-build/media .gpu-build/models && resplit app
