//! The sdk against a real `floe-devnet` process on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use floe_sdk::client::ClientError;
use floe_sdk::tx::{self, CoinRef};
use floe_sdk::{FloeClient, Keystore};
use futures::StreamExt as _;
use sui_sdk_types::{Address, Digest, StructTag};
use sui_transaction_builder::{Function, ObjectInput, TransactionBuilder};

const SUI: u64 = 1_000_000_000;
const BUDGET: u64 = 10_000_000;

/// A devnet child process, killed when dropped.
struct DevnetProcess {
    child: Child,
    rpc_url: String,
    faucet_url: String,
}

impl Drop for DevnetProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path, config: &Path) -> DevnetProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_floe-devnet"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--grpc-addr", "127.0.0.1:0", "--faucet-addr", "127.0.0.1:0"])
        .args(["--checkpoint-interval-ms", "50"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn floe-devnet");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut rpc_url = String::new();
    let mut faucet_url = String::new();
    while rpc_url.is_empty() || faucet_url.is_empty() {
        let line = lines.next().expect("devnet exited early").unwrap();
        if let Some(url) = line.strip_prefix("grpc ") {
            rpc_url = url.to_owned();
        } else if let Some(url) = line.strip_prefix("faucet ") {
            faucet_url = url.to_owned();
        }
    }
    DevnetProcess {
        child,
        rpc_url,
        faucet_url,
    }
}

/// A data dir, a keystore with two keys, and a config funding the first with 100 SUI.
struct Fixture {
    _dir: tempfile::TempDir,
    data_dir: PathBuf,
    config: PathBuf,
    keys: Keystore,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keystore::load_or_create(dir.path().join("sui.keystore"), 2).unwrap();
    let config = dir.path().join("devnet.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\naddress = \"{}\"\nbalance = {}\ncoins = 2\n",
            keys.addresses()[0],
            100 * SUI
        ),
    )
    .unwrap();
    Fixture {
        data_dir: dir.path().join("data"),
        config,
        keys,
        _dir: dir,
    }
}

async fn sui_balance(client: &mut FloeClient, owner: Address) -> u64 {
    client.balance(owner, "0x2::sui::SUI").await.unwrap()
}

fn fee(commands: u64) -> u64 {
    1_000 * (1_000 + 100 * commands)
}

