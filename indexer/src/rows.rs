//! Set-based writes for one batch of checkpoints.
//!
//! Events are folded in memory, in order, into at most one row per key and table; every column
//! says how a later value combines with the stored one ([`Merge`]), so rows touched by several
//! batches come out as if applied one by one. A batch is then written in a handful of
//! statements, whatever the number of events:
//!
//! - rows whose key an event of the batch **created** (a `BlobRegistered`'s Blob object, a
//!   `LicensePurchased`'s license, every row of an append-only table…) cannot exist yet unless
//!   the batch is replayed, so they are `COPY`ed ([`Plan::copies`]): PostgreSQL's fastest
//!   path, with no conflict check and batched heap insertions;
//! - every other row (an update of a key stored by an earlier batch) goes through
//!   `INSERT … SELECT FROM UNNEST(arrays) ON CONFLICT … DO UPDATE`, all tables chained into
//!   **one** statement of data-modifying CTEs ([`Chain`]), so they cost one round trip;
//! - rows whose key is usually new but may be stored (a blob ID registered again) are
//!   looked up first ([`Plan::probes`]): the new ones are COPYed, the stored ones merged;
//! - should a created key exist after all (a replay that the watermark did not catch), the
//!   caller rolls the COPYs back to a savepoint and merges every row instead
//!   ([`Rows::merge_all`]), which is exactly what the merge would have done anyway.

use std::collections::HashMap;

use sqlx::{Postgres, Transaction};

use crate::copy::CopyData;

/// The SQL type of a column, and how its values are bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `bigint`.
    Int,
    /// `numeric`, bound as text (u64 and u128 do not fit a bigint).
    Num,
    /// `text`.
    Text,
    /// `boolean`.
    Bool,
    /// `jsonb`, bound as text.
    Json,
    /// `bytea` (raw event contents).
    Bytes,
    /// `bytea` of exactly 32 bytes: an object ID or address. Half the bytes of its 66-character
    /// `0x`-hex text in the heap, every index and the WAL, which is what ingest pays for per
    /// row; the API still reads and writes `0x`-hex (the SQL functions `id_text` and
    /// `id_bytes`, see [`Kind::render`] and [`Kind::bind`]).
    Id,
}

impl Kind {
    /// The type as `information_schema.columns.data_type` names it: the schema test compares
    /// the definitions with the migrated database through this.
    pub fn sql_type(self) -> &'static str {
        match self {
            Kind::Int => "bigint",
            Kind::Num => "numeric",
            Kind::Text => "text",
            Kind::Bool => "boolean",
            Kind::Json => "jsonb",
            Kind::Bytes | Kind::Id => "bytea",
        }
    }

    /// The SQL rendering of a column (or expression) `sql` of this kind as the API reads it:
    /// IDs as `0x` and 64 lowercase hex digits, everything else as stored.
    pub fn render(self, sql: &str) -> String {
        match self {
            Kind::Id => format!("id_text({sql})"),
            _ => sql.to_owned(),
        }
    }

    /// The SQL of bound text parameter `$n` (already checked and normalised, e.g. a full
    /// `0x`-hex ID) compared with a column of this kind, cast to `cast` unless it is an ID.
    pub fn bind(self, n: usize, cast: &str) -> String {
        match self {
            Kind::Id => format!("id_bytes(${n}::text)"),
            _ => format!("${n}::{cast}"),
        }
    }

    /// The array cast of a bound parameter of this kind in an `UNNEST` merge.
    fn array_cast(self) -> &'static str {
        match self {
            Kind::Int => "bigint[]",
            Kind::Num => "text[]::numeric[]",
            Kind::Text => "text[]",
            Kind::Bool => "boolean[]",
            Kind::Json => "text[]::jsonb[]",
            Kind::Bytes | Kind::Id => "bytea[]",
        }
    }
}

/// How a new value for a column combines with what is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The latest non-null value wins.
    Set,
    /// The first non-null value stays (creation facts).
    Keep,
    /// Values add up (running totals).
    Add,
    /// The largest value stays (a latest deadline; int and numeric columns).
    Max,
}

