//! Emits the typed call builders (`calls.rs`): one submodule per Move module, one function per
//! function a transaction can call, and each module's `CALLS` spec table.

use std::fmt::Write as _;

use crate::package::{Function, Module, ParamType, PureType, Reference, RustNames};

/// Floe's shared objects that [`FloeObjects`] supplies, by Move type: the builder's field.
const IMPLICIT: [(&str, &str, &str); 4] = [
    ("System", "system", "System"),
    ("Treasury", "treasury", "Treasury"),
    ("BlobRegistry", "blob_registry", "BlobRegistry"),
    ("ChallengeBoard", "challenge_board", "ChallengeBoard"),
];

/// The package's other shared objects: passed as a `SharedObject`.
const SHARED: [&str; 3] = ["Model", "LicenseOffer", "SharedBlob"];

/// Objects that never exist on their own: a `StakingPool` has `key` but lives only as a value
/// in `System.pools`, so no transaction can pass one.
const NEVER_STANDALONE: [&str; 1] = ["StakingPool"];

/// How a transaction supplies one Move parameter.
enum Kind {
    Implicit {
        field: &'static str,
        kind: &'static str,
        mutable: bool,
    },
    Clock,
    Random,
    Shared(bool),
    Object,
    Pure(String),
}

/// How a builder spells the pure types: borrowed where it can (`&str`, `&[u8]`), a blob ID or
/// root as its 32 bytes, an `ID` as the address it holds.
const NAMES: RustNames = RustNames {
    u256: "[u8; 32]",
    address: "Address",
    id: "Address",
    string: "String",
};

fn kind(module: &str, function: &str, param: &ParamType) -> Result<Option<Kind>, String> {
    let mutable = param.reference == Reference::Mutable;
    let base = param.base();
    if base == "TxContext" {
        return Ok(None);
    }
    if let Some((_, field, kind)) = IMPLICIT.iter().find(|(t, _, _)| *t == base) {
        return Ok(Some(Kind::Implicit {
            field,
            kind,
            mutable,
        }));
    }
    if base == "Clock" {
        return Ok(Some(Kind::Clock));
    }
    if base == "Random" {
        return Ok(Some(Kind::Random));
    }
    if SHARED.contains(&base) {
        return Ok(Some(Kind::Shared(mutable)));
    }
    if let Some(pure) = PureType::parse(&param.ty) {
        // A `&vector<u8>` parameter takes the same BCS bytes as a `vector<u8>` one.
        return Ok(Some(Kind::Pure(pure.rust_borrowed(&NAMES))));
    }
    if base.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Ok(Some(Kind::Object));
    }
    Err(format!(
        "floe::{module}::{function}: no Rust type for the pure Move type `{}`",
        param.ty
    ))
}

/// The functions a transaction can call: callable, not returning a reference (a transaction
/// cannot hold one across commands), and taking no value that no such function returns (a
/// struct without `key`, like `ModelVersion`, only reachable by reference through
/// `model::version`, cannot be an argument).
pub fn callable(modules: &[Module]) -> Vec<(&Module, &Function)> {
    let by_value =
        |f: &&Function| f.is_callable() && f.returns.iter().all(|r| r.reference == Reference::None);
    let plain: Vec<&str> = modules
        .iter()
        .flat_map(|m| &m.structs)
        .filter(|s| !s.key || NEVER_STANDALONE.contains(&s.name.as_str()))
        .map(|s| s.name.as_str())
        .collect();
    let returned: Vec<&str> = modules
        .iter()
        .flat_map(|m| m.functions.iter().filter(by_value))
        .flat_map(|f| f.returns.iter().map(ParamType::base))
        .collect();
    modules
        .iter()
        .flat_map(|m| m.functions.iter().filter(by_value).map(move |f| (m, f)))
        .filter(|(_, f)| {
            f.params
                .iter()
                .all(|(_, t)| !plain.contains(&t.base()) || returned.contains(&t.base()))
        })
        .collect()
}

/// Rust keywords a Move name may be, which generated Rust cannot use as they are (`self` is
/// renamed for its type before it gets here; a field named by one keeps its getter
/// hand-written, see `dispatch.rs`).
pub const RUST_KEYWORDS: [&str; 15] = [
    "type", "ref", "fn", "impl", "struct", "enum", "match", "mod", "loop", "where", "trait",
    "crate", "self", "move", "use",
];

