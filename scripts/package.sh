#!/usr/bin/env bash
# `make package`: the release .deb — the app (with the demo as step 4 left it: data and consent
# only, no fault knobs, no test routes), the `inlet` CLI with its manual page and shell
# completions, the desktop entry (Exec …%u, x-scheme-handler/inlet), icons in every hicolor size
# and AppStream metadata, all at the version in Cargo.toml — then validates what it installs.
# Writes the path of the .deb to gen/package-path.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
target=${CARGO_TARGET_DIR:-$here/target}
version=$(cargo metadata --no-deps --format-version 1 </dev/null |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "inlet-desktop"))')
stage="$here/gen/package"
rm -rf "$stage" && mkdir -p "$stage"

# The CLI, and what is generated from its commands.
cargo build --release -p inlet-cli </dev/null
install -m 0755 "$target/release/inlet" "$stage/inlet"
strip "$stage/inlet"
"$stage/inlet" manpage | gzip -9n > "$stage/inlet.1.gz"
"$stage/inlet" completions bash > "$stage/inlet.bash"
"$stage/inlet" completions zsh > "$stage/_inlet"
"$stage/inlet" completions fish > "$stage/inlet.fish"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u +%Y-%m-%d)/" \
  packaging/dev.inlet.app.metainfo.xml.in > "$stage/dev.inlet.app.metainfo.xml"

# The app, bundled by the Tauri CLI (which builds it in release with custom-protocol).
cargo tauri build --bundles deb --features demo --config packaging/tauri.package.json </dev/null >&2
deb=$(ls -t "$target"/release/bundle/deb/*_"$version"_*.deb | head -1)

# What it installs must pass the freedesktop validators.
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
desktop-file-validate "$unpacked"/usr/share/applications/*.desktop >&2
appstreamcli validate --no-net --explain "$unpacked/usr/share/metainfo/dev.inlet.app.metainfo.xml" >&2
echo "package: $(du -h "$deb" | cut -f1) — $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >&2
echo "$deb" > "$here/gen/package-path"
echo "built $deb"
