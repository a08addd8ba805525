//! Set-based writes for one batch of checkpoints.
//!
//! Events are folded in memory, in order, into at most one row per key and table; each table
//! is then written with ONE statement (`INSERT … SELECT FROM UNNEST(arrays) ON CONFLICT …`),
//! whatever the number of events. That keeps a batch at a handful of round trips, which is
//! what makes ingestion fast, while every column says how a later value combines with the
//! stored one ([`Merge`]), so rows touched by several batches come out as if applied one by one.

use std::collections::HashMap;

use sqlx::{Postgres, Transaction};

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
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Int(i64),
    Num(u128),
    Text(String),
    Bool(bool),
    Json(String),
}

/// A column of a [`Table`].
#[derive(Debug)]
pub struct Col {
    pub name: &'static str,
    pub kind: Kind,
    pub merge: Merge,
}

/// Shorthand constructors so table declarations stay one line per column.
pub const fn set(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        merge: Merge::Set,
    }
}
pub const fn keep(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        merge: Merge::Keep,
    }
}
pub const fn add(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        merge: Merge::Add,
    }
}

/// A projection table: its key columns come first in `cols`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub key_len: usize,
    pub cols: &'static [Col],
    /// Append-only tables ignore a second write of a key (a replayed event); the others merge.
    pub append_only: bool,
}

impl Table {
    fn position(&self, column: &str) -> usize {
        self.cols
            .iter()
            .position(|c| c.name == column)
            .unwrap_or_else(|| panic!("table {} has no column {column}", self.name))
    }

    /// The statement that writes this table's rows, one array parameter per column.
    fn statement(&self) -> String {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        let arrays: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let n = i + 1;
                match c.kind {
                    Kind::Int => format!("${n}::bigint[]"),
                    Kind::Num => format!("${n}::text[]::numeric[]"),
                    Kind::Text => format!("${n}::text[]"),
                    Kind::Bool => format!("${n}::boolean[]"),
                    Kind::Json => format!("${n}::text[]::jsonb[]"),
                }
            })
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

/// The rows of one table in a batch, one per key, in first-touch order.
#[derive(Default, Clone)]
struct Pending {
    index: HashMap<Vec<Value>, usize>,
    rows: Vec<Row>,
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

    /// Folds `cells` (column name, value) into the row of its key; key columns must be given.
    pub fn put(
        &mut self,
        table: &'static Table,
        cells: &[(&'static str, Option<Value>)],
    ) -> Result<(), RowsError> {
        let mut row: Row = vec![None; table.cols.len()];
        for (name, value) in cells {
            row[table.position(name)] = value.clone();
        }
        let key: Vec<Value> = row[..table.key_len]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.clone().ok_or_else(|| RowsError::Value {
                    table: table.name,
                    column: table.cols[i].name,
                    message: "key column is missing".to_owned(),
                })
            })
            .collect::<Result<_, _>>()?;
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
        match pending.index.get(&key) {
            None => {
                pending.index.insert(key, pending.rows.len());
                pending.rows.push(row);
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

    /// Writes every table with one statement each, inside `tx`.
    pub async fn write(self, tx: &mut Transaction<'_, Postgres>) -> Result<(), RowsError> {
        for (table, pending) in self.tables {
            if pending.rows.is_empty() {
                continue;
            }
            let sql = table.statement();
            let mut query = sqlx::query(&sql);
            for (i, col) in table.cols.iter().enumerate() {
                let cells = pending.rows.iter().map(|r| r[i].clone());
                query = match col.kind {
                    Kind::Int => query.bind(
                        cells
                            .map(|v| match v {
                                Some(Value::Int(x)) => Some(x),
                                _ => None,
                            })
                            .collect::<Vec<Option<i64>>>(),
                    ),
                    Kind::Bool => query.bind(
                        cells
                            .map(|v| match v {
                                Some(Value::Bool(x)) => Some(x),
                                _ => None,
                            })
                            .collect::<Vec<Option<bool>>>(),
                    ),
                    Kind::Num | Kind::Text | Kind::Json => query.bind(
                        cells
                            .map(|v| match v {
                                Some(Value::Num(x)) => Some(x.to_string()),
                                Some(Value::Text(s) | Value::Json(s)) => Some(s),
                                _ => None,
                            })
                            .collect::<Vec<Option<String>>>(),
                    ),
                };
            }
            query.execute(&mut **tx).await?;
        }
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

// Value constructors used by the projections.

/// A u64 that is an epoch, checkpoint, timestamp or sequence number (fits a bigint on any
/// real chain); larger values are rejected rather than wrapped.
pub fn int(v: u64) -> Option<Value> {
    i64::try_from(v).ok().map(Value::Int)
}
pub fn num(v: impl Into<u128>) -> Option<Value> {
    Some(Value::Num(v.into()))
}
pub fn text(v: impl Into<String>) -> Option<Value> {
    Some(Value::Text(v.into()))
}
pub fn boolean(v: bool) -> Option<Value> {
    Some(Value::Bool(v))
}
pub fn json(v: &serde_json::Value) -> Option<Value> {
    Some(Value::Json(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Table = Table {
        name: "t",
        key_len: 1,
        cols: &[
            keep("id", Kind::Text),
            set("status", Kind::Text),
            keep("created", Kind::Int),
            add("total", Kind::Num),
        ],
        append_only: false,
    };

    #[test]
    fn rows_of_one_key_fold_by_merge_rule() {
        let mut rows = Rows::new();
        rows.put(
            &T,
            &[
                ("id", text("a")),
                ("status", text("new")),
                ("created", int(1)),
                ("total", num(2u64)),
            ],
        )
        .expect("fold");
        rows.put(
            &T,
            &[
                ("id", text("a")),
                ("status", text("done")),
                ("created", int(9)),
                ("total", num(3u64)),
            ],
        )
        .expect("fold");
        assert_eq!(rows.len(), 1);
        let row = &rows.tables[0].1.rows[0];
        assert_eq!(row[1], text("done"));
        assert_eq!(row[2], int(1));
        assert_eq!(row[3], num(5u64));
    }

    #[test]
    fn statements_merge_or_ignore() {
        let sql = T.statement();
        assert!(sql.contains("ON CONFLICT (id) DO UPDATE"), "{sql}");
        assert!(
            sql.contains("COALESCE(t.total, 0) + EXCLUDED.total"),
            "{sql}"
        );
    }
}
