//! Generates the devnet's handler registration from the `floe` Move sources, with the sdk's
//! generator (`sdk/build/`, one `move-syn` reading of the package): each converted module gets
//! a `register` that decodes arguments by their Move types and calls the typed handler; and,
//! from the same reading, the tests' typed call constructors (`build/test_calls.rs`).

#[path = "../sdk/build/calls.rs"]
#[allow(dead_code)]
mod calls;
#[path = "../sdk/build/dispatch.rs"]
mod dispatch;
#[path = "../sdk/build/package.rs"]
#[allow(dead_code)]
mod package;
#[path = "build/test_calls.rs"]
mod test_calls;

use std::path::{Path, PathBuf};

/// The modules whose handlers are typed functions registered by generated code.
const TYPED_MODULES: [&str; 15] = [
    "blob",
    "challenge",
    "compute",
    "dataset",
    "key_server",
    "license",
    "memory",
    "model",
    "service",
    "shared_blob",
    "staking",
    "system",
    "upgrade",
    "version",
    "wal",
];

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../move/floe");
    println!("cargo:rerun-if-changed=../sdk/build");
    println!("cargo:rerun-if-changed=build");
    // A folder: cargo reruns the script when any file in it changes, or one is added.
    println!(
        "cargo:rerun-if-changed={}",
        package.join("sources").display()
    );
    let modules = package::read(&package)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    for module in TYPED_MODULES {
        let code = dispatch::register(&modules, module)?;
        std::fs::write(out.join(format!("floe_{module}.rs")), code)?;
    }
    std::fs::write(out.join("test_calls.rs"), test_calls::test_calls(&modules)?)?;
    Ok(())
}
