#!/usr/bin/env bash
# Lints a Dockerfile with dockerfilelint (npm), installed once under .cache/npm. No Docker engine needed.
#   scripts/lint-dockerfile.sh [Dockerfile.gpu]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$CAMFLUX_ROOT"
file=${1:-Dockerfile.gpu}
prefix=.cache/npm
lint=$prefix/node_modules/.bin/dockerfilelint
if [ ! -x "$lint" ]; then
  command -v npm >/dev/null || need_packages npm
  npm install --silent --no-audit --no-fund --prefix "$prefix" dockerfilelint@1.8.0 >&2
fi
"$lint" "$file"