/// One cell. Variants are named like the [`Kind`] they are stored as, which is how [`table!`]
/// turns a typed row into cells.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Int(i64),
    Num(u128),
    Text(String),
    Bool(bool),
    Json(String),
    Bytes(Vec<u8>),
    Id([u8; 32]),
}

/// A column of a [`Table`].
#[derive(Debug)]
pub struct Col {
    pub name: &'static str,
    pub kind: Kind,
    pub merge: Merge,
}

/// A projection table: its key columns come first in `cols`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub key_len: usize,
    pub cols: &'static [Col],
    /// Append-only tables ignore a second write of a key (a replayed event); the others merge.
    /// Their keys are the event itself, so every row is one the batch creates.
    pub append_only: bool,
}

/// A typed row of one [`Table`], as [`table!`] declares it: one `Option` field per column,
/// typed by the column's [`Kind`], so a projection that names a column the table lacks, or
/// gives it a value of the wrong type, does not compile.
pub trait TableRow {
    const TABLE: &'static Table;
    /// The cells in column order (`None` leaves the stored value as it is).
    fn into_cells(self) -> Vec<Option<Value>>;
}

/// The Rust type a column of a kind holds in a typed row.
macro_rules! cell_type {
    (Int) => { i64 };
    (Num) => { u128 };
    (Text) => { String };
    (Bool) => { bool };
    (Json) => { String };
    (Bytes) => { Vec<u8> };
    (Id) => { [u8; 32] };
}

/// Declares tables: for each, the [`Table`] the writer builds its `COPY` and merge
/// statements from, and its typed row (a [`TableRow`]). The one place a column is named,
/// typed and given its merge rule; the schema test checks each against the migrated database.
///
/// ```text
/// /// doc
/// STATIC = sql_name: RowType, key N, merge|append {
///     column: Kind Merge,
///     …
/// }
/// ```
macro_rules! table {
    ($(
        $(#[$doc:meta])*
        $table:ident = $name:ident: $row:ident, key $key_len:literal, $mode:ident {
            $($col:ident: $kind:ident $merge:ident),+ $(,)?
        }
    )+) => {$(
        $(#[$doc])*
        pub static $table: $crate::rows::Table = $crate::rows::Table {
            name: stringify!($name),
            key_len: $key_len,
            append_only: $crate::rows::table!(@append $mode),
            cols: &[$($crate::rows::Col {
                name: stringify!($col),
                kind: $crate::rows::Kind::$kind,
                merge: $crate::rows::Merge::$merge,
            }),+],
        };

        #[doc = concat!("A row of `", stringify!($name), "`; `None` cells leave stored values as they are.")]
        #[derive(Debug, Default, Clone)]
        pub struct $row {
            $(pub $col: Option<$crate::rows::cell_type!($kind)>,)+
        }

        impl $crate::rows::TableRow for $row {
            const TABLE: &'static $crate::rows::Table = &$table;
            fn into_cells(self) -> Vec<Option<$crate::rows::Value>> {
                vec![$(self.$col.map($crate::rows::Value::$kind)),+]
            }
        }
    )+};
    (@append merge) => { false };
    (@append append) => { true };
}
pub(crate) use {cell_type, table};

impl Table {
    /// The statement that merges this table's rows, one array parameter per column, numbered
    /// from `$first`.
    pub fn statement(&self, first: usize) -> String {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        let arrays: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}", first + i, c.kind.array_cast()))
            .collect();
        let keys = names[..self.key_len].join(", ");
        let mut sql = format!(
            "INSERT INTO {} AS t ({}) SELECT * FROM UNNEST({}) ",
            self.name,
            names.join(", "),
            arrays.join(", ")
        );
        let updates: Vec<String> = self.cols[self.key_len..]
            .iter()
            .map(|c| {
                let n = c.name;
                match c.merge {
                    Merge::Set => format!("{n} = COALESCE(EXCLUDED.{n}, t.{n})"),
                    Merge::Keep => format!("{n} = COALESCE(t.{n}, EXCLUDED.{n})"),
                    Merge::Add => format!(
                        "{n} = CASE WHEN EXCLUDED.{n} IS NULL THEN t.{n} \
                         ELSE COALESCE(t.{n}, 0) + EXCLUDED.{n} END"
                    ),
                    // GREATEST ignores nulls.
                    Merge::Max => format!("{n} = GREATEST(t.{n}, EXCLUDED.{n})"),
                }
            })
            .collect();
        if self.append_only || updates.is_empty() {
            sql.push_str(&format!("ON CONFLICT ({keys}) DO NOTHING"));
        } else {
            sql.push_str(&format!(
                "ON CONFLICT ({keys}) DO UPDATE SET {}",
                updates.join(", ")
            ));
        }
        sql
    }

    /// The `COPY` statement [`Plan::copies`] data is written for.
    pub fn copy_statement(&self) -> String {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            self.name,
            names.join(", ")
        )
    }
}

