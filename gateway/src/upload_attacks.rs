//! What a stranger can do to a publisher without a JWT: fill its temporary directory with
//! uploads that wait, stall their bodies, or walk away mid-body. The publisher here has a
//! chain client whose endpoint is down: everything under test happens before the chain is
//! asked anything, and a request that gets that far answers 502.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use floe_problem::Problem;
use floe_problem::pace::BodyPace;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{Floe, FloeClient, FloeObjects, SharedObject};
use sui_sdk_types::Address;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::{Chain, Publisher, PublisherLimits, Role};

/// A publisher with `limits` served on 127.0.0.1, its chain endpoint a closed port.
async fn publisher(limits: PublisherLimits) -> SocketAddr {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let shared = SharedObject::new(Address::ZERO, 1);
    let objects = FloeObjects {
        package: Address::ZERO,
        original_package: Address::ZERO,
        system: shared,
        treasury: shared,
        blob_registry: shared,
        challenge_board: shared,
    };
    let floe = Floe::new(
        FloeClient::connect(&url).unwrap(),
        objects,
        Ed25519PrivateKey::new([7; 32]),
    );
    let publisher =
        Publisher::new(Arc::new(Chain::from_floe(floe)), 1 << 20, None).with_limits(limits);
    let app = crate::app(None, Some(publisher), Role::Publisher);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(crate::serve(listener, app, std::future::pending()));
    address
}

/// A `PUT /v1/blobs` declaring `declared` bytes, of which `sent` are sent at once.
async fn upload(address: SocketAddr, declared: usize, sent: usize) -> TcpStream {
    upload_from([127, 0, 0, 1], address, declared, sent).await
}

/// [`upload`] from loopback address `source` (another client than 127.0.0.1).
async fn upload_from(
    source: [u8; 4],
    address: SocketAddr,
    declared: usize,
    sent: usize,
) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((source, 0).into()).unwrap();
    let mut stream = socket.connect(address).await.unwrap();
    let head =
        format!("PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: t\r\nContent-Length: {declared}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![7u8; sent]).await.unwrap();
    stream
}

/// The answer on `stream` within `within`: status, `Retry-After`, problem body.
async fn answer(
    stream: &mut TcpStream,
    within: Duration,
) -> Option<(u16, Option<String>, Problem)> {
    let mut raw = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            raw.extend_from_slice(&buf[..n]);
            if n == 0 || complete(&raw) {
                return;
            }
        }
    })
    .await;
    read.ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(": "))
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_owned())
    };
    assert_eq!(
        header("content-type").as_deref(),
        Some(floe_problem::CONTENT_TYPE),
        "{text}"
    );
    Some((
        status,
        header("retry-after"),
        serde_json::from_str(body).unwrap(),
    ))
}

/// Whether `raw` holds a whole answer (head and `Content-Length` bytes of body).
fn complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    raw.len() >= split + 4 + length
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

/// Waits up to `within` for `dir` to hold `count` files; the count at the end.
async fn settle(dir: &Path, count: usize, within: Duration) -> usize {
    let deadline = Instant::now() + within;
    while files_in(dir) != count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    files_in(dir)
}

