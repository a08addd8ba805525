//! Encrypted models through `floe` as a user runs it: `floe up` starts a key server beside
//! every storage node and registers it on chain (a `floe::key_server::KeyServer` object in
//! Seal's layout, attached to the node); `floe model publish --encrypt` stores only
//! ciphertext, encrypted to those objects' IDs; a license holder's `floe read --license`
//! obtains keys from the key servers and decrypts, and so does the model's owner without a
//! license (`license::seal_approve_owner`); a used-up one-use license gets no plaintext; after
//! a restart the key servers keep their master keys and objects and the model still opens.
//!
//! Mysten's own client opens the same ciphertext: `@mysten/seal`'s `SealClient` (pinned in
//! `crypto/tests/seal_js`, script `seal_client_decrypt.mjs`), given only the key-server object
//! IDs and `@mysten/sui`'s gRPC client pointed at the devnet, reads the servers from the chain,
//! verifies them, and decrypts for the license holder and the owner; a non-holder gets Seal's
//! `NoAccessError`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

mod support;

use floe_node::http_client::HttpNodeClient;
use floe_sdk::move_types::{self, model::ModelCap};
use floe_sdk::{Floe, FloeClient, FloeObjects, Keystore, NetworkConfig};
use serde_json::{Value, json};
use sui_sdk_types::Address;
use support::{fails, floe, ok};

/// The `Blob` object `floe model publish` names on stderr ("(Blob object 0x…)").
fn said_blob_object(stderr: &str) -> String {
    let at = stderr
        .find("Blob object ")
        .expect("publish names the Blob object")
        + 12;
    stderr[at..]
        .split(|c: char| !c.is_ascii_hexdigit() && c != 'x')
        .next()
        .unwrap()
        .to_owned()
}

/// `floe up` without the indexer (nothing here reads it).
fn start_up(home: &Path) -> support::Running {
    support::start_up(home, &["--no-indexer"])
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// The key servers `up.toml` lists: (service ID, URL, public key hex, node ID).
fn key_servers(home: &Path) -> Vec<(String, String, String, Option<String>)> {
    let up: toml::Value =
        toml::from_str(&std::fs::read_to_string(home.join("up.toml")).unwrap()).unwrap();
    up["key_servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["service_id"].as_str().unwrap().to_owned(),
                k["url"].as_str().unwrap().to_owned(),
                k["public_key"].as_str().unwrap().to_owned(),
                k.get("node_id").and_then(|n| n.as_str()).map(str::to_owned),
            )
        })
        .collect()
}

/// The `ModelCap` of `model` that `owner` holds.
async fn model_cap(
    client: &mut FloeClient,
    objects: &FloeObjects,
    owner: &str,
    model: &str,
) -> Address {
    let cap_type = move_types::struct_tag(objects.original_package, "model", "ModelCap", vec![]);
    let owner: Address = owner.parse().unwrap();
    let model: Address = model.parse().unwrap();
    client
        .owned_objects(owner, Some(&cap_type))
        .await
        .unwrap()
        .iter()
        .find(|cap| {
            let cap: ModelCap = bcs::from_bytes(cap.as_struct().unwrap().contents()).unwrap();
            move_types::address_of(&cap.model_id) == model
        })
        .map(|cap| cap.object_id())
        .expect("the owner holds the model's cap")
}

/// The stored ciphertext of `blob`, read from the nodes as the holder of `cap` (the first
/// account of the home's keystore): what a Seal client gets from storage.
async fn ciphertext(
    network: &NetworkConfig,
    key: sui_crypto::ed25519::Ed25519PrivateKey,
    cap: Address,
    blob: &str,
) -> Vec<u8> {
    let mut floe = Floe::connect(network, key.clone()).await.unwrap();
    let mut nodes = HashMap::new();
    for (node_id, address) in floe.node_addresses().await.unwrap() {
        let client = HttpNodeClient::connect(format!("http://{address}"))
            .await
            .unwrap()
            .with_license(key.clone(), cap);
        nodes.insert(node_id, client);
    }
    let blob_id: floe_encoder::BlobId = blob.parse().unwrap();
    floe.read_blob(&nodes, &blob_id).await.unwrap()
}

