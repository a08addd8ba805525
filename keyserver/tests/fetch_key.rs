//! Key servers over real HTTP on 127.0.0.1, evaluating the floe package's `seal_approve*`
//! policies on an in-process devnet: a license holder gets keys from t servers and decrypts;
//! every refusal path answers problem+json with its Seal error name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use floe_crypto::elgamal::ElGamalSecretKey;
use floe_crypto::{ObjectId, PublicKey, UserSecretKey, full_id};
use floe_keyserver::client::{self, ClientError};
use floe_keyserver::protocol::{Base64, FetchKeyRequest};
use floe_keyserver::ptb::approve_call;
use floe_keyserver::rate_limit::RateLimit;
use floe_keyserver::server;
use floe_keyserver::session::SessionKey;
use floe_sdk::Floe;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Input, ProgrammableTransaction};
use support::{Server, WAL, account, clock, now_ms, owned, start_chain, start_key_server};

/// Fetches from `servers` with one request, opening and checking every key.
async fn fetch(
    servers: &[&Server],
    session: &SessionKey,
    ptb: &ProgrammableTransaction,
) -> Result<Vec<(ObjectId, UserSecretKey)>, ClientError> {
    let (secret, request) = session.request(ptb, &mut rand::thread_rng());
    let mut keys = Vec::new();
    for server in servers {
        let answer = client::fetch_key(&server.url, &request).await?;
        let opened = client::open_keys(
            &server.url,
            &server.id,
            &server.public_key,
            &secret,
            &answer,
        )?;
        assert_eq!(opened.len(), 1);
        keys.push((server.id, opened[0].1));
    }
    Ok(keys)
}

