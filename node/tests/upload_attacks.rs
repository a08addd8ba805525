//! Attacks on a node's upload budget (the bytes of upload bodies it holds at once, shared by
//! every upload): a stranger must not be able to take it from paying clients.
//!
//! - **Stalled bodies** (a real `floe-node` process): a client declares a large pair body,
//!   sends a little (or a byte now and then) and holds the connection. The node reserves the
//!   declared length before reading, so without a pace such connections keep their share for
//!   ever and real uploads get 503. With `upload_grace_ms` / `upload_min_rate` the stalled
//!   upload is answered 408 problem+json and its share comes back.
//! - **Made-up registrations** (the node's router on 127.0.0.1 with registrations read from a
//!   map, as the chain would answer): `PUT …/metadata` naming a `Blob` object that does not
//!   exist, or that registers other bytes, is refused before the body is read, so it holds no
//!   share of the budget while the stranger trickles it in.
//! - **Slow request heads** (slowloris, a real process): a head sent a line at a time, or a
//!   connection that sends nothing, is closed after `header_read_timeout_ms`.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use floe_encoder::config::ENCODING_TYPE_RS2;
use floe_encoder::{BlobId, BlobMetadata, EncodingConfig, SliverPair, SliverPairHashes};
use floe_node::api::{self, NodeState, UploadBudget, UploadLimits};
use floe_node::http_client::HttpNodeClient;
use floe_node::license_gate::ReplayGuard;
use floe_node::registration::{BLOB_OBJECT_HEADER, BlobRecord, LookupError, RegistrationLookup};
use floe_node::store::{Registration, Store};
use floe_problem::Problem;
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::nodes::StorageNodeClient;
use futures::future::BoxFuture;
use sui_sdk_types::Address;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;

const EPOCH: u64 = 1;
const MIB: usize = 1 << 20;
/// Shards of the small blob, all held by the node.
const N: usize = 10;
/// Shards of the large blob: its pairs are ≈ 62.6 MiB, so an upload may declare that much.
const LARGE_N: usize = 1000;

/// A blob on [`LARGE_N`] shards at the largest symbol size: made-up hashes (no pair of it verifies),
/// but its pairs are large, so an upload of one may declare most of a small budget.
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

fn small_blob() -> (BlobMetadata, Vec<SliverPair>) {
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 13 % 251) as u8).collect();
    floe_encoder::encode(&EncodingConfig::new(N).unwrap(), &data).unwrap()
}

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

