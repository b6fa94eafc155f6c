#!/usr/bin/env bash
# `make bench-footprint`: cold start to first paint and idle memory of the release Inlet (as the
# package builds it) beside a minimal Tauri 2 window built with the same crates (e2e/footprint.py).
# Usage: scripts/bench-footprint.sh PATH/TO/inlet-desktop PATH/TO/minimal_window
set -euo pipefail
app=$(realpath "$1")
minimal=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${INLET_IN_XVFB:-}" != "1" ]; then
  exec "$here/scripts/in-xvfb.sh" "$0" "$@"
fi
export WEBKIT_DISABLE_DMABUF_RENDERER=1
mkdir -p "$here/artifacts"
INLET_APP="$app" INLET_MINIMAL="$minimal" INLET_ARTIFACTS="$here/artifacts" python3 "$here/e2e/footprint.py"
