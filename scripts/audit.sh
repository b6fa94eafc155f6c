#!/usr/bin/env bash
# Supply-chain checks for `make test`: `cargo deny` (advisories, licenses, sources, bans) and
# `npm audit` of the UI's shipped (non-dev) packages.
#
# The RustSec advisory database is fetched when the network allows; otherwise the copy on this
# machine is used (`.ci/run` unpacks a snapshot there when one sits beside the checkout), and
# cargo-deny runs --offline against it. With no database at all the advisories are skipped with
# a line saying so — except under CI=true, where a skipped check is a failure. npm audit needs
# the registry's audit service; where it cannot be reached that check is skipped and said.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo caches its rustc probe in the target dir; a probe that once read stray input (a known
# cargo-deny/cargo interplay) poisons every later cargo call, so never leave one behind.
target_dir="${CARGO_TARGET_DIR:-target}"
unpoison() { grep -qs '"success":false\|error\[' "$target_dir/.rustc_info.json" && rm -f "$target_dir/.rustc_info.json" || true; }
trap unpoison EXIT

fetch_log=$(mktemp)
databases="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if cargo deny fetch db </dev/null >"$fetch_log" 2>&1; then
  cargo deny check advisories licenses bans sources </dev/null
elif compgen -G "$databases/*/crates" >/dev/null; then
  newest=$(find "$databases" -maxdepth 2 -name crates -printf '%TY-%Tm-%Td\n' | sort | tail -1)
  echo "audit: the advisory database could not be fetched; checking against the copy on this machine ($databases, from $newest)"
  cargo fetch --locked </dev/null >/dev/null # --offline forbids downloading crates too
  cargo deny --offline check advisories licenses bans sources </dev/null
else
  reason=$(grep -m1 -o 'Could not resolve host[^"]*\|unable to access[^"]*' "$fetch_log" || echo "the fetch failed")
  if [ "${CI:-}" = "true" ]; then
    echo "audit: the RustSec advisory database cannot be reached ($reason) and there is no copy in $databases; under CI a skipped advisory check is a failure" >&2
    exit 1
  fi
  echo "audit: advisories skipped — the RustSec advisory database cannot be reached from this machine ($reason)"
  cargo fetch --locked </dev/null >/dev/null
  cargo deny --offline check licenses bans sources </dev/null
fi
rm -f "$fetch_log"

cd ui
set +e
report=$(npm audit --omit=dev --audit-level=low --json 2>/dev/null </dev/null)
status=$?
set -e
audited=$(echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); const d = r.metadata && r.metadata.dependencies; console.log(d ? (d.prod ?? d.total ?? 0) : "?")' 2>/dev/null || echo "?")
if [ "$status" -eq 0 ]; then
  echo "audit: npm audit --omit=dev: no known vulnerability in the UI's shipped packages ($audited audited)"
elif echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(r.error ? 0 : 1)' 2>/dev/null; then
  echo "audit: npm audit skipped — the registry's audit service is not available here ($(echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.error.code || r.error.summary || r.message || r.statusCode)'))"
else
  echo "$report"
  echo "audit: npm audit --omit=dev found vulnerabilities in the UI's shipped packages" >&2
  exit 1
fi
