#!/usr/bin/env bash
# Where the CPU of an NVDEC frame goes (issue: cameras per GPU host, CPU per NVDEC frame): FFmpeg's own program, from
# the same libraries the engine loads (JavaCV's ffmpeg, unpacked from the bench jar), against the engine's decode bench,
# in one device call. Each FFmpeg row is STREAMS processes at once, each decoding a clip as fast as it goes (the 10 s clip
# six times over in one file, 1,500 frames), pictures left on the GPU (-hwaccel_output_format cuda) and thrown away (-f null);
# CPU is the processes' user + system time. Needs the packs of bench/gpu/pack-e2e.sh unpacked (rt, app) and, for HEVC,
# vtest-1080p-hevc.mp4 in /tmp/gpu/clips (ffmpeg -i vtest-1080p.mp4 -an -c:v libx265 -preset ultrafast -b:v 2500k
# -x265-params keyint=50:min-keyint=50:scenecut=0 -tag:v hvc1).
#   STREAMS=32 bash bench/gpu/nvdec-cost.sh        Results: $OUT/nvdec-cost.md, and $OUT/nvdec-cost.tgz with the
#                                                  engine's logs and its threads by CPU (top -H)
# DECODERS: the engine's decode.nvdec.decoder values to measure (default "cuvid hwaccel direct"); FFMPEG=0 leaves out
# FFmpeg's own program; CHECK=1 first compares every NVDEC path's kept pictures with the CPU decoder's (decode --check).
set -uo pipefail
here=$(dirname "$0")
out=${OUT:-/tmp/gpu-final}; final=/tmp/nvdec-cost; rm -rf $final; mkdir -p "$final" "$out"
app=/tmp/gpu/app/.gpu-build
media=$app/media
cp /tmp/gpu/clips/vtest-1080p-hevc.mp4 $media/ 2>/dev/null
ff=/tmp/ffbin; mkdir -p $ff
python3 - "$app/camflux-bench.jar" $ff <<'PY'
import sys, zipfile, os
jar, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(jar) as z:
    for n in z.namelist():
        if n.startswith('org/bytedeco/ffmpeg/linux-x86_64/') and not n.endswith('/'):
            p = os.path.join(dest, os.path.basename(n))
            with open(p, 'wb') as f: f.write(z.read(n))
            os.chmod(p, 0o755)
PY
# the device lacks some of the libraries libavdevice links (X11's xcb, ALSA, PulseAudio): those of .gpu/ffdeps,
# carried from a Debian machine, fill in only what it lacks
for lib in .gpu/ffdeps/* /tmp/gpu/ffdeps/*; do
  [ -e "$lib" ] && ! ldconfig -p | grep -q "/$(basename "$lib")\$" && cp "$lib" $ff/
done
ffmpeg=(env LD_LIBRARY_PATH=$ff $ff/ffmpeg)
# 60 s clips, so that no stream loops within a run (a loop flushes the decoder, and a CUVID flush remakes it)
for c in vtest-1080p vtest-1080p-hevc; do
  [ -f $media/$c.mp4 ] && [ ! -f $media/$c-60s.mp4 ] && "${ffmpeg[@]}" -v error -y -stream_loop 5 -i $media/$c.mp4 -c copy $media/$c-60s.mp4
done
report=$final/nvdec-cost.md
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; nproc; } > $report
echo "| codec | path | streams | frames | wall s | frames/s | CPU s | CPU ms per frame |" >> $report
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |" >> $report
[ "${FFMPEG:-1}" = 0 ] || python3 - "$ff" "$media" "${STREAMS:-32}" >> $report <<'PY'
import sys, subprocess, time, resource, re, os
ff, media, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(os.environ, LD_LIBRARY_PATH=ff + ':/usr/local/cuda/lib64')
gpu = ['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda']
paths = {
    'demux only': lambda c: [],
    'FFmpeg CUVID decoder': lambda c: gpu + ['-c:v', c + '_cuvid'],
    'FFmpeg decoder + NVDEC hwaccel': lambda c: gpu + ['-threads', '1'],
}
for codec, clip in (('h264', 'vtest-1080p-60s.mp4'), ('hevc', 'vtest-1080p-hevc-60s.mp4')):
    if not os.path.exists(os.path.join(media, clip)):
        print(f'| {codec} | no {clip} | | | | | | |'); continue
    for name, args in paths.items():
        copy = ['-c', 'copy'] if name == 'demux only' else []
        cmd = [ff + '/ffmpeg', '-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1'] + args(codec) + \
              ['-i', os.path.join(media, clip), '-map', '0:v'] + copy + ['-f', 'null', '-']
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
        outs = [p.communicate() for p in procs]
        wall = time.time() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        frames = sum(int((re.findall(r'frame=(\d+)', o) or ['0'])[-1]) for o, _ in outs)
        errs = [e.strip().splitlines()[-1] for _, e in outs if e.strip()]
        per = f'{cpu * 1000 / frames:.3f}' if frames else '-'
        print(f'| {codec} | {name} | {n} | {frames} | {wall:.1f} | {frames / wall:.0f} | {cpu:.1f} | {per} |'
              + (f' {errs[0][:120]}' if errs else ''), flush=True)
PY
# the engine's NVDEC reader on the same clips, both of its decoders, as its decode bench measures them (every 4th
# picture kept)
export OUT=$final STEP_TIMEOUT=${STEP_TIMEOUT:-200}
D=io.camflux.bench.load.BenchMain
steps=()
[ "${CHECK:-0}" = 0 ] || steps+=("check1080=java:$D decode --file @app/media/vtest-1080p.mp4 --check --out $final/check1080")
for clip in vtest-1080p-60s vtest-1080p-hevc-60s; do
  [ -f $media/$clip.mp4 ] || continue
  for dec in ${DECODERS:-cuvid hwaccel direct}; do
    steps+=("$clip-$dec=java:$D decode --file @app/media/$clip.mp4 --streams ${STREAMS:-32} --decoders nvdec --keep-every 4 --seconds 8 --decode {\"nvdec\":{\"decoder\":\"$dec\"}} --out $final/$clip-$dec")
  done
done
# the engine's threads by CPU, 6 s into each step: decoding threads against the JVM's own and the CUDA driver's
( for step in "${steps[@]}"; do
    name=${step%%=*}
    [ "$name" = check1080 ] && continue
    for i in $(seq 240); do pid=$(pgrep -f "jre/bin/java .*decode --file .*$name" | head -1); [ -n "$pid" ] && break; sleep 0.5; done
    [ -n "$pid" ] || continue
    sleep 6; top -H -b -d 4 -n 2 -p "$pid" -w 200 | awk '/^top -/{n++} n==2' | head -45 > "$final/$name-threads.txt"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
  done ) &
bash $here/e2e-on-device.sh "${steps[@]}"
wait
for f in $final/*/gpu-decode.md $final/check1080/decode-check.md; do
  [ -f "$f" ] && { echo; echo "$(basename "$(dirname "$f")"):"; grep "^|" "$f"; } >> $report
done
tar -C $final -czf "$out/nvdec-cost.tgz" . && cp $report "$out/"
cat $report
