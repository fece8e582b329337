//! Packaging only: this crate declares the Debian package `borne-semantic-fr` (see `Cargo.toml`
//! and `README.md` beside it); it has no code. `scripts/package.sh` builds the package.
