//! What the devnet knows of Move packages: their datatypes (fields, abilities, type parameters)
//! and function signatures, read from Move source with `move-syn` (the parser the build already
//! uses). The devnet runs no bytecode, so this is where a full node's "normalized modules" come
//! from: transaction resolution (which inputs a function takes by `&`, `&mut` or value, which are
//! `Receiving`, what type a pure literal has), `MovePackageService`, and the JSON renderings of
//! objects and events.
//!
//! Two packages are known: the part of the Sui framework (`0x1`, `0x2`) that the devnet's
//! objects and handlers use, written here as Move declarations, and `floe` from
//! `move/floe/sources` at [`crate::floe::PACKAGE_ID`].

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr as _;
use std::sync::OnceLock;

use move_syn::unsynn::{IParse as _, ToTokens as _};
use sui_sdk_types::{Address, StructTag, TypeTag};

/// A Move type as a signature or field names it (`TypeParam` refers to the enclosing
/// declaration's type parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveType {
    Bool,
    U8,
    U16,
    U32,
    U64,
    U128,
    U256,
    Address,
    Signer,
    Vector(Box<MoveType>),
    Datatype(Box<DatatypeName>, Vec<MoveType>),
    TypeParam(u16),
}

/// A datatype's defining package, module and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatatypeName {
    pub address: Address,
    pub module: String,
    pub name: String,
}

impl DatatypeName {
    fn is(&self, address: Address, module: &str, name: &str) -> bool {
        self.address == address && self.module == module && self.name == name
    }
}

impl std::fmt::Display for DatatypeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}::{}", self.address, self.module, self.name)
    }
}

/// How a function takes a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    Value,
    Immutable,
    Mutable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ability {
    Copy,
    Drop,
    Store,
    Key,
}

#[derive(Debug, Clone)]
pub struct TypeParameter {
    pub phantom: bool,
    pub constraints: Vec<Ability>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub reference: Reference,
    pub ty: MoveType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Package,
    Private,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub visibility: Visibility,
    pub is_entry: bool,
    pub type_parameters: Vec<TypeParameter>,
    pub parameters: Vec<Param>,
    pub returns: Vec<Param>,
}

impl Function {
    /// The parameters a transaction supplies: all but a trailing `TxContext`.
    pub fn call_parameters(&self) -> &[Param] {
        match self.parameters.last() {
            Some(last) if last.ty.is_tx_context() => &self.parameters[..self.parameters.len() - 1],
            _ => &self.parameters,
        }
    }
}

/// A struct's fields, or an enum's variants (each with its fields).
#[derive(Debug, Clone)]
pub enum DatatypeKind {
    Struct(Vec<(String, MoveType)>),
    Enum(Vec<(String, Vec<(String, MoveType)>)>),
}

#[derive(Debug, Clone)]
pub struct Datatype {
    pub name: DatatypeName,
    pub abilities: Vec<Ability>,
    pub type_parameters: Vec<TypeParameter>,
    pub kind: DatatypeKind,
}

#[derive(Debug, Clone, Default)]
pub struct Module {
    pub name: String,
    /// In declaration order.
    pub datatypes: Vec<Datatype>,
    pub functions: Vec<Function>,
}

