#!/usr/bin/env bash
# The release app in the real window over a big item store (`make bench`): seeds six live
# connections and COUNT items, then measures memory and a search keystroke (e2e/big_store.py).
# Usage: scripts/bench-app.sh PATH/TO/inlet-desktop PATH/TO/seed_store [COUNT]
set -euo pipefail
app=$(realpath "$1")
seed=$(realpath "$2")
count=${3:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${INLET_IN_XVFB:-}" != "1" ]; then
  exec "$here/scripts/in-xvfb.sh" "$0" "$@"
fi
export INLET_KEYCHAIN_SERVICE="dev.inlet.bench.$$"
# Client ids make the release app (no demo) treat the seeded live connections as its own; it
# makes no request until someone presses Load.
export HUBSPOT_CLIENT_ID=bench AIRTABLE_CLIENT_ID=bench NOTION_CLIENT_ID=bench NOTION_CLIENT_SECRET=bench
export WEBKIT_DISABLE_DMABUF_RENDERER=1
empty=$(mktemp -d) full=$(mktemp -d)
"$seed" "$empty" 0
"$seed" "$full" "$count"
mkdir -p "$here/artifacts"
INLET_APP="$app" INLET_ARTIFACTS="$here/artifacts" INLET_BIG_ITEMS="$count" \
  INLET_EMPTY_DIR="$empty" INLET_FULL_DIR="$full" python3 "$here/e2e/big_store.py"
rm -rf "$empty" "$full"
