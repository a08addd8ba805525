//! The two query shapes every resource uses: a keyset-paginated list and a single row.
//!
//! Rows are read as the typed resources of [`super::resources`]: each cell comes as
//! PostgreSQL's text rendering (one `text[]` per row) and is parsed by its field's type, so
//! NUMERIC amounts stay exact. The watermark is read in the same statement (`UNION ALL`), so
//! the checkpoint a response claims is exactly the snapshot its rows come from.

use std::collections::HashMap;

use axum::Json;
use serde::Serialize;
use sqlx::{PgPool, Row as _};
use utoipa::ToSchema;

use super::pagination::{Order, decode_cursor, encode_cursor, parse_limit};
use super::problem::Problem;
use super::resource::{Resource, ResourceInfo};

pub use super::param::Param;

/// A filter of a list: its query parameter, the column it compares, its type and what the
/// OpenAPI document says about it.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub name: &'static str,
    pub column: &'static str,
    pub param: Param,
    pub description: &'static str,
}

impl Filter {
    /// A filter whose query parameter is named like its column.
    pub const fn new(name: &'static str, param: Param, description: &'static str) -> Self {
        Self {
            name,
            column: name,
            param,
            description,
        }
    }
}

/// A list resource: its key (sort order) and the filters its query string accepts; the
/// table and the fields come from the resource it answers. Every list is read in either
/// [`Order`] of its key (`order=asc|desc`); each index that serves the ascending order serves
/// the descending one scanned backwards.
pub struct ListSpec {
    /// The resource the list answers (its table is the one read).
    pub resource: &'static ResourceInfo,
    /// The columns rows are ordered by; unique together. A cursor carries their values.
    pub key: &'static [(&'static str, Param)],
    pub filters: &'static [Filter],
}

