#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs what is missing (apt, as root), prepares the recorded
# clips, points CAMFLUX_MODEL_DIR at ../shared/models when it exists, and runs every module's tests.
# The tests start their own RTSP servers, RabbitMQ and etcd on loopback, on free ports, and stop them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$CAMFLUX_ROOT"
need_packages ffmpeg opencv-doc python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad prometheus rabbitmq-server chromium etcd-server etcd-client curl
# deploy/'s tests render the manifests with kubectl kustomize (no cluster needed)
command -v kubectl >/dev/null || need_packages kubernetes-client
"$CAMFLUX_ROOT/scripts/prepare-media.sh"
export_model_dir
exec ./mvnw -B -ntp verify "$@"
