//! The keeper: the upkeep anyone on a real network may do, as a library. It advances the
//! epoch when it has run its length, issues each epoch's availability challenges once a
//! certified blob exists, and slashes every challenge left unanswered past its deadline.
//! Slashing pays the caller nothing (`slash_missed` burns part of the slashed stake and gives
//! the rest to the other committee members' pools, so nobody profits from a slash they can
//! cause); the always-empty coin it returns is destroyed in the same transaction. All of it
//! goes through public functions anyone may call; `floe up` runs one for the local network.
//!
//! The keeper keeps no state the chain does not hold: challenge IDs are sequential and the
//! board removes a challenge once it is answered or slashed, so each step looks at the board
//! from the lowest ID that was still open last time. A keeper that restarts (or a second
//! one) therefore still slashes what was issued before it started.

use std::time::Duration;

use sui_sdk_types::{Address, Identifier, TypeTag};
use sui_transaction_builder::{Function, TransactionBuilder};

use crate::client::ClientError;
use crate::move_types::{self, blob::BlobRegistry, challenge::ChallengeBoard};
use crate::{Floe, FlowError, calls};

/// What one [`Keeper::step`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// The epoch the step advanced to (a step that advances does nothing else).
    pub advanced_to: Option<u64>,
    /// Challenges issued by this step.
    pub issued: Vec<u64>,
    /// Challenges this step slashed.
    pub slashed: Vec<u64>,
}

/// A keeper acting as `floe`'s sender.
pub struct Keeper {
    floe: Floe,
    /// Every challenge below this ID is known to be answered or slashed.
    lowest_open: u64,
}

impl Keeper {
    /// A keeper that looks at every challenge ever issued on its first step.
    pub fn new(floe: Floe) -> Self {
        Self {
            floe,
            lowest_open: 0,
        }
    }

    /// One look at the chain: advance the epoch, issue challenges, slash missed ones —
    /// whichever is due.
    pub async fn step(&mut self) -> Result<StepReport, FlowError> {
        let mut report = StepReport::default();
        let now = self.floe.chain_now_ms().await?;
        let system = self.floe.system().await?;
        if now
            >= system
                .epoch_start_ms
                .saturating_add(system.epoch_duration_ms)
        {
            let mut builder = TransactionBuilder::new();
            calls::system::advance_epoch(&mut builder, &self.floe.objects);
            let executed = self.floe.execute(builder).await?;
            tracing::info!(epoch = system.epoch + 1, digest = %executed.digest, "epoch advanced");
            report.advanced_to = Some(system.epoch + 1);
            return Ok(report);
        }

        let board_id = self.floe.objects.challenge_board.id;
        let board: ChallengeBoard = self
            .floe
            .read_object(board_id, "challenge::ChallengeBoard")
            .await?;
        let registry_id = self.floe.objects.blob_registry.id;
        let registry: BlobRegistry = self
            .floe
            .read_object(registry_id, "blob::BlobRegistry")
            .await?;
        let certified = registry.entries.contents.size;
        let issued_this_epoch = board.last_issued_epoch.as_ref() == Some(&system.epoch);
        if certified > 0 && !issued_this_epoch && !system.committee.is_empty() {
            let mut builder = TransactionBuilder::new();
            calls::challenge::issue_challenges(&mut builder, &self.floe.objects);
            let executed = self.floe.execute(builder).await?;
            report.issued = executed
                .events
                .iter()
                .filter(|event| event.type_.name().as_str() == "ChallengeIssued")
                .filter_map(|event| {
                    bcs::from_bytes::<move_types::events::ChallengeIssued>(&event.contents).ok()
                })
                .map(|issued| issued.challenge_id)
                .collect();
            tracing::info!(
                epoch = system.epoch,
                challenges = report.issued.len(),
                "challenges issued"
            );
        }

        // Challenges issued above are looked at from the next step on.
        let open_table = move_types::address_of(&board.open.id.id);
        let mut lowest_open = board.next_challenge_id;
        for id in self.lowest_open..board.next_challenge_id {
            let Some(deadline_ms) = self.open_deadline(open_table, id).await? else {
                continue; // answered or slashed
            };
            if now > deadline_ms {
                let mut builder = TransactionBuilder::new();
                let empty = calls::challenge::slash_missed(&mut builder, &self.floe.objects, id);
                let wal = move_types::wal_type(self.floe.objects.original_package);
                builder.move_call(coin_destroy_zero(wal), vec![empty]);
                match self.floe.execute(builder).await {
                    Ok(executed) => {
                        tracing::warn!(challenge = id, digest = %executed.digest, "unanswered challenge slashed");
                        report.slashed.push(id);
                        continue;
                    }
                    Err(e) => {
                        // Answered or slashed by someone else meanwhile, or a passing failure:
                        // the next step reads the board again.
                        tracing::warn!(challenge = id, error = %e, "slashing failed; will retry");
                    }
                }
            }
            lowest_open = lowest_open.min(id);
        }
        self.lowest_open = lowest_open;
        Ok(report)
    }

    /// The deadline of challenge `id` if it is still open (its entry in the board's table).
    async fn open_deadline(&mut self, table: Address, id: u64) -> Result<Option<u64>, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: u64,
            value: move_types::challenge::Challenge,
        }
        let field_id = table.derive_dynamic_child_id(
            &TypeTag::U64,
            &bcs::to_bytes(&id).expect("a u64 always serializes"),
        );
        match self
            .floe
            .read_object::<Field>(field_id, "dynamic_field::Field<u64, Challenge>")
            .await
        {
            Ok(field) => Ok(Some(field.value.deadline_ms)),
            Err(FlowError::Client(ClientError::ObjectNotFound(_) | ClientError::NotFound(_))) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Steps every `tick` forever, logging failures and carrying on.
    pub async fn run(mut self, tick: Duration) {
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!(error = %e, "keeper step failed; retrying");
            }
            tokio::time::sleep(tick).await;
        }
    }
}

/// `0x2::coin::destroy_zero<coin_type>`: `slash_missed` returns an empty coin, which is
/// destroyed rather than kept as a dust object.
fn coin_destroy_zero(coin_type: TypeTag) -> Function {
    Function::new(
        Address::TWO,
        Identifier::from_static("coin"),
        Identifier::from_static("destroy_zero"),
    )
    .with_type_args(vec![coin_type])
}
