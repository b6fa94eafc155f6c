#!/usr/bin/env bash
# The real app under Xvfb, in its own D-Bus session with a real Secret Service, driven through
# WebKitWebDriver: click Connect, let the "browser" fetch the sandbox's consent redirect and hand
# inlet://oauth/callback?… to the OS the way a browser does (gio open → the registered handler →
# a second launch that single-instance forwards), then check the card and load the items.
# A third run loads twice from a stand-alone sandbox whose data changes in between.
# Usage: scripts/e2e-deep-link.sh PATH/TO/inlet-desktop PATH/TO/inlet-sandbox
set -euo pipefail
app=$(realpath "$1")
sandbox_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$here/artifacts"
mkdir -p "$artifacts"
if [ "${INLET_IN_XVFB:-}" != "1" ]; then
  exec "$here/scripts/in-xvfb.sh" "$0" "$@"
fi
export INLET_KEYCHAIN_SERVICE="dev.inlet.e2e.$$"
export BROWSER="$here/e2e/fake-browser.sh"
# Make the fake browser the default http handler of this session, whatever browsers the machine
# has installed (xdg-open prefers the registered handler over $BROWSER).
mkdir -p "$XDG_DATA_HOME/applications" "$XDG_CONFIG_HOME"
cat > "$XDG_DATA_HOME/applications/inlet-e2e-browser.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Inlet e2e browser
Exec=$BROWSER %u
MimeType=x-scheme-handler/http;x-scheme-handler/https;
NoDisplay=true
DESKTOP
printf '[Default Applications]\nx-scheme-handler/http=inlet-e2e-browser.desktop\nx-scheme-handler/https=inlet-e2e-browser.desktop\n' > "$XDG_CONFIG_HOME/mimeapps.list"
export INLET_APP="$app" INLET_SANDBOX_BIN="$sandbox_bin" INLET_ARTIFACTS="$artifacts"
# What the fake browser needs (Inlet gives its opener no test variables): read from a file.
printf 'INLET_APP=%q\nINLET_ARTIFACTS=%q\n' "$app" "$artifacts" > "$artifacts/fake-browser.env"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
# No client ids: every provider runs on the built-in sandbox.
unset HUBSPOT_CLIENT_ID AIRTABLE_CLIENT_ID NOTION_CLIENT_ID
# The system's Python (apt's python3 and python3-xlib, which closes the window as a window
# manager does), even where another python3 comes first on PATH.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$here/e2e/deep_link.py"
