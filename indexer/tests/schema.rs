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
                Kind::Bytes | Kind::Id => query.bind(Vec::<Vec<u8>>::new()),
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

/// `blob_id_u256` (the SQL function migration 0020 left for queries by hand; the API renders
/// the decimal in Rust) gives what the chain's `u256` prints for the blob ID's base64url, at
/// both ends of the range, across limb boundaries and for an arbitrary value.
#[tokio::test]
async fn the_decimal_blob_id_is_the_u256_of_the_base64url() {
    use base64::Engine as _;
    let db = TestDb::new("blob_id_u256").await;
    let mut limb = [0u8; 32];
    limb[8] = 1; // 2^64
    let mut top = [0u8; 32];
    top[31] = 0x80; // 2^255
    let arbitrary: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    for le in [[0u8; 32], [0xff; 32], [1; 32], limb, top, arbitrary] {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(le);
        let (decimal,): (String,) = sqlx::query_as("SELECT blob_id_u256($1)")
            .bind(&b64)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(
            decimal,
            floe_sdk::move_types::u256_from_le(le).to_string(),
            "{b64}"
        );
    }
}

/// Object IDs and addresses in `Kind::Id` columns are their 32 bytes: written by the batch
/// writer's COPY as bytes, read by the API as the same `0x`-hex the chain prints, found by a
/// filter given in any case or without leading zeros, and kept in the same order as the hex
/// text they replaced (so cursors and `ORDER BY` see no difference).
#[tokio::test]
async fn ids_are_stored_as_bytes_and_read_as_hex() {
    use floe_indexer::api::resource::Resource as _;
    use floe_indexer::api::resources::Blob;
    let db = TestDb::new("ids_as_bytes").await;
    let mut owner = [0u8; 32];
    owner[31] = 0xab;
    let objects: Vec<[u8; 32]> = [0x00u8, 0x0f, 0xf0, 0xff]
        .iter()
        .map(|&b| std::array::from_fn(|i| if i == 0 { b } else { i as u8 }))
        .collect();
    let mut data = CopyData::new();
    for object in &objects {
        data.row(2);
        data.bytea(object);
        data.bytea(&owner);
    }
    let mut conn = db.pool.acquire().await.unwrap();
    let copied = floe_indexer::ingest::copy_in(
        &mut conn,
        "COPY blobs (blob_object_id, owner) FROM STDIN (FORMAT binary)",
        &data.finish(),
    )
    .await
    .unwrap();
    assert_eq!(copied, 4);
    let (size,): (i32,) = sqlx::query_as("SELECT max(octet_length(owner)) FROM blobs")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(size, 32, "32 bytes, not 66 characters");
    let hex = |b: &[u8; 32]| format!("0x{}", hex::encode(b));
    let sql = format!(
        "SELECT {} FROM blobs t WHERE {} ORDER BY t.blob_object_id",
        Blob::INFO.select(),
        Blob::INFO.equals("owner", 1, "text")
    );
    let rows: Vec<Vec<Option<String>>> = sqlx::query_scalar(&sql)
        .bind(hex(&owner))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let read: Vec<Blob> = rows.iter().map(|r| Blob::from_cells(r).unwrap()).collect();
    let expected: Vec<String> = objects.iter().map(hex).collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(expected, sorted, "byte order is hex order");
    assert_eq!(
        read.iter()
            .map(|b| b.blob_object_id.clone())
            .collect::<Vec<_>>(),
        expected
    );
    assert!(
        read.iter()
            .all(|b| b.owner.as_deref() == Some(hex(&owner).as_str()))
    );
    // `id_bytes` pads short IDs (`0xab` is the owner above) and reads either case.
    let (short, upper): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM blobs WHERE owner = id_bytes('0xab')), \
                (SELECT count(*) FROM blobs WHERE owner = id_bytes($1))",
    )
    .bind(hex(&owner).to_uppercase().replacen("0X", "0x", 1))
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((short, upper), (4, 4));
}

/// Tables whose rows no projection writes through its row type, and why.
const WRITTEN_ELSEWHERE: &[(&str, &str)] = &[(
    "events",
    "the ingest COPYs every event itself (floe_indexer::ingest::events_copy_data)",
)];

/// `table → row type` as `schema.rs` declares them (`LICENSES = licenses: LicenseRow, …`).
fn row_types(schema: &str) -> BTreeMap<String, String> {
    schema
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.trim().split_once(" = ")?;
            let (table, rest) = rest.split_once(": ")?;
            let (row, rest) = rest.split_once(", ")?;
            rest.starts_with("key ")
                .then(|| (table.to_owned(), row.to_owned()))
        })
        .collect()
}

/// The fields set in every `Row { … }` literal of `text`, and every `x.field =` /
/// `&mut x.field` written anywhere in it.
fn written_fields(text: &str, row: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let literal = format!("{row} {{");
    for (at, _) in text.match_indices(&literal) {
        let body = &text[at + literal.len()..];
        let mut depth = 1;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        // Top-level `name: value` or shorthand `name,` items.
        let (mut depth, mut start) = (0, 0);
        let body = &body[..end];
        let mut items = Vec::new();
        for (i, c) in body.char_indices() {
            match c {
                '{' | '(' | '[' => depth += 1,
                '}' | ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&body[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&body[start..]);
        for item in items {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn indexer_sources() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

/// Every column of every table is written by some projection: named in a literal of the
/// table's row type (`LicenseRow { note: …, .. }`) or assigned (`row.note = …`). A column
/// added to a migration and to `schema.rs` but filled by no projection (the row types take
/// `..Default::default()`, so the compiler cannot tell) would stay NULL for ever; it fails
/// here instead.
#[test]
fn every_column_is_written_by_a_projection() {
    let sources = indexer_sources();
    let schema = sources
        .iter()
        .find(|(p, _)| p.ends_with("src/schema.rs"))
        .map(|(_, t)| t.clone())
        .expect("src/schema.rs");
    let code: String = sources
        .iter()
        .filter(|(p, _)| !p.ends_with("src/schema.rs"))
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let rows = row_types(&schema);
    let mut problems = Vec::new();
    for table in ALL {
        if WRITTEN_ELSEWHERE.iter().any(|(t, _)| *t == table.name) {
            continue;
        }
        let row = rows
            .get(table.name)
            .unwrap_or_else(|| panic!("schema.rs declares no row type for {}", table.name));
        let literal = written_fields(&code, row);
        for col in table.cols {
            let assigned = [format!(".{} =", col.name), format!("&mut row.{}", col.name)]
                .iter()
                .any(|p| code.contains(p.as_str()));
            if !literal.contains(col.name) && !assigned {
                problems.push(format!(
                    "{}.{}: no projection sets it ({row} {{ {}: … }})",
                    table.name, col.name, col.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_column_scan_reads_literals() {
    let text = "rows.put(LicenseRow { license_id: id(&e), uses_left: num(f(a, b)), note, ..LicenseRow::default() })";
    let fields = written_fields(text, "LicenseRow");
    assert_eq!(
        fields,
        BTreeSet::from(["license_id", "uses_left", "note"].map(str::to_owned))
    );
    let rows = row_types("    LICENSES = licenses: LicenseRow, key 1, merge {\n");
    assert_eq!(rows["licenses"], "LicenseRow");
}
