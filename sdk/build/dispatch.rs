//! Emits the devnet's handler registration (`floe_<module>.rs`, used by `devnet/build.rs`): for
//! every function of a module a transaction can call, a closure that checks the arity, decodes
//! each argument by its Move type into a typed Rust value, calls the module's handler of the
//! same name with them and turns its typed result into the transaction's result values. A
//! missing handler, or one whose parameters or results differ from the Move signature, is a
//! compile error.
//!
//! A function whose Move body is only a field path of a parameter (`{ registry.total_registered }`)
//! gets its handler generated here too: the Move source says all it does, so a hand-written copy
//! could only drift from it.

use std::fmt::Write as _;

use crate::calls::{RUST_KEYWORDS, callable};
use crate::package::{FieldRead, Function, Module, ParamType, PureType, RustNames};

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
        // The object's Move type comes from the Rust type (`Obj<T>::decode`), not a string.
        let rust = format!("{args}::Obj<floe_sdk::move_types::{}::{base}>", module.name);
        let how = format!("{args}::Obj::decode(ctx, &args, {index})?");
        return Ok(Some((rust, how)));
    }
    if ty.ty == "String" {
        return Ok(simple("floe_sdk::move_types::MoveString", "string"));
    }
    if ty.ty == "vector<String>" {
        return Ok(simple("Vec<floe_sdk::move_types::MoveString>", "strings"));
    }
    // A `String` elsewhere (in an option, a nested vector) would skip the UTF-8 check above.
    let rust = PureType::parse(&ty.ty)
        .filter(|pure| !pure.has_string())
        .ok_or_else(|| format!("the devnet cannot decode a `{}`", ty.ty))?
        .rust(&NAMES);
    Ok(Some((
        rust,
        format!("crate::floe::pure_arg(ctx, &args, {index})?"),
    )))
}

/// How the devnet passes back one Move result: the Rust type the handler returns and the
/// expression turning `value` into a result value.
fn result(modules: &[Module], ty: &ParamType, value: &str) -> Result<(String, String), String> {
    let base = ty.base();
    let object =
        |rust: String, id: &str| Ok((rust, format!("crate::runtime::Value::Object({value}.{id})")));
    if ty.ty == "Coin<WAL>" {
        return object("crate::floe::args::WalCoin".to_owned(), "0");
    }
    let declared = modules
        .iter()
        .find_map(|m| m.structs.iter().find(|s| s.name == base).map(|s| (m, s)));
    let pure = |rust: String| Ok((rust, format!("crate::floe::ret(&{value})?")));
    if let Some((module, declared)) = declared {
        let rust = format!("floe_sdk::move_types::{}::{base}", module.name);
        if declared.key {
            // A new object (or one taken out of another) the transaction now holds.
            return object(format!("crate::floe::args::Returned<{rust}>"), "id");
        }
        return pure(rust);
    }
    pure(
        PureType::parse(&ty.ty)
            .ok_or_else(|| format!("the devnet cannot return a `{}`", ty.ty))?
            .rust(&NAMES),
    )
}

/// How the devnet spells the pure types: the mirror's own (`ID` stays an `ID`, `String` a
/// `MoveString`), an address as the Sui type the handlers use.
const NAMES: RustNames = RustNames {
    u256: "floe_sdk::move_types::U256",
    address: "sui_sdk_types::Address",
    id: "floe_sdk::move_types::ID",
    string: "floe_sdk::move_types::MoveString",
};

/// One decoded parameter of a handler.
struct Param {
    /// The Move name (`self` too).
    source: String,
    /// The Rust name.
    name: String,
    rust: String,
    /// Decoded as an [`Obj`](crate::floe::args::Obj), whose `value` holds the struct.
    object: bool,
}

