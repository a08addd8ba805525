//! Paid, composable model calls through `floe` on one `floe up`: a seller sells calls of three
//! models as three services (summarize 3 WAL, classify 5 WAL, render 7 WAL), each served by its
//! own provider; the first model was trained on a dataset with a 20 % share. A caller chains
//! the three in ONE transaction with `floe service chain`; each call is paid there into its
//! service's escrow (the caller's WAL drops by exactly 15); each provider's worker (`floe
//! service serve`) runs its service's ONNX model with floe-compute on the previous call's
//! answered output, stores it and answers, which settles the call (the 5 % fee burned, the rest
//! to the model), and the last answer is the three models composed. The dataset's contributor
//! claims its 20 % of the first call's revenue; the seller withdraws the rest from each model.
//! A chain quoting less than a service's price is refused by name and costs nothing. A call
//! whose provider never answers (a 12 s window) is refunded to its caller after the deadline
//! (not before, not to a stranger, not twice), and the next provider's worker passes over the
//! call that depends on it instead of waiting for ever.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod support;

use floe_compute::mlp::Mlp;
use floe_compute::tensor;
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

/// FROST in a WAL amount as the CLI prints it (`2.28`).
fn wal_text(text: &str) -> u64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut digits = fraction.to_owned();
    while digits.len() < 9 {
        digits.push('0');
    }
    whole.parse::<u64>().unwrap() * WAL + digits.parse::<u64>().unwrap()
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
    let contributor = ok(home, &["account", "new", "--wal", "5"]);
    let providers: Vec<String> = (0..3)
        .map(|_| ok(home, &["account", "new", "--wal", "10"]))
        .collect();

    // Three models whose shapes chain (8 → 4 → 4 → 2 floats), one version each, published
    // in the clear (a copy of each stored as a plain blob too: the nodes then serve it to the
    // providers), and a service of each.
    let mlps = [
        Mlp::from_seed(11, 8, 16, 4),
        Mlp::from_seed(12, 4, 8, 4),
        Mlp::from_seed(13, 4, 8, 2),
    ];
    let prices = ["3", "5", "7"];
    let mut services = Vec::new();
    let mut models = Vec::new();
    for (i, mlp) in mlps.iter().enumerate() {
        let weights = dir.path().join(format!("step-{i}.onnx"));
        std::fs::write(&weights, mlp.onnx_bytes()).unwrap();
        let weights = weights.to_str().unwrap();
        let model = ok(
            home,
            &["--as", &seller, "model", "create", &format!("step-{i}")],
        );
        ok(
            home,
            &[
                "--as",
                &seller,
                "model",
                "publish",
                &model,
                weights,
                "--architecture",
                "onnx-mlp",
            ],
        );
        ok(home, &["--as", &seller, "store", weights]);
        models.push(model.clone());
        services.push(ok(
            home,
            &[
                "--as",
                &seller,
                "service",
                "create",
                &model,
                "--price",
                prices[i],
                "--provider",
                &providers[i],
            ],
        ));
    }
    let chain = services.join(",");

    // The first model was trained on the seller's sealed dataset of one contribution: 20 % of
    // its revenue, call revenue included, is the contributor's.
    let dataset = ok(home, &["--as", &seller, "dataset", "create", "corpus"]);
    let part = dir.path().join("part.bin");
    std::fs::write(&part, vec![7u8; 2048]).unwrap();
    let contribution = ok(
        home,
        &[
            "--as",
            &contributor,
            "dataset",
            "contribute",
            &dataset,
            "--file",
            part.to_str().unwrap(),
        ],
    );
    ok(
        home,
        &[
            "--as",
            &seller,
            "dataset",
            "weight",
            &dataset,
            &contribution,
            "1",
        ],
    );
    ok(home, &["--as", &seller, "dataset", "seal", &dataset]);
    ok(
        home,
        &[
            "--as", &seller, "dataset", "train-on", &dataset, "--model", &models[0], "--bps",
            "2000",
        ],
    );

    // Quoting less than classify's price: refused by name, nothing paid.
    let x: Vec<f32> = (0..8).map(|i| (i as f32 - 3.5) / 2.0).collect();
    let input = dir.path().join("x.f32");
    std::fs::write(&input, tensor::to_bytes(&x)).unwrap();
    let input = input.to_str().unwrap();
    let before = wal(home, &caller);
    let said = fails(
        home,
        &[
            "--as",
            &caller,
            "service",
            "chain",
            &chain,
            "--input-file",
            input,
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
            "--input-file",
            input,
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
        // Held until the answer.
        assert_eq!(shown["escrow"], price);
    }
    assert_eq!(before - wal(home, &caller), 15 * WAL);

    // The providers' workers serve the chain: the third cannot start before the second has
    // answered (it waits and answers nothing); each runs its model on the previous output,
    // stores it and answers; run again, a worker answers nothing twice.
    assert_eq!(ok(home, &["--as", &providers[2], "service", "serve"]), "");
    let mut outputs = Vec::new();
    for (i, provider) in providers.iter().enumerate() {
        let served = ok(home, &["--as", provider, "service", "serve"]);
        let fields: Vec<&str> = served.split(' ').collect();
        assert_eq!(fields.len(), 3, "{served}");
        assert_eq!((fields[0], fields[1]), (services[i].as_str(), "0"));
        outputs.push(fields[2].to_owned());
        assert_eq!(ok(home, &["--as", provider, "service", "serve"]), "");
    }
    // The last answer is the three models composed, computed here in plain Rust.
    let out = dir.path().join("y.f32");
    ok(home, &["read", &outputs[2], "--out", out.to_str().unwrap()]);
    let y = tensor::from_bytes(&std::fs::read(&out).unwrap()).unwrap();
    let want = mlps[2].reference(&mlps[1].reference(&mlps[0].reference(&x)));
    assert_eq!(y.len(), want.len());
    for (got, want) in y.iter().zip(&want) {
        assert!(
            (got - want).abs() <= 1e-4 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
    // A second answer by hand is refused; so is a stranger's.
    let again = fails(
        home,
        &[
            "--as",
            &providers[0],
            "service",
            "respond",
            &services[0],
            "0",
            "--output-blob",
            &outputs[0],
            "--output-hash",
            &"ab".repeat(32),
        ],
    );
    assert!(again.contains("EAlreadyServed"), "{again}");
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

    // Each answer settled its call: nothing left in escrow. The contributor claims 20 % of the
    // first call's 2.85 WAL; the seller withdraws the rest from each model, exactly.
    for service in &services {
        assert_eq!(show(home, service)["escrow"], 0);
    }
    let claimed = ok(
        home,
        &[
            "--as",
            &contributor,
            "dataset",
            "claim",
            &contribution,
            "--model",
            &models[0],
        ],
    );
    assert_eq!(wal_text(&claimed), 570_000_000, "{claimed}");
    for (i, model) in models.iter().enumerate() {
        let price: u64 = prices[i].parse::<u64>().unwrap() * WAL;
        let revenue = price - price * 500 / 10_000;
        let expected = if i == 0 {
            revenue - revenue / 5
        } else {
            revenue
        };
        let taken = ok(home, &["--as", &seller, "model", "withdraw", model]);
        assert_eq!(wal_text(&taken), expected, "{taken}");
    }

    // A paid call whose input is not a tensor of the model's shape (text `hello`) followed by a
    // good one: the worker logs the bad call at WARN, answers the good one, and its next run
    // does not stop at the bad call.
    let bad = ok(
        home,
        &[
            "--as",
            &caller,
            "service",
            "chain",
            &services[0],
            "--input",
            "hello",
        ],
    );
    assert!(bad.starts_with(&format!("{} 1 ", services[0])), "{bad}");
    ok(
        home,
        &[
            "--as",
            &caller,
            "service",
            "chain",
            &services[0],
            "--input-file",
            input,
        ],
    );
    let served = support::floe(home, &["--as", &providers[0], "service", "serve"]);
    let stderr = String::from_utf8_lossy(&served.stderr);
    assert!(served.status.success(), "{stderr}");
    assert!(
        stderr.contains("WARN") && stderr.contains("call=1"),
        "{stderr}"
    );
    let stdout = String::from_utf8(served.stdout).unwrap();
    let fields: Vec<&str> = stdout.trim().split(' ').collect();
    assert_eq!(
        (fields[0], fields[1]),
        (services[0].as_str(), "2"),
        "{stdout}"
    );
    assert_eq!(ok(home, &["--as", &providers[0], "service", "serve"]), "");

    // A second worker of the same provider is refused while the first holds the lock.
    let lock = home.join(format!("service/{}.lock", providers[0]));
    std::fs::write(&lock, "1\n").unwrap();
    let refused = fails(home, &["--as", &providers[0], "service", "serve"]);
    assert!(
        refused.contains("another `floe service serve`"),
        "{refused}"
    );
    std::fs::remove_file(&lock).unwrap();
    assert_eq!(ok(home, &["--as", &providers[0], "service", "serve"]), "");
    // A lock left by a worker stopped with Ctrl-C (its PID no longer runs) does not block the
    // next run, and is gone after it.
    std::fs::write(&lock, "999999999\n").unwrap();
    assert_eq!(ok(home, &["--as", &providers[0], "service", "serve"]), "");
    assert!(!lock.exists(), "the stale lock was removed");

    // A service whose provider never answers, with a 12 s window (room for the two commands
    // that must run before its deadline on a loaded machine), chained before classify: the
    // classify worker waits (and answers nothing) before the deadline and passes the call over
    // after it; the caller takes the first call's payment back, only after the deadline, once.
    let silent = ok(
        home,
        &[
            "--as",
            &seller,
            "service",
            "create",
            &models[0],
            "--price",
            "2",
            "--provider",
            &providers[0],
            "--window",
            "12",
        ],
    );
    let before = wal(home, &caller);
    let called = ok(
        home,
        &[
            "--as",
            &caller,
            "service",
            "chain",
            &format!("{silent},{}", services[1]),
            "--input-file",
            input,
        ],
    );
    assert!(called.starts_with(&format!("{silent} 0 ")), "{called}");
    let called_at = std::time::Instant::now();
    assert_eq!(before - wal(home, &caller), 7 * WAL);
    let waiting = support::floe(home, &["--as", &providers[1], "service", "serve"]);
    assert!(waiting.status.success());
    assert!(waiting.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&waiting.stderr).contains("waits for call 0"),
        "{}",
        String::from_utf8_lossy(&waiting.stderr)
    );
    let early = fails(home, &["--as", &caller, "service", "refund", &silent, "0"]);
    assert!(early.contains("EDeadlineNotPassed"), "{early}");
    std::thread::sleep(std::time::Duration::from_secs(13).saturating_sub(called_at.elapsed()));
    let passed = support::floe(home, &["--as", &providers[1], "service", "serve"]);
    let stderr = String::from_utf8_lossy(&passed.stderr);
    assert!(passed.status.success(), "{stderr}");
    assert!(passed.stdout.is_empty(), "{stderr}");
    assert!(
        stderr.contains("WARN") && stderr.contains("never will be"),
        "{stderr}"
    );
    assert_eq!(ok(home, &["--as", &providers[1], "service", "serve"]), "");
    let stranger = fails(home, &["--as", &seller, "service", "refund", &silent, "0"]);
    assert!(stranger.contains("ENotPayer"), "{stranger}");
    let refunded = ok(home, &["--as", &caller, "service", "refund", &silent, "0"]);
    assert_eq!(refunded, (2 * WAL).to_string());
    assert_eq!(before - wal(home, &caller), 5 * WAL);
    let twice = fails(home, &["--as", &caller, "service", "refund", &silent, "0"]);
    assert!(twice.contains("ERefunded"), "{twice}");
    let late = fails(
        home,
        &[
            "--as",
            &providers[0],
            "service",
            "respond",
            &silent,
            "0",
            "--output-blob",
            &outputs[0],
            "--output-hash",
            &"ab".repeat(32),
        ],
    );
    assert!(late.contains("ERefunded"), "{late}");
}
