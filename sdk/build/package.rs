//! The `floe` Move package as the generators see it, read with `move-syn` (the one Move parser
//! of the build): modules with their constants, functions and structs, doc comments included.

use std::path::Path;

use move_syn::unsynn::{IParse as _, ToTokens as _};
use move_syn::{File, ItemKind, MaybeRefType, Type};
use proc_macro2::{Delimiter, TokenStream, TokenTree};

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
    /// Set when the whole body is a field path of a parameter (`{ registry.total_registered }`):
    /// such a function needs no hand-written mirror, the devnet generates it.
    #[allow(dead_code, reason = "read by the devnet's generator only")]
    pub field_read: Option<FieldRead>,
}

/// A body `{ <param>.<field>(.<field>)* }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(dead_code, reason = "read by the devnet's generator only")]
pub struct FieldRead {
    pub param: String,
    /// The fields from the parameter inwards: `["storage", "end_epoch"]` of `b.storage.end_epoch`.
    pub path: Vec<String>,
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

/// A Move type a transaction passes as BCS bytes (a pure value), as every generator reads it;
/// each then spells it in Rust with its own [`RustNames`] (an sdk builder borrows, a devnet
/// test owns, the devnet decodes into the mirror's types), so one reading decides what is
/// pure and how it nests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PureType {
    /// `u8`, `u16`, `u32`, `u64`, `u128` and `bool`: Rust has the same names.
    Primitive(&'static str),
    U256,
    Address,
    Id,
    String,
    Vector(Box<PureType>),
    Option(Box<PureType>),
}

/// The Rust spellings of the pure Move types Rust has no name of its own for.
pub struct RustNames {
    pub u256: &'static str,
    pub address: &'static str,
    pub id: &'static str,
    pub string: &'static str,
}

impl PureType {
    /// The pure type a Move type text (`vector<ID>`, as [`ParamType::ty`] holds it) is, or
    /// `None` for a struct (an object or a value an earlier command returned) and for a type
    /// no transaction can pass.
    pub fn parse(move_ty: &str) -> Option<Self> {
        const PRIMITIVES: [&str; 6] = ["u8", "u16", "u32", "u64", "u128", "bool"];
        if let Some(primitive) = PRIMITIVES.into_iter().find(|p| *p == move_ty) {
            return Some(Self::Primitive(primitive));
        }
        let inner = |prefix: &str| {
            move_ty
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix('>'))
        };
        Some(match move_ty {
            "u256" => Self::U256,
            "address" => Self::Address,
            "ID" => Self::Id,
            "String" => Self::String,
            _ => {
                if let Some(element) = inner("vector<") {
                    Self::Vector(Box::new(Self::parse(element)?))
                } else {
                    Self::Option(Box::new(Self::parse(inner("Option<")?)?))
                }
            }
        })
    }

    /// The owned Rust type: `Vec<…>` for a vector, `Option<…>` for an option.
    pub fn rust(&self, names: &RustNames) -> String {
        match self {
            Self::Primitive(name) => (*name).to_owned(),
            Self::U256 => names.u256.to_owned(),
            Self::Address => names.address.to_owned(),
            Self::Id => names.id.to_owned(),
            Self::String => names.string.to_owned(),
            Self::Vector(element) => format!("Vec<{}>", element.rust(names)),
            Self::Option(element) => format!("Option<{}>", element.rust(names)),
        }
    }

    /// The Rust type a caller lends: `&str` for a string, a slice of owned elements for a
    /// vector, the owned type otherwise.
    pub fn rust_borrowed(&self, names: &RustNames) -> String {
        match self {
            Self::String => "&str".to_owned(),
            Self::Vector(element) => format!("&[{}]", element.rust(names)),
            other => other.rust(names),
        }
    }

