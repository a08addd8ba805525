//! Stopping a devnet the ways `floe up` stops: the devnet dropped while its tasks run and
//! then the runtime dropped under them (a storage node failed to start and the process
//! unwinds), or the runtime dropped with the devnet still alive. Neither may panic, and a
//! restart on the same data directory has every transaction that was acknowledged.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use floe_devnet::{Devnet, DevnetConfig};
use sui_sdk_types::Address;

/// Counts panics on every thread of this test binary (tokio catches a task's panic, so a
/// panicking checkpoint task would not fail the test by itself).
fn count_panics() -> Arc<AtomicUsize> {
    let panics = Arc::new(AtomicUsize::new(0));
    let counter = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        counter.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    panics
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn dropping_the_runtime_under_a_running_devnet_is_clean() {
    let panics = count_panics();
    let dir = tempfile::tempdir().unwrap();
    let config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().join("chain"),
        // A checkpoint task that is always sealing, so the runtime goes away mid-seal.
        checkpoint_interval_ms: 1,
        empty_checkpoints: true,
        floe: None,
        ..DevnetConfig::default()
    };
    let recipient = Address::new([7; 32]);
    let mut acknowledged = Vec::new();
    for round in 0..24u64 {
        let runtime = runtime();
        let (devnet, shared) = runtime.block_on(async {
            let devnet = Devnet::start(config.clone()).await.unwrap();
            let faucet = devnet.faucet_url().unwrap();
            let coins = floe_sdk::faucet::request_gas(&faucet, recipient)
                .await
                .unwrap();
            acknowledged.extend(coins.iter().map(|c| c.id));
            tokio::time::sleep(Duration::from_millis(round % 4)).await;
            let shared = Arc::downgrade(&devnet.shared);
            if round % 2 == 0 {
                // `floe up` returning an error: the devnet is dropped inside the runtime…
                drop(devnet);
                (None, shared)
            } else {
                (Some(devnet), shared)
            }
        });
        // …then the runtime, with the devnet's tasks still running.
        drop(runtime);
        drop(devnet);
        // Nothing keeps the stopped devnet (its log, its executor thread) alive.
        let deadline = Instant::now() + Duration::from_secs(10);
        while shared.upgrade().is_some() {
            assert!(
                Instant::now() < deadline,
                "round {round}: the stopped devnet is still referenced"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    assert_eq!(panics.load(Ordering::SeqCst), 0, "a shutdown panicked");

    // Every acknowledged transfer survived, and a clean shutdown seals what is pending.
    let runtime = runtime();
    runtime.block_on(async {
        let devnet = Devnet::start(config.clone()).await.unwrap();
        {
            let ledger = devnet.shared.read();
            for id in &acknowledged {
                assert!(ledger.get_object(id).is_some(), "coin {id} was lost");
            }
        }
        devnet.shutdown().await;
    });
    drop(runtime);
    assert_eq!(panics.load(Ordering::SeqCst), 0, "a shutdown panicked");
}
