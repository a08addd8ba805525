//! Upload limits with a real `floe-node` process on 127.0.0.1: a sliver pair body larger than
//! the registered blob allows is refused with 413 problem+json before it is read (from its
//! `Content-Length`, or as soon as a chunked body streams past it); concurrent uploads share a
//! node-wide byte budget, so the node's peak RSS stays near the budget however many large
//! bodies arrive at once; an upload that cannot get its bytes in time gets 503 with
//! `Retry-After`; valid uploads still succeed while the budget is contended.
//!
//! The nodes run without a chain: their blobs' metadata and registrations are written into the
//! data directory before they start, as an earlier upload would have left them.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use floe_encoder::config::ENCODING_TYPE_RS2;
use floe_encoder::{BlobId, BlobMetadata, EncodingConfig, SliverPair, SliverPairHashes};
use floe_node::http_client::HttpNodeClient;
use floe_node::store::{Registration, Store};
use floe_problem::Problem;
use floe_sdk::nodes::StorageNodeClient;
use sui_sdk_types::Address;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const EPOCH: u64 = 1;
const MIB: usize = 1 << 20;
/// Shards of the small, really encoded blob; the node holds them all.
const SMALL_N: usize = 10;
/// Shards of the large blob, whose sliver pairs are the largest a 1000-shard blob can have.
const LARGE_N: usize = 1000;

/// Kills the node when the test ends, however it ends.
struct Node {
    child: Child,
    addr: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// The process's peak resident set (VmHWM), in bytes.
    fn peak_rss(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib << 10
    }
}

/// Metadata of a blob on [`LARGE_N`] shards at the largest symbol size: its pairs are
/// (p + s) · 65 534 bytes ≈ 62.6 MiB. The hashes are made up; no pair of it will verify, but
/// its size is what a node derives the pair limit from.
fn large_metadata() -> BlobMetadata {
    let config = EncodingConfig::new(LARGE_N).unwrap();
    BlobMetadata {
        encoding_type: ENCODING_TYPE_RS2,
        unencoded_length: config.max_blob_size(),
        hashes: vec![
            SliverPairHashes {
                primary: [1; 32],
                secondary: [2; 32],
            };
            LARGE_N
        ],
    }
}

/// The exact length of a pair body of `metadata`'s blob: two BCS slivers.
fn pair_len(metadata: &BlobMetadata) -> usize {
    let (config, symbol_size) = metadata.checked_config().unwrap();
    let sliver = |symbols: usize| {
        let data = symbols * symbol_size;
        let mut out = Vec::new();
        let mut v = data;
        loop {
            out.push(v as u8);
            v >>= 7;
            if v == 0 {
                break;
            }
        }
        out.len() + data + 4
    };
    sliver(config.n_secondary_source()) + sliver(config.n_primary_source())
}

fn small_blob() -> (BlobMetadata, Vec<SliverPair>) {
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 13 % 251) as u8).collect();
    floe_encoder::encode(&EncodingConfig::new(SMALL_N).unwrap(), &data).unwrap()
}

/// Writes the blobs' metadata and registrations into `dir/data`, then starts a node on it with
/// `budget` bytes of upload budget and `wait_ms` of wait.
async fn start_node(dir: &Path, blobs: &[&BlobMetadata], budget: usize, wait_ms: u64) -> Node {
    start_node_with(dir, blobs, budget, wait_ms, "").await
}

