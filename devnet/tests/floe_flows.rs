//! Floe end to end against a real in-process devnet over gRPC: `Devnet::start_floe` publishes
//! the package with four genesis storage nodes, the test loads the `network.toml` the devnet
//! wrote, gets SUI and WAL from the faucet, and runs the sdk's flows (store and read a blob
//! through in-memory storage nodes signing with the genesis nodes' BLS keys, models, offers,
//! licenses, staking) plus a failing call whose abort the sdk names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::calls;
use floe_sdk::client::ClientError;
use floe_sdk::memory_node::MemoryNode;
use floe_sdk::move_types::blob::Blob;
use floe_sdk::move_types::staking::NodeCap;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::sui_transaction_builder::{ObjectInput, TransactionBuilder};
use floe_sdk::{Floe, FlowError, Keystore, NetworkConfig, tx};
use sui_sdk_types::Address;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const WAL: u64 = 1_000_000_000;
const N_SHARDS: u16 = 10;
const NODES: u8 = 4;

fn bls_keys() -> Vec<BlsKeyPair> {
    (0..NODES)
        .map(|i| BlsKeyPair::from_seed(&[i + 11; 32]).unwrap())
        .collect()
}

fn operator(i: usize) -> Address {
    Address::new([0xc0 + i as u8; 32])
}

/// `POST {faucet}{path}` with a JSON body; the answer's status line and body.
async fn post(faucet: &str, path: &str, body: &serde_json::Value) -> (String, serde_json::Value) {
    let host = faucet.strip_prefix("http://").unwrap();
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (
        head.lines().next().unwrap().to_owned(),
        serde_json::from_str(body).unwrap(),
    )
}

async fn request_wal(faucet: &str, recipient: Address, amount: Option<u64>) -> serde_json::Value {
    let mut request = serde_json::json!({ "recipient": recipient.to_string() });
    if let Some(amount) = amount {
        request["amount"] = amount.into();
    }
    let (status, answer) = post(
        faucet,
        "/v2/wal",
        &serde_json::json!({ "FixedAmountRequest": request }),
    )
    .await;
    assert!(status.contains(" 200"), "{status}: {answer}");
    answer
}

struct Started {
    devnet: Devnet,
    network: NetworkConfig,
    _dir: tempfile::TempDir,
}

/// A devnet whose genesis seats four nodes keyed by [`bls_keys`]; the faucet key is created
/// first so the proofs of possession can name the publisher (the faucet account).
async fn start() -> Started {
    let dir = tempfile::tempdir().unwrap();
    let mut config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let faucet = Keystore::load_or_create(config.faucet_keystore_path(), 1).unwrap();
    let publisher = faucet.addresses()[0];
    config.floe = Some(NetworkGenesis {
        n_shards: N_SHARDS,
        epoch_duration_ms: 3_600_000,
        nodes: bls_keys()
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisNode {
                name: format!("node-{i}"),
                network_address: format!("127.0.0.1:{}", 9400 + i),
                bls_public_key: key.public_key().to_vec(),
                proof_of_possession: key.proof_of_possession(publisher).to_vec(),
                commission_bps: 100,
                stake: 1_000 * WAL,
                operator: operator(i),
            })
            .collect(),
    });
    let devnet = Devnet::start_floe(config).await.unwrap();
    let network = NetworkConfig::from_file(devnet.network_config_path()).unwrap();
    Started {
        devnet,
        network,
        _dir: dir,
    }
}

/// A fresh account with SUI for gas and `wal` WAL from the faucet, connected with the sdk.
async fn funded_user(network: &NetworkConfig, wal: u64) -> (Floe, Ed25519PrivateKey) {
    let faucet = network.faucet_url.as_deref().unwrap();
    let mut keys = Keystore::default();
    let user = keys.generate();
    floe_sdk::faucet::request_gas(faucet, user).await.unwrap();
    let answer = request_wal(faucet, user, Some(wal)).await;
    assert_eq!(answer["status"], "Success", "{answer}");
    assert_eq!(answer["coins_sent"][0]["amount"], wal);
    let key = keys.key(&user).unwrap().clone();
    (Floe::connect(network, key.clone()).await.unwrap(), key)
}

/// The in-memory node of every genesis node, keyed by node ID (found through the `NodeCap`
/// each operator received).
async fn storage_nodes(floe: &mut Floe) -> HashMap<Address, MemoryNode> {
    let epoch = floe.system().await.unwrap().epoch;
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let mut nodes = HashMap::new();
    for (i, key) in bls_keys().into_iter().enumerate() {
        let caps = floe
            .client
            .owned_objects(operator(i), Some(&cap_type))
            .await
            .unwrap();
        let cap: NodeCap = bcs::from_bytes(caps[0].as_struct().unwrap().contents()).unwrap();
        let node = MemoryNode::new(key, epoch);
        nodes.insert(floe_sdk::move_types::address_of(&cap.node_id), node);
    }
    nodes
}

