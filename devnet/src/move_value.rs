//! Move values decoded from BCS with the layouts of [`MoveModel`]: the one reader under the
//! devnet's two JSON renderings of a Move value, gRPC's `json` ([`crate::render`]) and Sui's
//! JSON-RPC `SuiMoveValue` ([`crate::json_rpc::move_value`]).
//!
//! The value is what Sui's layouts give after its conversions of framework structs
//! (`try_convert_type`): `String`/`ascii::String` and `Url` a string, `UID` and `ID` an
//! address, `Balance<T>` its value, `Option<T>` absent or the value; any other struct (a
//! `VecMap`, a `Table`, a `TypeName`) stays the struct it is, and each renderer writes it in
//! its API's shape.

use sui_sdk_types::{Address, StructTag, TypeTag};

use crate::move_model::{DatatypeKind, DatatypeName, MoveModel};

/// How deep values may nest before decoding gives up.
const MAX_DEPTH: usize = 64;

/// A decoded Move value, after Sui's framework conversions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveValue {
    /// `u8`, `u16`, `u32`.
    Number(u32),
    Bool(bool),
    Address(Address),
    /// A `vector<u8>` (gRPC writes it as Base64, JSON-RPC as numbers).
    Bytes(Vec<u8>),
    Vector(Vec<MoveValue>),
    /// `u64`–`u256` in decimal, and Move strings.
    String(String),
    Uid(Address),
    Struct {
        tag: StructTag,
        fields: Vec<(String, MoveValue)>,
    },
    Option(Option<Box<MoveValue>>),
    Variant {
        tag: StructTag,
        variant: String,
        fields: Vec<(String, MoveValue)>,
    },
}

/// The value of `bytes` as type `ty`, if the model knows every layout inside it and the bytes
/// are exactly one such value.
pub fn decode(ty: &TypeTag, bytes: &[u8]) -> Option<MoveValue> {
    let (value, len) = decode_prefix(ty, bytes)?;
    (len == bytes.len()).then_some(value)
}

/// The value of type `ty` at the start of `bytes`, and how many bytes it takes.
pub fn decode_prefix(ty: &TypeTag, bytes: &[u8]) -> Option<(MoveValue, usize)> {
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader.value(ty, 0)?;
    Some((value, reader.pos))
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let slice = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(slice)
    }

    fn le<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn uleb(&mut self) -> Option<usize> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.take(1)?.first()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return usize::try_from(value).ok();
            }
        }
        None
    }

    fn value(&mut self, ty: &TypeTag, depth: usize) -> Option<MoveValue> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match ty {
            TypeTag::Bool => MoveValue::Bool(match self.take(1)?[0] {
                0 => false,
                1 => true,
                _ => return None,
            }),
            TypeTag::U8 => MoveValue::Number(u32::from(self.take(1)?[0])),
            TypeTag::U16 => MoveValue::Number(u32::from(u16::from_le_bytes(self.le()?))),
            TypeTag::U32 => MoveValue::Number(u32::from_le_bytes(self.le()?)),
            TypeTag::U64 => MoveValue::String(u64::from_le_bytes(self.le()?).to_string()),
            TypeTag::U128 => MoveValue::String(u128::from_le_bytes(self.le()?).to_string()),
            TypeTag::U256 => MoveValue::String(u256_decimal(&self.le::<32>()?)),
            TypeTag::Address | TypeTag::Signer => MoveValue::Address(Address::new(self.le()?)),
            TypeTag::Vector(inner) if **inner == TypeTag::U8 => {
                let len = self.uleb()?;
                MoveValue::Bytes(self.take(len)?.to_vec())
            }
            TypeTag::Vector(inner) => {
                let len = self.uleb()?;
                // Each element takes at least one byte: a longer claim is corrupt.
                if len > self.bytes.len() - self.pos {
                    return None;
                }
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(self.value(inner, depth + 1)?);
                }
                MoveValue::Vector(items)
            }
            TypeTag::Struct(tag) => self.datatype(tag, depth)?,
        })
    }

    fn datatype(&mut self, tag: &StructTag, depth: usize) -> Option<MoveValue> {
        let name = DatatypeName {
            address: *tag.address(),
            module: tag.module().to_string(),
            name: tag.name().to_string(),
        };
        let model = MoveModel::get();
        let datatype = model.datatype(&name)?;
        match &datatype.kind {
            DatatypeKind::Struct(_) => {
                // A struct declared without fields has the compiler's `dummy_field: bool` in
                // the model, so its one byte is read.
                let declared = model.struct_fields(tag)?;
                let mut fields = Vec::with_capacity(declared.len());
                for (field, ty) in declared {
                    let value = self.value(&ty, depth + 1)?;
                    fields.push((field, value));
                }
                Some(convert(tag.clone(), fields))
            }
            DatatypeKind::Enum(variants) => {
                let index = self.uleb()?;
                let (variant, declared) = variants.get(index)?;
                let mut fields = Vec::with_capacity(declared.len());
                for (field, ty) in declared {
                    let ty = ty.instantiate(tag.type_params())?;
                    fields.push((field.clone(), self.value(&ty, depth + 1)?));
                }
                Some(MoveValue::Variant {
                    tag: tag.clone(),
                    variant: variant.clone(),
                    fields,
                })
            }
        }
    }
}

