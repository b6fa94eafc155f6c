#!/usr/bin/env bash
# Plays the system browser for the e2e test: xdg-open hands it the authorization URL; it asks the
# sandbox (which consents at once), takes the redirect and, like a browser meeting a custom
# scheme, lets the OS open it (gio → the .desktop handler the app registered → a second launch).
set -euo pipefail
url="$1"
location=$(curl -s -o /dev/null -w '%{redirect_url}' "$url")
case "$location" in
  inlet://*) ;;
  *) echo "fake-browser: expected an inlet:// redirect" >&2; exit 1 ;;
esac
report="${INLET_ARTIFACTS:-/tmp}/callback-delivered.txt"
if gio open "$location" 2>/dev/null; then
  echo "gio open (the inlet:// handler the app registered)" > "$report"
else
  # Without a working handler database, launch the registered binary the way the OS would.
  "$INLET_APP" "$location" &
  echo "a second launch of the binary with the URL (gio could not open it)" > "$report"
fi