#[tokio::test]
async fn network_toml_names_the_package_and_its_shared_objects() {
    let started = start().await;
    let network = &started.network;
    assert_eq!(network.rpc_url, started.devnet.rpc_url());
    assert_eq!(network.faucet_url, started.devnet.faucet_url());
    assert_eq!(network.package_id, Some(floe_devnet::floe::PACKAGE_ID));
    assert_eq!(
        network.original_package_id,
        Some(floe_devnet::floe::PACKAGE_ID)
    );
    let mut client = floe_sdk::FloeClient::connect(&network.rpc_url).unwrap();
    for (id, name) in [
        (network.system_object_id, "System"),
        (network.treasury_object_id, "Treasury"),
        (network.blob_registry_object_id, "BlobRegistry"),
        (network.challenge_board_object_id, "ChallengeBoard"),
    ] {
        let object = client.object(id.unwrap()).await.unwrap();
        let type_ = object.as_struct().unwrap().object_type();
        assert_eq!(type_.name().as_str(), name);
    }
    let package = client.object(network.package_id.unwrap()).await.unwrap();
    assert!(package.as_struct().is_none(), "a package object");
    started.devnet.shutdown().await;
}

#[tokio::test]
async fn the_wal_faucet_caps_and_validates_requests() {
    let started = start().await;
    let faucet = started.network.faucet_url.clone().unwrap();
    let (mut floe, _) = funded_user(&started.network, 3 * WAL).await;
    // Default amount, on top of the 3 WAL above.
    let answer = request_wal(&faucet, floe.sender(), None).await;
    let default = DevnetConfig::default().faucet_wal_amount;
    assert_eq!(answer["coins_sent"][0]["amount"], default);
    let held: u64 = floe
        .wal_coins()
        .await
        .unwrap()
        .iter()
        .map(|c| c.balance)
        .sum();
    assert_eq!(held, 3 * WAL + default);

    let too_much = DevnetConfig::default().faucet_wal_max + 1;
    let request = serde_json::json!({ "FixedAmountRequest": {
        "recipient": floe.sender().to_string(), "amount": too_much } });
    let (status, answer) = post(&faucet, "/v2/wal", &request).await;
    assert!(status.contains(" 400"), "{status}: {answer}");
    let (status, _) = post(&faucet, "/v2/wal", &serde_json::json!({ "nonsense": 1 })).await;
    assert!(status.contains(" 400"), "{status}");
    started.devnet.shutdown().await;
}

