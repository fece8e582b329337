//! Compiles the kiosk's `.slint` components into Rust, with the French/English translations bundled
//! and the debug information the UI tests need to find elements by accessible label.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations(concat!(env!("CARGO_MANIFEST_DIR"), "/translations"))
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        println!("cargo:warning=slint compilation failed: {e}");
        std::process::exit(1);
    }
}
