#!/usr/bin/env bash
# Shared helpers for the repo's scripts. Source it; it changes nothing by itself.
CAMFLUX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CAMFLUX_CACHE=${CAMFLUX_CACHE:-$CAMFLUX_ROOT/.cache}
CAMFLUX_MEDIA=${CAMFLUX_MEDIA:-$CAMFLUX_CACHE/media}

say() { printf 'camflux: %s\n' "$*" >&2; }

# Installs Debian packages that are missing (only as root; otherwise says what to install and fails).
need_packages() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
    return 1
  fi
  say "installing ${missing[*]} (apt, once)"
  if [ -z "$(find /var/lib/apt/lists -name '*_Packages' -mmin -1440 2>/dev/null | head -1)" ]; then
    apt-get update -q >&2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# The default model folder for machines without internet access: ../shared/models beside the checkout.
export_model_dir() {
  if [ -z "${CAMFLUX_MODEL_DIR:-}" ] && [ -f "$CAMFLUX_ROOT/../shared/models/yolox_nano.onnx" ]; then
    CAMFLUX_MODEL_DIR=$(cd "$CAMFLUX_ROOT/../shared/models" && pwd)
    export CAMFLUX_MODEL_DIR
    say "using the model folder $CAMFLUX_MODEL_DIR (CAMFLUX_MODEL_DIR)"
  fi
}

# A free TCP port on loopback.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Builds engine/target/camflux.jar when it is missing or older than the sources; prints its path.
camflux_jar() {
  local jar=engine/target/camflux.jar
  if [ ! -f "$CAMFLUX_ROOT/$jar" ] || [ -n "$(cd "$CAMFLUX_ROOT" && find model/src engine/src model/pom.xml engine/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
    say "building $jar (first run, or sources changed)"
    (cd "$CAMFLUX_ROOT" && ./mvnw -B -q -ntp -DskipTests -pl engine -am package >&2)
  fi
  echo "$CAMFLUX_ROOT/$jar"
}
