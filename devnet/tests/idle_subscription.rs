//! The sdk's checkpoint stream on a quiet devnet: no transactions means no checkpoints, and
//! that silence is not a failure (sui-rpc's response-body watchdog would otherwise reset
//! the subscription every 30 s, and every component logged a reconnect). A devnet that goes
//! away is still noticed.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use floe_devnet::{Devnet, DevnetConfig};
use floe_sdk::FloeClient;
use futures::StreamExt as _;
use sui_sdk_types::Address;

#[tokio::test]
async fn a_quiet_subscription_stays_open_and_delivers_the_next_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().join("chain"),
        checkpoint_interval_ms: 50,
        empty_checkpoints: false,
        floe: None,
        ..DevnetConfig::default()
    })
    .await
    .unwrap();
    let mut client = FloeClient::connect(&devnet.rpc_url()).unwrap();
    // A body-idle watchdog far shorter than the quiet spell below (sui-rpc's default is
    // 30 s): it still guards every other call, the subscription is exempt from it.
    let watched = client
        .raw()
        .clone()
        .with_body_idle_timeout(Duration::from_millis(300));
    *client.raw() = watched;
    let mut stream = Box::pin(client.stream_checkpoints(None, None));

    // Ten times the watchdog's timeout without a checkpoint: nothing arrives, no error either.
    let quiet = tokio::time::timeout(Duration::from_secs(3), stream.next()).await;
    assert!(quiet.is_err(), "the quiet stream yielded {quiet:?}");

    // A transaction: its checkpoint arrives on the same stream.
    let height = client.service_info().await.unwrap().checkpoint_height();
    floe_sdk::faucet::request_gas(&devnet.faucet_url().unwrap(), Address::new([5; 32]))
        .await
        .unwrap();
    let checkpoint = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the next checkpoint arrives")
        .expect("the stream is open")
        .expect("the checkpoint is not an error");
    assert_eq!(checkpoint.sequence_number(), height + 1);

    // A consumer that drops its stream ends the subscription at once, quiet chain or not.
    let subscribers = devnet.shared.checkpoints.receiver_count();
    let dropped = Box::pin(client.stream_checkpoints(None, None));
    wait_for(|| devnet.shared.checkpoints.receiver_count() == subscribers + 1).await;
    drop(dropped);
    wait_for(|| devnet.shared.checkpoints.receiver_count() == subscribers).await;

    // The devnet going away ends the stream with an error instead of leaving it hanging.
    tokio::time::timeout(Duration::from_secs(10), devnet.shutdown())
        .await
        .expect("the devnet stops while a subscription is open");
    let end = tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await
        .expect("a stopped devnet ends the subscription");
    assert!(matches!(end, Some(Err(_))), "the stream ended with {end:?}");
}

/// Waits up to 10 s for `done`.
async fn wait_for(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
