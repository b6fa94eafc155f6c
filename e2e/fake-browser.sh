#!/usr/bin/env bash
# Plays the system browser for the e2e test. xdg-open hands it the authorization URL; it asks the
# sandbox (which consents at once) and follows the redirect the way a browser would:
# - inlet://…   lets the OS open it (gio → the .desktop handler the app registered → a second
#               launch that single-instance forwards to the running app);
# - http://127.0.0.1:…/localhost  requests the app's loopback listener and keeps the page shown.
# An item's provider link ("Open in Notion") is written to opened-links.txt.
set -euo pipefail
url="$1"
# Inlet starts the opener with a cleaned environment (only what a desktop session needs), so the
# test's settings come from a file the harness writes, as a real browser reads its profile.
settings="$(cd "$(dirname "$0")/.." && pwd)/artifacts/fake-browser.env"
# shellcheck source=/dev/null
[ -f "$settings" ] && . "$settings"
report="${INLET_ARTIFACTS:-/tmp}/callback-delivered.txt"
# The app opens its one-time start page, which forwards to the provider's authorization URL (so
# the state is never on a command line); anything else would be a regression.
case "$url" in
  http://127.0.0.1:*/start/*) url=$(curl -s -o /dev/null -w '%{redirect_url}' "$url") ;;
  # "Open in …" of an item: noted for the test, as a browser would show the provider's page.
  https://app.notion.com/*|https://airtable.com/*|https://app.hubspot.com/*)
    echo "$url" >> "${INLET_ARTIFACTS:-/tmp}/opened-links.txt"; exit 0 ;;
  *) echo "fake-browser: the app opened $url, not its start page" >&2; exit 1 ;;
esac
case "$url" in
  *state=*) ;;
  *) echo "fake-browser: the start page did not forward to an authorization URL" >&2; exit 1 ;;
esac
location=$(curl -s -o /dev/null -w '%{redirect_url}' "$url")
case "$location" in
  inlet://*)
    if gio open "$location" 2>/dev/null; then
      echo "gio open (the inlet:// handler the app registered)" > "$report.tmp"
    elif [ "${INLET_REQUIRE_GIO:-}" = 1 ]; then
      echo "fake-browser: gio could not open $location: no installed inlet:// handler" >&2
      exit 1
    else
      # Without a working handler database, launch the registered binary the way the OS would.
      "$INLET_APP" "$location" &
      echo "a second launch of the binary with the URL (gio could not open it)" > "$report.tmp"
    fi
    ;;
  http://127.0.0.1:*|http://localhost:*)
    page=$(curl -s "$location")
    printf 'the loopback listener, which answered: %s\n' "$(echo "$page" | sed -n 's/.*<p>\(.*\)<\/p>.*/\1/p')" > "$report.tmp"
    ;;
  *)
    echo "fake-browser: unexpected redirect target" >&2
    exit 1
    ;;
esac
mv "$report.tmp" "$report"