/// [`start_node`] with `extra` lines of `node.toml`.
async fn start_node_with(
    dir: &Path,
    blobs: &[&BlobMetadata],
    budget: usize,
    wait_ms: u64,
    extra: &str,
) -> Node {
    let shards: Vec<u16> = (0..SMALL_N as u16).collect();
    {
        let store = Store::open(&dir.join("data"), shards.clone()).unwrap();
        for (i, metadata) in blobs.iter().enumerate() {
            let registration = Registration {
                blob_object: Address::new([0xb0 + i as u8; 32]),
                end_epoch: EPOCH + 5,
            };
            store
                .put_metadata(&metadata.blob_id(), metadata, registration)
                .unwrap();
        }
    }
    std::fs::write(dir.join("bls.key"), hex::encode([7u8; 32])).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let config = dir.join("node.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"{addr}\"\ndata_dir = \"data\"\nbls_key_file = \"bls.key\"\n\
             shards = {shards:?}\nepoch = {EPOCH}\n\
             max_inflight_upload_bytes = {budget}\nupload_wait_ms = {wait_ms}\n\
             admin_token = \"operator-secret\"\n{extra}"
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_floe-node"))
        .args(["run", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Node { child, addr };
    let client = HttpNodeClient::new(format!("http://{}", node.addr));
    let start = Instant::now();
    while client.info().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "node did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    node
}

/// An answer read off a raw HTTP/1.1 connection.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn problem(&self) -> Problem {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.head
        );
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// How a raw upload frames its body.
#[derive(Clone, Copy)]
enum Framing {
    /// `Content-Length: declared`, of which `send` bytes are sent before the answer is awaited.
    Declared { declared: usize, send: usize },
    /// `Transfer-Encoding: chunked`, streaming `send` bytes then the last chunk.
    Chunked { send: usize },
}

/// PUTs zero bytes to `path` as `framing` says, from a writer that stops at the first write
/// error (the node may close the connection once it answers), and reads the answer. The
/// writer keeps the connection open until the answer is read, so an answer proves the node
/// did not wait for the rest of the body.
async fn put_raw(addr: &str, path: &str, framing: Framing) -> (Raw, usize) {
    put_raw_with(addr, path, "", framing).await
}

/// [`put_raw`] with `extra` header lines (each ending in `\r\n`).
async fn put_raw_with(addr: &str, path: &str, extra: &str, framing: Framing) -> (Raw, usize) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let length = match framing {
        Framing::Declared { declared, .. } => format!("Content-Length: {declared}"),
        Framing::Chunked { .. } => "Transfer-Encoding: chunked".to_owned(),
    };
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\n\
         {extra}{length}\r\nConnection: close\r\n\r\n"
    );
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let sender = tokio::spawn(async move {
        let chunk = vec![0u8; MIB];
        let mut sent = 0usize;
        if writer.write_all(head.as_bytes()).await.is_err() {
            return sent;
        }
        let (total, chunked) = match framing {
            Framing::Declared { send, .. } => (send, false),
            Framing::Chunked { send } => (send, true),
        };
        while sent < total {
            let n = (total - sent).min(MIB);
            let ok = if chunked {
                let mut framed = format!("{n:x}\r\n").into_bytes();
                framed.extend_from_slice(&chunk[..n]);
                framed.extend_from_slice(b"\r\n");
                writer.write_all(&framed).await.is_ok()
            } else {
                writer.write_all(&chunk[..n]).await.is_ok()
            };
            if !ok {
                return sent;
            }
            sent += n;
        }
        if chunked {
            let _ = writer.write_all(b"0\r\n\r\n").await;
        }
        // Hold the connection open (no EOF) until the answer has been read.
        let _ = done_rx.await;
        sent
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
            if complete(&answer) {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer to PUT {path}");
    let _ = done_tx.send(());
    let sent = sender.await.unwrap();
    let text_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(&answer)));
    let head = String::from_utf8_lossy(&answer[..text_end]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (
        Raw {
            status,
            head,
            body: answer[text_end + 4..].to_vec(),
        },
        sent,
    )
}

/// Whether `answer` holds a whole HTTP answer with a `Content-Length` body.
fn complete(answer: &[u8]) -> bool {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    length.is_some_and(|len| answer.len() >= end + 4 + len)
}

fn pair_path(id: &BlobId, shard: u16) -> String {
    format!("/v1/blobs/{id}/shards/{shard}/pair")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_pairs_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let large = large_metadata();
    let (small, small_pairs) = small_blob();
    let node = start_node(dir.path(), &[&large, &small], 128 * MIB, 30_000).await;
    let limit = pair_len(&large);
    let id = large.blob_id();

    // One byte over the pair size the blob's metadata allows, and 1 GiB (over the node's limit
    // for any body): 413 problem+json naming the limit, answered after the head and 1 MiB of
    // the body.
    for (declared, named) in [
        (limit + 1, "a sliver pair of blob"),
        (1 << 30, "larger than this node accepts (512 MiB)"),
    ] {
        let (raw, sent) = put_raw(
            &node.addr,
            &pair_path(&id, 0),
            Framing::Declared {
                declared,
                send: MIB,
            },
        )
        .await;
        assert_eq!(raw.status, 413, "{}", raw.head);
        let p = raw.problem();
        assert_eq!(p.title, "Request body too large");
        assert!(p.detail.contains(named), "{}", p.detail);
        assert!(sent <= MIB);
    }
    // The operator endpoint checks the token before it reads a body: a stranger's 400 MiB is
    // refused after 1 MiB.
    let (raw, sent) = put_raw(
        &node.addr,
        &format!("/v1/blobs/{id}/model"),
        Framing::Declared {
            declared: 400 * MIB,
            send: MIB,
        },
    )
    .await;
    assert_eq!(raw.status, 401, "{}", raw.head);
    assert_eq!(raw.problem().title, "Operator token required");
    assert!(sent <= MIB);
    // Metadata is at most 45 + 64 · 65 535 bytes (≈ 4 MiB): 5 MiB naming a Blob is refused
    // after 1 MiB.
    let object = Address::new([0xb0; 32]);
    let (raw, sent) = put_raw_with(
        &node.addr,
        &format!("/v1/blobs/{id}/metadata"),
        &format!("x-floe-blob-object: {object}\r\n"),
        Framing::Declared {
            declared: 5 * MIB,
            send: MIB,
        },
    )
    .await;
    assert_eq!(raw.status, 413, "{}", raw.head);
    assert!(
        String::from_utf8_lossy(&raw.body).contains("metadata is at most"),
        "{}",
        raw.head
    );
    assert!(sent <= MIB);
    // The small blob's limit is its own: its pair size plus one is refused too.
    let small_limit = pair_len(&small);
    let (raw, _) = put_raw(
        &node.addr,
        &pair_path(&small.blob_id(), 0),
        Framing::Declared {
            declared: small_limit + 1,
            send: small_limit + 1,
        },
    )
    .await;
    assert_eq!(raw.status, 413, "{}", raw.head);
    // A chunked body has no length to check: it is refused once it streams past the limit,
    // long before the 1 GiB the client meant to send.
    let (raw, sent) = put_raw(
        &node.addr,
        &pair_path(&id, 0),
        Framing::Chunked { send: 1 << 30 },
    )
    .await;
    assert_eq!(raw.status, 413, "{}", raw.head);
    assert!(raw.problem().detail.contains("streamed past"));
    assert!(
        sent < 1 << 30,
        "the whole chunked body was sent ({sent} bytes)"
    );
    // A body of exactly the limit is read and checked (these bytes are no pair: 400).
    let (raw, sent) = put_raw(
        &node.addr,
        &pair_path(&id, 0),
        Framing::Declared {
            declared: limit,
            send: limit,
        },
    )
    .await;
    assert_eq!(raw.status, 400, "{}", raw.head);
    assert_eq!(sent, limit);
    assert!(raw.problem().detail.contains("malformed sliver pair"));
    // And valid pairs are stored as before, through the node client.
    let client = HttpNodeClient::connect(format!("http://{}", node.addr))
        .await
        .unwrap();
    let small_id = small.blob_id();
    for shard in 0..SMALL_N as u16 {
        let pair = &small_pairs[small_id.pair_for_shard(usize::from(shard), SMALL_N)];
        client
            .store_sliver_pair(shard, &small_id, pair)
            .await
            .unwrap();
    }
    assert_eq!(
        client.confirm_storage(&small_id).await.unwrap().blob_id,
        small_id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_share_a_bounded_budget() {
    let dir = tempfile::tempdir().unwrap();
    let large = large_metadata();
    let (small, small_pairs) = small_blob();
    let budget = 128 * MIB;
    let node = start_node(dir.path(), &[&large, &small], budget, 30_000).await;
    let limit = pair_len(&large);
    let id = large.blob_id();
    let idle = node.peak_rss();

    // Eight largest-size pair bodies at once (8 × 62.6 MiB ≈ 500 MiB), with the small blob's
    // valid pairs among them. The budget holds two of them at a time; the rest wait.
    let started = Instant::now();
    let big: Vec<_> = (0..8u16)
        .map(|i| {
            let addr = node.addr.clone();
            let path = pair_path(&id, i);
            tokio::spawn(async move {
                let framing = Framing::Declared {
                    declared: limit,
                    send: limit,
                };
                put_raw(&addr, &path, framing).await.0
            })
        })
        .collect();
    let client = HttpNodeClient::connect(format!("http://{}", node.addr))
        .await
        .unwrap();
    let small_id = small.blob_id();
    for shard in 0..SMALL_N as u16 {
        let pair = &small_pairs[small_id.pair_for_shard(usize::from(shard), SMALL_N)];
        client
            .store_sliver_pair(shard, &small_id, pair)
            .await
            .unwrap();
    }
    for answer in big {
        let raw = answer.await.unwrap();
        // Read in full and checked: these bytes are not a pair.
        assert_eq!(raw.status, 400, "{}", raw.head);
    }
    let elapsed = started.elapsed();
    client.confirm_storage(&small_id).await.unwrap();
    let peak = node.peak_rss();
    println!(
        "8 concurrent uploads of {:.1} MiB with a {} MiB budget: node peak RSS {:.1} MiB \
         (idle {:.1} MiB), {:.1} s",
        limit as f64 / MIB as f64,
        budget / MIB,
        peak as f64 / MIB as f64,
        idle as f64 / MIB as f64,
        elapsed.as_secs_f64()
    );
    // Unbounded, the node would hold all eight bodies (≈ 500 MiB).
    assert!(
        peak < idle + budget + 64 * MIB,
        "peak RSS {peak} bytes with a budget of {budget}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_budget_answers_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let large = large_metadata();
    let (small, small_pairs) = small_blob();
    let node = start_node(dir.path(), &[&large, &small], 16 * MIB, 500).await;
    let id = large.blob_id();

    // A pair larger than the whole budget could never be read: 413 naming the knob.
    let (raw, _) = put_raw(
        &node.addr,
        &pair_path(&id, 0),
        Framing::Declared {
            declared: 20 * MIB,
            send: 0,
        },
    )
    .await;
    assert_eq!(raw.status, 413, "{}", raw.head);
    assert!(raw.problem().detail.contains("max_inflight_upload_bytes"));

    // A slow upload holds 12 MiB of the 16: it has sent the head and 1 KiB and then stalls.
    let stalled = TcpStream::connect(&node.addr).await.unwrap();
    let (_stalled_reader, mut stalled_writer) = stalled.into_split();
    stalled_writer
        .write_all(
            format!(
                "PUT {} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                pair_path(&id, 1),
                12 * MIB
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stalled_writer.write_all(&[0; 1024]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Another 8 MiB cannot be reserved within the 500 ms wait: 503, Retry-After.
    let eight = Framing::Declared {
        declared: 8 * MIB,
        send: 0,
    };
    let (raw, _) = put_raw(&node.addr, &pair_path(&id, 2), eight).await;
    assert_eq!(raw.status, 503, "{}", raw.head);
    assert_eq!(raw.header("retry-after"), Some("1"));
    let p = raw.problem();
    assert_eq!(p.title, "Node busy");
    assert!(p.detail.contains("Retry-After"), "{}", p.detail);

    // Small valid pairs still fit in what is left.
    let client = HttpNodeClient::connect(format!("http://{}", node.addr))
        .await
        .unwrap();
    let small_id = small.blob_id();
    for shard in 0..SMALL_N as u16 {
        let pair = &small_pairs[small_id.pair_for_shard(usize::from(shard), SMALL_N)];
        client
            .store_sliver_pair(shard, &small_id, pair)
            .await
            .unwrap();
    }

    // Once the slow client goes away its bytes return to the budget and 8 MiB fits again.
    drop(stalled_writer);
    drop(_stalled_reader);
    let eight = Framing::Declared {
        declared: 8 * MIB,
        send: 8 * MIB,
    };
    let start = Instant::now();
    loop {
        let (raw, _) = put_raw(&node.addr, &pair_path(&id, 2), eight).await;
        if raw.status != 503 {
            assert_eq!(raw.status, 400, "{}", raw.head);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the budget was not given back"
        );
    }
}

/// `max_connections` bounds the connections the node holds open: silent connections that take
/// them all make the next one wait in the backlog (no answer) until one closes; a budget of 0,
/// or one past three quarters of the open-file limit, is refused before the node starts, in two
/// lines naming the value to use.
#[tokio::test]
async fn max_connections_holds_a_flood_of_idle_connections_off() {
    let refused = |flag: &str| {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("node.toml");
        std::fs::write(dir.path().join("bls.key"), hex::encode([7u8; 32])).unwrap();
        std::fs::write(
            &config,
            "listen = \"127.0.0.1:0\"\ndata_dir = \"data\"\nbls_key_file = \"bls.key\"\n\
             shards = [0]\nepoch = 1\n",
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_floe-node"))
            .args(["run", "--config"])
            .arg(&config)
            .args(["--max-connections", flag])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(!dir.path().join("data").exists(), "nothing started");
        String::from_utf8(out.stderr).unwrap()
    };
    let zero = refused("0");
    assert!(
        zero.contains("never accept a connection") && zero.contains("to 1 or more"),
        "{zero}"
    );
    let soft = floe_problem::serve::soft_open_file_limit().unwrap();
    if soft < u64::MAX / 2 {
        let over = refused(&soft.to_string());
        assert!(
            over.contains("open files") && over.contains("or less"),
            "{over}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    // A head timeout of 4 s: longer than the checks below, short enough that a connection
    // left open by another client (the start-up probe's pool) could not hold a slot for long.
    let node = start_node_with(
        dir.path(),
        &[],
        16 * MIB,
        1000,
        "max_connections = 3\nheader_read_timeout_ms = 4000\n",
    )
    .await;
    let health = |mut stream: TcpStream| async move {
        stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(TcpStream::connect(&node.addr).await.unwrap());
    }
    // Let the node accept them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = tokio::spawn(health(TcpStream::connect(&node.addr).await.unwrap()));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!waiting.is_finished(), "a fourth connection was served");
    // The first one was accepted for sure: closing it frees its slot.
    drop(silent.remove(0));
    let answer = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a connection closed")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(node);
}