#[tokio::test]
async fn transfers_splits_merges_and_checkpoints() {
    let fx = fixture();
    let devnet = start(&fx.data_dir, &fx.config);
    let mut client = FloeClient::connect(&devnet.rpc_url).unwrap();
    let (a, b) = (fx.keys.addresses()[0], fx.keys.addresses()[1]);
    let key_a = fx.keys.key(&a).unwrap();

    assert_eq!(sui_balance(&mut client, a).await, 100 * SUI);
    let coins = client.sui_coins(a).await.unwrap();
    assert_eq!(coins.len(), 2);

    // Pay B 5 SUI out of the gas coin.
    let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
    let pay = tx::pay_sui(a, &gas[..1], b, 5 * SUI, BUDGET).unwrap();
    let paid = client.sign_and_execute(&pay, key_a).await.unwrap();
    assert!(
        paid.checkpoint.is_some(),
        "execute waits for the checkpoint"
    );
    assert_eq!(paid.created().len(), 1);
    assert_eq!(sui_balance(&mut client, b).await, 5 * SUI);
    assert_eq!(sui_balance(&mut client, a).await, 95 * SUI - fee(2));

    // Split the other coin into 1 and 2 SUI, paying gas with the first.
    let coins = client.sui_coins(a).await.unwrap();
    let gas = tx::select_gas(&coins, BUDGET, &[]).unwrap();
    let other: CoinRef = *coins
        .iter()
        .find(|c| c.object_id != gas[0].object_id)
        .unwrap();
    let split = tx::split_coin(a, &gas[..1], other.input(), &[SUI, 2 * SUI], BUDGET).unwrap();
    let split = client.sign_and_execute(&split, key_a).await.unwrap();
    let parts: Vec<Address> = split
        .created()
        .iter()
        .map(|c| *c.reference.object_id())
        .collect();
    assert_eq!(parts.len(), 2);
    let after = client.sui_coins(a).await.unwrap();
    assert_eq!(after.len(), 4);
    let value = |id: &Address| after.iter().find(|c| c.object_id == *id).unwrap().balance;
    let mut values: Vec<u64> = parts.iter().map(value).collect();
    values.sort();
    assert_eq!(values, vec![SUI, 2 * SUI]);

    // Merge the parts back into the coin they came from.
    let coins = client.sui_coins(a).await.unwrap();
    let find = |id: &Address| *coins.iter().find(|c| c.object_id == *id).unwrap();
    let gas = [find(&gas[0].object_id)];
    let merge = tx::merge_coins(
        a,
        &gas,
        find(&other.object_id).input(),
        &[find(&parts[0]).input(), find(&parts[1]).input()],
        BUDGET,
    )
    .unwrap();
    let merged = client.sign_and_execute(&merge, key_a).await.unwrap();
    assert_eq!(merged.deleted().len(), 2);
    // Read back, the deleted parts are named with their type (from the history: the ledger no
    // longer holds them), as they were when executed.
    {
        use sui_rpc::field::{FieldMask, FieldMaskUtil as _};
        use sui_rpc::proto::sui::rpc::v2 as proto;
        let mut request = proto::GetTransactionRequest::default();
        request.digest = Some(merged.digest.to_string());
        request.read_mask = Some(FieldMask::from_paths(["effects.changed_objects"]));
        let read = client
            .raw()
            .ledger_client()
            .get_transaction(request)
            .await
            .unwrap()
            .into_inner();
        let changed = read.transaction.unwrap().effects.unwrap().changed_objects;
        for part in &parts {
            let change = changed
                .iter()
                .find(|c| c.object_id.as_deref() == Some(part.to_string().as_str()))
                .unwrap();
            assert_eq!(
                change.object_type.as_deref(),
                Some(StructTag::gas_coin().to_string().as_str()),
                "the deleted part {part} has its type"
            );
        }
    }
    let coins = client.sui_coins(a).await.unwrap();
    assert_eq!(coins.len(), 2);
    assert_eq!(
        coins
            .iter()
            .find(|c| c.object_id == other.object_id)
            .unwrap()
            .balance,
        other.balance
    );

    // Transfer a whole coin to B through a Move call to 0x2::transfer::public_transfer.
    let coins = client.sui_coins(a).await.unwrap();
    let gas = [*coins
        .iter()
        .find(|c| c.object_id != other.object_id)
        .unwrap()];
    let whole = *coins
        .iter()
        .find(|c| c.object_id == other.object_id)
        .unwrap();
    let mut builder = TransactionBuilder::new();
    let coin = builder.object(whole.input());
    let to = builder.pure(&b);
    builder.move_call(
        Function::new(
            Address::TWO,
            "transfer".parse().unwrap(),
            "public_transfer".parse().unwrap(),
        )
        .with_type_args(vec![sui_sdk_types::TypeTag::Struct(Box::new(
            StructTag::gas_coin(),
        ))]),
        vec![coin, to],
    );
    let moved = tx::finish(builder, a, &gas, BUDGET).unwrap();
    let moved = client.sign_and_execute(&moved, key_a).await.unwrap();
    let owned_by_b = client.owned_objects(b, None).await.unwrap();
    assert_eq!(owned_by_b.len(), 2);
    assert!(owned_by_b.iter().any(|o| o.object_id() == whole.object_id));
    let balances = client.balances(b).await.unwrap();
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].1, 5 * SUI + whole.balance);

    // Every transaction is in the checkpoint stream, replayed from checkpoint 0.
    let digests = [paid.digest, split.digest, merged.digest, moved.digest];
    let last = moved.checkpoint.unwrap();
    let mut stream = Box::pin(client.stream_checkpoints(Some(0), None));
    let mut seen: Vec<Digest> = Vec::new();
    let mut expected_seq = 0;
    while let Some(checkpoint) = stream.next().await {
        let checkpoint = checkpoint.unwrap();
        assert_eq!(
            checkpoint.sequence_number(),
            expected_seq,
            "in order, no gaps"
        );
        expected_seq += 1;
        seen.extend(
            checkpoint
                .transactions
                .iter()
                .map(|t| t.digest().parse::<Digest>().unwrap()),
        );
        if checkpoint.sequence_number() >= last {
            break;
        }
    }
    for digest in digests {
        assert!(seen.contains(&digest), "{digest} missing from the stream");
    }

    // The checkpoint files hold the same checkpoints.
    let file = fx
        .data_dir
        .join("checkpoints")
        .join(format!("{}.binpb.zst", paid.checkpoint.unwrap()));
    let checkpoint = floe_devnet::checkpoint_files::read(&file).unwrap();
    assert_eq!(checkpoint.sequence_number(), paid.checkpoint.unwrap());
    assert!(
        checkpoint
            .transactions
            .iter()
            .any(|t| t.digest() == paid.digest.to_string())
    );
    let effects: sui_sdk_types::TransactionEffects = checkpoint.transactions[0]
        .effects
        .as_ref()
        .unwrap()
        .bcs
        .as_ref()
        .unwrap()
        .deserialize()
        .unwrap();
    assert_eq!(*effects.status(), sui_sdk_types::ExecutionStatus::Success);

    // A transaction looked up by digest carries its checkpoint.
    let looked_up = client.transaction(paid.digest).await.unwrap();
    assert_eq!(looked_up.checkpoint, paid.checkpoint);
}

