//! Emits the devnet tests' typed call constructors (`test_calls.rs`, included by
//! `devnet/tests/support/mod.rs` as `support::call`): one function per Move function a
//! transaction can call, with the Move parameter names, returning the test chain's `Cmd`.
//!
//! The point is the compiler: a Move parameter added, removed or retyped, or a function renamed
//! or removed, changes these signatures, so every test building that call stops compiling
//! instead of failing at run time with an arity or decoding error. What it cannot see: two
//! parameters of one kind swapped (two objects, two `u64`s), and a test passing a raw
//! `support::Arg` where a pure value goes (the way to hand over an earlier result or crafted bytes).

use std::fmt::Write as _;

use crate::calls::{callable, rust_ident, snake_case};
use crate::package::{Function, Module, ParamType, PureType, RustNames};

/// How a test supplies one Move parameter.
enum Kind {
    /// Always the one shared object: `support::clock()` or `support::random()`. A test that
    /// wants another object in that place is testing the refusal and builds the call by name.
    Implicit(&'static str),
    /// An object, a read-only shared object, or a value an earlier command returned.
    Object,
    /// A pure value: the Rust type a `support::Pure` wraps.
    Pure(String),
}

fn kind(param: &ParamType) -> Option<Kind> {
    match param.base() {
        "TxContext" => None,
        "Clock" => Some(Kind::Implicit("clock")),
        "Random" => Some(Kind::Implicit("random")),
        // Not pure: a struct, which a transaction passes as an object or an earlier result.
        _ => Some(
            PureType::parse(&param.ty).map_or(Kind::Object, |pure| Kind::Pure(pure.rust(&NAMES))),
        ),
    }
}

/// How the tests spell the pure types (`vector<ID>` → `Vec<Address>`): owned values, the names
/// `devnet/tests/support` imports.
const NAMES: RustNames = RustNames {
    u256: "U256",
    address: "Address",
    id: "Address",
    string: "String",
};

/// One submodule per Move module with a callable function, one constructor per function.
pub fn test_calls(modules: &[Module]) -> Result<String, String> {
    let callable = callable(modules);
    let mut out = String::new();
    for module in modules {
        let functions: Vec<&Function> = callable
            .iter()
            .filter(|(m, _)| m.name == module.name)
            .map(|(_, f)| *f)
            .collect();
        if functions.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "/// Calls of `floe::{}`.\npub mod {} {{\n    #[allow(unused_imports)]\n    use super::*;\n",
            module.name, module.name
        );
        for f in functions {
            out.push_str(&constructor(&module.name, f)?);
        }
        out.push_str("}\n\n");
    }
    Ok(out)
}

fn constructor(module: &str, f: &Function) -> Result<String, String> {
    let mut params = Vec::new();
    let mut args = Vec::new();
    if f.generic {
        // Explicit; their count is checked when the call runs (`package.rs` records only that
        // the function is generic, not how many type parameters it has).
        params.push("type_args: Vec<TypeTag>".to_owned());
    }
    for (name, ty) in &f.params {
        let Some(kind) = kind(ty) else {
            continue;
        };
        // Rust reserves `self`: a method-style Move receiver is named for its type instead.
        let name = if name == "self" {
            snake_case(ty.base())
        } else {
            name.clone()
        };
        let rust = rust_ident(&name);
        if rust == "type_args" {
            return Err(format!(
                "floe::{module}::{}: parameter `type_args` clashes with the constructor's own",
                f.name
            ));
        }
        match kind {
            Kind::Implicit(object) => args.push(format!("{object}()")),
            Kind::Object => {
                params.push(format!("{rust}: impl Into<Arg>"));
                args.push(format!("{rust}.into()"));
            }
            Kind::Pure(t) => {
                params.push(format!("{rust}: impl Into<Pure<{t}>>"));
                args.push(format!("{rust}.into().arg()"));
            }
        }
    }
    let mut code = String::new();
    for line in &f.doc {
        let _ = writeln!(code, "    #[doc = {line:?}]");
    }
    let type_args = if f.generic { "type_args" } else { "vec![]" };
    let _ = write!(
        code,
        "    #[allow(clippy::too_many_arguments)]\n    pub fn {name}({params}) -> Cmd {{\n        Cmd::Call {{\n            module: {module:?}.to_owned(),\n            function: {function:?}.to_owned(),\n            type_args: {type_args},\n            args: vec![{args}],\n        }}\n    }}\n\n",
        name = rust_ident(&f.name),
        params = params.join(", "),
        function = f.name,
        args = args.join(", "),
    );
    Ok(code)
}
