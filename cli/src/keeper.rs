//! The keeper: what someone on a real network would do for a living, done for the local one.
//! It advances the epoch when it has run its length, issues each epoch's availability
//! challenges once a certified blob exists, and slashes every challenge left unanswered past
//! its deadline. All of it goes through the same public entry functions anyone may call.

use std::time::Duration;

use floe_sdk::move_types::{self, blob::BlobRegistry, challenge::ChallengeBoard};
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::sui_transaction_builder::TransactionBuilder;
use floe_sdk::{Floe, FlowError, NetworkConfig, calls};
use sui_sdk_types::TypeTag;

/// An issued challenge the keeper watches until it is answered or slashed.
struct Watched {
    id: u64,
    deadline_ms: u64,
}

/// Runs forever, checking the chain every `tick`.
pub async fn run(network: NetworkConfig, key: Ed25519PrivateKey, tick: Duration) {
    let mut floe = loop {
        match connect(&network, &key).await {
            Ok(floe) => break floe,
            Err(e) => {
                tracing::warn!(error = %e, "keeper cannot connect yet");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    };
    let mut watched = Vec::new();
    loop {
        if let Err(e) = step(&mut floe, &mut watched).await {
            tracing::warn!(error = %e, "keeper step failed; retrying");
        }
        tokio::time::sleep(tick).await;
    }
}

async fn connect(network: &NetworkConfig, key: &Ed25519PrivateKey) -> Result<Floe, FlowError> {
    let floe = Floe::connect(network, key.clone()).await?;
    let faucet = network.faucet_url.as_deref();
    let mut client = floe.client.clone();
    if let Some(faucet) = faucet
        && client.sui_coins(floe.sender()).await?.is_empty()
        && let Err(e) = floe_sdk::faucet::request_gas(faucet, floe.sender()).await
    {
        tracing::warn!(error = %e, "keeper could not get gas from the faucet");
    }
    Ok(floe)
}

/// One look at the chain: advance, issue, slash — whichever is due.
async fn step(floe: &mut Floe, watched: &mut Vec<Watched>) -> Result<(), FlowError> {
    let now = crate::session::chain_now_ms(floe).await?;
    let system = floe.system().await?;
    if now
        >= system
            .epoch_start_ms
            .saturating_add(system.epoch_duration_ms)
    {
        let mut builder = TransactionBuilder::new();
        calls::system::advance_epoch(&mut builder, &floe.objects);
        let executed = floe.execute(builder).await?;
        tracing::info!(epoch = system.epoch + 1, digest = %executed.digest, "epoch advanced");
        return Ok(());
    }

    let board_id = floe.objects.challenge_board.id;
    let board: ChallengeBoard = floe
        .read_object(board_id, "challenge::ChallengeBoard")
        .await?;
    let registry_id = floe.objects.blob_registry.id;
    let registry: BlobRegistry = floe.read_object(registry_id, "blob::BlobRegistry").await?;
    let certified = registry.entries.contents.size;
    let issued_this_epoch = board.last_issued_epoch.as_ref() == Some(&system.epoch);
    if certified > 0 && !issued_this_epoch && !system.committee.is_empty() {
        let mut builder = TransactionBuilder::new();
        calls::challenge::issue_challenges(&mut builder, &floe.objects);
        let executed = floe.execute(builder).await?;
        for event in &executed.events {
            if event.type_.name().as_str() == "ChallengeIssued"
                && let Ok(issued) =
                    bcs::from_bytes::<move_types::events::ChallengeIssued>(&event.contents)
            {
                watched.push(Watched {
                    id: issued.challenge_id,
                    deadline_ms: issued.deadline_ms,
                });
            }
        }
        tracing::info!(
            epoch = system.epoch,
            challenges = watched.len(),
            "challenges issued"
        );
    }

    let open_table = move_types::address_of(&board.open.id.id);
    let mut still = Vec::with_capacity(watched.len());
    for challenge in watched.drain(..) {
        if now <= challenge.deadline_ms {
            still.push(challenge);
            continue;
        }
        let field = open_table.derive_dynamic_child_id(
            &TypeTag::U64,
            &bcs::to_bytes(&challenge.id).expect("a u64 always serializes"),
        );
        if floe.client.object(field).await.is_err() {
            continue; // answered (or slashed by someone else)
        }
        let mut builder = TransactionBuilder::new();
        let reward = calls::challenge::slash_missed(&mut builder, &floe.objects, challenge.id);
        let me = builder.pure(&floe.sender());
        builder.transfer_objects(vec![reward], me);
        match floe.execute(builder).await {
            Ok(executed) => {
                tracing::warn!(challenge = challenge.id, digest = %executed.digest, "unanswered challenge slashed");
            }
            Err(e) => {
                tracing::warn!(challenge = challenge.id, error = %e, "slashing failed; will retry");
                still.push(challenge);
            }
        }
    }
    *watched = still;
    Ok(())
}
