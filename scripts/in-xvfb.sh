#!/usr/bin/env bash
# Runs a command under Xvfb inside a private keyring session (scripts/with-keyring.sh), with
# INLET_IN_XVFB=1 so a script that re-runs itself through here knows it already is inside.
# Xvfb's teardown makes X clients still attached say "X connection … broken": noise, filtered so
# the test summary stays the last line.
# Usage: scripts/in-xvfb.sh CMD [ARGS…]
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export INLET_IN_XVFB=1
xvfb-run -a -s "-screen 0 1280x800x24" "$here/scripts/with-keyring.sh" "$@" 2> >(grep -v "^X connection to" >&2)
status=$?
wait
exit $status