#[tokio::test]
async fn sdk_flows_run_against_the_devnet() {
    let started = start().await;
    let (mut floe, key) = funded_user(&started.network, 1_000 * WAL).await;
    let nodes = storage_nodes(&mut floe).await;
    assert_eq!(nodes.len(), usize::from(NODES));

    // Blobs: store (register + slivers + certify), then read back.
    let blob: Vec<u8> = (0..40_000u32).map(|i| (i * 31 + 7) as u8).collect();
    let stored = floe.store_blob(&nodes, &blob, 2, false).await.unwrap();
    let object: Blob = floe
        .read_object(stored.blob_object, "blob::Blob")
        .await
        .unwrap();
    assert_eq!(object.certified_epoch, Some(1), "certified in epoch 1");
    let read = floe.read_blob(&nodes, &stored.blob_id).await.unwrap();
    assert_eq!(read, blob);

    // Models and licenses.
    let model = floe
        .register_model("tiny-llm", "a test model")
        .await
        .unwrap();
    let version = floe
        .publish_version(
            model.model,
            model.cap,
            stored.blob_object,
            "transformer",
            &[7; 32],
            &[("accuracy_bps".to_owned(), 9_100)],
        )
        .await
        .unwrap();
    assert_eq!(version, 1);
    let offer = floe
        .create_offer(model.model, model.cap, 2 * WAL, 60_000, 10, 0)
        .await
        .unwrap();
    let license = floe.purchase_license(offer.id, 3).await.unwrap();
    assert!(floe.is_license_valid(license).await.unwrap());

    // Staking.
    let node_id = *nodes.keys().next().unwrap();
    let staked = floe.stake(node_id, 10 * WAL).await.unwrap();
    let withdraw_epoch = floe.request_withdraw(staked).await.unwrap();
    assert!(withdraw_epoch >= 2, "withdraws at an epoch change");

    // The seller reprices between the buyer's quote (2 WAL a window) and the purchase: the
    // purchase, bounded by the quote, aborts with the named rule and takes no WAL.
    let cap = floe.client.object(model.cap).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(model.cap, cap.version(), cap.digest()));
    calls::license::reprice_offer(&mut builder, &floe.objects, offer, cap, 5 * WAL);
    let gas = floe
        .client
        .gas_for(floe.sender(), tx::DEFAULT_GAS_BUDGET, &[])
        .await
        .unwrap();
    let transaction = tx::finish(builder, floe.sender(), &gas, tx::DEFAULT_GAS_BUDGET).unwrap();
    floe.client
        .sign_and_execute(&transaction, &key)
        .await
        .unwrap();
    let wal_before: u64 = floe
        .wal_coins()
        .await
        .unwrap()
        .iter()
        .map(|c| c.balance)
        .sum();
    let error = floe
        .purchase_license_at_most(offer.id, 1, Some(2 * WAL))
        .await
        .unwrap_err();
    let FlowError::Client(error) = error else {
        panic!("expected an execution failure, got {error}");
    };
    let abort = error
        .floe_abort()
        .unwrap_or_else(|| panic!("not a floe abort: {error}"));
    assert_eq!((abort.module, abort.name), ("license", "EPriceAboveMax"));
    let wal_after: u64 = floe
        .wal_coins()
        .await
        .unwrap()
        .iter()
        .map(|c| c.balance)
        .sum();
    assert_eq!(wal_after, wal_before);
    // At the new price (quoted now) it goes through, paying exactly that.
    floe.purchase_license(offer.id, 1).await.unwrap();
    let wal_after: u64 = floe
        .wal_coins()
        .await
        .unwrap()
        .iter()
        .map(|c| c.balance)
        .sum();
    assert_eq!(wal_after, wal_before - 5 * WAL);

    // A failing call: buying from a paused offer names the Move constant.
    let cap = floe.client.object(model.cap).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(model.cap, cap.version(), cap.digest()));
    calls::license::pause_offer(&mut builder, &floe.objects, offer, cap);
    let gas = floe
        .client
        .gas_for(floe.sender(), tx::DEFAULT_GAS_BUDGET, &[])
        .await
        .unwrap();
    let transaction = tx::finish(builder, floe.sender(), &gas, tx::DEFAULT_GAS_BUDGET).unwrap();
    floe.client
        .sign_and_execute(&transaction, &key)
        .await
        .unwrap();
    let error = floe.purchase_license(offer.id, 1).await.unwrap_err();
    let FlowError::Client(error) = error else {
        panic!("expected an execution failure, got {error}");
    };
    let abort = error
        .floe_abort()
        .unwrap_or_else(|| panic!("not a floe abort: {error}"));
    assert_eq!((abort.module, abort.name), ("license", "EOfferPaused"));
    assert!(error.to_string().contains("EOfferPaused"), "{error}");
    assert!(matches!(error, ClientError::ExecutionFailed(_)));
    started.devnet.shutdown().await;
}

#[tokio::test]
async fn a_restarted_devnet_rewrites_the_same_network_toml() {
    let dir = tempfile::tempdir().unwrap();
    let config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: None,
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        ..DevnetConfig::default()
    };
    let first = Devnet::start_floe(config.clone()).await.unwrap();
    let before = first.network.clone();
    assert!(before.system_object_id.is_some(), "{before:?}");
    first.shutdown().await;
    std::fs::remove_file(config.network_config_path()).unwrap();

    let second = Devnet::start_floe(config.clone()).await.unwrap();
    let after = NetworkConfig::from_file(second.network_config_path()).unwrap();
    assert_eq!(after.rpc_url, second.rpc_url(), "the new port");
    assert_eq!(
        NetworkConfig {
            rpc_url: before.rpc_url.clone(),
            ..after
        },
        before
    );
    second.shutdown().await;
}

// === Handler coverage ===

/// `module::function` of every function a transaction can call, as the sdk's builders
/// (generated from the Move sources) list them.
fn callable_move_functions() -> Vec<String> {
    let mut out: Vec<String> = floe_sdk::calls::all()
        .iter()
        .map(|spec| format!("{}::{}", spec.module, spec.function))
        .collect();
    out.sort();
    out
}

/// `module::function` of every handler registered for the `floe` package.
fn registered() -> Vec<String> {
    let mut registry = floe_devnet::HandlerRegistry::default();
    floe_devnet::floe::register(&mut registry);
    let prefix = format!("{}::", floe_devnet::floe::PACKAGE_ID);
    registry
        .functions()
        .into_iter()
        .filter_map(|f| f.strip_prefix(&prefix).map(str::to_owned))
        .collect()
}

