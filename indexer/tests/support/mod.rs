//! Shared test helpers: a scratch database on the real PostgreSQL server, the indexer binary
//! as a child process, and a minimal HTTP client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub mod chain;

use floe_indexer::db;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The PostgreSQL user that works here (`postgres`, else `root`), with trust auth.
fn server_user() -> &'static str {
    static USER: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    USER.get_or_init(|| {
        for user in ["postgres", "root"] {
            let ok = Command::new("psql")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-U",
                    user,
                    "-d",
                    "postgres",
                    "-Atc",
                    "SELECT 1",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return user;
            }
        }
        panic!(
            "PostgreSQL is not reachable on 127.0.0.1:5432 as postgres or root; start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        );
    })
}

fn psql(sql: &str) {
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            server_user(),
            "-d",
            "postgres",
            "-qc",
            sql,
        ])
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .stdout(Stdio::null())
        .status()
        .expect("running psql");
    assert!(status.success(), "psql {sql}");
}

/// A uniquely named database, migrated, dropped when the value is dropped (even on panic).
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "floe_idx_{tag}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        psql(&format!("CREATE DATABASE {name}"));
        let url = format!("postgres://{}@127.0.0.1:5432/{name}", server_user());
        let pool = db::connect(&url, 8).await.unwrap();
        db::migrate(&pool).await.unwrap();
        Self { name, url, pool }
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// A digest of every projection table's full contents, to compare two databases.
    pub async fn fingerprint(&self) -> String {
        let mut all = String::new();
        // Every declared table, rows in key order.
        for table in floe_indexer::schema::ALL {
            let keys: Vec<&str> = table.cols[..table.key_len].iter().map(|c| c.name).collect();
            let (table, order) = (table.name, keys.join(", "));
            let digest: Option<String> = sqlx::query_scalar(&format!(
                "SELECT md5(string_agg(t::text, '|' ORDER BY {order})) FROM {table} t"
            ))
            .fetch_one(&self.pool)
            .await
            .unwrap();
            all.push_str(&format!(
                "{table}:{}:{};",
                self_count(&self.pool, table).await,
                digest.unwrap_or_default()
            ));
        }
        all
    }
}

async fn self_count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let pool = self.pool.clone();
        // Close our connections without an async context; FORCE ends any that linger.
        std::thread::spawn(move || drop(pool)).join().ok();
        psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// A free port on 127.0.0.1.
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// The `floe-indexer` binary running with `args`; killed when dropped.
pub struct IndexerProcess {
    pub child: Child,
    pub addr: SocketAddr,
}

impl IndexerProcess {
    pub fn spawn(database_url: &str, extra: &[&str]) -> Self {
        let addr = free_addr();
        let child = Command::new(env!("CARGO_BIN_EXE_floe-indexer"))
            .args([
                "--database-url",
                database_url,
                "--listen",
                &addr.to_string(),
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("starting floe-indexer");
        Self { child, addr }
    }

    /// SIGKILL: no shutdown code runs, as in a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for IndexerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `GET path` on `addr`: status, content type and body.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let (status, content_type, body) = get_header(addr, path, "content-type").await;
    (status, content_type.unwrap_or_default(), body)
}

/// `GET path` on `addr`: status, the response header `name` (lowercase) if sent, and body.
pub async fn get_header(addr: SocketAddr, path: &str, name: &str) -> (u16, Option<String>, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let prefix = format!("{name}: ");
    let value = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix(prefix.as_str())
            .map(str::to_owned)
    });
    (status, value, body.to_owned())
}

/// `GET path` expecting 200 and JSON.
pub async fn get_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let (status, content_type, body) = get(addr, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    assert_eq!(content_type, "application/json", "GET {path}");
    serde_json::from_str(&body).unwrap()
}

/// Waits until the server answers and its watermark reaches `checkpoint`.
pub async fn wait_for_checkpoint(addr: SocketAddr, checkpoint: u64, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await {
            let request =
                format!("GET /ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            if stream.write_all(request.as_bytes()).await.is_ok() {
                let mut raw = Vec::new();
                let _ = stream.read_to_end(&mut raw).await;
                let text = String::from_utf8_lossy(&raw);
                if let Some((_, body)) = text.split_once("\r\n\r\n")
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
                    && v["watermark"].as_u64().is_some_and(|w| w >= checkpoint)
                {
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "the indexer did not reach checkpoint {checkpoint}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The highest checkpoint file in `dir`.
pub fn last_checkpoint(dir: &Path) -> u64 {
    floe_indexer::source::highest_file(dir).expect("checkpoint files")
}
