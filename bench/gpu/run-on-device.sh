#!/usr/bin/env bash
# Runs the GPU bench on the CUDA 13 host of ../shared/gpu/README.md, after the parts of NAME were received there
# (they hold .gpu-build/runtime, the bench jar, the default model and the clips). Builds nothing; exports one
# model with the host's torch; writes every table under $OUT.
#   bash bench/gpu/run-on-device.sh NAME
set -uo pipefail
name=${1:?usage: run-on-device.sh NAME}
base=/tmp/gpu/$name
rt=$base/.gpu-build/runtime
ort=$rt/ort
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out" /tmp/gpu-models
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/device.txt"
nproc | tee -a "$out/device.txt"
[ -f /tmp/gpu-models/torch_yolox_640_fp16.onnx ] || python3 bench/gpu/export_torch_model.py /tmp/gpu-models 640 > "$out/export.log" 2>&1 || tail -n 20 "$out/export.log"
java=(env LD_LIBRARY_PATH=$ort:/usr/local/cuda/lib64 "$rt/jre/bin/java" --enable-native-access=ALL-UNNAMED
  -Donnxruntime.native.onnxruntime.path=$ort/libonnxruntime.so
  -Donnxruntime.native.onnxruntime4j_jni.path=$ort/libonnxruntime4j_jni.so
  -Donnxruntime.native.path=$ort -Xmx8g)
jar=$base/bench/target/camflux-bench.jar
# classes carried with this run (bench, engine and model target/classes) come first, so a code change needs no
# new jar upload
cp=bench/target/classes:engine/target/classes:model/target/classes:$jar
models=()
[ -n "${SKIP_NANO:-}" ] || models+=(--model "yolox_nano@416=$base/.gpu-build/models/yolox_nano.onnx")
for m in ${TORCH_MODELS:-torch_yolox_640 torch_yolox_640_fp16}; do
  [ -f /tmp/gpu-models/$m.onnx ] && models+=(--model "$m=/tmp/gpu-models/$m.onnx")
done
timeout "${GPU_BENCH_TIMEOUT:-330}" "${java[@]}" -cp "$cp" io.camflux.bench.load.BenchMain gpu "${models[@]}" --frames "$base/.gpu-build/media/vtest-720p.mp4" \
  --batches "${BATCHES:-1,8,16,32,64}" --seconds "${SECONDS_PER_CELL:-3}" --prepare-threads "${PREPARE_THREADS:-6}" \
  ${SKIP_VARIANTS:+--no-variants} --variant cudnn_conv_algo_search=HEURISTIC --variant prefer_nhwc=1 \
  ${INSTANCES:+--instances $INSTANCES --instance-batches ${INSTANCE_BATCHES:-32,64}} \
  --out "$out" > "$out/gpu-operator.log" 2>&1
echo "gpu bench exit $?" >> "$out/gpu-operator.log"
[ -n "${SKIP_DECODE:-}" ] || timeout "${DECODE_TIMEOUT:-200}" "${java[@]}" -cp "$cp" io.camflux.bench.load.BenchMain decode --file "$base/.gpu-build/media/vtest-1080p.mp4" \
  --streams "${STREAMS:-1,4,8,16,32}" --seconds "${DECODE_SECONDS:-6}" --out "$out" > "$out/gpu-decode.log" 2>&1
echo "decode bench exit $?" >> "$out/gpu-decode.log"
cat "$out"/gpu-operator.md "$out"/gpu-decode.md 2>/dev/null
tail -n 5 "$out/gpu-operator.log" "$out/gpu-decode.log"
