#!/usr/bin/env bash
# Makes the recorded clips that the demo, the tests and the bench use, once, under .cache/media:
#   vtest.mp4          people walking (OpenCV's vtest.avi, Debian opencv-doc), H.264 768x576 @ 10 fps, 79 s
#   cam1..cam4.mp4     20 s segments of it, one per demo camera
#   static.mp4         one frame of it held for 10 s (a scene where nothing moves)
#   vtest-frame.png    one decoded frame, for model tests
#   vtest-720p.mp4, vtest-1080p.mp4   10 s of it scaled to 1280x720 and 1920x1080 @ 25 fps (benchmarks)
#   cam1-hevc.mp4      cam1.mp4 as H.265/HEVC (libx265), for HEVC cameras
# The load bench makes its own long 720p/1080p busy and static clips (bench/, once, under .cache/media/bench).
# Later runs find the clips and return at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$CAMFLUX_MEDIA"
stamp=$CAMFLUX_MEDIA/.complete-v2
hevc() {
  [ -s "$CAMFLUX_MEDIA/cam1-hevc.mp4" ] && return 0
  ffmpeg -v error -y -i "$CAMFLUX_MEDIA/cam1.mp4" -an -c:v libx265 -preset ultrafast \
    -x265-params keyint=20:min-keyint=20:bframes=0:log-level=error -tag:v hvc1 "$CAMFLUX_MEDIA/cam1-hevc.mp4.tmp.mp4"
  mv "$CAMFLUX_MEDIA/cam1-hevc.mp4.tmp.mp4" "$CAMFLUX_MEDIA/cam1-hevc.mp4"
}
if [ -f "$stamp" ]; then hevc; exit 0; fi
need_packages ffmpeg opencv-doc
src=/usr/share/doc/opencv-doc/examples/data/vtest.avi
[ -f "$src" ] || { say "$src is missing (Debian package opencv-doc)"; exit 1; }
say "preparing recorded clips in $CAMFLUX_MEDIA (once)"
x264=(-c:v libx264 -preset veryfast -tune zerolatency -bf 0 -g 20 -pix_fmt yuv420p -an -movflags +faststart)
ffmpeg -v error -y -i "$src" "${x264[@]}" -r 10 "$CAMFLUX_MEDIA/vtest.mp4"
for i in 1 2 3 4; do
  ffmpeg -v error -y -ss $(( (i - 1) * 19 )) -t 20 -i "$CAMFLUX_MEDIA/vtest.mp4" "${x264[@]}" "$CAMFLUX_MEDIA/cam$i.mp4"
done
ffmpeg -v error -y -ss 5 -i "$CAMFLUX_MEDIA/vtest.mp4" -frames:v 1 "$CAMFLUX_MEDIA/vtest-frame.png"
ffmpeg -v error -y -loop 1 -framerate 10 -t 10 -i "$CAMFLUX_MEDIA/vtest-frame.png" "${x264[@]}" "$CAMFLUX_MEDIA/static.mp4"
for size in 720:1280 1080:1920; do
  h=${size%%:*}; w=${size##*:}
  ffmpeg -v error -y -t 10 -i "$CAMFLUX_MEDIA/vtest.mp4" -vf "scale=$w:$h,fps=25" "${x264[@]}" "$CAMFLUX_MEDIA/vtest-${h}p.mp4"
done
hevc
touch "$stamp"
say "clips ready: $(cd "$CAMFLUX_MEDIA" && ls | tr '\n' ' ')"
