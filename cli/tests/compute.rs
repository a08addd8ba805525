//! Compute jobs through `floe` as a user runs it, on one `floe up` (storage nodes, key
//! servers, devnet): a seller publishes a real ONNX model encrypted; a provider registers;
//! a job owner stores an input and opens a 1-of-1 job naming that provider; the provider's
//! `floe compute run` (discovering the job from the chain's events, resuming from its cursor
//! when run again) obtains the model key from the key servers through
//! `compute::seal_approve_job`, decrypts the model, runs it with tract, stores the output and
//! submits its hash; `floe compute settle` pays it; `floe compute show --out` reads the output
//! back, and it is the model's real output on the input. A registered provider the job did
//! not choose is refused by the key servers (`seal_approve_job` aborts `ENotChosen`, so no
//! key server releases a key) and cannot run the job.
//!
//! Then the model's self-funding iteration: the seller sets a tuning plan, two license sales
//! fill the reserve (a stranger opening before is refused `EReserveBelowThreshold`, a second
//! open `ETuningJobOpen`), the stranger opens the job, the provider's `floe compute run`
//! runs it, anyone settles, a stranger cannot approve, the owner approves, and `floe model
//! show` lists version 2 whose blob reads back as the model's output. With the plan set to
//! auto-publish, the next settled job is version 4 at once; its Blob waits in the model until
//! the cap holder's `floe model tuning take` makes it theirs (a stranger, a second take, a
//! version that is not waiting and one that does not exist are refused in two lines).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod support;

use std::collections::HashMap;

use floe_compute::mlp::Mlp;
use floe_compute::tensor;
use floe_node::http_client::HttpNodeClient;
use floe_sdk::{Floe, Keystore, NetworkConfig, move_types};
use sui_sdk_types::Address;
use support::{fails, floe, ok};

/// `floe model tuning set MODEL` with the plan both rounds of the test use (half of every
/// sale into the reserve, a job at 4 WAL, on the `chosen` provider), the job's `input`
/// (`["--input", FILE]` or `["--input-blob", BLOB_ID]`) and `extra` flags; it must succeed.
/// Returns what it said on stderr.
fn tuning_set(home: &Path, model: &str, input: [&str; 2], chosen: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "model",
        "tuning",
        "set",
        model,
        "--bps",
        "5000",
        "--threshold",
        "4",
        input[0],
        input[1],
        "--providers",
        chosen,
    ];
    args.extend_from_slice(extra);
    let set = floe(home, &args);
    let said = String::from_utf8_lossy(&set.stderr).into_owned();
    assert!(set.status.success(), "floe {args:?} failed: {said}");
    said
}

