//! Typed resources: what each route answers, declared once with [`resource!`].
//!
//! A declaration names the table a resource reads and, per field, its Rust type and (for a
//! computed field) the SQL that yields it. From that one list come the serde struct (the
//! JSON), its utoipa schema (`/openapi.json` describes every field) and the column list the
//! query selects. Every cell is fetched as PostgreSQL's text rendering and parsed by the
//! field's [`Cell`] type, so amounts in NUMERIC columns reach JSON exactly (a u128 never
//! passes through a float). The schema test checks each plain field against the table
//! declaration in [`crate::schema`] (name, kind) and the migrated database (a field that is
//! not an `Option` must be a `NOT NULL` column).

use std::fmt;

use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::rows::Kind;

/// A cell that could not be read as its field's type: the database holds something the
/// declaration does not allow (a null in a non-`Option` field, a fraction in an amount).
#[derive(Debug, thiserror::Error)]
#[error("{resource}.{field}: {message}")]
pub struct CellError {
    pub resource: &'static str,
    pub field: &'static str,
    pub message: String,
}

/// A field type: the column kind it reads and how its text rendering parses.
pub trait Cell: Sized {
    /// The column kind the field is read from.
    const KIND: Kind;
    /// Whether a SQL null is a value of the field (an `Option`).
    const NULLABLE: bool;
    fn parse(text: Option<&str>) -> Result<Self, String>;
}

fn required(text: Option<&str>) -> Result<&str, String> {
    text.ok_or_else(|| "null in a field that cannot be null".to_owned())
}

impl Cell for i64 {
    const KIND: Kind = Kind::Int;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        required(text)?.parse().map_err(|e| format!("{e}"))
    }
}

impl Cell for bool {
    const KIND: Kind = Kind::Bool;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        match required(text)? {
            "true" | "t" => Ok(true),
            "false" | "f" => Ok(false),
            other => Err(format!("{other:?} is not a boolean")),
        }
    }
}

impl Cell for String {
    const KIND: Kind = Kind::Text;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        required(text).map(str::to_owned)
    }
}

impl<T: Cell> Cell for Option<T> {
    const KIND: Kind = T::KIND;
    const NULLABLE: bool = true;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        text.map(|t| T::parse(Some(t))).transpose()
    }
}

/// A blob ID as the on-chain `u256` in decimal, made from the base64url `blob_id` the row
/// holds when the row is read: rendering it here costs a base64 decode and a division loop per
/// row, where the SQL function `blob_id_u256` (migration 0020) ran 32 PL/pgSQL NUMERIC steps
/// per row and made a page of blobs several times slower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobIdDecimal(pub String);

impl Cell for BlobIdDecimal {
    const KIND: Kind = Kind::Text;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        use base64::Engine as _;
        let text = required(text)?;
        let bytes: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| format!("{text:?} is not a base64url blob ID of 32 bytes"))?;
        Ok(Self(floe_sdk::move_types::u256_from_le(bytes).to_string()))
    }
}

impl Serialize for BlobIdDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PartialSchema for BlobIdDecimal {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("the blob ID as the on-chain u256, in decimal"))
            .build()
            .into()
    }
}
impl ToSchema for BlobIdDecimal {}

/// An amount, size, price or count kept as NUMERIC (WAL base units, bytes, shares): a
/// non-negative integer rendered as an exact JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Amount(pub u128);

impl Cell for Amount {
    const KIND: Kind = Kind::Num;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        let text = required(text)?;
        text.parse()
            .map(Amount)
            .map_err(|_| format!("{text:?} is not a non-negative integer amount"))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u128(self.0)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialSchema for Amount {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .description(Some(
                "exact non-negative integer (u64 or u128 on chain; may exceed 2^53)",
            ))
            .build()
            .into()
    }
}
impl ToSchema for Amount {}

/// A signed NUMERIC difference (free capacity can be negative when a vote lowers the total
/// below what is reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignedAmount(pub i128);

impl Cell for SignedAmount {
    const KIND: Kind = Kind::Num;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        let text = required(text)?;
        text.parse()
            .map(SignedAmount)
            .map_err(|_| format!("{text:?} is not an integer"))
    }
}

impl Serialize for SignedAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i128(self.0)
    }
}

impl PartialSchema for SignedAmount {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some("exact integer (may exceed 2^53)"))
            .build()
            .into()
    }
}
impl ToSchema for SignedAmount {}

/// A JSON document stored as `jsonb` (a model version's metrics, a list of shards).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Json(pub serde_json::Value);

impl Cell for Json {
    const KIND: Kind = Kind::Json;
    const NULLABLE: bool = false;
    fn parse(text: Option<&str>) -> Result<Self, String> {
        serde_json::from_str(required(text)?)
            .map(Json)
            .map_err(|e| e.to_string())
    }
}

impl PartialSchema for Json {
    /// Every JSON type but null: a field without a document is the field's own null
    /// (`Option<Json>` renders `oneOf: [null, Json]`), and an any-value schema would make that
    /// `oneOf` ambiguous for null, which validators reject.
    fn schema() -> RefOr<Schema> {
        use utoipa::openapi::schema::{SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([
                Type::Object,
                Type::Array,
                Type::String,
                Type::Number,
                Type::Boolean,
            ]))
            .description(Some("a JSON value, as recorded"))
            .build()
            .into()
    }
}
impl ToSchema for Json {}

/// One field of a resource as the query selects it.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    /// The SQL expression over the row `t` (`t.<name>` for a plain column).
    pub sql: &'static str,
    /// Whether `sql` is the table's column of the same name (checked against the schema).
    pub plain: bool,
    pub kind: Kind,
    pub nullable: bool,
}