#[tokio::test]
async fn bad_transactions_are_refused_and_change_nothing() {
    let fx = fixture();
    let devnet = start(&fx.data_dir, &fx.config);
    let mut client = FloeClient::connect(&devnet.rpc_url).unwrap();
    let (a, b) = (fx.keys.addresses()[0], fx.keys.addresses()[1]);
    let key_a = fx.keys.key(&a).unwrap();
    let key_b = fx.keys.key(&b).unwrap();
    let before = client.sui_coins(a).await.unwrap();
    let gas = tx::select_gas(&before, BUDGET, &[]).unwrap();

    // Signed by the wrong key.
    let pay = tx::pay_sui(a, &gas[..1], b, SUI, BUDGET).unwrap();
    let err = client.sign_and_execute(&pay, key_b).await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidSignature(_)), "{err}");
    assert!(err.to_string().contains(&a.to_string()), "{err}");

    // A signature over different bytes.
    let other = tx::pay_sui(a, &gas[..1], b, 2 * SUI, BUDGET).unwrap();
    let signature = tx::sign(&other, key_a).unwrap();
    let err = client.execute(&pay, vec![signature]).await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidSignature(_)), "{err}");

    // An object that does not exist.
    let ghost = ObjectInput::owned(Address::new([7; 32]), 1, Digest::new([7; 32]));
    let transfer = tx::transfer_objects(a, &gas[..1], &[ghost], b, BUDGET).unwrap();
    let err = client.sign_and_execute(&transfer, key_a).await.unwrap_err();
    assert!(matches!(err, ClientError::NotFound(_)), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");

    // A stale version of an existing coin.
    let mut stale = gas[0];
    stale.version += 5;
    let pay_stale = tx::pay_sui(a, &[stale], b, SUI, BUDGET).unwrap();
    let err = client
        .sign_and_execute(&pay_stale, key_a)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Rejected(_)), "{err}");

    // A budget larger than the gas coin, and one below the fee.
    let pay_big = tx::pay_sui(a, &gas[..1], b, SUI, gas[0].balance + 1).unwrap();
    let err = client.sign_and_execute(&pay_big, key_a).await.unwrap_err();
    assert!(matches!(err, ClientError::InsufficientGas(_)), "{err}");
    let pay_tiny = tx::pay_sui(a, &gas[..1], b, SUI, 10).unwrap();
    let err = client.sign_and_execute(&pay_tiny, key_a).await.unwrap_err();
    assert!(matches!(err, ClientError::InsufficientGas(_)), "{err}");

    // Nothing changed and nothing was charged.
    assert_eq!(client.sui_coins(a).await.unwrap(), before);
    assert_eq!(sui_balance(&mut client, b).await, 0);

    // A command that fails during execution: only gas is charged.
    let other_coin = *before
        .iter()
        .find(|c| c.object_id != gas[0].object_id)
        .unwrap();
    let split = tx::split_coin(
        a,
        &gas[..1],
        other_coin.input(),
        &[other_coin.balance + 1],
        BUDGET,
    )
    .unwrap();
    let err = client.sign_and_execute(&split, key_a).await.unwrap_err();
    let ClientError::ExecutionFailed(failure) = &err else {
        panic!("expected an execution failure, got {err}");
    };
    assert_eq!(failure.command, Some(0));
    assert!(err.to_string().contains("too small a balance"), "{err}");
    let after = client.sui_coins(a).await.unwrap();
    assert_eq!(after.len(), 2);
    let after_other = after
        .iter()
        .find(|c| c.object_id == other_coin.object_id)
        .unwrap();
    assert_eq!(
        after_other.balance, other_coin.balance,
        "the failed split changed nothing"
    );
    assert_eq!(sui_balance(&mut client, a).await, 100 * SUI - fee(2));

    // A Move call nobody handles.
    let coins = client.sui_coins(a).await.unwrap();
    let gas = tx::select_gas(&coins, BUDGET, &[]).unwrap();
    let mut builder = TransactionBuilder::new();
    builder.move_call(
        Function::new(
            Address::new([9; 32]),
            "nope".parse().unwrap(),
            "nothing".parse().unwrap(),
        ),
        vec![],
    );
    let call = tx::finish(builder, a, &gas[..1], BUDGET).unwrap();
    let err = client.sign_and_execute(&call, key_a).await.unwrap_err();
    assert!(matches!(err, ClientError::ExecutionFailed(_)), "{err}");
    assert!(err.to_string().contains("no such Move function"), "{err}");
}