/// `name` as a Rust identifier: raw (`r#type`) where it is a keyword.
pub fn rust_ident(name: &str) -> String {
    if RUST_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// `LicenseOffer` → `license_offer`.
pub fn snake_case(type_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in type_name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `CALLS` tables and builder functions, module by module, plus `all()`.
pub fn calls(modules: &[Module]) -> Result<String, String> {
    let callable = callable(modules);
    let mut out = String::new();
    let mut names = Vec::new();
    for module in modules {
        let functions: Vec<&Function> = callable
            .iter()
            .filter(|(m, _)| m.name == module.name)
            .map(|(_, f)| *f)
            .collect();
        if functions.is_empty() {
            continue;
        }
        names.push(module.name.clone());
        let _ = writeln!(out, "/// Builders for `floe::{}`.", module.name);
        let _ = writeln!(
            out,
            "pub mod {} {{\n    #[allow(unused_imports)]\n    use super::*;\n",
            module.name
        );
        let mut specs = String::new();
        for f in functions {
            let (builder, spec) = function(&module.name, f)?;
            out.push_str(&builder);
            specs.push_str(&spec);
        }
        let _ = writeln!(
            out,
            "    /// Every builder of this module.\n    pub const CALLS: &[CallSpec] = &[\n{specs}    ];\n}}\n"
        );
    }
    let _ = writeln!(
        out,
        "/// Every builder, module by module.\npub fn all() -> Vec<&'static CallSpec> {{\n    [{}]\n        .into_iter()\n        .flatten()\n        .collect()\n}}",
        names
            .iter()
            .map(|n| format!("{n}::CALLS"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(out)
}

/// One builder and its `CallSpec`.
fn function(module: &str, f: &Function) -> Result<(String, String), String> {
    if f.generic {
        return Err(format!(
            "floe::{module}::{}: generic functions have no builder yet",
            f.name
        ));
    }
    let mut signature = String::new();
    let mut arguments = Vec::new();
    let mut params = Vec::new();
    let mut samples = Vec::new();
    for (name, ty) in &f.params {
        if name == "builder" || name == "floe" {
            return Err(format!(
                "floe::{module}::{}: parameter `{name}` shadows the builder's own",
                f.name
            ));
        }
        let Some(kind) = kind(module, &f.name, ty)? else {
            continue;
        };
        // Rust reserves `self`: a method-style Move receiver is named for its type instead.
        let name = if name == "self" {
            snake_case(ty.base())
        } else {
            name.clone()
        };
        let rust = rust_ident(&name);
        let param = |kind: String| format!("Param {{ name: {name:?}, kind: ParamKind::{kind} }}");
        match kind {
            Kind::Implicit {
                field,
                kind,
                mutable,
            } => {
                arguments.push(format!("builder.object(floe.{field}.input({mutable}))"));
                params.push(param(format!("{kind}({mutable})")));
            }
            Kind::Clock => {
                arguments.push("builder.object(floe.clock())".to_owned());
                params.push(param("Clock".to_owned()));
            }
            Kind::Random => {
                arguments.push("builder.object(floe.random())".to_owned());
                params.push(param("Random".to_owned()));
            }
            Kind::Shared(mutable) => {
                let _ = write!(signature, ", {rust}: SharedObject");
                arguments.push(format!("builder.object({rust}.input({mutable}))"));
                params.push(param(format!("Shared({mutable})")));
                samples.push("shared".to_owned());
            }
            Kind::Object => {
                let _ = write!(signature, ", {rust}: Argument");
                arguments.push(rust.clone());
                params.push(param("Object".to_owned()));
                samples.push("owned".to_owned());
            }
            Kind::Pure(t) => {
                let _ = write!(signature, ", {rust}: {t}");
                arguments.push(format!("builder.pure(&{rust})"));
                params.push(param(format!("Pure({t:?})")));
                samples.push(format!("<{t} as Sample>::sample()"));
            }
        }
    }
    let returns = f.returns.len();
    let (ret_ty, ret_val) = match returns {
        0 => ("".to_owned(), "{call};".to_owned()),
        1 => (" -> Argument".to_owned(), "{call}".to_owned()),
        n => (
            format!(" -> [Argument; {n}]"),
            format!(
                "let nested = {{call}}.to_nested({n});\n        ::std::array::from_fn(|i| nested[i])"
            ),
        ),
    };
    let call = format!(
        "builder.move_call(floe.function({module:?}, {:?}), arguments)",
        f.name
    );
    let ret_val = ret_val.replace("{call}", &call);
    let mut builder = String::new();
    for line in &f.doc {
        let _ = writeln!(builder, "    #[doc = {line:?}]");
    }
    let _ = write!(
        builder,
        "    #[allow(clippy::too_many_arguments)]\n    pub fn {name}(builder: &mut TransactionBuilder, floe: &FloeObjects{signature}){ret_ty} {{\n        let arguments = vec![{args}];\n        {ret_val}\n    }}\n\n",
        name = f.name,
        args = arguments.join(", "),
    );
    let spec = format!(
        "        CallSpec {{\n            module: {module:?},\n            function: {name:?},\n            params: &[{params}],\n            returns: {returns},\n            sample: |builder, floe| {{\n                let owned = builder.object(sample_owned_object());\n                let shared = SAMPLE_SHARED;\n                let _ = (&owned, &shared);\n                {bind}{name}(builder, floe{samples});\n            }},\n        }},\n",
        name = f.name,
        bind = if returns == 0 { "" } else { "let _ = " },
        params = params.join(", "),
        samples = samples.iter().map(|s| format!(", {s}")).collect::<String>(),
    );
    Ok((builder, spec))
}
