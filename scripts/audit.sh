#!/usr/bin/env bash
# Supply-chain checks for `make test`: `cargo deny` (advisories, licenses, sources, bans) and
# `npm audit` of the UI's shipped (non-dev) packages. Offline-safe: when the advisory database or
# the audit service cannot be reached, that one check is skipped with a line saying so — never a
# failure for that alone. Everything else fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo caches its rustc probe in the target dir; a probe that once read stray input (a known
# cargo-deny/cargo interplay) poisons every later cargo call, so never leave one behind.
target_dir="${CARGO_TARGET_DIR:-target}"
unpoison() { grep -qs '"success":false\|error\[' "$target_dir/.rustc_info.json" && rm -f "$target_dir/.rustc_info.json" || true; }
trap unpoison EXIT

fetch_log=$(mktemp)
if cargo deny fetch db </dev/null >"$fetch_log" 2>&1; then
  cargo deny check advisories licenses bans sources </dev/null
elif compgen -G "${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/*/crates" >/dev/null; then
  echo "audit: the advisory database could not be fetched; checking against the copy on this machine"
  cargo deny check --disable-fetch advisories licenses bans sources </dev/null
else
  reason=$(grep -m1 -o 'Could not resolve host[^"]*\|unable to access[^"]*' "$fetch_log" || echo "the fetch failed")
  echo "audit: advisories skipped — the RustSec advisory database cannot be reached from this machine ($reason)"
  cargo deny check licenses bans sources </dev/null
fi
rm -f "$fetch_log"

cd ui
set +e
report=$(npm audit --omit=dev --audit-level=low --json 2>/dev/null </dev/null)
status=$?
set -e
if [ "$status" -eq 0 ]; then
  echo "audit: npm audit --omit=dev: no known vulnerability in the UI's shipped packages"
elif echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(r.error ? 0 : 1)' 2>/dev/null; then
  echo "audit: npm audit skipped — the registry's audit service is not available here ($(echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.error.code || r.error.summary || r.message || r.statusCode)'))"
else
  echo "$report"
  echo "audit: npm audit --omit=dev found vulnerabilities in the UI's shipped packages" >&2
  exit 1
fi