/// Why a batch could not be folded or written.
#[derive(Debug, thiserror::Error)]
pub enum RowsError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("column {table}.{column}: {message}")]
    Value {
        table: &'static str,
        column: &'static str,
        message: String,
    },
}

type Row = Vec<Option<Value>>;

/// What the first event of a batch touching a key says about the stored row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The event created the key: no row can be stored unless the batch is a replay.
    Created,
    /// Usually new, possibly stored: look it up before choosing COPY or merge.
    Maybe,
    /// An update of a key that may well be stored.
    Touched,
}

/// The rows of one table in a batch, one per key, in first-touch order.
#[derive(Default, Clone)]
struct Pending {
    /// Key cells (all `Some`) → position in `rows`.
    index: HashMap<Vec<Option<Value>>, usize>,
    rows: Vec<Row>,
    /// Per row: what the batch's first event touching the key said about it.
    origin: Vec<Origin>,
}

/// Everything one batch will write, table by table.
#[derive(Default, Clone)]
pub struct Rows {
    tables: Vec<(&'static Table, Pending)>,
}

impl Rows {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of rows pending across tables.
    pub fn len(&self) -> usize {
        self.tables.iter().map(|(_, p)| p.rows.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Folds `row` into the stored row of its key; key columns must be given.
    /// For an event that changes an object which may already be stored.
    pub fn put<R: TableRow>(&mut self, row: R) -> Result<(), RowsError> {
        let origin = if R::TABLE.append_only {
            Origin::Created
        } else {
            Origin::Touched
        };
        self.fold(R::TABLE, row.into_cells(), origin)
    }

    /// Like [`Rows::put`], for the event that creates the row's object (a new object ID, a new
    /// challenge number): when it is the batch's first touch of the key, the row is COPYed.
    /// Only a hint: a key that exists after all costs a fallback, never a wrong row.
    pub fn create<R: TableRow>(&mut self, row: R) -> Result<(), RowsError> {
        self.fold(R::TABLE, row.into_cells(), Origin::Created)
    }

    /// Like [`Rows::put`], for an event whose key is usually new but may be stored already
    /// (a blob ID registered a second time): the writer looks such keys up, COPYs the new
    /// ones and merges the others. Tables with a one-column text key only; elsewhere this is
    /// [`Rows::put`].
    pub fn create_unless_stored<R: TableRow>(&mut self, row: R) -> Result<(), RowsError> {
        let table = R::TABLE;
        let origin = if table.key_len == 1 && table.cols[0].kind == Kind::Text {
            Origin::Maybe
        } else {
            Origin::Touched
        };
        self.fold(table, row.into_cells(), origin)
    }

    fn fold(&mut self, table: &'static Table, row: Row, origin: Origin) -> Result<(), RowsError> {
        if let Some(i) = row[..table.key_len].iter().position(Option::is_none) {
            return Err(RowsError::Value {
                table: table.name,
                column: table.cols[i].name,
                message: "key column is missing (or does not fit its type)".to_owned(),
            });
        }
        let slot = match self
            .tables
            .iter()
            .position(|(t, _)| std::ptr::eq(*t, table))
        {
            Some(i) => i,
            None => {
                self.tables.push((table, Pending::default()));
                self.tables.len() - 1
            }
        };
        let pending = &mut self.tables[slot].1;
        match pending.index.get(&row[..table.key_len]) {
            None => {
                pending
                    .index
                    .insert(row[..table.key_len].to_vec(), pending.rows.len());
                pending.rows.push(row);
                pending.origin.push(origin);
            }
            Some(&at) => {
                if table.append_only {
                    return Ok(());
                }
                let old = &mut pending.rows[at];
                for (i, new) in row.into_iter().enumerate().skip(table.key_len) {
                    let col = &table.cols[i];
                    old[i] = merge(table, col, old[i].take(), new)?;
                }
            }
        }
        Ok(())
    }

    /// How the batch is written: its created rows as COPY data, the rest as one merge chain,
    /// except tables with rows to look up first.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::default();
        for (table, pending) in &self.tables {
            let rows = |origin: Origin| {
                pending
                    .rows
                    .iter()
                    .zip(&pending.origin)
                    .filter(move |(_, o)| **o == origin)
                    .map(|(r, _)| r)
            };
            let created = pending
                .origin
                .iter()
                .filter(|&&o| o == Origin::Created)
                .count();
            if created > 0 {
                plan.copies
                    .push((*table, copy_data(table, rows(Origin::Created), created)));
            }
            if pending.origin.contains(&Origin::Maybe) {
                // This table's merge waits for the lookup (one statement per table).
                plan.probes.push(Probe {
                    table,
                    maybe: rows(Origin::Maybe).cloned().collect(),
                    touched: rows(Origin::Touched).cloned().collect(),
                });
            } else if pending.origin.contains(&Origin::Touched) {
                plan.merges.push_table(table, rows(Origin::Touched));
            }
        }
        plan
    }

    /// Every row as one merge chain: the fallback when a created key turned out to exist.
    pub fn merge_all(&self) -> Chain {
        let mut chain = Chain::default();
        for (table, pending) in &self.tables {
            if !pending.rows.is_empty() {
                chain.push_table(table, pending.rows.iter());
            }
        }
        chain
    }
}

/// `rows` (about `count` of them) of `table` as binary COPY data.
fn copy_data<'a>(table: &Table, rows: impl Iterator<Item = &'a Row>, count: usize) -> Vec<u8> {
    let mut data = CopyData::with_capacity(count * table.cols.len() * 24);
    for row in rows {
        copy_row(&mut data, table, row);
    }
    data.finish()
}

/// One row of `table` into binary COPY data (values were checked against the column kinds
/// when folded).
fn copy_row(data: &mut CopyData, table: &Table, row: &Row) {
    data.row(u16::try_from(table.cols.len()).unwrap_or(u16::MAX));
    for cell in row {
        match cell {
            None => data.null(),
            Some(Value::Int(v)) => data.int8(*v),
            Some(Value::Num(v)) => data.numeric(*v),
            Some(Value::Text(v)) => data.text(v),
            Some(Value::Bool(v)) => data.bool(*v),
            Some(Value::Json(v)) => data.jsonb(v),
            Some(Value::Bytes(v)) => data.bytea(v),
            Some(Value::Id(v)) => data.bytea(v),
        }
    }
}

/// A batch's writes, worked out before its transaction (on the CPU side of the pipeline).
#[derive(Clone, Default)]
pub struct Plan {
    /// Per table with created rows: binary COPY data for [`Table::copy_statement`].
    pub copies: Vec<(&'static Table, Vec<u8>)>,
    /// The other rows' merges, but for the tables in `probes`.
    pub merges: Chain,
    /// Tables with rows that may or may not be stored.
    pub probes: Vec<Probe>,
}

/// A table whose rows are split once its stored keys are known.
#[derive(Clone)]
pub struct Probe {
    pub table: &'static Table,
    maybe: Vec<Row>,
    touched: Vec<Row>,
}

impl Probe {
    /// The keys to look up (one text column, as [`Rows::create_unless_stored`] requires).
    pub fn keys(&self) -> Vec<&str> {
        self.maybe
            .iter()
            .filter_map(|r| match &r[0] {
                Some(Value::Text(k)) => Some(k.as_str()),
                _ => None,
            })
            .collect()
    }