/// Two stalled uploads take both slots of a queue of 2: a third is refused at once with 503
/// and `Retry-After`, before any of its body is written (two spooled files, not three). The
/// stalled two are cut off with 408 when they fall behind the pace and their files removed;
/// a slot is then free again. (Before: the third was spooled too, however many came, and the
/// stalled uploads were never answered.)
#[tokio::test]
async fn a_full_queue_refuses_before_spooling_and_stalled_bodies_are_cut_off() {
    let spool = tempfile::tempdir().unwrap();
    let address = publisher(PublisherLimits {
        queue: 2,
        // Every upload here comes from 127.0.0.1: let one client take the whole queue.
        per_client: Some(2),
        pace: BodyPace {
            grace: Duration::from_millis(1500),
            min_rate: 1 << 20,
        },
        spool_dir: Some(spool.path().to_owned()),
    })
    .await;

    let mut stalled = Vec::new();
    for _ in 0..2 {
        stalled.push(upload(address, 100_000, 10).await);
    }
    assert_eq!(settle(spool.path(), 2, Duration::from_secs(1)).await, 2);

    let started = Instant::now();
    let mut third = upload(address, 1000, 1000).await;
    let (status, retry_after, problem) = answer(&mut third, Duration::from_secs(1))
        .await
        .expect("a third upload beyond a queue of 2 was not refused at once");
    assert_eq!((status, problem.title.as_str()), (503, "Publisher busy"));
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert!(problem.detail.contains("2 uploads"), "{}", problem.detail);
    assert_eq!(files_in(spool.path()), 2, "the refused body was spooled");

    for stream in &mut stalled {
        let (status, _, problem) = answer(stream, Duration::from_secs(4))
            .await
            .expect("a stalled body was not cut off");
        assert_eq!((status, problem.title.as_str()), (408, "Upload too slow"));
        assert!(
            problem.detail.contains("10 bytes of 100000 bytes"),
            "{}",
            problem.detail
        );
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(
        settle(spool.path(), 0, Duration::from_secs(2)).await,
        0,
        "the stalled uploads' files were left behind"
    );

    // The slots are free again: the next upload gets past the queue to the (absent) chain.
    let mut next = upload(address, 1000, 1000).await;
    let (status, _, problem) = answer(&mut next, Duration::from_secs(30)).await.unwrap();
    assert_eq!(status, 502, "{problem:?}");
    assert_eq!(settle(spool.path(), 0, Duration::from_secs(2)).await, 0);
}

/// A client that walks away in the middle of its body leaves no file and no taken slot.
#[tokio::test]
async fn an_abandoned_upload_leaves_no_file_and_frees_its_slot() {
    let spool = tempfile::tempdir().unwrap();
    let address = publisher(PublisherLimits {
        queue: 1,
        spool_dir: Some(spool.path().to_owned()),
        ..PublisherLimits::default()
    })
    .await;
    let abandoned = upload(address, 100_000, 50_000).await;
    assert_eq!(settle(spool.path(), 1, Duration::from_secs(2)).await, 1);
    drop(abandoned);
    assert_eq!(
        settle(spool.path(), 0, Duration::from_secs(2)).await,
        0,
        "an abandoned upload's file was left behind"
    );
    let mut next = upload(address, 1000, 1000).await;
    let (status, _, problem) = answer(&mut next, Duration::from_secs(30)).await.unwrap();
    assert_eq!(status, 502, "the slot was not given back: {problem:?}");
}

/// One client used to be able to take every slot of the queue (uploads that trickle at the
/// pace, again and again) and keep everyone else at 503. A client now holds at most half the
/// queue: its next upload is refused with 429 and `Retry-After` before any of its body is
/// written, while another client's upload is still taken.
#[tokio::test]
async fn one_client_takes_at_most_its_share_of_the_queue() {
    let spool = tempfile::tempdir().unwrap();
    let address = publisher(PublisherLimits {
        queue: 4,
        spool_dir: Some(spool.path().to_owned()),
        ..PublisherLimits::default()
    })
    .await;
    let mut mine = Vec::new();
    for _ in 0..2 {
        mine.push(upload(address, 100_000, 10).await);
    }
    assert_eq!(settle(spool.path(), 2, Duration::from_secs(1)).await, 2);
    let mut third = upload(address, 1000, 1000).await;
    let (status, retry_after, problem) = answer(&mut third, Duration::from_secs(1))
        .await
        .expect("a third upload of one client was not refused at once");
    assert_eq!(
        (status, problem.title.as_str()),
        (429, "Too many uploads at once")
    );
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert!(
        problem.detail.contains("2 uploads from your address"),
        "{}",
        problem.detail
    );
    assert_eq!(files_in(spool.path()), 2, "the refused body was spooled");
    // Another client still gets in.
    let _other = upload_from([127, 0, 0, 2], address, 100_000, 10).await;
    assert_eq!(settle(spool.path(), 3, Duration::from_secs(1)).await, 3);
    // When one of the first client's uploads ends, its share has room again.
    drop(mine.pop());
    assert_eq!(settle(spool.path(), 2, Duration::from_secs(2)).await, 2);
    let _again = upload(address, 100_000, 10).await;
    assert_eq!(settle(spool.path(), 3, Duration::from_secs(1)).await, 3);
}
