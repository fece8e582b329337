#!/usr/bin/env bash
# Builds the Debian packages `borne` (the kiosk) and `borne-fleet` (the dashboard and the broker
# kit) into target/debian/ with cargo-deb (installed here if missing). Their contents are declared
# in kiosk/Cargo.toml and fleet/Cargo.toml ([package.metadata.deb]); docs/install.md installs them.
#
# Usage: scripts/package.sh [--dev] [--deb-version VERSION]
#   (default)   optimised release binaries: what a commune installs (a cold build takes a while).
#   --dev       packages the debug binaries that `cargo build --workspace --bins` made, without
#               building, and compresses fast: how the tests check the packaging. Never ship those.
#   --deb-version VERSION   the package version (default: the crate's, revision 1), e.g. to
#               build an upgrade for a test.
#   --output DIR  where the .deb files go (default target/debian; cargo-deb replaces older
#               versions of the same package there).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dev) profile=dev; extra+=(--no-build --fast); shift ;;
        --deb-version) extra+=(--deb-version "${2:?--deb-version needs a version}"); shift 2 ;;
        --output) mkdir -p "${2:?--output needs a directory}"; extra+=(--output "$2"); shift 2 ;;
        *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

if ! cargo deb --version >/dev/null 2>&1; then
    echo "package.sh: installing cargo-deb" >&2
    # 3.8.x: it packages dev-profile binaries with a warning; later versions may refuse them.
    cargo install cargo-deb --locked --version '~3.8' >&2
fi

for crate in borne-kiosk borne-fleet; do
    cargo deb -p "$crate" --profile "$profile" ${extra[@]+"${extra[@]}"}
done
