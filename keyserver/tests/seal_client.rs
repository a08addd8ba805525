//! `@mysten/seal`'s own client code fetching keys from a floe key server over HTTP: its
//! `SessionKey` signs the session and the request, its `fetchKeysForAllIds` posts the request
//! and ElGamal-decrypts the answers, its `verifyKeyServer` checks `GET /v1/service`. The keys
//! it gets must be the server's user keys for the identities; a policy refusal must reach it
//! as Seal's `NoAccessError`. This drives the functions `SealClient` is built from against
//! one server with a hand-picked service ID; the whole `SealClient` (key servers read from
//! their on-chain `floe::key_server::KeyServer` objects with `@mysten/sui`'s gRPC client,
//! `verifyKeyServers`, `decrypt`) runs against `floe up` in `cli/tests/encrypted.rs`
//! (`seal_client_decrypt.mjs`). Needs Node and `npm ci` in `crypto/tests/seal_js`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use floe_crypto::{MasterSecret, derive_user_key, full_id};
use floe_keyserver::ptb::approve_call;
use floe_keyserver::rate_limit::RateLimit;
use serde_json::{Value, json};
use support::{WAL, account, clock, owned, start_chain, start_key_server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seals_session_and_fetch_code_get_keys_from_a_floe_key_server() {
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crypto/tests/seal_js");
    assert!(
        oracle.join("node_modules/@mysten/seal").exists(),
        "the Seal client is not installed: run `npm ci` in {}",
        oracle.display()
    );
    let chain = start_chain().await;
    let (mut seller, _) = account(&chain, 0x71).await;
    let (mut buyer, _) = account(&chain, 0x72).await;
    let package = seller.objects.package;
    let original = seller.objects.original_package;
    let model = seller.register_model("m", "d").await.unwrap();
    let other = seller.register_model("o", "d").await.unwrap();
    let offer = seller
        .create_offer(model.model, model.cap, WAL, 3_600_000, 10, 0)
        .await
        .unwrap();
    let license = buyer.purchase_license(offer.id, 1).await.unwrap();
    let server = start_key_server(&chain, original, 4, RateLimit::default()).await;

    let mut requests = Vec::new();
    for id in [model.model.id, other.model.id] {
        let ptb = approve_call(
            package,
            "license",
            "seal_approve",
            id.as_bytes(),
            vec![owned(&mut buyer, license).await, clock()],
        )
        .unwrap();
        // A TransactionKind: variant 0 (programmable transaction), then the transaction.
        let mut kind = vec![0u8];
        kind.extend(bcs::to_bytes(&ptb).unwrap());
        requests.push(hex::encode(kind));
    }
    let cases = json!({
        "url": server.url,
        "serviceId": sui_sdk_types::Address::new(server.id).to_string(),
        "pk": hex::encode(server.public_key.to_bytes()),
        "userKey": hex::encode([0x72u8; 32]),
        "packageId": original.to_string(),
        "ttlMin": 10,
        "requests": requests,
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.json");
    std::fs::write(&path, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = oracle.join("seal_fetch_key.mjs");
    let output = tokio::process::Command::new("node")
        .arg(script)
        .arg(&path)
        .output()
        .await
        .expect("node runs");
    assert!(
        output.status.success(),
        "the Seal client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(answer["pop"], json!(true), "{answer}");
    let master = MasterSecret::from_bytes(&server.master).unwrap();
    let id = full_id(&original.into_inner(), model.model.id.as_bytes());
    let expected = derive_user_key(&master, &id);
    assert_eq!(
        answer["results"][0]["keys"],
        json!([{ "fullId": hex::encode(&id), "key": hex::encode(expected.to_bytes()) }]),
        "{answer}"
    );
    let refused = answer["results"][1]["error"].as_str().unwrap_or_default();
    assert!(refused.starts_with("NoAccessError"), "{answer}");
}