#[test]
fn an_encrypted_model_opens_for_license_holders_only_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let up = start_up(home);
    for i in 0..4 {
        assert!(
            up.lines.contains_key(&format!("keyserver-{i}")),
            "{:?}",
            up.lines
        );
    }

    ok(home, &["account", "new", "--wal", "500"]);
    let buyer = ok(home, &["account", "new", "--wal", "50"]);
    let model = ok(home, &["model", "create", "sealed-llm"]);
    let weights: Vec<u8> = (0..80_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = dir.path().join("weights.bin");
    std::fs::write(&file, &weights).unwrap();
    let publish = floe(
        home,
        &[
            "model",
            "publish",
            &model,
            &p(&file),
            "--architecture",
            "mlp",
            "--encrypt",
        ],
    );
    let publish_stderr = publish.stderr.clone();
    let said = String::from_utf8_lossy(&publish.stderr).into_owned();
    assert!(publish.status.success(), "{said}");
    assert!(
        said.contains("encrypted to 4 key servers, 3 needed"),
        "{said}"
    );
    let blob = String::from_utf8(publish.stdout).unwrap().trim().to_owned();

    // The owner reads their own model without a license: the key servers release keys to
    // the holder of its ModelCap (`license::seal_approve_owner`).
    let got = dir.path().join("weights.out");
    let out = floe(home, &["read", &blob, "--out", &p(&got)]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("decrypted with keys from 3 of 4 key servers"),
        "{said}"
    );
    assert_eq!(std::fs::read(&got).unwrap(), weights);
    std::fs::remove_file(&got).unwrap();

    // The owner marked the Blob object as ciphertext, so the nodes serve it to anyone: a
    // reader without a license gets the ciphertext from them, and no key, so no plaintext.
    let object = said_blob_object(&String::from_utf8_lossy(&publish_stderr));
    assert_eq!(ok(home, &["get-attribute", &object, "encryption"]), "seal");
    let message = fails(home, &["--as", &buyer, "read", &blob, "--out", &p(&got)]);
    assert!(
        message.contains("is an encrypted model: its keys are released to license holders"),
        "{message}"
    );
    assert!(!got.exists(), "nothing is written without keys");

    // Each key server is an on-chain object in Seal's layout, attached to its node, and the
    // ciphertext names those objects.
    let servers = key_servers(home);
    assert_eq!(servers.len(), 4);
    let network = NetworkConfig::from_file(home.join("devnet/network.toml")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (objects, owner_cap) = runtime.block_on(async {
        let mut client = FloeClient::connect(&network.rpc_url).unwrap();
        let objects = FloeObjects::resolve(&mut client, &network).await.unwrap();
        for (id, url, public_key, node_id) in &servers {
            let found = floe_keyserver::onchain::read(
                &mut client,
                objects.original_package,
                id.parse().unwrap(),
            )
            .await
            .unwrap();
            assert_eq!(&found.url, url);
            assert_eq!(&hex::encode(&found.pk), public_key);
            assert_eq!(
                (found.first_version, found.last_version, found.key_type),
                (1, 1, 0)
            );
            assert_eq!(found.node_id.map(|n| n.to_string()), node_id.clone());
        }
        let owner = Keystore::load(home.join("keystore")).unwrap().addresses()[0];
        let cap = model_cap(&mut client, &objects, &owner.to_string(), &model).await;
        (objects, cap)
    });

    let offer = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "2",
            "--window-secs",
            "3600",
        ],
    );
    let license = ok(home, &["--as", &buyer, "license", "buy", &offer]);
    let read = [
        "--as",
        &buyer,
        "read",
        &blob,
        "--out",
        &p(&got),
        "--license",
        &license,
    ];
    let out = floe(home, &read);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("decrypted with keys from 3 of 4 key servers"),
        "{said}"
    );
    assert_eq!(std::fs::read(&got).unwrap(), weights);

    // With only 2 of the 4 key servers reachable (t = 3), the license holder gets no plaintext
    // and is told why: the other two are pointed at a closed port in up.toml.
    let up_file = home.join("up.toml");
    let saved = std::fs::read_to_string(&up_file).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut cut = saved.clone();
    for (_, url, _, _) in servers.iter().take(2) {
        cut = cut.replacen(&format!("\"{url}\""), &format!("\"{dead}\""), 1);
    }
    assert_ne!(cut, saved);
    std::fs::write(&up_file, &cut).unwrap();
    std::fs::remove_file(&got).unwrap();
    let message = fails(home, &read);
    std::fs::write(&up_file, &saved).unwrap();
    assert!(
        message.contains("2 of the model's 4 key servers released a key, 3 are needed")
            && message.contains("retry when more key servers are up"),
        "{message}"
    );
    assert!(!got.exists(), "nothing is written without t keys");
    ok(home, &read);
    assert_eq!(std::fs::read(&got).unwrap(), weights);

    // A node operator holds every sliver of the model, and so the whole stored blob: it is
    // the ciphertext, with no stretch of the weights in it, and it names the key servers whose
    // keys it needs.
    let owner_key = {
        let keys = Keystore::load(home.join("keystore")).unwrap();
        keys.key(&keys.addresses()[0]).unwrap().clone()
    };
    let stored = runtime.block_on(ciphertext(&network, owner_key, owner_cap, &blob));
    let object = floe_crypto::EncryptedObject::from_bytes(&stored).unwrap();
    assert_eq!((object.threshold, object.services.len()), (3, 4));
    assert!(
        weights
            .chunks(16)
            .all(|window| !stored.windows(16).any(|w| w == window)),
        "no 16-byte stretch of the weights is in what the nodes store"
    );

    seal_client_opens_it(
        home,
        dir.path(),
        &network,
        &objects,
        owner_cap,
        &blob,
        &license,
        &buyer,
        &weights,
        &runtime,
    );

    // A one-use license: its one use yields one read; the next is refused on-chain.
    let metered = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "1",
            "--window-secs",
            "3600",
            "--uses",
            "1",
        ],
    );
    let one_use = ok(home, &["--as", &buyer, "license", "buy", &metered]);
    std::fs::remove_file(&got).unwrap();
    ok(
        home,
        &[
            "--as",
            &buyer,
            "read",
            &blob,
            "--out",
            &p(&got),
            "--license",
            &one_use,
        ],
    );
    assert_eq!(std::fs::read(&got).unwrap(), weights);
    let message = fails(
        home,
        &[
            "--as",
            &buyer,
            "read",
            &blob,
            "--out",
            &p(&got),
            "--license",
            &one_use,
        ],
    );
    assert!(message.contains("ENoUsesLeft"), "{message}");

    // Restarted, the key servers keep their master keys: the same object still opens.
    assert!(up.terminate().success());
    let up = start_up(home);
    std::fs::remove_file(&got).unwrap();
    ok(home, &read);
    assert_eq!(std::fs::read(&got).unwrap(), weights);
    up.kill();
}

