#!/usr/bin/env bash
# The package as users get it (`make test-package`, part of `make test`): installs the .deb on
# this machine, checks what it put where and that the OS names Inlet's entry as the inlet://
# handler, launches the *installed* app under Xvfb and connects HubSpot through a real inlet://
# link handed to the OS (gio open), then removes the package and checks nothing is left.
# Usage: scripts/test-package.sh PATH/TO/inlet.deb PATH/TO/inlet-sandbox
set -euo pipefail
deb=$(realpath "$1")
sandbox_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
name=$(dpkg-deb -f "$deb" Package)
fail() { echo "package test: $*" >&2; exit 1; }

# A copy left by an interrupted run must not hide a missing file.
$SUDO dpkg -r "$name" >/dev/null 2>&1 || true
# apt resolves the package's dependencies (WebKitGTK, GTK) from the configured repositories.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
cleanup() { $SUDO dpkg -r "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

files=$(dpkg -L "$name")
desktop=$(grep '^/usr/share/applications/.*\.desktop$' <<<"$files" | head -1 || true)
[ -n "$desktop" ] || fail "no desktop entry installed"
app=$(sed -n 's/^Exec=\([^ ]*\) %u$/\1/p' "$desktop")
[ -n "$app" ] || fail "the desktop entry's Exec does not end in %u: $(grep ^Exec= "$desktop")"
grep -q '^MimeType=.*x-scheme-handler/inlet' "$desktop" || fail "no x-scheme-handler/inlet in $desktop"
app=$(command -v "$app") || fail "the entry's binary is not on PATH"
for path in /usr/bin/inlet /usr/share/man/man1/inlet.1.gz /usr/share/bash-completion/completions/inlet \
  /usr/share/zsh/vendor-completions/_inlet /usr/share/fish/vendor_completions.d/inlet.fish \
  /usr/share/metainfo/dev.inlet.app.metainfo.xml; do
  grep -qx "$path" <<<"$files" || fail "$path is not in the package"
done
for size in 16x16 24x24 32x32 48x48 64x64 128x128 256x256 512x512; do
  grep -q "^/usr/share/icons/hicolor/$size/apps/" <<<"$files" || fail "no $size icon"
done
desktop-file-validate "$desktop"
appstreamcli validate --no-net /usr/share/metainfo/dev.inlet.app.metainfo.xml >/dev/null
version=$(dpkg-deb -f "$deb" Version)
said=$(inlet --version)
[ "$said" = "inlet $version" ] || fail "inlet --version says '$said', not inlet $version"
manual=$(zcat /usr/share/man/man1/inlet.1.gz)
grep -q '^\.TH inlet 1' <<<"$manual" || fail "the manual page does not read"
# As a fresh user of this machine sees it: no per-user handlers or defaults of earlier dev builds.
XDG_CONFIG_HOME=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
export XDG_CONFIG_HOME XDG_DATA_HOME
handler=$(xdg-mime query default x-scheme-handler/inlet)
[ "$handler" = "$(basename "$desktop")" ] || fail "xdg-mime names '$handler' for inlet://, not $(basename "$desktop")"
echo "package test: installed $name $version; $(basename "$desktop") handles inlet:// ($app)"

# The installed app, connecting through the OS (the e2e harness, on the installed binary).
INLET_E2E_ONLY=installed "$here/scripts/e2e-deep-link.sh" "$app" "$sandbox_bin"

$SUDO dpkg -r "$name" >/dev/null
trap - EXIT
for path in "$app" /usr/bin/inlet "$desktop" /usr/share/metainfo/dev.inlet.app.metainfo.xml; do
  [ ! -e "$path" ] || fail "$path is still there after removal"
done
after=$(xdg-mime query default x-scheme-handler/inlet || true)
[ -z "$after" ] || fail "inlet:// still goes to '$after' after removal"
echo "package test: removed $name cleanly"