/// A `floe-node` process without a chain, its store already holding `blobs`' metadata and
/// registrations, with a `budget`-byte upload budget, a 300 ms budget wait, a pace of
/// `grace_ms` then `min_rate` bytes/s, and `head_ms` for a request head.
async fn start_node(
    dir: &Path,
    blobs: &[&BlobMetadata],
    budget: usize,
    (grace_ms, min_rate): (u64, usize),
    head_ms: u64,
) -> Node {
    let shards: Vec<u16> = (0..N as u16).collect();
    {
        let store = Store::open(&dir.join("data"), shards.clone()).unwrap();
        for (i, metadata) in blobs.iter().enumerate() {
            let registration = Registration {
                blob_object: Address::new([0xc0 + i as u8; 32]),
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
             max_inflight_upload_bytes = {budget}\nupload_wait_ms = 300\n\
             upload_grace_ms = {grace_ms}\nupload_min_rate = {min_rate}\n\
             header_read_timeout_ms = {head_ms}\n"
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

/// An answer read off a raw connection: status, head, body.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Raw {
    fn problem(&self) -> Problem {
        assert!(
            self.head
                .to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{}",
            self.head
        );
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Opens a PUT of `path` declaring `declared` body bytes (with `extra` header lines) and sends
/// `first` of them; the writer is returned so the caller decides what else is sent.
async fn open_put(
    addr: &str,
    path: &str,
    extra: &str,
    declared: usize,
    first: usize,
) -> (tokio::net::tcp::OwnedReadHalf, OwnedWriteHalf) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (reader, mut writer) = stream.into_split();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\n\
         {extra}Content-Length: {declared}\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    writer.write_all(&vec![0u8; first]).await.unwrap();
    (reader, writer)
}

/// Reads one answer (a head and its `Content-Length` body) within `within`, or `None`.
async fn answer(reader: &mut tokio::net::tcp::OwnedReadHalf, within: Duration) -> Option<Raw> {
    let mut raw = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = vec![0u8; 16 << 10];
        loop {
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if raw.len() >= end + 4 + length {
                    return Some(end);
                }
            }
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let end = read.ok().flatten()?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    Some(Raw {
        status,
        head,
        body: raw[end + 4..].to_vec(),
    })
}

fn pair_path(id: &BlobId, shard: u16) -> String {
    format!("/v1/blobs/{id}/shards/{shard}/pair")
}

/// Stores every pair of the small blob through the sdk client; the first error, if any.
async fn store_small(addr: &str, metadata: &BlobMetadata, pairs: &[SliverPair]) -> Option<String> {
    let client = HttpNodeClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let id = metadata.blob_id();
    for shard in 0..N as u16 {
        let pair = &pairs[id.pair_for_shard(usize::from(shard), N)];
        if let Err(e) = client.store_sliver_pair(shard, &id, pair).await {
            return Some(e.to_string());
        }
    }
    None
}

/// A stalled pair upload (1 KiB of a declared ≈ 6 MiB, then nothing) and a trickling one (a
/// byte every 100 ms) would hold the 8 MiB budget for as long as they keep their connections;
/// with a 1 s grace and 1 MiB/s they are answered 408 within about a second and a paying
/// client's pairs are stored. (Without the pace, the node never answers either of them and
/// the pairs get 503 "Node busy".)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stalled_uploads_give_their_budget_back() {
    let dir = tempfile::tempdir().unwrap();
    let large = large_metadata();
    let (small, small_pairs) = small_blob();
    let node = start_node(dir.path(), &[&large, &small], 8 * MIB, (1_000, MIB), 30_000).await;
    let id = large.blob_id();
    let declared = 6 * MIB;

    let started = Instant::now();
    let (mut stalled, _stalled_writer) =
        open_put(&node.addr, &pair_path(&id, 0), "", declared, 1024).await;
    let (mut trickled, mut trickle_writer) =
        open_put(&node.addr, &pair_path(&id, 1), "", MIB, 0).await;
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if trickle_writer.write_all(&[0]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    for (name, reader) in [("stalled", &mut stalled), ("trickling", &mut trickled)] {
        let raw = answer(reader, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("the {name} upload got no answer: it holds its budget"));
        assert_eq!(raw.status, 408, "{name}: {}", raw.head);
        let p = raw.problem();
        assert_eq!((p.status, p.title.as_str()), (408, "Upload too slow"));
        assert!(p.detail.contains("arrived too slowly"), "{}", p.detail);
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(4),
        "answered after {elapsed:?}"
    );
    trickle.abort();

    // The budget is whole again: a paying client's pairs are all stored.
    assert_eq!(store_small(&node.addr, &small, &small_pairs).await, None);

    // A body sent at a steady pace is read whole, however long it takes past the grace: here
    // 1.5 MiB at 2 MiB/s from a client, checked as a pair (400: the bytes are zeros).
    let (mut steady, mut writer) =
        open_put(&node.addr, &pair_path(&id, 2), "", 3 * MIB / 2, 0).await;
    for _ in 0..12 {
        writer.write_all(&vec![0u8; 128 << 10]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(62)).await;
    }
    let raw = answer(&mut steady, Duration::from_secs(10)).await.unwrap();
    assert_eq!(raw.status, 400, "{}", raw.head);
    assert!(raw.problem().detail.contains("malformed sliver pair"));
}

/// Slowloris against a real node: a request head sent a line at a time and a connection that
/// sends nothing are closed once `header_read_timeout_ms` (here 500 ms) has passed, while a
/// complete request on a fresh connection is answered. (Before: the node served with
/// `axum::serve`, which has no head deadline, and kept both open for as long as they lasted.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_request_heads_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (small, _) = small_blob();
    let node = start_node(dir.path(), &[&small], 8 * MIB, (10_000, MIB), 500).await;
    let started = Instant::now();
    let mut trickling = TcpStream::connect(&node.addr).await.unwrap();
    let mut silent = TcpStream::connect(&node.addr).await.unwrap();
    trickling
        .write_all(b"GET /v1/info HTTP/1.1\r\nHost: n\r\n")
        .await
        .unwrap();
    let mut cut = false;
    for k in 0..30 {
        let line = format!("X-Slow-{k}: a\r\n");
        if trickling.write_all(line.as_bytes()).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), trickling.read(&mut probe)).await
        {
            cut = true;
            break;
        }
    }
    assert!(cut, "a head trickled in for 3 s was not cut off");
    let mut rest = Vec::new();
    let silent_closed =
        tokio::time::timeout(Duration::from_secs(2), silent.read_to_end(&mut rest)).await;
    assert!(
        matches!(silent_closed, Ok(Ok(0)) | Ok(Err(_))),
        "a silent connection stayed open: {silent_closed:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    let client = HttpNodeClient::new(format!("http://{}", node.addr));
    client.info().await.unwrap();
}

/// `Blob` objects by ID, as the chain would answer.
#[derive(Default)]
struct Chain(Mutex<HashMap<Address, BlobRecord>>);

impl RegistrationLookup for Chain {
    fn blob(&self, id: Address) -> BoxFuture<'_, Result<BlobRecord, LookupError>> {
        let answer = self.0.lock().unwrap().get(&id).cloned();
        Box::pin(async move { answer.ok_or(LookupError::NotFound(id)) })
    }
}

/// Metadata uploads naming a `Blob` object that does not exist, or one registering other bytes,
/// are refused (403) from their head, before a byte of the body: 8 of them declaring the
/// largest metadata (≈ 4 MiB each, 32 MiB together) and sending nothing leave the node's 16
/// MiB budget whole, and a registered client stores its blob. (Before: each was given a 4 MiB
/// share while the node waited for its body, and the registered client got 503.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn made_up_registrations_get_no_share_of_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (small, small_pairs) = small_blob();
    let (other, _) =
        floe_encoder::encode(&EncodingConfig::new(N).unwrap(), b"other bytes").unwrap();
    let chain = Arc::new(Chain::default());
    let paid = Address::new([0xaa; 32]);
    let elsewhere = Address::new([0xbb; 32]);
    let record = |object_id, metadata: &BlobMetadata| BlobRecord {
        object_id,
        blob_id: metadata.blob_id(),
        size: metadata.unencoded_length,
        encoding_type: metadata.encoding_type,
        registered_epoch: EPOCH,
        certified_epoch: None,
        end_epoch: EPOCH + 3,
        storage_size: u64::MAX,
    };
    chain.0.lock().unwrap().insert(paid, record(paid, &small));
    chain
        .0
        .lock()
        .unwrap()
        .insert(elsewhere, record(elsewhere, &other));
    let state = Arc::new(NodeState {
        store: Arc::new(Store::open(dir.path(), (0..N as u16).collect::<Vec<_>>()).unwrap()),
        key: BlsKeyPair::from_seed(&[5; 32]).unwrap(),
        epoch: AtomicU64::new(EPOCH),
        n_shards: Some(N as u16),
        node_id: None,
        licenses: None,
        registrations: Some(chain.clone()),
        replay: ReplayGuard::default(),
        max_skew_ms: 60_000,
        admin_token: None,
        peers: Default::default(),
        progress: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let limits = UploadLimits {
        max_body: api::MAX_BODY,
        budget: UploadBudget::new(16 * MIB, Duration::from_millis(300)),
        // The default pace gives a body 10 s: longer than this test waits for the refusals.
        ..UploadLimits::default()
    };
    tokio::spawn(api::serve_with_limits(listener, state, limits));

    let id = small.blob_id();
    let mut attackers = Vec::new();
    for (k, object) in [Address::new([0x66; 32]), elsewhere]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        let extra = format!("{BLOB_OBJECT_HEADER}: {object}\r\n");
        let (mut reader, writer) = open_put(
            &addr,
            &format!("/v1/blobs/{id}/metadata"),
            &extra,
            api::MAX_METADATA_BODY,
            0,
        )
        .await;
        let raw = answer(&mut reader, Duration::from_secs(3))
            .await
            .unwrap_or_else(|| panic!("attacker {k} got no answer: the node awaits its body"));
        assert_eq!(raw.status, 403, "{}", raw.head);
        let p = raw.problem();
        let title = if object == elsewhere {
            "Registration for another blob"
        } else {
            "Blob object not found"
        };
        assert_eq!(p.title, title, "{}", p.detail);
        attackers.push((reader, writer));
    }

    // The paying client, while the attackers' connections are still open. Its body is still
    // checked once read: bytes that are not metadata are refused (422).
    let client = HttpNodeClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let answer = client
        .request(
            axum::http::Method::PUT,
            &format!("/v1/blobs/{id}/metadata"),
            vec![7; 100],
            &[(BLOB_OBJECT_HEADER, paid.to_string())],
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 422);
    let p: Problem = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(p.title, "Malformed metadata");
    client.put_metadata(&id, &small, Some(paid)).await.unwrap();
    assert_eq!(store_small(&addr, &small, &small_pairs).await, None);
    drop(attackers);
}