/// The Rust handler of `function` in `devnet/src/floe/{module}.rs`: the function of the same
/// name when the module's registration is generated, else the name paired with it in the
/// module's `register`, or a note that it is an inline closure there.
fn handler_name(module: &str, function: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/floe")
        .join(format!("{module}.rs"));
    let text = std::fs::read_to_string(path).unwrap();
    if text.contains(&format!("/floe_{module}.rs\"))")) {
        return format!("`{function}` (typed, registration generated)");
    }
    let register = &text[text.find("pub fn register(").unwrap()..];
    let needle = format!("\"{function}\",");
    let at = register
        .find(&needle)
        .unwrap_or_else(|| panic!("{module}.rs registers {function} elsewhere"));
    let rest = register[at + needle.len()..].trim_start();
    if rest.starts_with('|') {
        return "closure in `register`".to_owned();
    }
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    format!("`{name}`")
}

const TABLE_BEGIN: &str = "<!-- handler table: generated by tests/floe_flows.rs -->\n";
const TABLE_END: &str = "<!-- end of handler table -->";

fn handler_table() -> String {
    let mut table =
        String::from("| Move function | handler file | Rust handler |\n|---|---|---|\n");
    for function in registered() {
        let (module, name) = function.split_once("::").unwrap();
        table.push_str(&format!(
            "| `{function}` | `devnet/src/floe/{module}.rs` | {} |\n",
            handler_name(module, name)
        ));
    }
    table
}

#[test]
fn every_callable_move_function_has_a_handler() {
    let callable = callable_move_functions();
    assert!(
        callable.len() > 100,
        "the scan found the package: {callable:?}"
    );
    let registered = registered();
    let missing: Vec<&String> = callable
        .iter()
        .filter(|f| !registered.contains(f))
        .collect();
    assert!(
        missing.is_empty(),
        "Move functions without a handler: {missing:?}"
    );
    // And no handler answers a function the package does not have (or cannot be called).
    let extra: Vec<&String> = registered
        .iter()
        .filter(|f| !callable.contains(f))
        .collect();
    assert!(
        extra.is_empty(),
        "handlers of no callable Move function: {extra:?}"
    );
}

/// The README's table is this test's output; `FLOE_UPDATE_README=1` rewrites it.
#[test]
fn the_readme_handler_table_is_generated_from_the_registry() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let begin = readme
        .find(TABLE_BEGIN)
        .expect("README has the table marker")
        + TABLE_BEGIN.len();
    let end = readme.find(TABLE_END).expect("README has the end marker");
    let table = handler_table();
    if readme[begin..end] == table {
        return;
    }
    if std::env::var_os("FLOE_UPDATE_README").is_some() {
        let updated = format!("{}{table}{}", &readme[..begin], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!("devnet/README.md's handler table is stale; rerun with FLOE_UPDATE_README=1:\n{table}");
}

// === Abort coverage ===

/// Abort constants the devnet's mirror does not raise, with the reason. Empty today.
const NOT_MIRRORED: &[(&str, &str, &str)] = &[];

/// `EInvalidEpochsAhead` → `E_INVALID_EPOCHS_AHEAD`, the name `floe_sdk::move_aborts` gives it.
fn rust_abort_name(move_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in move_name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Every abort constant of the package (the sdk's table, generated from the Move sources) is
/// raised by the devnet's mirror: its Rust name appears in the code (comments aside) of
/// `devnet/src/floe/<module>.rs`, or as `<module>::NAME` in another file there. A new rule in
/// Move that the mirror does not check yet would let the devnet accept what the package
/// refuses; it fails here instead, until mirrored or listed in [`NOT_MIRRORED`].
#[test]
fn every_move_abort_is_raised_by_the_devnet() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/floe");
    let mut code = HashMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        code.insert(module, text);
    }
    let all: String = code.values().cloned().collect::<Vec<_>>().join("\n");
    let names = |text: &str, name: &str| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let aborts = floe_sdk::aborts::ABORTS;
    assert!(
        aborts.len() > 100,
        "the sdk's abort table lists the package"
    );
    let missing: Vec<String> = aborts
        .iter()
        .filter(|a| {
            !NOT_MIRRORED
                .iter()
                .any(|(m, n, _)| *m == a.module && *n == a.name)
        })
        .filter(|a| {
            let rust = rust_abort_name(a.name);
            let own = code.get(a.module).is_some_and(|t| names(t, &rust));
            !own && !names(&all, &format!("{}::{rust}", a.module))
        })
        .map(|a| format!("{}::{}", a.module, a.name))
        .collect();
    assert!(
        missing.is_empty(),
        "Move aborts the devnet never raises (mirror the check in devnet/src/floe, or list it \
         in NOT_MIRRORED with the reason): {missing:?}"
    );
}
