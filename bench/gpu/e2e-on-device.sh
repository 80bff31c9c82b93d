#!/usr/bin/env bash
# The whole engine on the CUDA 13 GPU host of ../shared/gpu (no Java, no packages there): the load bench with
# --source files (N cameras reading a clip as looping files paced at 25 fps), CUDA provider, one line per plan
# step. Before it, the parts of two packs must have arrived (bench/gpu/pack-e2e.sh makes them; one part per transfer):
#   rt:  .gpu-build/runtime                     (JRE + ONNX Runtime CUDA 13 natives, prepare-runtime.sh)
#   app: .gpu-build/camflux-bench.jar (linux-x86_64 natives only), .gpu-build/media (clips), .gpu-build/models
# Classes carried with the run (bench, engine and model target/classes) come before the jar, so a code change
# needs no new jar. Reports land under $OUT.
#   bash bench/gpu/e2e-on-device.sh STEP...     STEP: name:arguments for the bench, e.g.
#   bash bench/gpu/e2e-on-device.sh 'exact64:--cameras 64 --clip vtest-1080p.mp4 --shapes exact --batch 32'
# A step NAME=java:CLASS ARGS runs that class instead (@app stands for the unpacked app folder), e.g.
#   'decode=java:io.camflux.bench.load.BenchMain decode --file @app/media/vtest-1080p.mp4 --streams 16,32 --out /tmp/e2e'
set -uo pipefail
rt=/tmp/gpu/rt/.gpu-build/runtime
app=/tmp/gpu/app/.gpu-build
ort=$rt/ort
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nproc; } | tee "$out/device.txt"
# GTK 2 and its libraries for OpenCV's highgui (the motion gate), where cameras-per-host.sh unpacked them
gtk=/tmp/gpu/gtk
java=(env LD_LIBRARY_PATH=$([ -d $gtk ] && echo $gtk:)$ort:/usr/local/cuda/lib64 CAMFLUX_MODEL_DIR=$app/models "$rt/jre/bin/java"
  --enable-native-access=ALL-UNNAMED -Donnxruntime.native.onnxruntime.path=$ort/libonnxruntime.so
  -Donnxruntime.native.onnxruntime4j_jni.path=$ort/libonnxruntime4j_jni.so -Donnxruntime.native.path=$ort
  -Xmx${HEAP:-16g} ${JAVA_EXTRA:-})
cp=bench/target/classes:engine/target/classes:model/target/classes:$app/camflux-bench.jar
for step in "$@"; do
  if [[ $step == *=java:* ]]; then
    name=${step%%=*}; args=${step#*=java:}; args=${args//@app/$app}
    start=$(date +%s)
    timeout "${STEP_TIMEOUT:-300}" "${java[@]}" -cp "$cp" $args > "$out/$name.log" 2>&1
    echo "== $name: exit $? after $(( $(date +%s) - start )) s"
    grep -vE "VerifyEachNode|WARNING:|^\s*$|^\| *streams|^\|---|^#|^\`" "$out/$name.log" | tail -n "${TAIL:-25}"
    continue
  fi
  name=${step%%:*}; args=${step#*:}
  # --clip names a file of the carried media folder
  args=$(echo "$args" | sed "s#--clip \([^ ]*\)#--clip $app/media/\1#")
  start=$(date +%s)
  timeout "${STEP_TIMEOUT:-300}" "${java[@]}" -cp "$cp" io.camflux.bench.load.BenchMain --source files \
    --provider cuda --no-baseline --duration "${DURATION:-20s}" --motion off --out "$out" --name "$name" $args \
    > "$out/$name.log" 2>&1
  echo "== $name: exit $? after $(( $(date +%s) - start )) s"
  grep -E "warmed batch|execution provider|decode ceiling|frames/s, |NVDEC: " "$out/$name.log" | grep -v VerifyEachNode \
    | sed 's/^.*INFO //' | sort -u | head -n 8
  grep -E "^\| [0-9]" "$out/$name.log" | sort -u
  grep -E "ERROR|Exception|OUT_OF_MEMORY|WARN.*(scale|NVDEC|nvdec)" "$out/$name.log" | sort -u | head -n 4
done