/// Sui's conversions of framework structs (`try_convert_type`), applied to a decoded struct;
/// any other struct, or one whose content does not fit (a `String` that is not UTF-8), stays
/// a struct.
fn convert(tag: StructTag, fields: Vec<(String, MoveValue)>) -> MoveValue {
    let address = *tag.address();
    let is = |a: Address, module: &str, name: &str| {
        address == a && tag.module().as_str() == module && tag.name().as_str() == name
    };
    let stdlib = crate::objects::short_id(1);
    let sui = Address::TWO;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let converted = if is(stdlib, "string", "String") || is(stdlib, "ascii", "String") {
        match field("bytes") {
            Some(MoveValue::Bytes(bytes)) => String::from_utf8(bytes).ok().map(MoveValue::String),
            _ => None,
        }
    } else if is(sui, "url", "Url") {
        field("url")
    } else if is(sui, "object", "ID") {
        field("bytes")
    } else if is(sui, "object", "UID") {
        match field("id") {
            Some(MoveValue::Address(id)) => Some(MoveValue::Uid(id)),
            _ => None,
        }
    } else if is(sui, "balance", "Balance") {
        field("value")
    } else if is(stdlib, "option", "Option") {
        // Move models an option as a vector of at most one element.
        match field("vec") {
            Some(MoveValue::Vector(items)) if items.len() <= 1 => {
                Some(MoveValue::Option(items.into_iter().next().map(Box::new)))
            }
            Some(MoveValue::Bytes(bytes)) if bytes.len() <= 1 => Some(MoveValue::Option(
                bytes
                    .first()
                    .map(|b| Box::new(MoveValue::Number(u32::from(*b)))),
            )),
            _ => None,
        }
    } else {
        None
    };
    converted.unwrap_or(MoveValue::Struct { tag, fields })
}

/// A little-endian u256 in decimal.
pub fn u256_decimal(le: &[u8; 32]) -> String {
    let mut digits = Vec::new();
    let mut n: Vec<u8> = le.iter().rev().copied().collect(); // big-endian
    while n.iter().any(|b| *b != 0) {
        let mut remainder: u32 = 0;
        for byte in &mut n {
            let v = (remainder << 8) | u32::from(*byte);
            *byte = (v / 10) as u8;
            remainder = v % 10;
        }
        digits.push(b'0' + remainder as u8);
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits.reverse();
    String::from_utf8(digits).expect("ASCII digits")
}