    /// Whether a `String` is in it: Sui checks such a value is UTF-8, which a plain BCS
    /// decoding does not.
    #[allow(
        dead_code,
        reason = "the devnet's generator decodes strings on their own"
    )]
    pub fn has_string(&self) -> bool {
        match self {
            Self::String => true,
            Self::Vector(element) | Self::Option(element) => element.has_string(),
            _ => false,
        }
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
        modules.extend(parse(&text).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    Ok(modules)
}

/// The modules of one Move source text.
fn parse(text: &str) -> Result<Vec<Module>, String> {
    let tokens: TokenStream = move_syn::sanitize_for_tokenizer(text)
        .parse()
        .map_err(|e| format!("{e}"))?;
    let file: File = tokens
        .to_token_iter()
        .parse_all()
        .map_err(|e| format!("{e}"))?;
    Ok(file.into_modules().map(|m| read_module(&m)).collect())
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
            ItemKind::Function(function) => {
                let params: Vec<(String, ParamType)> = function
                    .arguments()
                    .map(|a| (a.ident().to_string(), param_type(a.type_())))
                    .collect();
                let field_read = field_read(function.to_token_stream(), &params);
                out.functions.push(Function {
                    name: function.ident().to_string(),
                    doc,
                    public: item.visibility().is_public(),
                    entry: function.is_entry(),
                    test_only,
                    generic: function.generics().is_some(),
                    params,
                    returns: function.returns().map(param_type).collect(),
                    field_read,
                });
            }
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

/// The body of a function (the brace group its tokens end with), if it is only a field path
/// of one of `params`. Anything else (a call, `*&`, `.length()`, a literal) is `None`.
fn field_read(function: TokenStream, params: &[(String, ParamType)]) -> Option<FieldRead> {
    let body = match function.into_iter().last()? {
        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => g.stream(),
        _ => return None,
    };
    let mut tokens = body.into_iter();
    let param = match tokens.next()? {
        TokenTree::Ident(i) => i.to_string(),
        _ => return None,
    };
    if !params.iter().any(|(name, _)| *name == param) {
        return None;
    }
    let mut path = Vec::new();
    while let Some(dot) = tokens.next() {
        match (dot, tokens.next()?) {
            (TokenTree::Punct(p), TokenTree::Ident(field)) if p.as_char() == '.' => {
                path.push(field.to_string());
            }
            _ => return None,
        }
    }
    (!path.is_empty()).then_some(FieldRead { param, path })
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

#[cfg(test)]
mod tests {
    use super::{FieldRead, PureType, RustNames, parse};

    /// What is pure and how it nests is read once for every generator; only the names differ.
    #[test]
    fn pure_types_nest_and_structs_are_not_pure() {
        let names = RustNames {
            u256: "U",
            address: "A",
            id: "I",
            string: "S",
        };
        let owned = |ty: &str| PureType::parse(ty).map(|p| p.rust(&names));
        let borrowed = |ty: &str| PureType::parse(ty).map(|p| p.rust_borrowed(&names));
        assert_eq!(owned("u32").as_deref(), Some("u32"));
        assert_eq!(owned("u256").as_deref(), Some("U"));
        assert_eq!(owned("vector<ID>").as_deref(), Some("Vec<I>"));
        assert_eq!(owned("Option<address>").as_deref(), Some("Option<A>"));
        assert_eq!(owned("vector<vector<u8>>").as_deref(), Some("Vec<Vec<u8>>"));
        assert_eq!(
            borrowed("vector<vector<u8>>").as_deref(),
            Some("&[Vec<u8>]")
        );
        assert_eq!(borrowed("vector<String>").as_deref(), Some("&[S]"));
        assert_eq!(borrowed("String").as_deref(), Some("&str"));
        assert_eq!(borrowed("Option<String>").as_deref(), Some("Option<S>"));
        for not_pure in [
            "Blob",
            "Coin<WAL>",
            "vector<Blob>",
            "VecMap<String, String>",
            "u512",
        ] {
            assert_eq!(PureType::parse(not_pure), None, "{not_pure}");
        }
        let has_string = |ty: &str| PureType::parse(ty).is_some_and(|p| p.has_string());
        assert!(has_string("Option<vector<String>>"));
        assert!(!has_string("vector<vector<u8>>"));
    }

    /// Only a body that is exactly a field path of a parameter is a field read: the devnet
    /// generates those handlers, so a body doing anything more must stay out.
    #[test]
    fn a_field_read_is_a_bare_field_path_of_a_parameter() {
        let source = "module floe::m;
            public struct S has key { id: UID, n: u64, inner: Inner, v: vector<u8> }
            public struct Inner has store { end: u64 }
            public fun n(s: &S): u64 { s.n }
            public fun end(s: &S): u64 { s.inner.end }
            public fun own(self: &S): u64 { self.n }
            public fun len(s: &S): u64 { s.v.length() }
            public fun deref(s: &S): u64 { *&s.n }
            public fun borrowed(s: &S): &vector<u8> { &s.v }
            public fun other(s: &S, t: &S): u64 { t.n }
            public fun not_a_param(s: &S): u64 { x.n }
            public fun constant(_s: &S): u64 { N }
            public fun twice(s: &S): u64 { s.n; s.n }
            public fun add(s: &S): u64 { s.n + 1 }";
        let modules = parse(source).expect("the test module parses");
        let reads: Vec<(&str, Option<FieldRead>)> = modules[0]
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.field_read.clone()))
            .collect();
        let read = |param: &str, path: &[&str]| {
            Some(FieldRead {
                param: param.to_owned(),
                path: path.iter().map(|f| (*f).to_owned()).collect(),
            })
        };
        assert_eq!(
            reads,
            vec![
                ("n", read("s", &["n"])),
                ("end", read("s", &["inner", "end"])),
                ("own", read("self", &["n"])),
                ("len", None),
                ("deref", None),
                ("borrowed", None),
                ("other", read("t", &["n"])),
                ("not_a_param", None),
                ("constant", None),
                ("twice", None),
                ("add", None),
            ]
        );
    }
}
