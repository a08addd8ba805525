//! Paid, composable model calls through `floe` on one `floe up`: a seller sells calls of a
//! model version as three services (summarize 3 WAL, classify 5 WAL, render 7 WAL), each
//! served by its own provider; a caller chains the three in ONE transaction with
//! `floe service chain`; each call is settled there (the caller's WAL drops by exactly 15,
//! each service keeps its price less the 5 % fee); each provider answers its call with a
//! stored output (`floe service respond`); the seller takes the revenue. A chain quoting less
//! than a service's price is refused by name and costs nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod support;

use floe_sdk::{Floe, Keystore, NetworkConfig};
use sui_sdk_types::Address;
use support::{fails, ok};

const WAL: u64 = 1_000_000_000;

/// The WAL account `account` of the home's keystore holds.
async fn wal_of(home: &Path, account: &str) -> u64 {
    let network = NetworkConfig::from_file(home.join("devnet/network.toml")).unwrap();
    let account: Address = account.parse().unwrap();
    let key = Keystore::load(home.join("keystore"))
        .unwrap()
        .key(&account)
        .unwrap()
        .clone();
    let mut floe = Floe::connect(&network, key).await.unwrap();
    floe.wal_coins()
        .await
        .unwrap()
        .iter()
        .map(|c| c.balance)
        .sum()
}

fn wal(home: &Path, account: &str) -> u64 {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(wal_of(home, account))
}

fn show(home: &Path, service: &str) -> serde_json::Value {
    serde_json::from_str(&ok(home, &["service", "show", service])).unwrap()
}

#[test]
fn a_three_call_chain_settles_in_one_transaction_and_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let _up = support::start_up(home, &["--no-indexer"]);

    let seller = ok(home, &["account", "new", "--wal", "100"]);
    let caller = ok(home, &["account", "new", "--wal", "40"]);
    let providers: Vec<String> = (0..3)
        .map(|_| ok(home, &["account", "new", "--wal", "10"]))
        .collect();

    // The seller's model, one version, three services of it.
    let weights = dir.path().join("model.bin");
    std::fs::write(&weights, vec![7u8; 2_000]).unwrap();
    let model = ok(home, &["--as", &seller, "model", "create", "pipeline"]);
    ok(
        home,
        &[
            "--as",
            &seller,
            "model",
            "publish",
            &model,
            weights.to_str().unwrap(),
            "--architecture",
            "onnx-mlp",
        ],
    );
    let prices = ["3", "5", "7"];
    let services: Vec<String> = prices
        .iter()
        .zip(&providers)
        .map(|(price, provider)| {
            ok(
                home,
                &[
                    "--as",
                    &seller,
                    "service",
                    "create",
                    &model,
                    "--price",
                    price,
                    "--provider",
                    provider,
                ],
            )
        })
        .collect();
    let chain = services.join(",");

    // Quoting less than classify's price: refused by name, nothing paid.
    let before = wal(home, &caller);
    let said = fails(
        home,
        &[
            "--as",
            &caller,
            "service",
            "chain",
            &chain,
            "--input",
            "an article",
            "--max",
            "3,4,7",
        ],
    );
    assert!(said.contains("EPriceAboveMax"), "{said}");
    assert_eq!(wal(home, &caller), before);

    // The chain, in one transaction: each call paid exactly.
    let called = ok(
        home,
        &[
            "--as",
            &caller,
            "service",
            "chain",
            &chain,
            "--input",
            "an article",
        ],
    );
    let lines: Vec<Vec<&str>> = called.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 3, "{called}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line[0], services[i]);
        assert_eq!(line[1], "0");
        let price: u64 = prices[i].parse::<u64>().unwrap() * WAL;
        assert_eq!(line[2], price.to_string());
        let shown = show(home, &services[i]);
        assert_eq!(shown["calls"], 1);
        assert_eq!(shown["revenue"], price - price * 500 / 10_000);
    }
    assert_eq!(before - wal(home, &caller), 15 * WAL);

    // Each provider serves its call: stores the output and answers with its hash. A second
    // answer, or one by someone else, is refused.
    for (i, provider) in providers.iter().enumerate() {
        let output = dir.path().join(format!("out-{i}"));
        let bytes = format!("output of step {i}").into_bytes();
        std::fs::write(&output, &bytes).unwrap();
        let blob = ok(home, &["--as", provider, "store", output.to_str().unwrap()]);
        let hash = hex::encode(floe_compute::output_hash(&bytes));
        let answer = [
            "--as",
            provider,
            "service",
            "respond",
            &services[i],
            "0",
            "--output-blob",
            &blob,
            "--output-hash",
            &hash,
        ];
        ok(home, &answer);
        let again = fails(home, &answer);
        assert!(again.contains("EAlreadyServed"), "{again}");
    }
    let stranger = fails(
        home,
        &[
            "--as",
            &caller,
            "service",
            "respond",
            &services[0],
            "0",
            "--output-blob",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "--output-hash",
            &"ab".repeat(32),
        ],
    );
    assert!(stranger.contains("ENotProvider"), "{stranger}");

    // The seller takes each service's revenue, exactly; the caller cannot.
    let refused = fails(
        home,
        &["--as", &caller, "service", "withdraw", &services[0]],
    );
    assert!(refused.contains("holds no ServiceCap"), "{refused}");
    let seller_before = wal(home, &seller);
    let mut taken = 0;
    for (i, service) in services.iter().enumerate() {
        let amount: u64 = ok(home, &["--as", &seller, "service", "withdraw", service])
            .parse()
            .unwrap();
        let price: u64 = prices[i].parse::<u64>().unwrap() * WAL;
        assert_eq!(amount, price - price * 500 / 10_000);
        taken += amount;
    }
    assert_eq!(wal(home, &seller) - seller_before, taken);
}
