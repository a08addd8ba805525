//! Generates the sdk's mirrors of the `floe` Move package, so they cannot drift from it:
//! Rust types for every struct and enum (moverox-build), and, from one `move-syn` reading of the
//! sources, the integer constants, the abort table (hints are the constants' `///` docs) and the
//! typed call builders.

#[path = "build/calls.rs"]
mod calls;
#[path = "build/constants.rs"]
mod constants;
#[path = "build/package.rs"]
mod package;

use std::path::{Path, PathBuf};

type BuildError = Box<dyn std::error::Error + Send + Sync + 'static>;

fn main() -> Result<(), BuildError> {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../move/floe");
    moverox_build::move_package(&package, "floe")
        .with_implicit_sui_imports()
        .map_address("sui", "::moverox_sui::sui")
        .map_address("std", "::moverox_sui::move_stdlib")
        .build()?;

    println!("cargo:rerun-if-changed=build");
    // A folder: cargo reruns the script when any file in it changes, or one is added.
    println!(
        "cargo:rerun-if-changed={}",
        package.join("sources").display()
    );
    let modules = package::read(&package)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let constants = constants::constants(&modules, false);
    std::fs::write(out.join("move_constants.rs"), constants)?;
    std::fs::write(
        out.join("move_aborts.rs"),
        constants::constants(&modules, true),
    )?;
    std::fs::write(
        out.join("abort_table.rs"),
        constants::abort_table(&modules)?,
    )?;
    std::fs::write(out.join("calls.rs"), calls::calls(&modules)?)?;
    Ok(())
}