impl ListSpec {
    pub fn table(&self) -> &'static str {
        self.resource.table
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The last checkpoint fully indexed when the page was read (null before the first).
    pub checkpoint: Option<u64>,
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct Item<T> {
    /// The last checkpoint fully indexed when the resource was read.
    pub checkpoint: Option<u64>,
    pub item: T,
}

/// Rows of one statement: the watermark (part 0) and each branch's rows, read in one
/// snapshot, so the checkpoint a response claims is exactly the one its rows come from.
pub struct Snapshot {
    pub checkpoint: Option<u64>,
    /// (branch number from 1, cells, key cells as text).
    pub rows: Vec<(i32, Vec<Option<String>>, Vec<String>)>,
}

/// Runs `branches` (each `SELECT <n>, <text[] cells>, <text[] key> FROM …`, numbered from 1)
/// with the watermark as one `UNION ALL` statement.
pub async fn snapshot(
    pool: &PgPool,
    branches: &[String],
    binds: Vec<String>,
) -> Result<Snapshot, Problem> {
    let mut sql = "SELECT 0 AS part, ARRAY[checkpoint::text] AS cells, NULL::text[] AS k \
         FROM watermark WHERE id"
        .to_owned();
    for branch in branches {
        sql.push_str(" UNION ALL (");
        sql.push_str(branch);
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(pool).await?;
    let mut out = Snapshot {
        checkpoint: None,
        rows: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let part: i32 = row.try_get(0)?;
        let cells: Vec<Option<String>> = row.try_get(1)?;
        if part == 0 {
            out.checkpoint = cells
                .first()
                .cloned()
                .flatten()
                .and_then(|c| c.parse().ok());
            continue;
        }
        let key: Option<Vec<Option<String>>> = row.try_get(2)?;
        let key = key
            .unwrap_or_default()
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        out.rows.push((part, cells, key));
    }
    Ok(out)
}

/// Builds a resource from its cells; a cell the declaration does not allow is a server
/// fault (the schema test keeps declarations and tables in step), logged and reported 500.
pub fn build<R: Resource>(cells: &[Option<String>]) -> Result<R, Problem> {
    R::from_cells(cells).map_err(|e| {
        tracing::error!(error = %e, "a row does not fit its resource");
        Problem::internal(format!("a {} row could not be read", R::INFO.name))
    })
}

/// One page of `spec`, filtered by `query` plus `fixed` (column, value, type) conditions.
pub async fn list<R: Resource>(
    pool: &PgPool,
    spec: &ListSpec,
    query: &HashMap<String, String>,
    fixed: &[(&str, String, Param)],
) -> Result<Json<Page<R>>, Problem> {
    debug_assert_eq!(
        spec.resource.name,
        R::INFO.name,
        "a list answers its own resource"
    );
    for name in query.keys() {
        if !["limit", "cursor", "order"].contains(&name.as_str())
            && !spec.filters.iter().any(|f| f.name == name)
        {
            let known: Vec<&str> = spec.filters.iter().map(|f| f.name).collect();
            return Err(Problem::bad_request(
                "unknown-parameter",
                format!(
                    "unknown query parameter {name:?}; this list takes limit, cursor, order{}{}",
                    if known.is_empty() { "" } else { ", " },
                    known.join(", ")
                ),
            ));
        }
    }
    let limit = parse_limit(query.get("limit").map(String::as_str))?;
    let order = Order::parse(query.get("order").map(String::as_str))?;
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let info = spec.resource;
    for (column, value, param) in fixed {
        binds.push(value.clone());
        conditions.push(info.equals(column, binds.len(), param.cast()));
    }
    for filter in spec.filters {
        if let Some(value) = query.get(filter.name) {
            binds.push(filter.param.parse(filter.name, value)?);
            conditions.push(info.equals(filter.column, binds.len(), filter.param.cast()));
        }
    }
    if let Some(cursor) = query.get("cursor") {
        let key = decode_cursor(cursor, order, spec.key)?;
        let mut placeholders = Vec::new();
        for ((column, param), value) in spec.key.iter().zip(key) {
            binds.push(value);
            placeholders.push(info.bound(column, binds.len(), param.cast()));
        }
        let columns: Vec<String> = spec.key.iter().map(|(c, _)| format!("t.{c}")).collect();
        conditions.push(format!(
            "({}) {} ({})",
            columns.join(", "),
            order.after(),
            placeholders.join(", ")
        ));
    }
    let order_by: Vec<String> = spec
        .key
        .iter()
        .map(|(c, _)| format!("t.{c} {}", order.sql()))
        .collect();
    let key_text: Vec<String> = spec.key.iter().map(|(c, _)| info.text_of(c)).collect();
    let branch = format!(
        "SELECT 1, {select}, ARRAY[{keys}] FROM {table} t {where_} ORDER BY {order} LIMIT {fetch}",
        select = R::INFO.select(),
        keys = key_text.join(", "),
        table = spec.table(),
        where_ = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        },
        order = order_by.join(", "),
        fetch = limit + 1,
    );
    let Snapshot { checkpoint, rows } = snapshot(pool, &[branch], binds).await?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = (rows.len() > limit).then(|| encode_cursor(order, &rows[limit - 1].2));
    let items = rows
        .iter()
        .take(limit)
        .map(|(_, cells, _)| build::<R>(cells))
        .collect::<Result<_, _>>()?;
    Ok(Json(Page {
        checkpoint,
        items,
        next_cursor,
    }))
}

/// The resource `R` whose `column = value`, as `{"checkpoint": …, "item": …}`; 404 if none.
pub async fn one<R: Resource>(
    pool: &PgPool,
    column: &str,
    value: String,
    param: Param,
    what: &str,
) -> Result<Json<Item<R>>, Problem> {
    let branch = format!(
        "SELECT 1, {}, NULL::text[] FROM {} t WHERE {} LIMIT 1",
        R::INFO.select(),
        R::INFO.table,
        R::INFO.equals(column, 1, param.cast())
    );
    let Snapshot { checkpoint, rows } = snapshot(pool, &[branch], vec![value.clone()]).await?;
    match rows.first() {
        Some((_, cells, _)) => Ok(Json(Item {
            checkpoint,
            item: build(cells)?,
        })),
        None => Err(Problem::not_found(format!("no {what} {value}"))),
    }
}
