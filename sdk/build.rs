//! Generates Rust types for every struct and enum of the `floe` Move package, so that the
//! layouts the sdk, devnet and indexer decode with BCS cannot drift from the Move sources.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../move/floe");
    moverox_build::move_package(package, "floe")
        .with_implicit_sui_imports()
        .map_address("sui", "::moverox_sui::sui")
        .map_address("std", "::moverox_sui::move_stdlib")
        .build()
}
