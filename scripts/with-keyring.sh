#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# so keychain tests use the real thing without touching the user's own keyring.
# The Secret Service is started the way a desktop session starts it — by D-Bus activation on first
# use — and comes up unlocked with the session's password, as PAM unlocks it at login. Should the
# daemon die mid-run (CI once saw it gone between two loads), the next request starts it again on
# the same keyring file, unlocked, instead of a fresh locked one asking a prompter no one can answer.
# Usage: scripts/with-keyring.sh CMD [ARGS…]
set -euo pipefail
if [ "${INLET_IN_KEYRING_SESSION:-}" != "1" ]; then
  scratch=$(mktemp -d)
  export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_RUNTIME_DIR="$scratch/run"
  mkdir -p "$XDG_DATA_HOME/dbus-1/services" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
  # The session bus looks in $XDG_DATA_HOME/dbus-1/services before the system's directories, so
  # this service file takes the place of gnome-keyring's own (which starts it locked).
  # An empty password creates no login collection; any non-empty one unlocks a fresh keyring.
  cat > "$scratch/secret-service" <<'SH'
#!/bin/sh
printf 'inlet-test-keyring' | exec gnome-keyring-daemon --foreground --unlock --components=secrets
SH
  chmod +x "$scratch/secret-service"
  printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$scratch/secret-service" \
    > "$XDG_DATA_HOME/dbus-1/services/org.freedesktop.secrets.service"
  export INLET_IN_KEYRING_SESSION=1
  exec dbus-run-session -- keyctl session - "$0" "$@"
fi
exec "$@"
