#!/usr/bin/env bash
# Runs one cargo-fuzz target for SECONDS: with the nightly toolchain and AddressSanitizer where
# rustup has nightly, else on the stable toolchain without a sanitizer (libFuzzer's coverage
# instrumentation still works there; RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags).
# Usage: scripts/fuzz.sh TARGET SECONDS
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=$1 seconds=$2
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo +nightly fuzz run "$target" -- -max_total_time="$seconds"
else
  echo "fuzz: no nightly toolchain here; fuzzing $target on stable without a sanitizer"
  RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds"
fi
