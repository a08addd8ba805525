//! Emits the devnet's handler registration (`floe_<module>.rs`, used by `devnet/build.rs`): for
//! every function of a module a transaction can call, a closure that checks the arity, decodes
//! each argument by its Move type into a typed Rust value and calls the module's handler of the
//! same name with them. A missing handler, or one whose parameters differ from the Move
//! signature, is a compile error.

use std::fmt::Write as _;

use crate::calls::callable;
use crate::package::{Module, ParamType};

/// How the devnet decodes one Move parameter: the Rust type and the decoding expression.
fn decode(
    modules: &[Module],
    ty: &ParamType,
    index: usize,
) -> Result<Option<(String, String)>, String> {
    let base = ty.base();
    if base == "TxContext" {
        return Ok(None);
    }
    let args = "crate::floe::args";
    let simple = |rust: &str, how: &str| {
        Some((
            rust.to_owned(),
            format!("{args}::{how}(ctx, &args, {index})?"),
        ))
    };
    if base == "Clock" {
        return Ok(simple(&format!("{args}::Clock"), "Clock::decode"));
    }
    if base == "Random" {
        return Ok(simple(&format!("{args}::Random"), "Random::decode"));
    }
    if ty.ty == "Coin<WAL>" {
        return Ok(simple(&format!("{args}::WalCoin"), "WalCoin::decode"));
    }
    let declared = modules
        .iter()
        .find_map(|m| m.structs.iter().find(|s| s.name == base).map(|s| (m, s)));
    if let Some((module, declared)) = declared {
        if !declared.key {
            // A value without `key` (a `Challenge`) comes from an earlier command as BCS.
            let rust = format!("floe_sdk::move_types::{}::{base}", module.name);
            let how = format!("crate::floe::pure_arg(ctx, &args, {index})?");
            return Ok(Some((rust, how)));
        }
        let rust = format!("{args}::Obj<floe_sdk::move_types::{}::{base}>", module.name);
        let how = format!(
            "{args}::Obj::decode(ctx, &args, {index}, {:?}, {base:?})?",
            module.name
        );
        return Ok(Some((rust, how)));
    }
    if ty.ty == "String" {
        return Ok(simple("floe_sdk::move_types::MoveString", "string"));
    }
    if ty.ty == "vector<String>" {
        return Ok(simple("Vec<floe_sdk::move_types::MoveString>", "strings"));
    }
    let rust =
        pure_type(&ty.ty).ok_or_else(|| format!("the devnet cannot decode a `{}`", ty.ty))?;
    Ok(Some((
        rust,
        format!("crate::floe::pure_arg(ctx, &args, {index})?"),
    )))
}

/// The Rust type a pure Move value decodes to.
fn pure_type(move_ty: &str) -> Option<String> {
    Some(match move_ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "bool" => move_ty.to_owned(),
        "u256" => "floe_sdk::move_types::U256".to_owned(),
        "address" => "sui_sdk_types::Address".to_owned(),
        "ID" => "floe_sdk::move_types::ID".to_owned(),
        _ => {
            let inner = move_ty.strip_prefix("vector<")?.strip_suffix('>')?;
            format!("Vec<{}>", pure_type(inner)?)
        }
    })
}

/// The `register` function of `module`.
pub fn register(modules: &[Module], module: &str) -> Result<String, String> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Registers a handler for every function of `floe::{module}` a transaction can call,\n\
         /// generated from `move/floe/sources/{module}.move`: arguments are decoded by their Move\n\
         /// types and passed to this module's handler of the same name.\n\
         pub fn register(registry: &mut crate::handlers::HandlerRegistry) {{"
    );
    for (_, f) in callable(modules)
        .into_iter()
        .filter(|(m, _)| m.name == module)
    {
        let mut lets = String::new();
        let mut names = Vec::new();
        let mut index = 0;
        for (name, ty) in &f.params {
            let Some((rust, how)) = decode(modules, ty, index)
                .map_err(|e| format!("floe::{module}::{}({name}): {e}", f.name))?
            else {
                continue;
            };
            // Rust reserves `self`: the receiver is named for its type (`model`, `license_offer`).
            let name = if name == "self" {
                crate::calls::snake_case(ty.base())
            } else {
                name.clone()
            };
            if names.contains(&name) {
                return Err(format!(
                    "floe::{module}::{}: two parameters named `{name}`",
                    f.name
                ));
            }
            let _ = writeln!(lets, "        let {name}: {rust} = {how};");
            names.push(name);
            index += 1;
        }
        let arity = index;
        let _ = writeln!(
            out,
            "    crate::floe::add(registry, {module:?}, {fname:?}, |ctx, _types, args| {{\n        crate::floe::arity(&args, {arity})?;\n{lets}        {fname}(ctx{call})\n    }});",
            fname = f.name,
            call = names.iter().map(|n| format!(", {n}")).collect::<String>(),
        );
    }
    out.push_str("}\n");
    Ok(out)
}