/// The `register` function of `module`, followed by the handlers it generates (field reads).
pub fn register(modules: &[Module], module: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut generated = String::new();
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
        let mut params: Vec<Param> = Vec::new();
        for (source, ty) in &f.params {
            let index = params.len();
            let Some((rust, how)) = decode(modules, ty, index)
                .map_err(|e| format!("floe::{module}::{}({source}): {e}", f.name))?
            else {
                continue;
            };
            // Rust reserves `self`: the receiver is named for its type (`model`, `license_offer`).
            let name = if source == "self" {
                crate::calls::snake_case(ty.base())
            } else {
                source.clone()
            };
            if params.iter().any(|p| p.name == name) {
                return Err(format!(
                    "floe::{module}::{}: two parameters named `{name}`",
                    f.name
                ));
            }
            let _ = writeln!(lets, "        let {name}: {rust} = {how};");
            params.push(Param {
                source: source.clone(),
                name,
                object: rust.starts_with(OBJ),
                rust,
            });
        }
        let arity = params.len();
        let mut types = Vec::new();
        let mut values = Vec::new();
        for (k, ty) in f.returns.iter().enumerate() {
            let (rust, value) = result(modules, ty, &format!("r{k}"))
                .map_err(|e| format!("floe::{module}::{}: {e}", f.name))?;
            types.push(rust);
            values.push(value);
        }
        let pattern = match types.len() {
            1 => "r0".to_owned(),
            n => format!(
                "({})",
                (0..n)
                    .map(|k| format!("r{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let ty = match types.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(", ")),
        };
        if let Some(read) = &f.field_read
            && let Some(handler) = field_read_handler(module, f, read, &params, &ty)
        {
            generated.push_str(&handler);
        }
        let _ = writeln!(
            out,
            "    crate::floe::add(registry, {module:?}, {fname:?}, |ctx, _types, args| {{\n        crate::floe::arity(&args, {arity})?;\n{lets}        #[allow(clippy::let_unit_value, unused_parens)]\n        let {pattern}: {ty} = {fname}(ctx{call})?;\n        Ok(vec![{values}])\n    }});",
            fname = f.name,
            call = params
                .iter()
                .map(|p| format!(", {}", p.name))
                .collect::<String>(),
            values = values.join(", "),
        );
    }
    out.push_str("}\n");
    out.push_str(&generated);
    Ok(out)
}

/// How a decoded object argument's Rust type starts: its struct is then in `.value`.
const OBJ: &str = "crate::floe::args::Obj<";

/// The handler of a function whose Move body is `read`: it returns that field of the decoded
/// argument, moved out of it (the argument is the handler's own copy). `None` where the Rust
/// value cannot be had that way (an object or coin result, a field named by a Rust keyword), so
/// the handler stays hand-written.
fn field_read_handler(
    module: &str,
    f: &Function,
    read: &FieldRead,
    params: &[Param],
    ty: &str,
) -> Option<String> {
    let [returned] = f.returns.as_slice() else {
        return None;
    };
    // Field names Rust would need as raw identifiers: a getter reading one stays hand-written.
    let keyword = |field: &String| RUST_KEYWORDS.contains(&field.as_str());
    if ty.starts_with("crate::floe::args::") || read.path.iter().any(keyword) {
        return None;
    }
    let param = params.iter().find(|p| p.source == read.param)?;
    let mut value = param.name.clone();
    if param.object {
        value.push_str(".value");
    }
    for field in &read.path {
        let _ = write!(value, ".{field}");
    }
    // The generated structs keep Move's `address` as moverox's; handlers return the Sui type.
    if returned.ty == "address" {
        value = format!("sui_sdk_types::Address::new({value}.into_inner())");
    }
    let args: String = params
        .iter()
        .map(|p| {
            let unused = if p.source == read.param { "" } else { "_" };
            format!(", {unused}{}: {}", p.name, p.rust)
        })
        .collect();
    Some(format!(
        "\n/// `floe::{module}::{name}`, whose Move body is `{source}.{path}`.\n\
         fn {name}(\n    _ctx: &mut crate::runtime::CallContext<'_>{args}\n) -> Result<{ty}, sui_sdk_types::ExecutionError> {{\n    Ok({value})\n}}\n",
        name = f.name,
        source = read.param,
        path = read.path.join("."),
    ))
}