/// The stored ciphertext of `blob`, read from the nodes by the model's owner (the home's first
/// account) with its `ModelCap`.
async fn ciphertext(home: &Path, blob: &str) -> Vec<u8> {
    let network = NetworkConfig::from_file(home.join("devnet/network.toml")).unwrap();
    let key = Keystore::load(home.join("keystore"))
        .unwrap()
        .first()
        .unwrap()
        .clone();
    let mut floe = Floe::connect(&network, key.clone()).await.unwrap();
    let cap_type =
        move_types::struct_tag(floe.objects.original_package, "model", "ModelCap", vec![]);
    let sender = floe.sender();
    let cap: Address = floe
        .client
        .owned_objects(sender, Some(&cap_type))
        .await
        .unwrap()[0]
        .object_id();
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

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// Provider `account` (a key of the home's keystore) submits `output` as its result for `job`
/// without running anything: stores it and submits its hash through the sdk, as a dishonest
/// worker would.
async fn submit_fake(home: &Path, account: &str, job: &str, output: &[u8]) {
    let network = NetworkConfig::from_file(home.join("devnet/network.toml")).unwrap();
    let account: Address = account.parse().unwrap();
    let key = Keystore::load(home.join("keystore"))
        .unwrap()
        .key(&account)
        .unwrap()
        .clone();
    let mut floe = Floe::connect(&network, key).await.unwrap();
    let (cap, provider) = floe.provider_caps().await.unwrap()[0];
    let mut nodes = HashMap::new();
    for (node_id, address) in floe.node_addresses().await.unwrap() {
        let client = HttpNodeClient::connect(format!("http://{address}"))
            .await
            .unwrap();
        nodes.insert(node_id, client);
    }
    let stored = floe.store_blob(&nodes, output, 2, false).await.unwrap();
    let hash = floe_compute::output_hash(output);
    floe.submit_result(
        job.parse().unwrap(),
        provider,
        cap,
        stored.blob_object,
        &hash,
    )
    .await
    .unwrap();
}

#[test]
fn a_job_runs_a_real_model_on_its_chosen_provider_and_settles() {
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let _up = support::start_up(home, &["--no-indexer"]);

    ok(home, &["account", "new", "--wal", "500"]);
    let provider = ok(home, &["account", "new", "--wal", "100"]);
    let stranger = ok(home, &["account", "new", "--wal", "100"]);

    // The seller publishes the tiny MLP, encrypted to the key servers.
    let mlp = Mlp::from_seed(7, 8, 16, 4);
    let model_file = dir.path().join("tiny-mlp.onnx");
    std::fs::write(&model_file, mlp.onnx_bytes()).unwrap();
    let model = ok(home, &["model", "create", "tiny-mlp"]);
    let publish = floe(
        home,
        &[
            "model",
            "publish",
            &model,
            &p(&model_file),
            "--architecture",
            "onnx-mlp",
            "--encrypt",
        ],
    );
    assert!(
        publish.status.success(),
        "{}",
        String::from_utf8_lossy(&publish.stderr)
    );
    let weights_blob = String::from_utf8(publish.stdout).unwrap().trim().to_owned();
    // Storage nodes still serve a model version's slivers only to license holders (issue 16
    // means to stop gating ciphertext; not done yet), and a provider holds no license. A copy
    // of the same bytes stored as a plain blob is served to everyone (nothing gates by blob
    // ID alone), and it is only ciphertext: the owner stores one, as issue 16 will make moot.
    let sealed = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(ciphertext(home, &weights_blob));
    assert_ne!(sealed, mlp.onnx_bytes(), "the nodes hold ciphertext");
    let sealed_file = dir.path().join("tiny-mlp.sealed");
    std::fs::write(&sealed_file, &sealed).unwrap();
    assert_eq!(ok(home, &["store", &p(&sealed_file)]), weights_blob);

    // Two providers register with their own keys.
    let chosen = ok(
        home,
        &["--as", &provider, "compute", "register", "--stake", "20"],
    );
    let unchosen = ok(
        home,
        &["--as", &stranger, "compute", "register", "--stake", "20"],
    );
    assert_ne!(chosen, unchosen);

    // The job owner (the first account) stores an input and opens a 1-of-1 job.
    let x: Vec<f32> = (0..8).map(|i| (i as f32 - 3.5) / 2.0).collect();
    let input_file = dir.path().join("x.f32");
    std::fs::write(&input_file, tensor::to_bytes(&x)).unwrap();
    let job = ok(
        home,
        &[
            "compute",
            "job",
            &model,
            "--input",
            &p(&input_file),
            "--providers",
            &chosen,
            "--price",
            "5",
        ],
    );

    // Attack (free license): the stranger, a registered provider, opens a 1-of-1 job on the
    // model naming itself to get the key. Only the model's owner (its ModelCap) opens jobs.
    let refused = fails(
        home,
        &[
            "--as",
            &stranger,
            "compute",
            "job",
            &model,
            "--input",
            &p(&input_file),
            "--providers",
            &unchosen,
            "--price",
            "1",
        ],
    );
    assert!(
        refused.contains("holds no ModelCap for model")
            && refused.contains("only the model's owner opens compute jobs on it")
            && refused.contains("sign as the model's owner with --as ADDRESS"),
        "{refused}"
    );

    // The unchosen provider cannot run it: every key server refuses its key request (they
    // dry-run `seal_approve_job`, which aborts), so it never sees the model.
    let said = fails(home, &["--as", &stranger, "compute", "run", &job]);
    assert!(
        said.contains("0 of the model's 4 key servers released a key")
            && said.contains("compute::ENotChosen")
            && said.contains("only the job's chosen providers get the key"),
        "{said}"
    );

    // The chosen provider's worker discovers it from the chain's events (no job ID given) and
    // runs it; run again, it resumes from its cursor and runs nothing twice. The unchosen
    // provider's worker finds nothing to run.
    let ran = ok(home, &["--as", &provider, "compute", "run"]);
    assert_eq!(ran.lines().count(), 1, "{ran}");
    assert_eq!(ran.split_whitespace().next(), Some(job.as_str()), "{ran}");
    let hash = ran.split_whitespace().nth(1).expect("JOB HASH").to_owned();
    assert_eq!(ok(home, &["--as", &provider, "compute", "run"]), "");
    assert_eq!(ok(home, &["--as", &stranger, "compute", "run"]), "");

    // Anyone settles; the output reads back as the model's real output.
    let settled = ok(home, &["compute", "settle", &job]);
    assert_eq!(settled, hash);
    let out_file = dir.path().join("y.f32");
    let shown = ok(home, &["compute", "show", &job, "--out", &p(&out_file)]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["state"], "settled");
    assert_eq!(shown["output_hash"], hash.as_str());
    let y = tensor::from_bytes(&std::fs::read(&out_file).unwrap()).unwrap();
    let want = mlp.reference(&x);
    assert_eq!(y.len(), want.len());
    for (got, want) in y.iter().zip(&want) {
        assert!(
            (got - want).abs() <= 1e-4 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }

    // Settled once: settling again is refused by name.
    let again = fails(home, &["compute", "settle", &job]);
    assert!(again.contains("EJobClosed"), "{again}");

    // 2 of 3 with a dishonest provider: it submits other bytes first; the two honest ones
    // agree; settling pays them and burns the dishonest one's bond (10 % of its 20 WAL).
    let third = ok(home, &["account", "new", "--wal", "100"]);
    let fourth = ok(home, &["account", "new", "--wal", "100"]);
    let honest_2 = ok(
        home,
        &["--as", &third, "compute", "register", "--stake", "20"],
    );
    let liar = ok(
        home,
        &["--as", &fourth, "compute", "register", "--stake", "20"],
    );
    let providers = format!("{chosen},{honest_2},{liar}");
    let job = ok(
        home,
        &[
            "compute",
            "job",
            &model,
            "--input",
            &p(&input_file),
            "--providers",
            &providers,
            "--k",
            "2",
            "--price",
            "6",
        ],
    );
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(submit_fake(
            home,
            &fourth,
            &job,
            &tensor::to_bytes(&[0.0; 4]),
        ));
    let early = fails(home, &["compute", "settle", &job]);
    assert!(early.contains("ENoQuorum"), "{early}");
    // The first provider's worker resumes from its cursor and finds exactly the new job; the
    // third runs it by ID.
    let ran = ok(home, &["--as", &provider, "compute", "run"]);
    assert_eq!(ran, format!("{job} {hash}"));
    ok(home, &["--as", &third, "compute", "run", &job]);
    let settle = floe(home, &["compute", "settle", &job]);
    let said = String::from_utf8_lossy(&settle.stderr).into_owned();
    assert!(settle.status.success(), "{said}");
    assert_eq!(String::from_utf8(settle.stdout).unwrap().trim(), hash);
    assert!(said.contains("2 providers paid"), "{said}");
    assert!(said.contains("2 WAL slashed"), "{said}");

    // Self-funding iteration: the seller sets a plan (half of every sale into the tuning
    // reserve; at 4 WAL anyone may open a 4 WAL job on the chosen provider, on the input).
    tuning_set(home, &model, ["--input", &p(&input_file)], &chosen, &[]);
    let offer = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "5",
            "--window-secs",
            "3600",
        ],
    );
    let buyer = ok(home, &["account", "new", "--wal", "100"]);
    // One 5 WAL sale credits 4.75 WAL, 2.375 of it to the reserve: below the threshold.
    ok(home, &["--as", &buyer, "license", "buy", &offer]);
    let early = fails(
        home,
        &["--as", &stranger, "model", "tuning", "open", &model],
    );
    assert!(early.contains("EReserveBelowThreshold"), "{early}");
    ok(home, &["--as", &buyer, "license", "buy", &offer]);
    // A stranger opens the job: the owner's provider and price, paid from the reserve.
    let tuning_job = ok(
        home,
        &["--as", &stranger, "model", "tuning", "open", &model],
    );
    let again = fails(
        home,
        &["--as", &stranger, "model", "tuning", "open", &model],
    );
    assert!(again.contains("ETuningJobOpen"), "{again}");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(home, &["model", "show", &model])).unwrap();
    assert_eq!(shown["tuning"]["open_job"], tuning_job.as_str());
    assert_eq!(shown["tuning"]["reserve"], "0.75");
    // The chosen provider's worker finds it like any job, runs the model, gives the job its
    // output Blob; anyone settles; the output awaits the owner's approval.
    let ran = ok(home, &["--as", &provider, "compute", "run"]);
    assert_eq!(ran, format!("{tuning_job} {hash}"));
    let settle = floe(home, &["compute", "settle", &tuning_job]);
    let said = String::from_utf8_lossy(&settle.stderr).into_owned();
    assert!(settle.status.success(), "{said}");
    assert!(said.contains("awaits the model owner's approval"), "{said}");
    // A stranger cannot approve; the owner does, and the output is version 2.
    let refused = fails(
        home,
        &["--as", &stranger, "model", "tuning", "approve", &model],
    );
    assert!(refused.contains("holds no ModelCap"), "{refused}");
    assert_eq!(ok(home, &["model", "tuning", "approve", &model]), "2");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(home, &["model", "show", &model])).unwrap();
    let versions = shown["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{shown}");
    assert_eq!(versions[1]["architecture"], "onnx-mlp");
    assert!(shown["tuning"]["proposal"].is_null(), "{shown}");
    assert!(shown["tuning"]["open_job"].is_null(), "{shown}");
    // Version 2's blob reads back (the owner reads its own model's blobs) as the model's
    // real output on the input.
    let v2 = versions[1]["blob_id"].as_str().unwrap().to_owned();
    let v2_file = dir.path().join("v2.bin");
    ok(home, &["read", &v2, "--out", &p(&v2_file)]);
    let y = tensor::from_bytes(&std::fs::read(&v2_file).unwrap()).unwrap();
    assert_eq!(
        floe_compute::output_hash(&std::fs::read(&v2_file).unwrap()).to_vec(),
        hex::decode(&hash).unwrap()
    );
    assert_eq!(y.len(), want.len());

    // The 0.75 WAL left in the reserve is not stuck: the owner (only) moves it into the
    // model's revenue.
    let refused = fails(
        home,
        &["--as", &stranger, "model", "tuning", "clear", &model],
    );
    assert!(refused.contains("holds no ModelCap"), "{refused}");
    assert_eq!(ok(home, &["model", "tuning", "clear", &model]), "0.75");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(home, &["model", "show", &model])).unwrap();
    assert_eq!(shown["tuning"]["reserve"], "0", "{shown}");

    // Auto-publish: the latest version is what a tuning job runs, and version 2 is an output,
    // not a model, so the seller first publishes the model again (plain this time; the stored
    // copy, as above, lets the provider read it). Two more sales refill the reserve; the
    // settled output is version 4 at once, and its Blob waits in the model for the cap holder.
    let v3 = ok(
        home,
        &[
            "model",
            "publish",
            &model,
            &p(&model_file),
            "--architecture",
            "onnx-mlp",
        ],
    );
    assert_eq!(ok(home, &["store", &p(&model_file)]), v3);
    let input_blob = shown["tuning"]["plan"]["input_blob_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let said = tuning_set(
        home,
        &model,
        ["--input-blob", &input_blob],
        &chosen,
        &["--auto-publish"],
    );
    assert!(said.contains("floe model tuning take"), "{said}");
    ok(home, &["--as", &buyer, "license", "buy", &offer]);
    ok(home, &["--as", &buyer, "license", "buy", &offer]);
    let tuning_job = ok(
        home,
        &["--as", &stranger, "model", "tuning", "open", &model],
    );
    let ran = ok(home, &["--as", &provider, "compute", "run"]);
    assert_eq!(ran, format!("{tuning_job} {hash}"));
    let settle = floe(home, &["--as", &stranger, "compute", "settle", &tuning_job]);
    let said = String::from_utf8_lossy(&settle.stderr).into_owned();
    assert!(settle.status.success(), "{said}");
    assert!(
        said.contains(&format!("floe model tuning take {model} 4")),
        "{said}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(home, &["model", "show", &model])).unwrap();
    let versions = shown["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 4, "{shown}");
    assert!(shown["tuning"]["proposal"].is_null(), "{shown}");
    let v4_object = versions[3]["blob_object_id"].as_str().unwrap().to_owned();
    let owner = shown["owner"].as_str().unwrap().to_owned();
    let owns_v4 = || {
        let listed: serde_json::Value =
            serde_json::from_str(&ok(home, &["list-blobs", "--json"])).unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["object_id"] == v4_object.as_str())
    };
    assert!(
        !owns_v4(),
        "the owner holds version 4's Blob before taking it"
    );
    // Only the cap holder takes it: a stranger is refused before any gas.
    let refused = fails(
        home,
        &["--as", &stranger, "model", "tuning", "take", &model, "4"],
    );
    assert!(refused.contains("holds no ModelCap"), "{refused}");
    assert_eq!(refused.lines().count(), 2, "{refused}");
    // The owner takes it: the Blob object becomes theirs on the chain.
    assert_eq!(
        ok(home, &["model", "tuning", "take", &model, "4"]),
        v4_object
    );
    assert!(owns_v4(), "version 4's Blob is not listed as the owner's");
    let network = NetworkConfig::from_file(home.join("devnet/network.toml")).unwrap();
    let object = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let key = Keystore::load(home.join("keystore"))
            .unwrap()
            .first()
            .unwrap()
            .clone();
        let mut floe = Floe::connect(&network, key).await.unwrap();
        floe.client
            .object(v4_object.parse().unwrap())
            .await
            .unwrap()
    });
    assert_eq!(
        *object.owner(),
        sui_sdk_types::Owner::Address(owner.parse().unwrap())
    );
    // Taken once: a second take, a version whose Blob went to its publisher, and a version
    // that does not exist are refused in two lines: the cause, then what to do.
    let again = fails(home, &["model", "tuning", "take", &model, "4"]);
    assert!(
        again.contains("is not waiting in the model")
            && again.contains(&v4_object)
            && again.contains("it is yours already"),
        "{again}"
    );
    assert_eq!(again.lines().count(), 2, "{again}");
    let approved = fails(home, &["model", "tuning", "take", &model, "2"]);
    assert!(
        approved.contains("is not waiting in the model"),
        "{approved}"
    );
    let missing = fails(home, &["model", "tuning", "take", &model, "9"]);
    assert!(
        missing.contains("has no version 9 (it has 1 to 4)") && missing.contains("floe model show"),
        "{missing}"
    );
    assert_eq!(missing.lines().count(), 2, "{missing}");
}