    /// `SELECT` of the stored keys among `$1` (a text array).
    pub fn lookup_statement(&self) -> String {
        let key = self.table.cols[0].name;
        format!(
            "SELECT {key} FROM {} WHERE {key} = ANY($1::text[])",
            self.table.name
        )
    }

    /// Given the stored keys: COPY data for the new rows (if any), and the merge of the
    /// others (stored and touched rows) added to `chain`.
    pub fn split(
        &self,
        stored: &std::collections::HashSet<String>,
        chain: &mut Chain,
    ) -> Option<Vec<u8>> {
        let is_stored = |r: &&Row| match &r[0] {
            Some(Value::Text(k)) => stored.contains(k),
            _ => true,
        };
        let new = self.maybe.iter().filter(|r| !is_stored(r));
        let count = new.clone().count();
        let merged = self
            .touched
            .iter()
            .chain(self.maybe.iter().filter(is_stored));
        if merged.clone().next().is_some() {
            chain.push_table(self.table, merged);
        }
        (count > 0).then(|| copy_data(self.table, new, count))
    }
}

/// A statement parameter.
#[derive(Debug, Clone)]
pub enum Param {
    Ints(Vec<Option<i64>>),
    Bools(Vec<Option<bool>>),
    /// Text, and numbers and JSON as text (cast in SQL).
    Texts(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Int(Option<i64>),
}

/// Several data-modifying statements run as one: `WITH c0 AS (…), c1 AS (…) SELECT 1`.
/// PostgreSQL runs every part to completion on one snapshot, so parts must touch different
/// tables (each table appears once per batch here).
#[derive(Debug, Clone, Default)]
pub struct Chain {
    parts: Vec<String>,
    params: Vec<Param>,
    /// Parameters of the chain this one follows.
    offset: usize,
}

impl Chain {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// An empty chain whose parameters will follow `other`'s, to run with it
    /// ([`Chain::execute_with`]).
    pub fn after(other: &Chain) -> Self {
        Self {
            parts: Vec::new(),
            params: Vec::new(),
            offset: other.next_param() - 1,
        }
    }