/// `@mysten/seal`'s `SealClient`, with the key servers' object IDs and `@mysten/sui`'s gRPC
/// client on the devnet, decrypts what `floe` stored: for the buyer with their license
/// (`seal_approve`), for the owner with the model's cap (`seal_approve_owner`). A stranger
/// holding only a license or the cap of another model gets `NoAccessError` (the policy's
/// abort), and naming the owner's cap gets `InvalidParameterError` (the chain refuses an
/// object the sender does not own).
#[allow(clippy::too_many_arguments)]
fn seal_client_opens_it(
    home: &Path,
    dir: &Path,
    network: &NetworkConfig,
    objects: &FloeObjects,
    owner_cap: Address,
    blob: &str,
    license: &str,
    buyer: &str,
    weights: &[u8],
    runtime: &tokio::runtime::Runtime,
) {
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crypto/tests/seal_js");
    assert!(
        oracle.join("node_modules/@mysten/seal").exists(),
        "the Seal client is not installed: run `npm ci` in {}",
        oracle.display()
    );
    let stranger = ok(home, &["account", "new", "--wal", "50"]);
    let other = ok(home, &["--as", &stranger, "model", "create", "other-llm"]);
    let other_offer = ok(
        home,
        &[
            "--as",
            &stranger,
            "license",
            "offer",
            &other,
            "--price",
            "1",
            "--window-secs",
            "3600",
        ],
    );
    let other_license = ok(home, &["--as", &stranger, "license", "buy", &other_offer]);

    let keystore = home.join("keystore");
    let owner_key = Keystore::load(&keystore).unwrap().first().unwrap().clone();
    let (stored, other_cap) = runtime.block_on(async {
        let stored = ciphertext(network, owner_key, owner_cap, blob).await;
        let mut client = FloeClient::connect(&network.rpc_url).unwrap();
        let other_cap = model_cap(&mut client, objects, &stranger, &other).await;
        (stored, other_cap)
    });
    assert_ne!(stored, weights, "the nodes hold ciphertext");
    let sealed = dir.join("sealed.bin");
    std::fs::write(&sealed, &stored).unwrap();
    let owner = Keystore::load(&keystore).unwrap().addresses()[0].to_string();

    let cases = json!({
        "rpcUrl": network.rpc_url,
        "packageId": objects.original_package.to_string(),
        "keyServers": key_servers(home).into_iter().map(|k| k.0).collect::<Vec<_>>(),
        "keystore": keystore,
        "ciphertext": sealed,
        "cases": [
            { "name": "buyer", "user": buyer, "call": "seal_approve", "object": license },
            { "name": "owner", "user": owner, "call": "seal_approve_owner", "object": owner_cap.to_string() },
            { "name": "another model's license", "user": stranger, "call": "seal_approve", "object": other_license },
            { "name": "another model's cap", "user": stranger, "call": "seal_approve_owner", "object": other_cap.to_string() },
            { "name": "the owner's cap", "user": stranger, "call": "seal_approve_owner", "object": owner_cap.to_string() },
        ],
    });
    let path = dir.join("seal_cases.json");
    std::fs::write(&path, serde_json::to_vec(&cases).unwrap()).unwrap();
    let output = std::process::Command::new("node")
        .arg(oracle.join("seal_client_decrypt.mjs"))
        .arg(&path)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "the Seal client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    for r in answer["results"].as_array().unwrap() {
        let got = match r["plaintext"].as_str() {
            Some(hex) => format!("{} plaintext bytes", hex.len() / 2),
            None => r["error"].to_string(),
        };
        eprintln!("SealClient, {}: {got}", r["name"]);
    }

    // SealClient read every key server from the chain and verified its proof of possession.
    let listed = answer["keyServers"].as_array().unwrap();
    assert_eq!(listed.len(), 4, "{answer}");
    for (id, url, public_key, _) in key_servers(home) {
        assert!(
            listed.iter().any(|k| k["objectId"] == json!(id)
                && k["url"] == json!(url)
                && k["pk"] == json!(public_key)),
            "{answer}"
        );
    }
    assert_eq!(answer["package"]["version"], json!("1"), "{answer}");
    let result = |name: &str| {
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == json!(name))
            .unwrap_or_else(|| panic!("no result for {name}: {answer}"))
            .clone()
    };
    let plaintext = json!(hex::encode(weights));
    assert_eq!(
        result("buyer")["plaintext"],
        plaintext,
        "{}",
        result("buyer")
    );
    assert_eq!(
        result("owner")["plaintext"],
        plaintext,
        "{}",
        result("owner")
    );
    for refused in ["another model's license", "another model's cap"] {
        let error = result(refused)["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.starts_with("NoAccessError"), "{refused}: {answer}");
    }
    let error = result("the owner's cap")["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.starts_with("InvalidParameterError"), "{answer}");
}
