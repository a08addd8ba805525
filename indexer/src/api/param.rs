//! The parameters of the API's queries: how a query-string, path or cursor value is checked,
//! cast and documented. Below both the queries (`query`) and the cursors (`pagination`), which
//! use it, so neither imports the other.

use super::ids;
use super::problem::Problem;

/// How a query-string, path or cursor value is checked and cast. The same variant also says
/// what the OpenAPI document declares for it ([`Param::schema`]), so what the API accepts and
/// what it documents cannot drift apart.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    /// Object ID or address.
    Id,
    /// Blob ID (base64url or decimal u256).
    BlobId,
    /// Non-negative integer (bigint column).
    Int,
    /// An integer code from `.0` to `.1` (a burn source).
    Code(u64, u64),
    /// Free text (any UTF-8 but NUL, which PostgreSQL text cannot hold).
    Text,
    /// One of a closed set of words (a status, an event type).
    OneOf(&'static [&'static str]),
    /// `true` / `false`.
    Bool,
}

/// Object IDs and addresses: `0x` (optional) and 1–64 hex digits.
const ID_PATTERN: &str = "^(0x)?[0-9a-fA-F]{1,64}$";
/// Blob IDs: 43 base64url characters whose last one carries no stray bits (exactly 32 bytes),
/// or a decimal of at most 77 digits (every such number fits a u256).
const BLOB_ID_PATTERN: &str = "^([A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]|[0-9]{1,77})$";

impl Param {
    pub fn cast(self) -> &'static str {
        match self {
            Param::Int | Param::Code(..) => "bigint",
            Param::Bool => "boolean",
            Param::Id | Param::BlobId | Param::Text | Param::OneOf(_) => "text",
        }
    }

    /// Checks `text` and returns it as the table stores it; 400 problem+json naming what is
    /// allowed otherwise.
    pub fn parse(self, name: &str, text: &str) -> Result<String, Problem> {
        let invalid = |detail: String| Err(Problem::bad_request("invalid-parameter", detail));
        match self {
            Param::Id => ids::object_id(text),
            Param::BlobId => ids::blob_id(text),
            Param::Int => ids::integer(name, text),
            Param::Code(low, high) => match text.parse::<u64>() {
                Ok(n) if (low..=high).contains(&n) => Ok(n.to_string()),
                _ => invalid(format!(
                    "{name} must be an integer from {low} to {high}, got {text:?}"
                )),
            },
            Param::Text if text.contains('\0') => {
                invalid(format!("{name} must not contain NUL characters"))
            }
            Param::Text => Ok(text.to_owned()),
            Param::OneOf(allowed) if allowed.contains(&text) => Ok(text.to_owned()),
            Param::OneOf(allowed) => invalid(format!(
                "{name} must be one of {}; got {text:?}",
                allowed.join(", ")
            )),
            Param::Bool => match text {
                "true" | "false" => Ok(text.to_owned()),
                _ => invalid(format!("{name} must be true or false, got {text:?}")),
            },
        }
    }

    /// The JSON schema of the values [`Param::parse`] accepts.
    pub fn schema(self) -> utoipa::openapi::Schema {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        let string = || ObjectBuilder::new().schema_type(Type::String);
        let integer = |low: u64, high: u64| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(low))
                .maximum(Some(high))
        };
        let object = match self {
            Param::Id => string().pattern(Some(ID_PATTERN)),
            Param::BlobId => string().pattern(Some(BLOB_ID_PATTERN)),
            Param::Int => integer(0, i64::MAX.unsigned_abs()),
            Param::Code(low, high) => integer(low, high),
            Param::Text => string().pattern(Some("^[^\\u0000]*$")),
            Param::OneOf(allowed) => string().enum_values(Some(allowed.iter().copied())),
            Param::Bool => ObjectBuilder::new().schema_type(Type::Boolean),
        };
        object.build().into()
    }
}