    /// The number the next parameter will have (`$n`).
    pub fn next_param(&self) -> usize {
        self.offset + self.params.len() + 1
    }

    /// Adds a statement whose placeholders start at [`Chain::next_param`], with its
    /// parameters in order.
    pub fn push(&mut self, sql: String, params: impl IntoIterator<Item = Param>) {
        self.parts.push(sql);
        self.params.extend(params);
    }

    /// Adds the merge of `rows` into `table`.
    fn push_table<'a>(
        &mut self,
        table: &'static Table,
        rows: impl Iterator<Item = &'a Row> + Clone,
    ) {
        let sql = table.statement(self.next_param());
        let params = table.cols.iter().enumerate().map(|(i, col)| {
            let cells = rows.clone().map(|r| r[i].as_ref());
            match col.kind {
                Kind::Int => Param::Ints(
                    cells
                        .map(|v| match v {
                            Some(Value::Int(x)) => Some(*x),
                            _ => None,
                        })
                        .collect(),
                ),
                Kind::Bool => Param::Bools(
                    cells
                        .map(|v| match v {
                            Some(Value::Bool(x)) => Some(*x),
                            _ => None,
                        })
                        .collect(),
                ),
                Kind::Bytes | Kind::Id => Param::Bytes(
                    cells
                        .map(|v| match v {
                            Some(Value::Bytes(x)) => Some(x.clone()),
                            Some(Value::Id(x)) => Some(x.to_vec()),
                            _ => None,
                        })
                        .collect(),
                ),
                Kind::Num | Kind::Text | Kind::Json => Param::Texts(
                    cells
                        .map(|v| match v {
                            Some(Value::Num(x)) => Some(x.to_string()),
                            Some(Value::Text(s) | Value::Json(s)) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                ),
            }
        });
        let params: Vec<Param> = params.collect();
        self.push(sql, params);
    }

    /// The chain as one statement.
    pub fn sql(&self) -> String {
        Self::sql_of(&self.parts.iter().collect::<Vec<_>>())
    }

    fn sql_of(parts: &[&String]) -> String {
        if let [only] = parts {
            return (*only).clone();
        }
        let ctes: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| format!("c{i} AS ({part})"))
            .collect();
        format!("WITH {} SELECT 1", ctes.join(", "))
    }

    /// Runs the chain inside `tx` (one round trip; nothing when empty).
    pub async fn execute(&self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        self.execute_with(tx, None).await
    }

    /// Runs the chain and `then` (built with [`Chain::after`] this one) as one statement.
    pub async fn execute_with(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        then: Option<&Chain>,
    ) -> Result<(), sqlx::Error> {
        let chains = [Some(self), then];
        let chains = chains.iter().flatten();
        let parts: Vec<&String> = chains.clone().flat_map(|c| &c.parts).collect();
        if parts.is_empty() {
            return Ok(());
        }
        debug_assert!(then.is_none_or(|t| t.offset == self.offset + self.params.len()));
        let sql = Self::sql_of(&parts);
        let mut query = sqlx::query(&sql);
        for param in chains.flat_map(|c| &c.params) {
            query = match param {
                Param::Ints(v) => query.bind(v.as_slice()),
                Param::Bools(v) => query.bind(v.as_slice()),
                Param::Texts(v) => query.bind(v.as_slice()),
                Param::Bytes(v) => query.bind(v.as_slice()),
                Param::Int(v) => query.bind(*v),
            };
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }
}

fn merge(
    table: &'static Table,
    col: &'static Col,
    old: Option<Value>,
    new: Option<Value>,
) -> Result<Option<Value>, RowsError> {
    Ok(match col.merge {
        Merge::Set => new.or(old),
        Merge::Keep => old.or(new),
        Merge::Max => match (old, new) {
            (Some(Value::Num(a)), Some(Value::Num(b))) => Some(Value::Num(a.max(b))),
            (Some(Value::Int(a)), Some(Value::Int(b))) => Some(Value::Int(a.max(b))),
            (a, None) => a,
            (None, b) => b,
            (a, b) => {
                return Err(RowsError::Value {
                    table: table.name,
                    column: col.name,
                    message: format!("cannot compare {a:?} and {b:?}"),
                });
            }
        },
        Merge::Add => match (old, new) {
            (Some(Value::Num(a)), Some(Value::Num(b))) => {
                Some(Value::Num(a.checked_add(b).ok_or_else(|| {
                    RowsError::Value {
                        table: table.name,
                        column: col.name,
                        message: "sum overflows u128".to_owned(),
                    }
                })?))
            }
            (Some(Value::Int(a)), Some(Value::Int(b))) => Some(Value::Int(a.saturating_add(b))),
            (a, None) => a,
            (None, b) => b,
            (a, b) => {
                return Err(RowsError::Value {
                    table: table.name,
                    column: col.name,
                    message: format!("cannot add {a:?} and {b:?}"),
                });
            }
        },
    })
}

// Cell constructors used by the projections.

/// A u64 that is an epoch, checkpoint, timestamp or sequence number (fits a bigint on any
/// real chain); larger values are rejected rather than wrapped.
pub fn int(v: u64) -> Option<i64> {
    i64::try_from(v).ok()
}
pub fn num(v: impl Into<u128>) -> Option<u128> {
    Some(v.into())
}
pub fn text(v: impl Into<String>) -> Option<String> {
    Some(v.into())
}
pub fn boolean(v: bool) -> Option<bool> {
    Some(v)
}
pub fn json(v: &serde_json::Value) -> Option<String> {
    Some(v.to_string())
}
/// An object ID or address (a [`Kind::Id`] column) from its 32 bytes.
pub fn id(bytes: [u8; 32]) -> Option<[u8; 32]> {
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    table! {
        T = t: TRow, key 1, merge {
            id: Text Keep,
            status: Text Set,
            created: Int Keep,
            total: Num Add,
        }
        U = u: URow, key 1, merge {
            id: Text Keep,
            v: Int Set,
        }
    }

    #[test]
    fn rows_of_one_key_fold_by_merge_rule() {
        let mut rows = Rows::new();
        rows.put(TRow {
            id: text("a"),
            status: text("new"),
            created: int(1),
            total: num(2u64),
        })
        .expect("fold");
        rows.put(TRow {
            id: text("a"),
            status: text("done"),
            created: int(9),
            total: num(3u64),
        })
        .expect("fold");
        assert_eq!(rows.len(), 1);
        let row = &rows.tables[0].1.rows[0];
        assert_eq!(row[1], Some(Value::Text("done".to_owned())));
        assert_eq!(row[2], Some(Value::Int(1)));
        assert_eq!(row[3], Some(Value::Num(5)));
    }

    #[test]
    fn a_row_without_its_key_is_refused() {
        let mut rows = Rows::new();
        let missing = rows.put(TRow {
            status: text("x"),
            ..TRow::default()
        });
        assert!(
            matches!(
                missing,
                Err(RowsError::Value {
                    table: "t",
                    column: "id",
                    ..
                })
            ),
            "{missing:?}"
        );
        // An epoch beyond a bigint is not wrapped: the key is missing, not wrong.
        let huge = rows.put(URow {
            id: text("u"),
            v: int(u64::MAX),
        });
        assert!(huge.is_ok() && rows.tables[0].1.rows[0][1].is_none());
    }

    #[test]
    fn statements_merge_or_ignore() {
        let sql = T.statement(1);
        assert!(sql.contains("ON CONFLICT (id) DO UPDATE"), "{sql}");
        assert!(
            sql.contains("COALESCE(t.total, 0) + EXCLUDED.total"),
            "{sql}"
        );
        assert!(sql.contains("$4::text[]::numeric[]"), "{sql}");
        assert_eq!(
            T.copy_statement(),
            "COPY t (id, status, created, total) FROM STDIN (FORMAT binary)"
        );
    }

    #[test]
    fn created_rows_are_copied_touched_ones_merged_in_one_chain() {
        let mut rows = Rows::new();
        rows.create(TRow {
            id: text("new"),
            total: num(1u64),
            ..TRow::default()
        })
        .expect("fold");
        // A later update of a key created in the batch folds into the created row.
        rows.put(TRow {
            id: text("new"),
            total: num(2u64),
            ..TRow::default()
        })
        .expect("fold");
        rows.put(TRow {
            id: text("old"),
            status: text("x"),
            ..TRow::default()
        })
        .expect("fold");
        rows.put(URow {
            id: text("u1"),
            v: int(3),
        })
        .expect("fold");
        let plan = rows.plan();
        assert_eq!(plan.copies.len(), 1);
        assert_eq!(plan.copies[0].0.name, "t");
        assert!(plan.probes.is_empty());
        let sql = plan.merges.sql();
        assert!(sql.starts_with("WITH c0 AS (INSERT INTO t "), "{sql}");
        assert!(sql.contains("UNNEST($5::text[], $6::bigint[])"), "{sql}");
        let then = Chain::after(&plan.merges);
        assert_eq!(then.next_param(), 7);
    }

    #[test]
    fn keys_that_may_be_stored_wait_for_the_lookup() {
        let mut rows = Rows::new();
        for id in ["a", "b"] {
            rows.create_unless_stored(TRow {
                id: text(id),
                created: int(1),
                ..TRow::default()
            })
            .expect("fold");
        }
        rows.put(TRow {
            id: text("c"),
            status: text("x"),
            ..TRow::default()
        })
        .expect("fold");
        let plan = rows.plan();
        assert!(plan.copies.is_empty() && plan.merges.is_empty());
        let probe = &plan.probes[0];
        assert_eq!(probe.keys(), ["a", "b"]);
        let stored = ["b".to_owned()].into_iter().collect();
        let mut chain = Chain::default();
        let data = probe.split(&stored, &mut chain).expect("a is new");
        assert!(!data.is_empty());
        // b (stored) and c (touched) are merged together, in one statement for the table.
        assert_eq!(chain.parts.len(), 1);
        match &chain.params[0] {
            Param::Texts(keys) => assert_eq!(keys, &[Some("c".to_owned()), Some("b".to_owned())]),
            other => panic!("{other:?}"),
        }
    }
}
