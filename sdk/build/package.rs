//! The `floe` Move package as the generators see it, read with `move-syn` (the one Move parser
//! of the build): modules with their constants, functions and structs, doc comments included.

use std::path::Path;

use move_syn::unsynn::{IParse as _, ToTokens as _};
use move_syn::{File, ItemKind, MaybeRefType, Type};
use proc_macro2::{TokenStream, TokenTree};

/// One `module floe::<name>;` source file.
pub struct Module {
    pub name: String,
    pub constants: Vec<Constant>,
    pub functions: Vec<Function>,
    pub structs: Vec<Struct>,
}

/// `const NAME: <integer type> = value;` (constants of other types are left out).
pub struct Constant {
    pub name: String,
    /// The Move type: `u8`, `u16`, `u32`, `u64`, `u128` or `u256`.
    pub ty: String,
    /// The value as written, without `_` separators.
    pub value: String,
    pub doc: Vec<String>,
}

/// A function with its visibility and signature.
pub struct Function {
    pub name: String,
    pub doc: Vec<String>,
    pub public: bool,
    pub entry: bool,
    pub test_only: bool,
    pub generic: bool,
    pub params: Vec<(String, ParamType)>,
    pub returns: Vec<ParamType>,
}

/// A parameter or result type: the type and how it is referenced.
#[derive(Clone)]
pub struct ParamType {
    pub reference: Reference,
    /// The type without the reference, module prefixes dropped: `vector<u8>`, `Coin<WAL>`.
    pub ty: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    None,
    Shared,
    Mutable,
}

impl ParamType {
    /// The type's name without type arguments: `Coin` of `Coin<WAL>`.
    pub fn base(&self) -> &str {
        self.ty.split('<').next().unwrap_or(&self.ty)
    }
}

/// A struct's name and whether it has `key` (is an object).
pub struct Struct {
    pub name: String,
    pub key: bool,
}

impl Function {
    /// What a transaction may call: `public` or `entry`, and not `#[test_only]`.
    pub fn is_callable(&self) -> bool {
        (self.public || self.entry) && !self.test_only
    }
}

/// Reads and parses every `sources/*.move` file of the package, sorted by file name. Prints
/// nothing: a build script reading it says `cargo:rerun-if-changed` of the `sources` folder
/// itself, and the Move checks (`move/check`) read it in tests.
pub fn read(package: &Path) -> Result<Vec<Module>, String> {
    let dir = package.join("sources");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "move"))
        .collect();
    paths.sort();
    let mut modules = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let tokens: TokenStream = move_syn::sanitize_for_tokenizer(&text)
            .parse()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let file: File = tokens
            .to_token_iter()
            .parse_all()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        for module in file.into_modules() {
            modules.push(read_module(&module));
        }
    }
    Ok(modules)
}

fn read_module(module: &move_syn::Module) -> Module {
    let mut out = Module {
        name: module.ident.to_string(),
        constants: Vec::new(),
        functions: Vec::new(),
        structs: Vec::new(),
    };
    for item in module.items() {
        let mut doc = Vec::new();
        let mut test_only = false;
        for attr in &item.attrs {
            let contents = attr.contents().to_token_stream();
            if attr.is_doc() {
                doc.extend(doc_text(contents));
            } else if contents
                .to_string()
                .split([',', ' '])
                .any(|a| a == "test_only")
            {
                test_only = true;
            }
        }
        match &item.kind {
            ItemKind::Const(constant) => {
                if let Some(c) = read_constant(constant.to_token_stream(), doc) {
                    out.constants.push(c);
                }
            }
            ItemKind::Function(function) => out.functions.push(Function {
                name: function.ident().to_string(),
                doc,
                public: item.visibility().is_public(),
                entry: function.is_entry(),
                test_only,
                generic: function.generics().is_some(),
                params: function
                    .arguments()
                    .map(|a| (a.ident().to_string(), param_type(a.type_())))
                    .collect(),
                returns: function.returns().map(param_type).collect(),
            }),
            ItemKind::Struct(s) => out.structs.push(Struct {
                name: s.ident.to_string(),
                key: s
                    .abilities()
                    .any(|a| a.to_token_stream().to_string() == "key"),
            }),
            _ => {}
        }
    }
    out
}

/// The text of a `doc = "…"` attribute, one entry per `///` line, leading space removed.
fn doc_text(contents: TokenStream) -> Option<String> {
    contents.into_iter().find_map(|t| match t {
        TokenTree::Literal(lit) => {
            let text = unquote(&lit.to_string());
            Some(
                text.strip_prefix(' ')
                    .unwrap_or(&text)
                    .trim_end()
                    .to_owned(),
            )
        }
        _ => None,
    })
}

/// A Rust string literal's value (`"…"` with `\"`, `\\`, `\'`, `\n`, `\t`, `\u{…}` escapes).
fn unquote(literal: &str) -> String {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(literal);
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let code: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                let scalar = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32);
                out.push(scalar.unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `const NAME: ty = value;` as tokens → the constant, if its type is an integer.
fn read_constant(tokens: TokenStream, doc: Vec<String>) -> Option<Constant> {
    let tokens: Vec<String> = tokens.into_iter().map(|t| t.to_string()).collect();
    let [_const, name, _colon, ty, _eq, value, _semicolon] = tokens.as_slice() else {
        return None;
    };
    let integer = ["u8", "u16", "u32", "u64", "u128", "u256"];
    integer.contains(&ty.as_str()).then(|| Constant {
        name: name.clone(),
        ty: ty.clone(),
        value: value
            .replace('_', "")
            .trim_end_matches(ty.as_str())
            .to_owned(),
        doc,
    })
}

fn param_type(t: &MaybeRefType) -> ParamType {
    let text = t.to_token_stream().to_string();
    let reference = if t.is_ref() {
        Reference::Shared
    } else if text.starts_with('&') {
        Reference::Mutable
    } else {
        Reference::None
    };
    ParamType {
        reference,
        ty: type_text(t.type_()),
    }
}

fn type_text(t: &Type) -> String {
    let name = match &t.path {
        move_syn::ItemPath::Full { item, .. }
        | move_syn::ItemPath::Module { item, .. }
        | move_syn::ItemPath::Ident(item) => item.to_string(),
    };
    match &t.type_args {
        Some(args) => {
            let args: Vec<String> = args.types().map(type_text).collect();
            format!("{name}<{}>", args.join(", "))
        }
        None => name,
    }
}
