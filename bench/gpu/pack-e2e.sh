#!/usr/bin/env bash
# Packs what bench/gpu/e2e-on-device.sh needs on the GPU host, as two packs of ../shared/gpu/pack.sh (parts of at
# most 56 MiB, sent one per transfer, each with .gpu/receive.sh and .gpu/NAME.count):
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
[ -f .gpu/rt.count ] || "$shared/gpu/pack.sh" rt .gpu-build/runtime
"$shared/gpu/pack.sh" app .gpu-build/camflux-bench.jar .gpu-build/media .gpu-build/models
