//! Range-read latency, for `scripts/bench-client.sh`: `len`-byte ranges at random offsets of a
//! stored blob, read `reads` times through the sdk (`BlobReader::read_range`, the blob opened
//! once as a long-lived reader holds it) and through an aggregator (`GET /v1/blobs/{id}` with
//! `Range`, a new connection per request as curl makes it). Prints p50, p99 and max of each,
//! and checks both paths return the same bytes.
//!
//! ```text
//! cargo run --release -p floe-gateway --example range_latency -- \
//!     HOME/devnet/network.toml BLOB_ID http://127.0.0.1:31415 [READS] [LEN]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use floe_encoder::BlobId;
use floe_gateway::Chain;
use floe_sdk::NetworkConfig;
use floe_sdk::range_read::BlobReader;

/// One `GET` with `Range: bytes=start-end` on a fresh connection; the body.
fn aggregator_range(url: &str, blob_id: &BlobId, start: u64, len: u64) -> Vec<u8> {
    let host = url.strip_prefix("http://").expect("an http:// URL");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /v1/blobs/{blob_id} HTTP/1.1\r\nHost: {host}\r\nRange: bytes={start}-{}\r\n\
         Connection: close\r\n\r\n",
        start + len - 1
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains(" 206 "), "not a 206: {line}");
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; length.expect("a Content-Length")];
    reader.read_exact(&mut body).unwrap();
    body
}

fn percentiles(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "  {what:<28} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   ({} reads)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        times.len()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(
        args.len() >= 3,
        "usage: range_latency NETWORK_TOML BLOB_ID AGGREGATOR_URL [READS] [LEN]"
    );
    let network = NetworkConfig::from_file(&args[0]).unwrap();
    let blob_id: BlobId = args[1].parse().unwrap();
    let aggregator = args[2].clone();
    let reads: usize = args.get(3).map_or(200, |r| r.parse().unwrap());
    let len: u64 = args.get(4).map_or(1 << 20, |l| l.parse().unwrap());

    let chain = Chain::read_only(&network).await.unwrap();
    let view = chain.view().await.unwrap();
    let opened = Instant::now();
    let reader = BlobReader::open(view.nodes.clone(), view.committee.clone(), blob_id)
        .await
        .unwrap();
    let open_time = opened.elapsed();
    let size = reader.size();
    assert!(
        size >= len,
        "the blob ({size} bytes) is shorter than a range"
    );
    println!(
        "range reads of {len} bytes at random offsets of blob {blob_id} ({size} bytes); \
         metadata read and checked once in {:.1} ms",
        open_time.as_secs_f64() * 1e3
    );

    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let offsets: Vec<u64> = (0..reads)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % (size - len + 1)
        })
        .collect();
    let mut sdk_times = Vec::with_capacity(reads);
    let mut agg_times = Vec::with_capacity(reads);
    for (k, &start) in offsets.iter().enumerate() {
        let began = Instant::now();
        let ours = reader.read_range(start..start + len).await.unwrap();
        sdk_times.push(began.elapsed());
        let url = aggregator.clone();
        let began = Instant::now();
        let theirs =
            tokio::task::spawn_blocking(move || aggregator_range(&url, &blob_id, start, len))
                .await
                .unwrap();
        agg_times.push(began.elapsed());
        // Compare a few in full; the lengths always.
        assert_eq!(ours.len() as u64, len);
        assert_eq!(theirs.len() as u64, len);
        if k % 20 == 0 {
            assert!(
                ours == theirs,
                "the sdk and the aggregator disagree at {start}"
            );
        }
    }
    let stats = reader.stats();
    percentiles("sdk BlobReader::read_range", sdk_times);
    percentiles("aggregator GET with Range", agg_times);
    println!(
        "  sdk fetched {} slivers ({} bytes) for {reads} ranges; {} full reads",
        stats.slivers(),
        stats.sliver_bytes(),
        stats.full_reads()
    );
}
