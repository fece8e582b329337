#!/usr/bin/env bash
# Runs the Borne kiosk on its embedded defaults (demo content, simulated devices, no broker).
# Extra arguments go to `borne`, e.g. `scripts/run-kiosk.sh --now 2026-12-24T10:00`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --bin borne
exec target/release/borne "$@"
