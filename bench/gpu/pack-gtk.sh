#!/usr/bin/env bash
# GTK 2 and the libraries it links (from this machine, Debian 12), for OpenCV's highgui on a GPU host that lacks
# them (the bare CUDA hosts): OpenCV's video module, which the motion gate uses, loads highgui. C library, C++
# runtime and what every Linux base image has are left out. Result: .gpu/gtk.tar.xz (about 6 MB), unpacked by
# cameras-per-host.sh to /tmp/gpu/gtk and put on LD_LIBRARY_PATH by e2e-on-device.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f /usr/lib/x86_64-linux-gnu/libgtk-x11-2.0.so.0 ] || apt-get install -y -q --no-install-recommends libgtk2.0-0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
jar=$(ls ~/.m2/repository/org/bytedeco/opencv/*/opencv-*-linux-x86_64.jar | head -1)
unzip -q -o "$jar" 'org/bytedeco/opencv/linux-x86_64/*' -d "$tmp"
libs=$tmp/org/bytedeco/opencv/linux-x86_64
mkdir -p "$tmp/gtk"
LD_LIBRARY_PATH=$libs ldd "$libs"/libopencv_highgui.so.* | awk '$3 ~ /^\// {print $3}' \
  | grep -vE 'libopencv|/libc\.so|/libm\.so|libstdc\+\+|libgcc_s|ld-linux|libpthread|/libdl\.so|/librt\.so|/libz\.so|libselinux|libmount|libblkid|libffi|libpcre2' \
  | while read -r f; do cp -L "$f" "$tmp/gtk/"; done
mkdir -p .gpu
tar -C "$tmp" -cJf .gpu/gtk.tar.xz gtk
ls -la .gpu/gtk.tar.xz