#[tokio::test]
async fn a_killed_devnet_restarts_where_it_was_and_the_faucet_pays() {
    let fx = fixture();
    let (a, b) = (fx.keys.addresses()[0], fx.keys.addresses()[1]);
    let key_a = fx.keys.key(&a).unwrap();
    let (paid, height) = {
        let devnet = start(&fx.data_dir, &fx.config);
        let mut client = FloeClient::connect(&devnet.rpc_url).unwrap();
        let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
        let pay = tx::pay_sui(a, &gas[..1], b, 3 * SUI, BUDGET).unwrap();
        // Executed but not waiting for the checkpoint: still durable once answered.
        let signature = tx::sign(&pay, key_a).unwrap();
        let paid = client
            .execute_unchecked(&pay, vec![signature])
            .await
            .unwrap();
        let height = client.service_info().await.unwrap().checkpoint_height();
        (paid, height)
        // Dropping the process handle sends SIGKILL.
    };

    let devnet = start(&fx.data_dir, &fx.config);
    let mut client = FloeClient::connect(&devnet.rpc_url).unwrap();
    assert_eq!(sui_balance(&mut client, b).await, 3 * SUI);
    assert!(client.service_info().await.unwrap().checkpoint_height() >= height);
    // The transaction ends up in a checkpoint after the restart.
    let mut found = None;
    for _ in 0..100 {
        let tx = client.transaction(paid.digest).await.unwrap();
        if tx.checkpoint.is_some() {
            found = tx.checkpoint;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(found.is_some());

    // The chain goes on from the persisted versions.
    let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
    let pay = tx::pay_sui(a, &gas[..1], b, SUI, BUDGET).unwrap();
    client.sign_and_execute(&pay, key_a).await.unwrap();
    assert_eq!(sui_balance(&mut client, b).await, 4 * SUI);

    // The faucet pays a fresh address.
    let c = Address::new([0xcc; 32]);
    let coins = floe_sdk::faucet::request_gas(&devnet.faucet_url, c)
        .await
        .unwrap();
    assert_eq!(coins.len(), 1);
    assert_eq!(coins[0].amount, 10 * SUI);
    assert_eq!(sui_balance(&mut client, c).await, 10 * SUI);
}

/// Every frame of one `ListCheckpoints` call.
async fn list_checkpoints(
    client: &mut FloeClient,
    request: sui_rpc::proto::sui::rpc::v2::ListCheckpointsRequest,
) -> Vec<sui_rpc::proto::sui::rpc::v2::ListCheckpointsResponse> {
    let mut stream = client
        .raw()
        .ledger_client()
        .list_checkpoints(request)
        .await
        .unwrap()
        .into_inner();
    let mut frames = Vec::new();
    while let Some(frame) = stream.next().await {
        frames.push(frame.unwrap());
    }
    frames
}

#[tokio::test]
async fn list_checkpoints_pages_and_streams_from_an_old_checkpoint() {
    use sui_rpc::field::{FieldMask, FieldMaskUtil as _};
    use sui_rpc::proto::sui::rpc::v2::{ListCheckpointsRequest, QueryEndReason, QueryOptions};

    let fx = fixture();
    let devnet = start(&fx.data_dir, &fx.config);
    let mut client = FloeClient::connect(&devnet.rpc_url).unwrap();
    let (a, b) = (fx.keys.addresses()[0], fx.keys.addresses()[1]);
    let key_a = fx.keys.key(&a).unwrap();
    // Three payments, each awaited to its checkpoint: at least checkpoints 0..=3.
    for _ in 0..3 {
        let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
        let pay = tx::pay_sui(a, &gas[..1], b, SUI, BUDGET).unwrap();
        client.sign_and_execute(&pay, key_a).await.unwrap();
    }
    let tip = client
        .service_info()
        .await
        .unwrap()
        .checkpoint_height
        .unwrap();
    assert!(tip >= 3, "tip {tip}");

    // A page of two: items 0 and 1, the second ending the answer with ItemLimit.
    let mut request = ListCheckpointsRequest::default();
    request.read_mask = Some(FieldMask::from_str("sequence_number,digest"));
    let mut options = QueryOptions::default();
    options.limit = Some(2);
    request.options = Some(options.clone());
    let frames = list_checkpoints(&mut client, request.clone()).await;
    let seqs: Vec<u64> = frames
        .iter()
        .filter_map(|f| f.checkpoint.as_ref()?.sequence_number)
        .collect();
    assert_eq!(seqs, vec![0, 1]);
    assert!(frames[0].checkpoint.as_ref().unwrap().digest.is_some());
    let last = frames.last().unwrap();
    assert_eq!(
        last.end.as_ref().unwrap().reason,
        Some(QueryEndReason::ItemLimit as i32)
    );
    // Resume after the last cursor up to the tip.
    options.after = last.watermark.as_ref().unwrap().cursor.clone();
    options.limit = Some(1000);
    request.options = Some(options);
    let frames = list_checkpoints(&mut client, request.clone()).await;
    let seqs: Vec<u64> = frames
        .iter()
        .filter_map(|f| f.checkpoint.as_ref()?.sequence_number)
        .collect();
    assert_eq!(seqs, (2..=tip).collect::<Vec<_>>());
    let last = frames.last().unwrap();
    assert!(last.checkpoint.is_none());
    assert_eq!(
        last.end.as_ref().unwrap().reason,
        Some(QueryEndReason::LedgerTip as i32)
    );
    assert_eq!(last.watermark.as_ref().unwrap().checkpoint, Some(tip));
    // A checkpoint range [1, 3) ends at its bound.
    let mut ranged = ListCheckpointsRequest::default();
    ranged.start_checkpoint = Some(1);
    ranged.end_checkpoint = Some(3);
    let frames = list_checkpoints(&mut client, ranged).await;
    assert_eq!(frames.len(), 3);
    assert_eq!(
        frames[2].end.as_ref().unwrap().reason,
        Some(QueryEndReason::CheckpointBound as i32)
    );

    // sui-rpc's own checkpoint stream, starting at genesis (ListCheckpoints, then the
    // subscription), in both delivery modes.
    for delivery in [
        sui_rpc::client::Delivery::Subscribe,
        sui_rpc::client::Delivery::Poll,
    ] {
        let mut stream_request = sui_rpc::client::CheckpointStreamRequest::default();
        stream_request.read_mask = Some(FieldMask::from_str("sequence_number"));
        stream_request.start = sui_rpc::client::CheckpointStreamStart::Checkpoint(0);
        stream_request.delivery = delivery;
        let mut stream = Box::pin(client.raw().stream_checkpoints(stream_request));
        for expected in 0..=tip {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(20), stream.next())
                .await
                .expect("the stream keeps up")
                .unwrap()
                .unwrap();
            assert_eq!(frame.cursor, expected, "{delivery:?}");
            assert_eq!(
                frame.checkpoint.unwrap().sequence_number,
                Some(expected),
                "{delivery:?}"
            );
        }
    }
}

#[tokio::test]
async fn simulate_executes_without_committing() {
    use sui_rpc::field::{FieldMask, FieldMaskUtil as _};
    use sui_rpc::proto::sui::rpc::v2::SimulateTransactionRequest;

    let fx = fixture();
    let devnet = start(&fx.data_dir, &fx.config);
    let mut client = FloeClient::connect(&devnet.rpc_url).unwrap();
    let (a, b) = (fx.keys.addresses()[0], fx.keys.addresses()[1]);
    let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
    let simulate = |transaction: &sui_sdk_types::Transaction, mask: &str| {
        let mut request = SimulateTransactionRequest::default();
        request.transaction = Some(transaction.clone().into());
        request.read_mask = Some(FieldMask::from_str(mask));
        request
    };

    // An unsigned payment: effects, events, balance changes and command outputs come back.
    let pay = tx::pay_sui(a, &gas[..1], b, 3 * SUI, BUDGET).unwrap();
    let response = client
        .raw()
        .execution_client()
        .simulate_transaction(simulate(
            &pay,
            "transaction.digest,transaction.effects,transaction.balance_changes,command_outputs",
        ))
        .await
        .unwrap()
        .into_inner();
    let executed = response.transaction.unwrap();
    assert_eq!(executed.digest, Some(pay.digest().to_string()));
    let effects = executed.effects.unwrap();
    assert_eq!(effects.status.unwrap().success, Some(true));
    assert!(!executed.balance_changes.is_empty());
    assert!(executed.events.is_none(), "the mask leaves events out");
    // Command 0 (SplitCoins) returned one coin of 3 SUI.
    let output = &response.command_outputs[0].return_values[0];
    let bytes = output.value.as_ref().unwrap().value.as_ref().unwrap();
    assert_eq!(bytes[32..40], (3 * SUI).to_le_bytes());
    // Nothing was committed.
    assert_eq!(sui_balance(&mut client, b).await, 0);
    assert_eq!(client.gas_for(a, BUDGET, &[]).await.unwrap()[0], gas[0]);
    assert!(client.transaction(pay.digest()).await.is_err());

    // A failing command shows in the effects, not as an RPC error.
    let too_much = tx::pay_sui(a, &gas[..1], b, 1_000 * SUI, BUDGET).unwrap();
    let response = client
        .raw()
        .execution_client()
        .simulate_transaction(simulate(&too_much, "transaction.effects.status"))
        .await
        .unwrap()
        .into_inner();
    let status = response
        .transaction
        .unwrap()
        .effects
        .unwrap()
        .status
        .unwrap();
    assert_eq!(status.success, Some(false));

    // Gas selection leaves a complete transaction (coins and budget given) as it is, as on
    // Sui; a stale gas coin is rejected like on execute.
    let mut request = simulate(&pay, "transaction.effects.status,transaction.transaction");
    request.do_gas_selection = Some(true);
    let simulated = client
        .raw()
        .execution_client()
        .simulate_transaction(request)
        .await
        .unwrap()
        .into_inner()
        .transaction
        .unwrap();
    assert_eq!(
        simulated.effects.unwrap().status.unwrap().success,
        Some(true)
    );
    let resolved = sui_sdk_types::Transaction::try_from(&simulated.transaction.unwrap()).unwrap();
    assert_eq!(resolved.digest(), pay.digest());
    let key_a = fx.keys.key(&a).unwrap();
    client.sign_and_execute(&pay, key_a).await.unwrap();
    let err = client
        .raw()
        .execution_client()
        .simulate_transaction(simulate(&pay, "transaction.effects"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err}");
}