/// What the API knows of a resource without its type: name, table and fields.
#[derive(Debug)]
pub struct ResourceInfo {
    pub name: &'static str,
    pub table: &'static str,
    pub fields: &'static [Field],
}

impl ResourceInfo {
    /// The select list of one row `t`: every field's text rendering, as one `text[]`.
    pub fn select(&self) -> String {
        let cells: Vec<String> = self
            .fields
            .iter()
            .map(|f| format!("({})::text", self.render(f)))
            .collect();
        format!("ARRAY[{}]", cells.join(", "))
    }

    /// The SQL of one field as the API reads it: a plain field over a [`Kind::Id`] column as
    /// `0x`-hex (the column holds 32 bytes), any other as declared.
    fn render(&self, field: &Field) -> String {
        match self.column_kind(field.name) {
            Some(kind) if field.plain => kind.render(field.sql),
            _ => field.sql.to_owned(),
        }
    }

    /// The kind of this resource's table column `column`, as [`crate::schema`] declares it.
    pub fn column_kind(&self, column: &str) -> Option<Kind> {
        crate::schema::column_kind(self.table, column)
    }

    /// `t.<column> = <bound $n>`: `$n` (checked text) converted to the column's kind.
    pub fn equals(&self, column: &str, n: usize, cast: &str) -> String {
        let kind = self.column_kind(column).unwrap_or(Kind::Text);
        format!("t.{column} = {}", kind.bind(n, cast))
    }

    /// The SQL of bound `$n` (checked text) as a value of `column`, for row comparisons.
    pub fn bound(&self, column: &str, n: usize, cast: &str) -> String {
        self.column_kind(column).unwrap_or(Kind::Text).bind(n, cast)
    }

    /// `t.<column>` as text the way the API shows it (a cursor's key cell).
    pub fn text_of(&self, column: &str) -> String {
        let sql = format!("t.{column}");
        match self.column_kind(column) {
            Some(kind) => format!("({})::text", kind.render(&sql)),
            None => format!("{sql}::text"),
        }
    }
}

/// A typed resource: built from the cells [`ResourceInfo::select`] yields.
pub trait Resource: Serialize + ToSchema + Sized {
    const INFO: ResourceInfo;
    fn from_cells(cells: &[Option<String>]) -> Result<Self, CellError>;
}

/// Declares a resource: the serde/utoipa struct, its [`Resource`] impl and select list.
///
/// ```text
/// /// doc
/// Name from "table" {
///     /// doc
///     field: Type,                       // the column `field` of `table`
///     other: Type = "SQL over row t",    // computed
/// }
/// ```
macro_rules! resource {
    ($(
        $(#[$doc:meta])*
        $name:ident from $table:literal {
            $(
                $(#[$fdoc:meta])*
                $field:ident: $ty:ty $(= $sql:literal)?
            ),+ $(,)?
        }
    )+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)+
        }

        impl $crate::api::resource::Resource for $name {
            const INFO: $crate::api::resource::ResourceInfo = $crate::api::resource::ResourceInfo {
                name: stringify!($name),
                table: $table,
                fields: &[$($crate::api::resource::Field {
                    name: stringify!($field),
                    sql: $crate::api::resource::resource!(@sql $field $($sql)?),
                    plain: $crate::api::resource::resource!(@plain $($sql)?),
                    kind: <$ty as $crate::api::resource::Cell>::KIND,
                    nullable: <$ty as $crate::api::resource::Cell>::NULLABLE,
                }),+],
            };

            fn from_cells(
                cells: &[Option<String>],
            ) -> Result<Self, $crate::api::resource::CellError> {
                let mut cells = cells.iter();
                Ok(Self {$(
                    $field: <$ty as $crate::api::resource::Cell>::parse(
                        cells.next().and_then(|c| c.as_deref()),
                    )
                    .map_err(|message| $crate::api::resource::CellError {
                        resource: stringify!($name),
                        field: stringify!($field),
                        message,
                    })?,
                )+})
            }
        }
    )+};
    (@sql $field:ident) => { concat!("t.", stringify!($field)) };
    (@sql $field:ident $sql:literal) => { $sql };
    (@plain) => { true };
    (@plain $sql:literal) => { false };
}
pub(crate) use resource;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decimal_blob_id_is_the_little_endian_u256() {
        use base64::Engine as _;
        let mut bytes = [0u8; 32];
        bytes[0] = 5;
        bytes[1] = 1;
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(BlobIdDecimal::parse(Some(&text)).unwrap().0, "261");
        let max = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xff; 32]);
        assert_eq!(
            BlobIdDecimal::parse(Some(&max)).unwrap().0,
            "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
        assert!(BlobIdDecimal::parse(Some("short")).is_err());
        assert!(BlobIdDecimal::parse(None).is_err());
    }

    #[test]
    fn cells_parse_postgres_text() {
        assert_eq!(
            Amount::parse(Some("340282366920938463463374607431768211455")).unwrap(),
            Amount(u128::MAX)
        );
        assert!(Amount::parse(Some("1.5")).is_err());
        assert!(Amount::parse(Some("-1")).is_err());
        assert!(Amount::parse(None).is_err());
        assert_eq!(<Option<Amount>>::parse(None).unwrap(), None);
        assert!(bool::parse(Some("true")).unwrap());
        assert!(!bool::parse(Some("false")).unwrap());
        assert_eq!(SignedAmount::parse(Some("-7")).unwrap(), SignedAmount(-7));
        assert_eq!(
            serde_json::to_string(&Amount(u128::MAX)).unwrap(),
            "340282366920938463463374607431768211455"
        );
        assert_eq!(
            Json::parse(Some("[1, 2]")).unwrap(),
            Json(serde_json::json!([1, 2]))
        );
    }
}