impl Module {
    pub fn datatype(&self, name: &str) -> Option<&Datatype> {
        self.datatypes.iter().find(|d| d.name.name == name)
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Package {
    pub id: Address,
    pub modules: BTreeMap<String, Module>,
    /// The module sources, for what their code says beyond signatures (a currency's metadata).
    pub sources: BTreeMap<String, String>,
}

/// Every package the devnet knows the source of, by ID.
#[derive(Debug, Default)]
pub struct MoveModel {
    packages: HashMap<Address, Package>,
}

impl MoveModel {
    /// The framework and the `floe` package, parsed once.
    pub fn get() -> &'static MoveModel {
        static MODEL: OnceLock<MoveModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            let mut model = MoveModel::default();
            let addresses = named_addresses();
            for (address, package) in parse_sources(FRAMEWORK_SOURCES, &addresses) {
                model.packages.entry(address).or_insert(Package {
                    id: address,
                    modules: BTreeMap::new(),
                    sources: BTreeMap::new(),
                });
                let entry = model.packages.get_mut(&address).expect("inserted above");
                entry.modules.extend(package.modules);
            }
            for (file, text) in FLOE_SOURCES {
                for (address, package) in parse_sources(&[(file, text)], &addresses) {
                    let entry = model.packages.entry(address).or_insert(Package {
                        id: address,
                        modules: BTreeMap::new(),
                        sources: BTreeMap::new(),
                    });
                    for (name, module) in package.modules {
                        entry.sources.insert(name.clone(), (*text).to_owned());
                        entry.modules.insert(name, module);
                    }
                }
            }
            model
        })
    }

    pub fn package(&self, id: &Address) -> Option<&Package> {
        self.packages.get(id)
    }

    pub fn module(&self, package: &Address, module: &str) -> Option<&Module> {
        self.packages.get(package)?.modules.get(module)
    }

    pub fn function(&self, package: &Address, module: &str, name: &str) -> Option<&Function> {
        self.module(package, module)?.function(name)
    }

    pub fn datatype(&self, name: &DatatypeName) -> Option<&Datatype> {
        self.module(&name.address, &name.module)?
            .datatype(&name.name)
    }

    /// The datatype of a struct tag, with its fields' types instantiated by the tag's type
    /// arguments.
    pub fn struct_fields(&self, tag: &StructTag) -> Option<Vec<(String, TypeTag)>> {
        let name = DatatypeName {
            address: *tag.address(),
            module: tag.module().to_string(),
            name: tag.name().to_string(),
        };
        let datatype = self.datatype(&name)?;
        let DatatypeKind::Struct(fields) = &datatype.kind else {
            return None;
        };
        fields
            .iter()
            .map(|(field, ty)| Some((field.clone(), ty.instantiate(tag.type_params())?)))
            .collect()
    }

    /// Whether values of `ty` have `copy` (`None` for a datatype the model does not know).
    /// A transaction's executor needs it: a value without `copy` is moved by its first use
    /// by value, as Sui's PTB executor moves it.
    pub fn has_copy(&self, ty: &TypeTag) -> Option<bool> {
        match ty {
            TypeTag::Vector(inner) => self.has_copy(inner),
            TypeTag::Struct(tag) => {
                let name = DatatypeName {
                    address: *tag.address(),
                    module: tag.module().to_string(),
                    name: tag.name().to_string(),
                };
                let datatype = self.datatype(&name)?;
                if !datatype.abilities.contains(&Ability::Copy) {
                    return Some(false);
                }
                // A generic datatype has `copy` only if its non-phantom arguments have it.
                for (parameter, argument) in datatype.type_parameters.iter().zip(tag.type_params())
                {
                    if !parameter.phantom && !self.has_copy(argument)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            _ => Some(true),
        }
    }
}

impl MoveType {
    /// `0x2::tx_context::TxContext`.
    pub fn is_tx_context(&self) -> bool {
        matches!(self, MoveType::Datatype(name, _) if name.is(Address::TWO, "tx_context", "TxContext"))
    }

    /// `0x2::transfer::Receiving<_>`.
    pub fn is_receiving(&self) -> bool {
        matches!(self, MoveType::Datatype(name, _) if name.is(Address::TWO, "transfer", "Receiving"))
    }

    /// The concrete type, with type parameters replaced by `args` (`None` if one is missing).
    pub fn instantiate(&self, args: &[TypeTag]) -> Option<TypeTag> {
        Some(match self {
            MoveType::Bool => TypeTag::Bool,
            MoveType::U8 => TypeTag::U8,
            MoveType::U16 => TypeTag::U16,
            MoveType::U32 => TypeTag::U32,
            MoveType::U64 => TypeTag::U64,
            MoveType::U128 => TypeTag::U128,
            MoveType::U256 => TypeTag::U256,
            MoveType::Address => TypeTag::Address,
            MoveType::Signer => TypeTag::Signer,
            MoveType::Vector(inner) => TypeTag::Vector(Box::new(inner.instantiate(args)?)),
            MoveType::TypeParam(i) => args.get(usize::from(*i))?.clone(),
            MoveType::Datatype(name, params) => {
                let params = params
                    .iter()
                    .map(|p| p.instantiate(args))
                    .collect::<Option<Vec<_>>>()?;
                TypeTag::Struct(Box::new(StructTag::new(
                    name.address,
                    name.module.parse().ok()?,
                    name.name.parse().ok()?,
                    params,
                )))
            }
        })
    }
}

/// `std`, `sui` and `floe`.
fn named_addresses() -> HashMap<String, Address> {
    HashMap::from([
        ("std".to_owned(), Address::from_str("0x1").expect("valid")),
        ("sui".to_owned(), Address::TWO),
        ("floe".to_owned(), crate::floe::PACKAGE_ID),
    ])
}

/// The sources of `move/floe`, embedded so that the binary knows its package wherever it runs.
const FLOE_SOURCES: &[(&str, &str)] = &[
    (
        "blob.move",
        include_str!("../../move/floe/sources/blob.move"),
    ),
    (
        "challenge.move",
        include_str!("../../move/floe/sources/challenge.move"),
    ),
    (
        "compute.move",
        include_str!("../../move/floe/sources/compute.move"),
    ),
    (
        "dataset.move",
        include_str!("../../move/floe/sources/dataset.move"),
    ),
    (
        "events.move",
        include_str!("../../move/floe/sources/events.move"),
    ),
    (
        "key_server.move",
        include_str!("../../move/floe/sources/key_server.move"),
    ),
    (
        "license.move",
        include_str!("../../move/floe/sources/license.move"),
    ),
    (
        "memory.move",
        include_str!("../../move/floe/sources/memory.move"),
    ),
    (
        "model.move",
        include_str!("../../move/floe/sources/model.move"),
    ),
    (
        "service.move",
        include_str!("../../move/floe/sources/service.move"),
    ),
    (
        "shared_blob.move",
        include_str!("../../move/floe/sources/shared_blob.move"),
    ),
    (
        "staking.move",
        include_str!("../../move/floe/sources/staking.move"),
    ),
    (
        "staking_pool.move",
        include_str!("../../move/floe/sources/staking_pool.move"),
    ),
    (
        "system.move",
        include_str!("../../move/floe/sources/system.move"),
    ),
    (
        "upgrade.move",
        include_str!("../../move/floe/sources/upgrade.move"),
    ),
    (
        "version.move",
        include_str!("../../move/floe/sources/version.move"),
    ),
    ("wal.move", include_str!("../../move/floe/sources/wal.move")),
];

/// The framework declarations the devnet's objects and built-in handlers need, as the Sui
/// framework declares them (bodies left out: the devnet's handlers run instead).
const FRAMEWORK_SOURCES: &[(&str, &str)] = &[(
    "framework.move",
    r#"
module std::string { public struct String has copy, drop, store { bytes: vector<u8> } }
module std::ascii { public struct String has copy, drop, store { bytes: vector<u8> } }
module std::option { public struct Option<Element> has copy, drop, store { vec: vector<Element> } }
module std::type_name { public struct TypeName has copy, drop, store { name: std::ascii::String } }
module sui::object {
    public struct ID has copy, drop, store { bytes: address }
    public struct UID has store { id: ID }
}
module sui::tx_context {
    public struct TxContext has drop {
        sender: address, tx_hash: vector<u8>, epoch: u64, epoch_timestamp_ms: u64, ids_created: u64,
    }
}
module sui::url { public struct Url has copy, drop, store { url: std::ascii::String } }
module sui::balance {
    public struct Balance<phantom T> has store { value: u64 }
    public struct Supply<phantom T> has store { value: u64 }
}
module sui::sui {
    use sui::coin::Coin;
    public struct SUI has drop {}
    public entry fun transfer(c: Coin<SUI>, recipient: address) { abort 0 }
}
module sui::coin {
    use sui::balance::{Balance, Supply};
    public struct Coin<phantom T> has key, store { id: UID, balance: Balance<T> }
    public struct TreasuryCap<phantom T> has key, store { id: UID, total_supply: Supply<T> }
    public fun value<T>(self: &Coin<T>): u64 { abort 0 }
    public fun split<T>(self: &mut Coin<T>, split_amount: u64, ctx: &mut TxContext): Coin<T> { abort 0 }
    public entry fun join<T>(self: &mut Coin<T>, c: Coin<T>) { abort 0 }
    public fun zero<T>(ctx: &mut TxContext): Coin<T> { abort 0 }
    public fun destroy_zero<T>(c: Coin<T>) { abort 0 }
}
module sui::pay {
    use sui::coin::Coin;
    public entry fun split<T>(coin: &mut Coin<T>, split_amounts: vector<u64>, ctx: &mut TxContext) { abort 0 }
}
module sui::transfer {
    public struct Receiving<phantom T: key> has drop { id: ID, version: u64 }
    public fun public_transfer<T: key + store>(obj: T, recipient: address) { abort 0 }
    public fun public_share_object<T: key + store>(obj: T) { abort 0 }
    public fun public_freeze_object<T: key + store>(obj: T) { abort 0 }
}
module sui::clock { public struct Clock has key { id: UID, timestamp_ms: u64 } }
module sui::versioned { public struct Versioned has key, store { id: UID, version: u64 } }
module sui::random {
    use sui::versioned::Versioned;
    public struct Random has key { id: UID, inner: Versioned }
}
module sui::table { public struct Table<phantom K: copy + drop + store, phantom V: store> has key, store { id: UID, size: u64 } }
module sui::table_vec {
    use sui::table::Table;
    public struct TableVec<phantom Element: store> has store { contents: Table<u64, Element> }
}
module sui::bag { public struct Bag has key, store { id: UID, size: u64 } }
module sui::vec_map {
    public struct VecMap<K: copy, V> has copy, drop, store { contents: vector<Entry<K, V>> }
    public struct Entry<K: copy, V> has copy, drop, store { key: K, value: V }
}
module sui::vec_set { public struct VecSet<K: copy + drop> has copy, drop, store { contents: vector<K> } }
module sui::dynamic_field {
    public struct Field<Name: copy + drop + store, Value: store> has key { id: UID, name: Name, value: Value }
}
"#,
)];

/// Parses Move source files into packages by address.
fn parse_sources(
    files: &[(&str, &str)],
    addresses: &HashMap<String, Address>,
) -> Vec<(Address, Package)> {
    let mut out: Vec<(Address, Package)> = Vec::new();
    for (file, text) in files {
        let tokens: proc_macro2::TokenStream = match move_syn::sanitize_for_tokenizer(text).parse()
        {
            Ok(tokens) => tokens,
            Err(e) => {
                tracing::warn!(file, error = %e, "cannot tokenize a Move source");
                continue;
            }
        };
        let parsed: move_syn::File = match tokens.to_token_iter().parse_all() {
            Ok(file) => file,
            Err(e) => {
                tracing::warn!(file, error = %e, "cannot parse a Move source");
                continue;
            }
        };
        for mut module in parsed.into_modules() {
            module
                .with_implicit_sui_imports()
                .fully_qualify_datatype_field_types()
                .fully_qualify_fun_signature_types();
            let Some(address) = addresses.get(&module.named_address.to_string()).copied() else {
                continue;
            };
            let converted = convert_module(&module, address, addresses);
            match out.iter_mut().find(|(a, _)| *a == address) {
                Some((_, package)) => {
                    package.modules.insert(converted.name.clone(), converted);
                }
                None => out.push((
                    address,
                    Package {
                        id: address,
                        modules: BTreeMap::from([(converted.name.clone(), converted)]),
                        sources: BTreeMap::new(),
                    },
                )),
            }
        }
    }
    out
}

/// Resolves the names a module's declarations use.
struct Scope<'a> {
    address: Address,
    module: String,
    addresses: &'a HashMap<String, Address>,
    /// Datatypes declared in this module.
    local: Vec<String>,
}

