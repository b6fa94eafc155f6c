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

# The app, bundled by the Tauri CLI (which builds it in release with custom-protocol): the
# binary, the desktop entry, the icons and the package's control data.
tauri build --bundles deb --features demo </dev/null >&2
deb=$(ls -t "$target"/release/bundle/deb/*_"$version"_*.deb | head -1)

# Then what the Tauri CLI does not make: `inlet` is the same binary under another name (it runs
# the command line when called so: one copy of the core in the package, not two), its manual
# page and completions generated from clap, the AppStream metadata — and the whole compressed
# with xz, as Debian's own packages are (the Tauri CLI writes gzip).
root="$stage/root"
dpkg-deb -R "$deb" "$root"
ln -s inlet-desktop "$root/usr/bin/inlet"
cli="$root/usr/bin/inlet"
install -d "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
  "$root/usr/share/metainfo"
"$cli" manpage | gzip -9n > "$root/usr/share/man/man1/inlet.1.gz"
"$cli" completions bash > "$root/usr/share/bash-completion/completions/inlet"
"$cli" completions zsh > "$root/usr/share/zsh/vendor-completions/_inlet"
"$cli" completions fish > "$root/usr/share/fish/vendor_completions.d/inlet.fish"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u +%Y-%m-%d)/" \
  packaging/dev.inlet.app.metainfo.xml.in > "$root/usr/share/metainfo/dev.inlet.app.metainfo.xml"
chmod 0644 "$root"/usr/share/man/man1/* "$root"/usr/share/*/*completions*/* "$root"/usr/share/metainfo/*
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
installed_kib=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -i "s/^Installed-Size: .*/Installed-Size: $installed_kib/" "$root/DEBIAN/control"
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz -z9 --build "$root" "$deb" >&2

# What it installs (the tree the .deb was just built from) must pass the freedesktop validators.
desktop-file-validate "$root"/usr/share/applications/*.desktop >&2
appstreamcli validate --no-net --explain "$root/usr/share/metainfo/dev.inlet.app.metainfo.xml" >&2
echo "package: $(du -h "$deb" | cut -f1) — $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >&2
echo "$deb" > "$here/gen/package-path"
echo "built $deb"
