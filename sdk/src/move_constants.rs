//! The integer constants of the `floe` Move package, generated at build time from
//! `move/floe/sources` (`sdk/build/constants.rs`): `move_constants::<module>::<NAME>`, and
//! [`value`] to look any of them up by name, abort codes included (those are typed in
//! [`crate::move_aborts`]).

/// One constant that fits a `u64`, as [`ALL`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveConstant {
    pub module: &'static str,
    /// The Move name, e.g. `EInsufficientPayment` or `SOURCE_USER`.
    pub name: &'static str,
    pub value: u64,
}

include!(concat!(env!("OUT_DIR"), "/move_constants.rs"));

/// The value of `floe::<module>::<name>`, if the module defines that integer constant.
pub fn value(module: &str, name: &str) -> Option<u64> {
    ALL.iter()
        .find(|c| c.module == module && c.name == name)
        .map(|c| c.value)
}
