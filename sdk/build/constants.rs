//! Emits the package's integer constants (`move_constants.rs`) and its abort table
//! (`abort_table.rs`): every `const E…: u64` with its module, code and `///` doc as the hint.

use std::fmt::Write as _;

use crate::package::Module;

/// `EInvalidEpochsAhead` → `E_INVALID_EPOCHS_AHEAD`; names already in capitals stay.
pub fn rust_const_name(move_name: &str) -> String {
    if move_name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return move_name.to_owned();
    }
    let mut out = String::new();
    for (i, c) in move_name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn rust_int(move_ty: &str) -> Option<&'static str> {
    Some(match move_ty {
        "u8" => "u8",
        "u16" => "u16",
        "u32" => "u32",
        "u64" => "u64",
        "u128" => "u128",
        _ => return None,
    })
}

fn is_abort(name: &str, ty: &str) -> bool {
    ty == "u64"
        && name.starts_with('E')
        && name.chars().nth(1).is_some_and(|c| c.is_ascii_uppercase())
}

/// One submodule per Move module with its abort codes (`aborts`) or its other integer
/// constants (`!aborts`); with the latter, `ALL` (module, name, value) of every constant that
/// fits a `u64`, abort codes included.
pub fn constants(modules: &[Module], aborts: bool) -> String {
    let mut out = String::new();
    let mut all = String::new();
    let what = if aborts {
        "Abort codes"
    } else {
        "Integer constants (abort codes aside)"
    };
    for module in modules {
        let _ = writeln!(out, "/// {what} of `floe::{}`.", module.name);
        let _ = writeln!(out, "pub mod {} {{", module.name);
        for c in &module.constants {
            let Some(rust) = rust_int(&c.ty) else {
                continue;
            };
            if rust != "u128" {
                let _ = writeln!(
                    all,
                    "    MoveConstant {{ module: {:?}, name: {:?}, value: {} }},",
                    module.name, c.name, c.value
                );
            }
            if is_abort(&c.name, &c.ty) != aborts {
                continue;
            }
            for line in &c.doc {
                let _ = writeln!(out, "    #[doc = {line:?}]");
            }
            let _ = writeln!(
                out,
                "    pub const {}: {rust} = {};",
                rust_const_name(&c.name),
                c.value
            );
        }
        out.push_str("}\n\n");
    }
    if !aborts {
        let _ = write!(
            out,
            "/// Every constant above that fits a `u64`, and every abort code, by module and Move name.\n\
             pub const ALL: &[MoveConstant] = &[\n{all}];\n"
        );
    }
    out
}

/// `pub const ABORTS: &[FloeAbort]`: every abort constant with its doc comment as the hint.
pub fn abort_table(modules: &[Module]) -> Result<String, String> {
    let mut out = String::from(
        "/// `(module, code, name, hint)` for every abort constant of the package, generated\n\
         /// from `move/floe/sources`: the hint is the constant's `///` doc comment.\n\
         pub const ABORTS: &[FloeAbort] = &[\n",
    );
    for module in modules {
        for c in module.constants.iter().filter(|c| is_abort(&c.name, &c.ty)) {
            let hint = c.doc.join(" ");
            if hint.trim().is_empty() {
                return Err(format!(
                    "floe::{}::{} has no `///` doc comment; it is the hint users see",
                    module.name, c.name
                ));
            }
            let _ = writeln!(
                out,
                "    FloeAbort {{ module: {:?}, code: {}, name: {:?}, hint: {hint:?} }},",
                module.name, c.value, c.name
            );
        }
    }
    out.push_str("];\n");
    Ok(out)
}
