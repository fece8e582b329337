#!/usr/bin/env bash
# Runs the Borne kiosk on its embedded defaults (demo content, simulated devices, no broker).
# Extra arguments go to `borne`, e.g. `scripts/run-kiosk.sh --now 2026-12-24T10:00`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --bin borne
# A try-out on a desktop: a window, not the whole screen (a deployed kiosk is full screen).
export BORNE_KIOSK__FULLSCREEN="${BORNE_KIOSK__FULLSCREEN:-false}"
exec target/release/borne "$@"
