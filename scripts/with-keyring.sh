#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# so keychain tests use the real thing without touching the user's own keyring.
# Usage: scripts/with-keyring.sh CMD [ARGS…]
set -euo pipefail
if [ "${INLET_IN_KEYRING_SESSION:-}" != "1" ]; then
  scratch=$(mktemp -d)
  export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
  export INLET_IN_KEYRING_SESSION=1
  exec dbus-run-session -- keyctl session - "$0" "$@"
fi
# An empty password creates no login collection; any non-empty one unlocks a fresh keyring.
printf 'inlet-test-keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