async fn refusal(server: &Server, request: &FetchKeyRequest) -> (u16, String, String) {
    match client::fetch_key(&server.url, request).await {
        Err(ClientError::Refused {
            status,
            problem: Some(problem),
            ..
        }) => (
            status,
            floe_keyserver::error::seal_error(&problem)
                .expect("a refusal names Seal's error")
                .to_owned(),
            problem.detail.clone(),
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn license_holders_get_keys_and_every_refusal_is_named() {
    let chain = start_chain().await;
    let (mut seller, _) = account(&chain, 0x51).await;
    let (mut buyer, buyer_key) = account(&chain, 0x52).await;
    let package = seller.objects.package;
    let original = seller.objects.original_package;

    let model = seller.register_model("llama", "weights").await.unwrap();
    let offer = seller
        .create_offer(model.model, model.cap, WAL, 3_600_000, 10, 0)
        .await
        .unwrap();
    let license = buyer.purchase_license(offer.id, 1).await.unwrap();
    let other_model = seller.register_model("other", "weights").await.unwrap();

    let rate = RateLimit::default();
    let servers = [
        start_key_server(&chain, original, 1, rate).await,
        start_key_server(&chain, original, 2, rate).await,
        start_key_server(&chain, original, 3, rate).await,
    ];
    let services: Vec<(ObjectId, PublicKey)> =
        servers.iter().map(|s| (s.id, s.public_key)).collect();

    // The seller encrypts the weights to 2 of the 3 servers, identity = the model's ID.
    let model_id = model.model.id;
    let weights: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
    let (object, _) = floe_crypto::encrypt(
        &original.into_inner(),
        model_id.as_bytes(),
        &services,
        2,
        &weights,
        None,
        &mut rand::thread_rng(),
    )
    .unwrap();

    // GET /v1/service proves each server's key for its own ID and refuses others.
    for server in &servers {
        let answer = client::service(&server.url, &server.id).await.unwrap();
        assert_eq!(answer.service_id, Address::new(server.id).to_string());
        let pop: [u8; 48] = answer.pop.array().unwrap();
        floe_crypto::verify_proof_of_possession(&server.public_key, &server.id, &pop).unwrap();
    }
    match client::service(&servers[0].url, &servers[1].id).await {
        Err(e) => assert_eq!(e.refusal(), Some("InvalidServiceId")),
        Ok(answer) => panic!("served another id: {answer:?}"),
    }

    // The license holder: keys from 2 servers decrypt; 1 key does not.
    let session =
        SessionKey::new(&buyer_key, original, now_ms(), 10, &mut rand::thread_rng()).unwrap();
    let approve = |license_input: Input, id: &[u8]| {
        approve_call(
            package,
            "license",
            "seal_approve",
            id,
            vec![license_input, clock()],
        )
        .unwrap()
    };
    let ptb = approve(owned(&mut buyer, license).await, model_id.as_bytes());
    let keys = fetch(&[&servers[0], &servers[2]], &session, &ptb)
        .await
        .unwrap();
    assert_eq!(floe_crypto::decrypt(&object, &keys).unwrap(), weights);
    assert_eq!(
        floe_crypto::decrypt(&object, &keys[..1]),
        Err(floe_crypto::Error::NotEnoughKeys {
            have: 1,
            threshold: 2
        })
    );
    // Every released key is the identity's, checked against the server's public key.
    for (id, key) in &keys {
        let pk = services.iter().find(|(s, _)| s == id).unwrap().1;
        floe_crypto::verify_user_key(
            id,
            &pk,
            &full_id(&original.into_inner(), model_id.as_bytes()),
            key,
        )
        .unwrap();
    }

    let server = &servers[1];
    let mut rng = rand::thread_rng();
    let (_, good) = session.request(&ptb, &mut rng);

    // A license for another model: the policy aborts (license::EWrongId).
    let other_ptb = approve(
        owned(&mut buyer, license).await,
        other_model.model.id.as_bytes(),
    );
    let (_, request) = session.request(&other_ptb, &mut rng);
    let (status, error, detail) = refusal(server, &request).await;
    assert_eq!((status, error.as_str()), (403, "NoAccess"));
    assert!(detail.contains("EWrongId"), "{detail}");

    // Forged user signature on the session.
    let mut forged = good.clone();
    let last = forged.certificate.signature.0.len() - 40;
    forged.certificate.signature.0[last] ^= 1;
    assert_eq!(refusal(server, &forged).await.1, "InvalidSignature");
    // Another user's session presented as the buyer's.
    let mut impostor = good.clone();
    impostor.certificate.user = seller.sender().to_string();
    assert_eq!(refusal(server, &impostor).await.1, "InvalidSignature");

    // Forged session signature on the request; a request re-targeted to another ElGamal key.
    let mut forged = good.clone();
    forged.request_signature.0[0] ^= 1;
    assert_eq!(refusal(server, &forged).await.1, "InvalidSessionSignature");
    let mut swapped = good.clone();
    swapped.enc_key = Base64(ElGamalSecretKey::generate(&mut rng).public_key().to_vec());
    assert_eq!(refusal(server, &swapped).await.1, "InvalidSessionSignature");

    // Expired session: signed 11 minutes ago for 10.
    let old = SessionKey::new(&buyer_key, original, now_ms() - 11 * 60_000, 10, &mut rng).unwrap();
    let (_, expired) = old.request(&ptb, &mut rng);
    let (status, error, _) = refusal(server, &expired).await;
    assert_eq!((status, error.as_str()), (403, "InvalidCertificate"));

    // A transaction calling anything but seal_approve*.
    let consume = approve_call(
        package,
        "license",
        "consume",
        model_id.as_bytes(),
        vec![owned(&mut buyer, license).await],
    )
    .unwrap();
    let (_, request) = session.request(&consume, &mut rng);
    let (status, error, _) = refusal(server, &request).await;
    assert_eq!((status, error.as_str()), (403, "InvalidPTB"));

    // Another package's policy.
    let foreign = approve_call(
        Address::from([0xee; 32]),
        "license",
        "seal_approve",
        model_id.as_bytes(),
        vec![owned(&mut buyer, license).await, clock()],
    )
    .unwrap();
    let (_, request) = session.request(&foreign, &mut rng);
    let (status, error, _) = refusal(server, &request).await;
    assert_eq!((status, error.as_str()), (400, "UnsupportedPackageId"));

    // An ElGamal key that is not a G1 point.
    let mut bad_key = good.clone();
    bad_key.enc_key = Base64(vec![0x11; 48]);
    assert_eq!(refusal(server, &bad_key).await.1, "InvalidParameter");

    // Someone else presenting the buyer's license object: the chain refuses the owned input.
    let (_, seller_key) = account(&chain, 0x51).await;
    let seller_session = SessionKey::new(&seller_key, original, now_ms(), 10, &mut rng).unwrap();
    let (_, request) = seller_session.request(&ptb, &mut rng);
    let (status, error, _) = refusal(server, &request).await;
    assert_eq!(status, 403);
    assert!(
        error == "InvalidParameter" || error == "NoAccess",
        "{error}"
    );

    // Malformed and oversized bodies.
    let url = format!("{}/v1/fetch_key", server.url);
    let (status, problem) = raw_post(&url, b"{not json".to_vec()).await;
    assert_eq!(
        (status, problem["error"].as_str()),
        (400, Some("InvalidRequest"))
    );
    let (status, problem) = raw_post(&url, vec![b' '; server::MAX_REQUEST_SIZE + 1]).await;
    assert_eq!(
        (status, problem["error"].as_str()),
        (413, Some("RequestTooLarge"))
    );

    // An expired license: a window of 1.5 s, then the policy aborts (ELicenseExpired).
    let short_offer = seller
        .create_offer(model.model, model.cap, WAL, 1_500, 1, 0)
        .await
        .unwrap();
    let short = buyer.purchase_license(short_offer.id, 1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let short_ptb = approve(owned(&mut buyer, short).await, model_id.as_bytes());
    let (_, request) = session.request(&short_ptb, &mut rng);
    let (_, error, detail) = refusal(server, &request).await;
    assert_eq!(error, "NoAccess");
    assert!(detail.contains("ELicenseExpired"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_use_license_yields_one_receipt_and_its_keys() {
    let chain = start_chain().await;
    let (mut seller, _) = account(&chain, 0x61).await;
    let (mut buyer, buyer_key) = account(&chain, 0x62).await;
    let package = seller.objects.package;
    let original = seller.objects.original_package;
    let model = seller.register_model("m", "d").await.unwrap();
    let offer = seller
        .create_offer(model.model, model.cap, WAL, 3_600_000, 1, 1)
        .await
        .unwrap();
    let license = buyer.purchase_license(offer.id, 1).await.unwrap();
    let servers = [
        start_key_server(&chain, original, 7, RateLimit::default()).await,
        start_key_server(&chain, original, 8, RateLimit::default()).await,
    ];
    let model_id = model.model.id;
    let session =
        SessionKey::new(&buyer_key, original, now_ms(), 10, &mut rand::thread_rng()).unwrap();

    // The license by itself: refused (EUseLimitedNeedsReceipt).
    let by_license = approve_call(
        package,
        "license",
        "seal_approve",
        model_id.as_bytes(),
        vec![owned(&mut buyer, license).await, clock()],
    )
    .unwrap();
    let (_, request) = session.request(&by_license, &mut rand::thread_rng());
    let (_, error, detail) = refusal(&servers[0], &request).await;
    assert_eq!(error, "NoAccess");
    assert!(detail.contains("EUseLimitedNeedsReceipt"), "{detail}");

    // One use consumed on-chain: its receipt opens the keys.
    let used = buyer.consume_use(license).await.unwrap();
    assert_eq!(used.uses_left, 0);
    let by_receipt = approve_call(
        package,
        "license",
        "seal_approve_receipt",
        model_id.as_bytes(),
        vec![owned(&mut buyer, used.receipt).await, clock()],
    )
    .unwrap();
    let keys = fetch(&[&servers[0], &servers[1]], &session, &by_receipt)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2);
    // No second use: the chain refuses the consume (ENoUsesLeft).
    let again = buyer.consume_use(license).await.unwrap_err();
    assert!(again.to_string().contains("ENoUsesLeft"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_rate_are_refused_with_retry_after() {
    let chain = start_chain().await;
    let package = Floe::connect(&chain.network, Ed25519PrivateKey::new([1; 32]))
        .await
        .unwrap()
        .objects
        .original_package;
    let server = start_key_server(
        &chain,
        package,
        9,
        RateLimit {
            per_second: 0.5,
            burst: 2.0,
        },
    )
    .await;
    let url = format!("{}/v1/fetch_key", server.url);
    for _ in 0..2 {
        let (status, _) = raw_post(&url, b"{}".to_vec()).await;
        assert_eq!(status, 400);
    }
    let (status, problem) = raw_post(&url, b"{}".to_vec()).await;
    assert_eq!(
        (status, problem["error"].as_str()),
        (429, Some("TooManyRequests"))
    );
}

/// POSTs raw bytes; returns the status and the problem+json body.
async fn raw_post(url: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        floe_problem::CONTENT_TYPE
    );
    assert_eq!(
        response.headers()[floe_keyserver::protocol::VERSION_HEADER],
        floe_keyserver::protocol::KEY_SERVER_VERSION
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// A model's owner opens it with the model's `ModelCap` (`license::seal_approve_owner`), no
/// license needed. The cap of another model is refused by the policy (`NoAccess`,
/// `ECapOfOtherModel`), and someone else's cap by the chain before the policy runs (an object
/// the sender does not own: `InvalidParameter`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_gets_keys_with_the_models_cap_and_no_other_cap_does() {
    let chain = start_chain().await;
    let (mut owner, owner_key) = account(&chain, 0x81).await;
    let (mut stranger, stranger_key) = account(&chain, 0x82).await;
    let package = owner.objects.package;
    let original = owner.objects.original_package;
    let model = owner.register_model("mine", "d").await.unwrap();
    let theirs = stranger.register_model("theirs", "d").await.unwrap();
    let servers = [
        start_key_server(&chain, original, 11, RateLimit::default()).await,
        start_key_server(&chain, original, 12, RateLimit::default()).await,
    ];
    let services: Vec<(ObjectId, PublicKey)> =
        servers.iter().map(|s| (s.id, s.public_key)).collect();
    let model_id = model.model.id;
    let weights = b"the owner's own weights".to_vec();
    let (object, _) = floe_crypto::encrypt(
        &original.into_inner(),
        model_id.as_bytes(),
        &services,
        2,
        &weights,
        None,
        &mut rand::thread_rng(),
    )
    .unwrap();
    let by_cap = |cap: Input| {
        approve_call(
            package,
            "license",
            "seal_approve_owner",
            model_id.as_bytes(),
            vec![cap],
        )
        .unwrap()
    };

    let session =
        SessionKey::new(&owner_key, original, now_ms(), 10, &mut rand::thread_rng()).unwrap();
    let ptb = by_cap(owned(&mut owner, model.cap).await);
    let keys = fetch(&[&servers[0], &servers[1]], &session, &ptb)
        .await
        .unwrap();
    assert_eq!(floe_crypto::decrypt(&object, &keys).unwrap(), weights);

    let session = SessionKey::new(
        &stranger_key,
        original,
        now_ms(),
        10,
        &mut rand::thread_rng(),
    )
    .unwrap();
    let ptb = by_cap(owned(&mut stranger, theirs.cap).await);
    let (_, request) = session.request(&ptb, &mut rand::thread_rng());
    let (status, error, detail) = refusal(&servers[0], &request).await;
    assert_eq!((status, error.as_str()), (403, "NoAccess"), "{detail}");
    assert!(detail.contains("ECapOfOtherModel"), "{detail}");

    let ptb = by_cap(owned(&mut owner, model.cap).await);
    let (_, request) = session.request(&ptb, &mut rand::thread_rng());
    let (_, error, detail) = refusal(&servers[0], &request).await;
    assert_eq!(error, "InvalidParameter", "{detail}");
}

/// A key server registered on chain (`key_server::create_and_transfer_v1`) in Seal's layout:
/// read back the way Seal's clients read it, its URL moved by its owner, and the server
/// proving its key for that object ID at `/v1/service`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_server_object_names_the_server_that_proves_its_key() {
    use floe_keyserver::onchain;
    let chain = start_chain().await;
    let (mut operator, _) = account(&chain, 0x91).await;
    let original = operator.objects.original_package;
    let master = floe_crypto::MasterSecret::from_bytes(&[0x17; 32]).unwrap();
    let pk = master.public_key().to_bytes();

    let id = onchain::register(&mut operator, "ks", "http://127.0.0.1:1", &pk)
        .await
        .unwrap();
    let found = onchain::read(&mut operator.client, original, id)
        .await
        .unwrap();
    assert_eq!(
        (found.first_version, found.last_version, found.key_type),
        (1, 1, 0)
    );
    assert_eq!((found.name.as_str(), found.pk.as_slice()), ("ks", &pk[..]));
    assert_eq!(found.node_id, None);
    assert_eq!(
        found.owner,
        sui_sdk_types::Owner::Address(operator.sender())
    );

    // The server answers for its object's ID; the owner points the object at it.
    let policy = floe_keyserver::policy::PolicyChecker::new(
        floe_sdk::FloeClient::connect(&chain.network.rpc_url).unwrap(),
    );
    let server = std::sync::Arc::new(floe_keyserver::KeyServer::new(
        master,
        id,
        original,
        policy,
        RateLimit::default(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, server, async {
        let _ = stopped.await;
    }));
    onchain::update_url(&mut operator, id, &url).await.unwrap();
    let found = onchain::read(&mut operator.client, original, id)
        .await
        .unwrap();
    assert_eq!(found.url, url);
    let answer = client::service(&found.url, &id.into_inner()).await.unwrap();
    assert_eq!(answer.service_id, id.to_string());
    let pop: [u8; 48] = answer.pop.array().unwrap();
    let key = PublicKey::from_bytes(&found.pk.try_into().unwrap()).unwrap();
    floe_crypto::verify_proof_of_possession(&key, &id.into_inner(), &pop).unwrap();

    // Not a key server: a clear error.
    let err = onchain::read(&mut operator.client, original, original)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a floe key server"), "{err}");
}
