//! What the `floe` end-to-end tests share: a PostgreSQL database per test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// A database for one test, dropped at the end (even on panic).
pub struct TestDb {
    name: String,
}

impl TestDb {
    pub fn new(tag: &str) -> Self {
        let name = format!("floe_cli_{tag}_{}", std::process::id());
        psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        Self { name }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

pub fn psql(sql: &str) {
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            sql,
        ])
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .status()
        .expect("psql is installed");
    assert!(status.success(), "psql {sql}");
}
