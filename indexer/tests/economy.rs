//! Events the devnet flows do not reach within a test (epoch changes, pools, parameters,
//! slashing, withdrawals, storage splits and fusions, license use), built from the generated
//! event types and checked through the REST API served in-process on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use floe_indexer::api::{self, AppState};
use floe_indexer::bench::{address, checkpoint, event, object};
use floe_indexer::{Ingestor, Metrics};
use floe_sdk::move_types::events as ev;
use sui_sdk_types::Address;
use support::{TestDb, get_json};

const PACKAGE: Address = Address::new([0xf1; 32]);

fn id_text(id: &floe_sdk::move_types::ID) -> String {
    floe_sdk::move_types::address_of(id).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epochs_pools_parameters_slashes_and_stake_lifecycle() {
    let p = PACKAGE;
    let n0 = || object(1, 9);
    let n1 = || object(2, 9);
    let stake = || object(3, 8);
    let s0 = || object(4, 7);
    let s1 = || object(5, 7);
    // Split off s1 in the batch that creates s1: its owner comes from s1's, itself filled in
    // from s0's.
    let s2 = || object(6, 7);
    let license = || object(6, 3);
    let checkpoints = [
        checkpoint(
            0,
            vec![
                vec![
                    event(
                        p,
                        "WalTreasuryCreated",
                        &ev::WalTreasuryCreated::new(
                            object(7, 1),
                            5_000_000_000_000_000_000,
                            address(1),
                        ),
                    ),
                    event(
                        p,
                        "SystemCreated",
                        &ev::SystemCreated::new(
                            object(8, 1),
                            10,
                            600_000,
                            1_000,
                            100_000,
                            200_000,
                            1 << 40,
                        ),
                    ),
                ],
                vec![event(
                    p,
                    "NodeRegistered",
                    &ev::NodeRegistered::new(
                        n0(),
                        object(11, 2),
                        address(2),
                        floe_sdk::move_types::move_string("a"),
                        floe_sdk::move_types::move_string("1.2.3.4:1"),
                        vec![1; 48],
                        100,
                        0,
                    ),
                )],
                vec![event(
                    p,
                    "Staked",
                    &ev::Staked::new(stake(), n0(), address(3), 5_000_000_000, 1),
                )],
                vec![event(
                    p,
                    "StorageReserved",
                    &ev::StorageReserved::new(s0(), address(4), 0, 0, 10, 1000, 4096, 77),
                )],
            ],
        ),
        checkpoint(
            1,
            vec![
                vec![
                    event(
                        p,
                        "EpochFeesSettled",
                        &ev::EpochFeesSettled::new(0, 100, 10, 90, 0),
                    ),
                    event(
                        p,
                        "PoolRewarded",
                        &ev::PoolRewarded::new(n0(), 0, 90, 1, 5_000_000_089),
                    ),
                    event(
                        p,
                        "PoolAdvanced",
                        &ev::PoolAdvanced::new(
                            n0(),
                            1,
                            5_000_000_089,
                            5_000_000_000,
                            0,
                            0,
                            5_000_000_089,
                            5_000_000_000,
                        ),
                    ),
                    event(
                        p,
                        "EpochAdvanced",
                        &ev::EpochAdvanced::new(
                            1,
                            1_600_000,
                            vec![n0(), n1()],
                            vec![6, 4],
                            9_000,
                            1_100,
                            190_000,
                            1 << 41,
                            4096,
                        ),
                    ),
                ],
                vec![event(
                    p,
                    "ParameterChanged",
                    &ev::ParameterChanged::new(b"slash_bps".to_vec(), 1000, 2000, 1),
                )],
                vec![
                    event(
                        p,
                        "StorageSplit",
                        &ev::StorageSplit::new(s0(), s1(), 0, 5, 4096, 5, 10, 4096),
                    ),
                    event(
                        p,
                        "StorageSplit",
                        &ev::StorageSplit::new(s1(), s2(), 5, 7, 4096, 7, 10, 4096),
                    ),
                ],
            ],
        ),
        checkpoint(
            2,
            vec![
                vec![
                    event(p, "PoolSlashed", &ev::PoolSlashed::new(n1(), 1, 400, 3_600)),
                    event(
                        p,
                        "WalBurned",
                        &ev::WalBurned::new(200, 1, 200, 4_999_999_999_999_999_800),
                    ),
                    event(
                        p,
                        "ChallengeSlashed",
                        &ev::ChallengeSlashed::new(
                            0,
                            1,
                            n1(),
                            floe_sdk::move_types::u256_from_le([3; 32]),
                            400,
                            200,
                            200,
                            address(5),
                        ),
                    ),
                ],
                vec![event(
                    p,
                    "WithdrawRequested",
                    &ev::WithdrawRequested::new(
                        stake(),
                        n0(),
                        address(3),
                        5_000_000_000,
                        5_000_000_000,
                        2,
                        true,
                    ),
                )],
                vec![event(
                    p,
                    "StorageFused",
                    &ev::StorageFused::new(s0(), s1(), 0, 10, 4096),
                )],
                vec![event(
                    p,
                    "LicensePurchased",
                    &ev::LicensePurchased::new(
                        license(),
                        object(9, 4),
                        object(10, 5),
                        address(6),
                        1,
                        10,
                        1,
                        9,
                        99,
                        true,
                        3,
                        1,
                    ),
                )],
                vec![event(
                    p,
                    "LicenseConsumed",
                    &ev::LicenseConsumed::new(license(), object(10, 5), 2, 5),
                )],
            ],
        ),
        checkpoint(
            3,
            vec![
                vec![event(
                    p,
                    "Withdrawn",
                    &ev::Withdrawn::new(stake(), n0(), address(3), 5_000_000_089, 0, 2),
                )],
                vec![event(
                    p,
                    "LicenseDestroyed",
                    &ev::LicenseDestroyed::new(license(), object(10, 5)),
                )],
            ],
        ),
    ];
    let db = TestDb::new("economy").await;
    let metrics = Arc::new(Metrics::new());
    let ingestor = Ingestor::new(db.pool.clone(), PACKAGE, metrics.clone());
    // Two batches, splitting the epoch change from its aftermath.
    ingestor.write_batch(&checkpoints[..2]).await.unwrap();
    ingestor.write_batch(&checkpoints[2..]).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState {
        pool: db.pool.clone(),
        metrics,
        ready_max_lag: 10,
    };
    let server = tokio::spawn(async move { axum::serve(listener, api::router(state)).await });

    let epoch0 = get_json(addr, "/v1/epochs/0").await["item"].clone();
    assert_eq!(epoch0["fees_total"], 100);
    assert_eq!(epoch0["fees_distributed"], 90);
    assert_eq!(epoch0["storage_price_per_mib_epoch"], 100_000);
    let epoch1 = get_json(addr, "/v1/epochs/1").await;
    assert_eq!(epoch1["checkpoint"], 3);
    assert_eq!(epoch1["item"]["committee_size"], 2);
    assert_eq!(epoch1["item"]["total_capacity"], 1u64 << 41);
    let committee = get_json(addr, "/v1/epochs/1/committee").await;
    let members = committee["items"].as_array().unwrap();
    assert_eq!(members[1]["node_id"], id_text(&n1()));
    assert_eq!(
        (
            members[1]["shard_start"].as_u64(),
            members[1]["shard_count"].as_u64()
        ),
        (Some(6), Some(4))
    );

    let params = get_json(addr, "/v1/parameters").await;
    let value = |name: &str| {
        params["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("slash_bps"), 2000);
    assert_eq!(value("n_shards"), 10);

    let node = get_json(addr, &format!("/v1/nodes/{}", id_text(&n0()))).await["item"].clone();
    assert_eq!(node["name"], "a");
    assert_eq!(node["total_rewards"], 90);
    assert_eq!(node["total_shares"], 5_000_000_000u64);
    assert_eq!(node["rate_epoch"], 1);
    let slashed = get_json(addr, &format!("/v1/nodes/{}", id_text(&n1()))).await["item"].clone();
    assert_eq!(slashed["total_slashed"], 400);
    let slashes = get_json(addr, "/v1/slashes").await;
    assert_eq!(slashes["items"][0]["amount"], 400);
    let challenge = get_json(addr, "/v1/challenges/0").await["item"].clone();
    assert_eq!(challenge["status"], "slashed");
    assert_eq!(challenge["reward"], 200);

    let supply = get_json(addr, "/v1/supply").await["item"].clone();
    assert_eq!(supply["initial_supply"], 5_000_000_000_000_000_000u64);
    assert_eq!(supply["total_burned"], 200);
    assert_eq!(supply["burns"], 1);

    let stakes = get_json(addr, "/v1/stakes?status=withdrawn").await;
    let s = &stakes["items"][0];
    assert_eq!(s["withdrawn_amount"], 5_000_000_089u64);
    assert_eq!(s["withdraw_epoch"], 2);
    assert_eq!(s["was_active"], true);

    let storage = get_json(addr, "/v1/storage").await;
    let rows = storage["items"].as_array().unwrap();
    let s1row = rows
        .iter()
        .find(|r| r["storage_id"] == id_text(&s1()))
        .unwrap();
    assert_eq!(
        s1row["owner"],
        rows.iter()
            .find(|r| r["storage_id"] == id_text(&s0()))
            .unwrap()["owner"]
    );
    let s2row = rows
        .iter()
        .find(|r| r["storage_id"] == id_text(&s2()))
        .unwrap();
    assert_eq!(
        s2row["owner"],
        Address::new(address(4).into_inner()).to_string()
    );
    assert_eq!(s2row["parent_storage_id"], id_text(&s1()));
    assert_eq!(s1row["status"], "fused");
    assert_eq!(s1row["absorbed_into"], id_text(&s0()));

    let l = get_json(addr, &format!("/v1/licenses/{}", id_text(&license()))).await["item"].clone();
    assert_eq!(l["uses_left"], 2);
    assert_eq!(l["uses_consumed"], 1);
    assert_eq!(l["last_used_ms"], 5);
    assert_eq!(l["status"], "destroyed");
    server.abort();
}
