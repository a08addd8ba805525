//! Key-fetch latency: a license holder asks 4 local key servers at once for a model's key and
//! is done when 3 have answered with keys that check (what `SealClient.fetchKeys` and
//! `floe read --license` wait for), against an in-process devnet simulating the policy.
//! Prints p50/p99 over the rounds. `cargo bench -p floe-keyserver --bench fetch_latency`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use floe_keyserver::client;
use floe_keyserver::ptb::approve_call;
use floe_keyserver::rate_limit::RateLimit;
use floe_keyserver::session::SessionKey;
use futures::stream::{FuturesUnordered, StreamExt};
use support::{WAL, account, clock, now_ms, owned, start_chain, start_key_server};

const ROUNDS: usize = 300;
const THRESHOLD: usize = 3;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let chain = start_chain().await;
    let (mut seller, _) = account(&chain, 0x31).await;
    let (mut buyer, buyer_key) = account(&chain, 0x32).await;
    let package = seller.objects.package;
    let original = seller.objects.original_package;
    let model = seller.register_model("bench", "d").await.unwrap();
    let offer = seller
        .create_offer(model.model, model.cap, WAL, 3_600_000, 10, 0)
        .await
        .unwrap();
    let license = buyer.purchase_license(offer.id, 1).await.unwrap();
    let unlimited = RateLimit {
        per_second: 1e6,
        burst: 1e6,
    };
    let mut servers = Vec::new();
    for seed in 1..=4 {
        servers.push(start_key_server(&chain, original, seed, unlimited).await);
    }
    let session =
        SessionKey::new(&buyer_key, original, now_ms(), 30, &mut rand::thread_rng()).unwrap();
    let ptb = approve_call(
        package,
        "license",
        "seal_approve",
        model.model.id.as_bytes(),
        vec![owned(&mut buyer, license).await, clock()],
    )
    .unwrap();

    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 10 {
        let started = Instant::now();
        let (secret, request) = session.request(&ptb, &mut rand::thread_rng());
        let mut pending: FuturesUnordered<_> = servers
            .iter()
            .map(|server| {
                let request = &request;
                let secret = &secret;
                async move {
                    let answer = client::fetch_key(&server.url, request).await?;
                    client::open_keys(&server.url, &server.id, &server.public_key, secret, &answer)
                }
            })
            .collect();
        let mut answered = 0;
        while let Some(result) = pending.next().await {
            result.expect("a key server answers");
            answered += 1;
            if answered == THRESHOLD {
                break;
            }
        }
        // The first rounds warm connections and caches.
        if round >= 10 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "key fetch, {THRESHOLD} of 4 local key servers, {ROUNDS} rounds: p50 {:.2} ms, p99 {:.2} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}
