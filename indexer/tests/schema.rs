//! The table definitions (`floe_indexer::schema`) against a freshly migrated database: the
//! same tables, columns, types and primary keys, and every table's `COPY` and merge statements
//! accepted by the server. A column added to a migration but not to its definition (or the
//! other way round, or with another type) fails here, not in the middle of an ingest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use floe_indexer::copy::CopyData;
use floe_indexer::rows::Kind;
use floe_indexer::schema::{ALL, VIEWS};
use support::TestDb;

/// Tables the migrations create that no definition describes, and why.
const UNDECLARED: &[&str] = &[
    // sqlx's own bookkeeping.
    "_sqlx_migrations",
    // One row the ingest writes with its own statement (`push_watermark`).
    "watermark",
];

/// `relation → [(column, data_type)]` of the relations of `table_type` in the public schema.
async fn columns(db: &TestDb, table_type: &str) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = $1",
    )
    .bind(table_type)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for (table, column, data_type) in rows {
        out.entry(table).or_default().insert((column, data_type));
    }
    out
}

fn declared(cols: impl Iterator<Item = (&'static str, Kind)>) -> BTreeSet<(String, String)> {
    cols.map(|(name, kind)| (name.to_owned(), kind.sql_type().to_owned()))
        .collect()
}

/// Says which columns only one side has, naming the side.
fn differences(
    what: &str,
    migrated: &BTreeSet<(String, String)>,
    declared: &BTreeSet<(String, String)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (column, data_type) in migrated.difference(declared) {
        out.push(format!(
            "{what}.{column} {data_type}: in the migrations, not in schema.rs"
        ));
    }
    for (column, data_type) in declared.difference(migrated) {
        out.push(format!(
            "{what}.{column} {data_type}: in schema.rs, not in the migrations"
        ));
    }
    out
}

#[tokio::test]
async fn the_definitions_are_the_migrated_schema() {
    let db = TestDb::new("schema").await;
    let mut problems = Vec::new();

    let tables = columns(&db, "BASE TABLE").await;
    let names: BTreeSet<&str> = tables.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = ALL
        .iter()
        .map(|t| t.name)
        .chain(UNDECLARED.iter().copied())
        .collect();
    assert_eq!(names, expected, "migrated tables vs schema::ALL");
    for table in ALL {
        let migrated = &tables[table.name];
        let cols = table.cols.iter().map(|c| (c.name, c.kind));
        problems.extend(differences(table.name, migrated, &declared(cols)));
    }

    let views = columns(&db, "VIEW").await;
    let names: BTreeSet<&str> = views.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = VIEWS.iter().map(|v| v.name).collect();
    assert_eq!(names, expected, "migrated views vs schema::VIEWS");
    for view in VIEWS {
        let cols = view.cols.iter().copied();
        problems.extend(differences(view.name, &views[view.name], &declared(cols)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Primary keys: the key columns of each definition, in order (merges conflict on them).
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT tc.table_name::text, k.column_name::text \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage k \
         ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name \
         WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY' \
         ORDER BY tc.table_name, k.ordinal_position",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for table in ALL {
        let migrated: Vec<&str> = keys
            .iter()
            .filter(|(t, _)| t == table.name)
            .map(|(_, c)| c.as_str())
            .collect();
        let declared: Vec<&str> = table.cols[..table.key_len].iter().map(|c| c.name).collect();
        assert_eq!(migrated, declared, "primary key of {}", table.name);
    }
}

/// Every table's statements, run for real on empty input: the server parses them, resolves
/// every column and cast, and finds the unique index each `ON CONFLICT` names.
#[tokio::test]
async fn every_tables_statements_run() {
    let db = TestDb::new("statements").await;
    let mut conn = db.pool.acquire().await.unwrap();
    for table in ALL {
        let sql = table.statement(1);
        let mut query = sqlx::query(&sql);
        for col in table.cols {
            query = match col.kind {
                Kind::Int => query.bind(Vec::<i64>::new()),
                Kind::Bool => query.bind(Vec::<bool>::new()),
                Kind::Bytes => query.bind(Vec::<Vec<u8>>::new()),
                Kind::Num | Kind::Text | Kind::Json => query.bind(Vec::<String>::new()),
            };
        }
        query
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let copied = floe_indexer::ingest::copy_in(
            &mut conn,
            &table.copy_statement(),
            &CopyData::new().finish(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", table.copy_statement()));
        assert_eq!(copied, 0);
    }
}

/// Every resource the API answers reads its table for real: each plain field is a column the
/// server resolves, and a field the resource declares not null (not an `Option`) is a
/// `NOT NULL` column, so a null in the database can never reach a field that cannot hold it.
/// The select list of each runs on the migrated database.
#[tokio::test]
async fn every_resource_reads_its_table() {
    let db = TestDb::new("resources").await;
    let nullable: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let is_table = |name: &str| ALL.iter().any(|t| t.name == name);
    for info in floe_indexer::api::resources::all() {
        for field in info.fields.iter().filter(|f| f.plain) {
            let column = nullable
                .iter()
                .find(|(t, c, _)| t == info.table && c == field.name)
                .unwrap_or_else(|| panic!("{}.{}: no column", info.name, field.name));
            // Views report every column nullable; their non-null fields are non-null by
            // construction (see the view's definition).
            if !field.nullable && is_table(info.table) {
                assert_eq!(
                    column.2, "NO",
                    "{}.{} is declared not null but {}.{} may be null",
                    info.name, field.name, info.table, field.name
                );
            }
        }
        let sql = format!("SELECT {} FROM {} t LIMIT 1", info.select(), info.table);
        sqlx::query(&sql)
            .fetch_all(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}
