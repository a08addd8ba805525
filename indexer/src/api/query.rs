//! The two query shapes every resource uses: a keyset-paginated list and a single row.
//!
//! Rows are rendered to JSON by PostgreSQL (`to_jsonb`), which keeps NUMERIC amounts exact
//! (a u64 or u128 never passes through a float) and costs no per-resource Rust code. The
//! watermark is read in the same statement (`UNION ALL`), so the checkpoint a response
//! claims is exactly the snapshot its rows come from.

use std::collections::HashMap;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sqlx::{PgPool, Row as _};

use super::ids;
use super::pagination::{decode_cursor, encode_cursor, parse_limit};
use super::problem::Problem;

/// How a query-string or path value is checked and cast.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    /// Object ID or address.
    Id,
    /// Blob ID (base64url or decimal u256).
    BlobId,
    /// Non-negative integer (bigint column).
    Int,
    /// Free text.
    Text,
    /// `true` / `false`.
    Bool,
}

impl Param {
    fn cast(self) -> &'static str {
        match self {
            Param::Int => "bigint",
            Param::Bool => "boolean",
            _ => "text",
        }
    }

    pub fn parse(self, name: &str, text: &str) -> Result<String, Problem> {
        match self {
            Param::Id => ids::object_id(text),
            Param::BlobId => ids::blob_id(text),
            Param::Int => ids::integer(name, text),
            Param::Text => Ok(text.to_owned()),
            Param::Bool => match text {
                "true" | "false" => Ok(text.to_owned()),
                _ => Err(Problem::bad_request(
                    "invalid-parameter",
                    format!("{name} must be true or false, got {text:?}"),
                )),
            },
        }
    }
}

/// A list resource: its table, key (sort order) and the filters its query string accepts.
pub struct ListSpec {
    pub table: &'static str,
    /// The columns rows are ordered by; unique together.
    pub key: &'static [(&'static str, Param)],
    /// (query parameter, column, type).
    pub filters: &'static [(&'static str, &'static str, Param)],
    /// The JSON of one row `t` (default `to_jsonb(t)`).
    pub item: &'static str,
}

/// A JSON response with the given body text.
fn json(body: String) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// One page of `spec`, filtered by `query` plus `fixed` (column, value, type) conditions.
pub async fn list(
    pool: &PgPool,
    spec: &ListSpec,
    query: &HashMap<String, String>,
    fixed: &[(&str, String, Param)],
) -> Result<Response, Problem> {
    for name in query.keys() {
        if name != "limit" && name != "cursor" && !spec.filters.iter().any(|f| f.0 == name) {
            let known: Vec<&str> = spec.filters.iter().map(|f| f.0).collect();
            return Err(Problem::bad_request(
                "unknown-parameter",
                format!(
                    "unknown query parameter {name:?}; this list takes limit, cursor{}{}",
                    if known.is_empty() { "" } else { ", " },
                    known.join(", ")
                ),
            ));
        }
    }
    let limit = parse_limit(query.get("limit").map(String::as_str))?;
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    for (column, value, param) in fixed {
        binds.push(value.clone());
        conditions.push(format!("t.{column} = ${}::{}", binds.len(), param.cast()));
    }
    for (name, column, param) in spec.filters {
        if let Some(value) = query.get(*name) {
            binds.push(param.parse(name, value)?);
            conditions.push(format!("t.{column} = ${}::{}", binds.len(), param.cast()));
        }
    }
    if let Some(cursor) = query.get("cursor") {
        let key = decode_cursor(cursor, spec.key.len())?;
        let mut placeholders = Vec::new();
        for ((_, param), value) in spec.key.iter().zip(key) {
            binds.push(value);
            placeholders.push(format!("${}::{}", binds.len(), param.cast()));
        }
        let columns: Vec<String> = spec.key.iter().map(|(c, _)| format!("t.{c}")).collect();
        conditions.push(format!(
            "({}) > ({})",
            columns.join(", "),
            placeholders.join(", ")
        ));
    }
    let order: Vec<String> = spec.key.iter().map(|(c, _)| format!("t.{c}")).collect();
    let key_text: Vec<String> = spec
        .key
        .iter()
        .map(|(c, _)| format!("t.{c}::text"))
        .collect();
    let sql = format!(
        "SELECT NULL::text AS item, ARRAY[checkpoint::text] AS k FROM watermark WHERE id \
         UNION ALL (SELECT ({item})::text, ARRAY[{keys}] FROM {table} t {where_} \
         ORDER BY {order} LIMIT {fetch})",
        item = spec.item,
        keys = key_text.join(", "),
        table = spec.table,
        where_ = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        },
        order = order.join(", "),
        fetch = limit + 1,
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(pool).await?;
    let mut checkpoint = "null".to_owned();
    let mut items = Vec::new();
    let mut keys = Vec::new();
    for row in rows {
        let item: Option<String> = row.try_get(0)?;
        let key: Vec<Option<String>> = row.try_get(1)?;
        match item {
            None => checkpoint = key.into_iter().flatten().next().unwrap_or(checkpoint),
            Some(item) => {
                items.push(item);
                keys.push(
                    key.into_iter()
                        .map(Option::unwrap_or_default)
                        .collect::<Vec<_>>(),
                );
            }
        }
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if items.len() > limit {
        items.truncate(limit);
        format!("\"{}\"", encode_cursor(&keys[limit - 1]))
    } else {
        "null".to_owned()
    };
    Ok(json(format!(
        "{{\"checkpoint\":{checkpoint},\"items\":[{}],\"next_cursor\":{next}}}",
        items.join(",")
    )))
}

/// One row of `table` where `column = value`, as `{"checkpoint": …, "item": …}`; 404 if none.
pub async fn one(
    pool: &PgPool,
    table: &str,
    item: &str,
    column: &str,
    value: String,
    param: Param,
    what: &str,
) -> Result<Response, Problem> {
    let sql = format!(
        "SELECT NULL::text AS item, checkpoint::text AS k FROM watermark WHERE id \
         UNION ALL (SELECT ({item})::text, NULL FROM {table} t WHERE t.{column} = $1::{} LIMIT 1)",
        param.cast()
    );
    let rows = sqlx::query(&sql).bind(&value).fetch_all(pool).await?;
    let mut checkpoint = "null".to_owned();
    let mut found = None;
    for row in rows {
        let item: Option<String> = row.try_get(0)?;
        match item {
            None => {
                if let Some(k) = row.try_get::<Option<String>, _>(1)? {
                    checkpoint = k;
                }
            }
            Some(item) => found = Some(item),
        }
    }
    match found {
        Some(item) => Ok(json(format!(
            "{{\"checkpoint\":{checkpoint},\"item\":{item}}}"
        ))),
        None => Err(Problem::not_found(format!("no {what} {value}"))),
    }
}