fn convert_module(
    module: &move_syn::Module,
    address: Address,
    addresses: &HashMap<String, Address>,
) -> Module {
    use move_syn::ItemKind;
    let name = module.ident.to_string();
    let local = module
        .items()
        .filter_map(|item| match &item.kind {
            ItemKind::Struct(s) => Some(s.ident.to_string()),
            ItemKind::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    let scope = Scope {
        address,
        module: name.clone(),
        addresses,
        local,
    };
    let mut out = Module {
        name: name.clone(),
        ..Module::default()
    };
    for item in module.items() {
        let test_only = item.attrs.iter().any(|attr| {
            !attr.is_doc()
                && attr
                    .contents()
                    .to_token_stream()
                    .to_string()
                    .split([',', ' ', '(', ')'])
                    .any(|a| a == "test_only")
        });
        if test_only {
            continue;
        }
        match &item.kind {
            ItemKind::Struct(s) => {
                let generics = generics(s.generics.as_ref());
                let names: Vec<String> = generics.iter().map(|(n, _)| n.clone()).collect();
                let mut fields: Vec<(String, MoveType)> = match &s.kind {
                    move_syn::StructKind::Braced(braced) => braced
                        .fields
                        .fields()
                        .map(|f| (f.ident.to_string(), scope.ty(&f.ty, &names)))
                        .collect(),
                    move_syn::StructKind::Tuple(tuple) => tuple
                        .fields
                        .fields()
                        .enumerate()
                        .map(|(i, f)| (format!("pos{i}"), scope.ty(&f.ty, &names)))
                        .collect(),
                };
                // The compiler gives a struct declared without fields one `bool` so that its
                // values have a size (`0x2::sui::SUI`, one-time witnesses): BCS, layouts and
                // Sui's normalized modules all show it under this name.
                if fields.is_empty() {
                    fields.push(("dummy_field".to_owned(), MoveType::Bool));
                }
                out.datatypes.push(Datatype {
                    name: DatatypeName {
                        address,
                        module: name.clone(),
                        name: s.ident.to_string(),
                    },
                    abilities: abilities(s.abilities()),
                    type_parameters: generics.into_iter().map(|(_, p)| p).collect(),
                    kind: DatatypeKind::Struct(fields),
                });
            }
            ItemKind::Enum(e) => {
                let generics = generics(e.generics.as_ref());
                let names: Vec<String> = generics.iter().map(|(n, _)| n.clone()).collect();
                let variants = e
                    .variants()
                    .map(|v| {
                        let fields = match &v.fields {
                            None => Vec::new(),
                            Some(move_syn::FieldsKind::Named(named)) => named
                                .fields()
                                .map(|f| (f.ident.to_string(), scope.ty(&f.ty, &names)))
                                .collect(),
                            Some(move_syn::FieldsKind::Positional(positional)) => positional
                                .fields()
                                .enumerate()
                                .map(|(i, f)| (format!("pos{i}"), scope.ty(&f.ty, &names)))
                                .collect(),
                        };
                        (v.ident.to_string(), fields)
                    })
                    .collect();
                out.datatypes.push(Datatype {
                    name: DatatypeName {
                        address,
                        module: name.clone(),
                        name: e.ident.to_string(),
                    },
                    abilities: abilities(e.abilities()),
                    type_parameters: generics.into_iter().map(|(_, p)| p).collect(),
                    kind: DatatypeKind::Enum(variants),
                });
            }
            ItemKind::Function(function) => {
                let generics = generics(function.generics());
                let names: Vec<String> = generics.iter().map(|(n, _)| n.clone()).collect();
                let param = |t: &move_syn::MaybeRefType| Param {
                    reference: if t.is_ref() {
                        Reference::Immutable
                    } else if t.to_token_stream().to_string().starts_with('&') {
                        Reference::Mutable
                    } else {
                        Reference::Value
                    },
                    ty: scope.ty(t.type_(), &names),
                };
                out.functions.push(Function {
                    name: function.ident().to_string(),
                    visibility: match item.visibility() {
                        move_syn::Visibility::Public => Visibility::Public,
                        move_syn::Visibility::Package => Visibility::Package,
                        move_syn::Visibility::Private => Visibility::Private,
                    },
                    is_entry: function.is_entry(),
                    type_parameters: generics.into_iter().map(|(_, p)| p).collect(),
                    parameters: function.arguments().map(|a| param(a.type_())).collect(),
                    returns: function.returns().map(param).collect(),
                });
            }
            _ => {}
        }
    }
    out
}

fn ability(text: &str) -> Option<Ability> {
    match text {
        "copy" => Some(Ability::Copy),
        "drop" => Some(Ability::Drop),
        "store" => Some(Ability::Store),
        "key" => Some(Ability::Key),
        _ => None,
    }
}

fn abilities<'a>(list: impl Iterator<Item = &'a move_syn::Ability>) -> Vec<Ability> {
    let mut out: Vec<Ability> = list
        .filter_map(|a| ability(&a.to_token_stream().to_string()))
        .collect();
    out.sort();
    out
}

/// Type parameter names with their declarations (`phantom T: key + store`).
fn generics(generics: Option<&move_syn::Generics>) -> Vec<(String, TypeParameter)> {
    generics
        .into_iter()
        .flat_map(|g| g.generics())
        .map(|g| {
            let text = g.to_token_stream().to_string();
            let constraints = text
                .split_once(':')
                .map(|(_, bounds)| {
                    let mut list: Vec<Ability> = bounds
                        .split('+')
                        .filter_map(|a| ability(a.trim()))
                        .collect();
                    list.sort();
                    list
                })
                .unwrap_or_default();
            (
                g.ident.to_string(),
                TypeParameter {
                    phantom: g.phantom.is_some(),
                    constraints,
                },
            )
        })
        .collect()
}

impl Scope<'_> {
    fn ty(&self, t: &move_syn::Type, generics: &[String]) -> MoveType {
        let args: Vec<MoveType> = t
            .type_args
            .iter()
            .flat_map(|a| a.types())
            .map(|a| self.ty(a, generics))
            .collect();
        let datatype = |address: Address, module: &str, name: &str, args: Vec<MoveType>| {
            MoveType::Datatype(
                Box::new(DatatypeName {
                    address,
                    module: module.to_owned(),
                    name: name.to_owned(),
                }),
                args,
            )
        };
        match &t.path {
            move_syn::ItemPath::Full {
                named_address,
                module,
                item,
                ..
            } => {
                let address = self
                    .addresses
                    .get(&named_address.to_string())
                    .copied()
                    .or_else(|| Address::from_str(&named_address.to_string()).ok())
                    .unwrap_or(self.address);
                datatype(address, &module.to_string(), &item.to_string(), args)
            }
            move_syn::ItemPath::Module { module, item, .. } => {
                // A module of the same package named without its address.
                datatype(self.address, &module.to_string(), &item.to_string(), args)
            }
            move_syn::ItemPath::Ident(ident) => {
                let name = ident.to_string();
                if let Some(i) = generics.iter().position(|g| *g == name) {
                    return MoveType::TypeParam(i as u16);
                }
                match name.as_str() {
                    "bool" => MoveType::Bool,
                    "u8" => MoveType::U8,
                    "u16" => MoveType::U16,
                    "u32" => MoveType::U32,
                    "u64" => MoveType::U64,
                    "u128" => MoveType::U128,
                    "u256" => MoveType::U256,
                    "address" => MoveType::Address,
                    "signer" => MoveType::Signer,
                    "vector" => {
                        MoveType::Vector(Box::new(args.into_iter().next().unwrap_or(MoveType::U8)))
                    }
                    // Implicitly imported by every module.
                    "Option" if !self.local.contains(&name) => datatype(
                        Address::from_str("0x1").expect("valid"),
                        "option",
                        "Option",
                        args,
                    ),
                    _ => datatype(self.address, &self.module, &name, args),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a Move function may take a parameter the sdk's builders (generated from the Move
    /// sources by `sdk/build/calls.rs`) pass as `kind`: shared objects by the reference the
    /// builder asks for, pure values by value or `&` (the same BCS bytes), owned objects and
    /// earlier results in any way.
    fn references(kind: floe_sdk::calls::ParamKind) -> &'static [Reference] {
        use floe_sdk::calls::ParamKind;
        let by = |mutable: bool| -> &'static [Reference] {
            if mutable {
                &[Reference::Mutable]
            } else {
                &[Reference::Immutable]
            }
        };
        match kind {
            ParamKind::System(m)
            | ParamKind::Treasury(m)
            | ParamKind::BlobRegistry(m)
            | ParamKind::ChallengeBoard(m)
            | ParamKind::Shared(m) => by(m),
            ParamKind::Clock | ParamKind::Random => &[Reference::Immutable],
            ParamKind::Pure(_) => &[Reference::Value, Reference::Immutable],
            ParamKind::Object => &[Reference::Value, Reference::Immutable, Reference::Mutable],
        }
    }

    /// A struct declared without fields has the compiler's one `bool`, so its values decode
    /// from one byte; counting none put every later field of a dynamic field holding such a
    /// name one byte off.
    #[test]
    fn structs_declared_without_fields_hold_a_dummy_bool() {
        let model = MoveModel::get();
        let sui: StructTag = "0x2::sui::SUI".parse().expect("a struct tag");
        assert_eq!(
            model.struct_fields(&sui),
            Some(vec![("dummy_field".to_owned(), TypeTag::Bool)])
        );
        // A struct with fields gets none added.
        let string: StructTag = "0x1::string::String".parse().expect("a struct tag");
        let fields = model.struct_fields(&string).expect("a known struct");
        assert!(
            fields.iter().all(|(name, _)| name != "dummy_field"),
            "{fields:?}"
        );
    }

    /// Every function a transaction can call, as this model reads it, has the parameters the
    /// sdk's call table (the other reading of `move/floe/sources`) gives it: the same count
    /// after `TxContext`, each taken by the same reference. Derived from the Move source, so
    /// a signature change needs no edit here.
    #[test]
    fn floe_signatures_match_the_sdk_call_table() {
        let model = MoveModel::get();
        let pkg = crate::floe::PACKAGE_ID;
        let specs = floe_sdk::calls::all();
        assert!(specs.len() > 100, "the sdk's table lists the package");
        let mut problems = Vec::new();
        for spec in specs {
            let Some(function) = model.function(&pkg, spec.module, spec.function) else {
                problems.push(format!("{spec:?}: not in the model"));
                continue;
            };
            let params = function.call_parameters();
            if params.len() != spec.params.len() {
                problems.push(format!(
                    "{spec:?}: {} parameters in the model, {} in the sdk",
                    params.len(),
                    spec.params.len()
                ));
                continue;
            }
            for (param, sdk) in params.iter().zip(spec.params) {
                if !references(sdk.kind).contains(&param.reference) {
                    problems.push(format!(
                        "{spec:?}({}): {:?} in the model, {:?} in the sdk",
                        sdk.name, param.reference, sdk.kind
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn floe_and_framework_signatures() {
        let model = MoveModel::get();
        let pkg = crate::floe::PACKAGE_ID;
        // `purchase` takes its payment as a `&mut Coin<WAL>` and ends with the `TxContext`.
        let purchase = model.function(&pkg, "license", "purchase").unwrap();
        let spec = floe_sdk::calls::license::CALLS
            .iter()
            .find(|s| s.function == "purchase")
            .unwrap();
        let payment = spec
            .params
            .iter()
            .position(|p| p.name == "payment")
            .unwrap();
        assert_eq!(purchase.parameters[payment].reference, Reference::Mutable);
        let MoveType::Datatype(coin, args) = &purchase.parameters[payment].ty else {
            panic!("payment is a Coin<WAL>");
        };
        assert_eq!(coin.to_string(), format!("{}::coin::Coin", Address::TWO));
        assert!(
            matches!(&args[0], MoveType::Datatype(wal, _) if wal.address == pkg && wal.name == "WAL")
        );
        assert!(purchase.parameters.last().unwrap().ty.is_tx_context());
        let seal = model.function(&pkg, "license", "seal_approve").unwrap();
        assert!(seal.is_entry);
        assert_eq!(
            seal.parameters[0].ty,
            MoveType::Vector(Box::new(MoveType::U8))
        );

        let split = model.function(&Address::TWO, "coin", "split").unwrap();
        assert_eq!(split.type_parameters.len(), 1);
        assert_eq!(split.parameters[1].ty, MoveType::U64);

        let coin = StructTag::gas_coin();
        let fields = model.struct_fields(&coin).unwrap();
        assert_eq!(fields[0].0, "id");
        assert_eq!(
            fields[1].1.to_string(),
            format!(
                "{}::balance::Balance<{}::sui::SUI>",
                Address::TWO,
                Address::TWO
            )
        );
        // Every floe function and datatype parsed.
        let floe = model.package(&pkg).unwrap();
        assert!(floe.modules.len() >= 10);
        let model_ty = floe.modules["model"].datatype("Model").unwrap();
        assert!(model_ty.abilities.contains(&Ability::Key));
    }
}
