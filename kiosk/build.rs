//! Build script: with the `semantic` feature, records libtorch's directory (`LIBTORCH`) as an rpath
//! of this package's binaries, tests and examples, so they find `libtorch_cpu.so` without
//! `LD_LIBRARY_PATH`. Does nothing in the default build.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if std::env::var_os("CARGO_FEATURE_SEMANTIC").is_some()
        && let Some(dir) = std::env::var_os("LIBTORCH")
    {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}/lib", std::path::Path::new(&dir).display());
    }
}
