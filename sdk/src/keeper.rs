//! The keeper: the upkeep anyone on a real network may do, as a library. It advances the
//! epoch when it has run its length, issues each epoch's availability challenges once a
//! certified blob exists, and slashes every challenge left unanswered past its deadline.
//! Slashing pays the caller nothing (`slash_missed` burns the slashed stake — all of it by
//! default — and gives any rest to the other committee members' pools, so nobody profits
//! from a slash they can cause); the always-empty coin it returns is destroyed in the same
//! transaction. All of it goes through public functions anyone may call; `floe up` runs one
//! for the local network.
//!
//! The epoch changes through `challenge::advance_epoch`, which refuses
//! (`EChallengeWindowOpen`) while a challenge of the ending epoch is still inside its answer
//! window and slashes the missed ones itself. So the keeper waits, once the epoch's time is
//! up, until the last open challenge of the epoch is past its deadline (logging it once),
//! then advances; whatever it did not slash before is slashed by that transaction.
//!
//! The keeper keeps no state the chain does not hold: challenge IDs are sequential and the
//! board removes a challenge once it is answered or slashed, so each step looks at the board
//! from the lowest ID that was still open last time. A keeper that restarts (or a second
//! one) therefore still slashes what was issued before it started.

use std::time::Duration;

use sui_sdk_types::{Address, Identifier, TypeTag};
use sui_transaction_builder::{Function, TransactionBuilder};

use crate::client::ClientError;
use crate::move_types::{
    self,
    blob::BlobRegistry,
    challenge::{Challenge, ChallengeBoard, LastIssueStartKey},
};
use crate::{Floe, FlowError, calls};

/// What one [`Keeper::step`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// The epoch the step advanced to (a step that advances does nothing else).
    pub advanced_to: Option<u64>,
    /// The epoch's time is up but the change waits for this challenge deadline (chain
    /// milliseconds) to pass: a challenge of the ending epoch may still be answered.
    pub waiting_for_deadline_ms: Option<u64>,
    /// Challenges issued by this step.
    pub issued: Vec<u64>,
    /// Challenges this step slashed (by `slash_missed`, or by the epoch change it made).
    pub slashed: Vec<u64>,
}

/// A keeper acting as `floe`'s sender.
pub struct Keeper {
    floe: Floe,
    /// Every challenge below this ID is known to be answered or slashed.
    lowest_open: u64,
    /// Whether missed challenges are slashed by this keeper.
    slashes: bool,
    /// The epoch whose end the keeper last logged waiting for (logged once per epoch).
    waiting_logged: Option<u64>,
}

impl Keeper {
    /// A keeper that looks at every challenge ever issued on its first step.
    pub fn new(floe: Floe) -> Self {
        Self {
            floe,
            lowest_open: 0,
            slashes: true,
            waiting_logged: None,
        }
    }

    /// This keeper advances epochs and issues challenges but slashes nothing itself: slashing
    /// is left to whoever else calls `slash_missed` (anyone may). A network can run such a
    /// keeper to see who would slash, and what they would gain; `floe up
    /// --keeper-leaves-slashing` does, so a test can have a node's own operator slash it.
    /// Since the epoch change slashes what is left, this keeper gives the others one epoch
    /// length after the last missed deadline of the epoch before it advances.
    pub fn leaving_slashing(mut self) -> Self {
        self.slashes = false;
        self
    }

    /// One look at the chain: advance the epoch, issue challenges, slash missed ones —
    /// whichever is due.
    pub async fn step(&mut self) -> Result<StepReport, FlowError> {
        let mut report = StepReport::default();
        let now = self.floe.chain_now_ms().await?;
        let system = self.floe.system().await?;
        let board_id = self.floe.objects.challenge_board.id;
        let board: ChallengeBoard = self
            .floe
            .read_object(board_id, "challenge::ChallengeBoard")
            .await?;
        let open_table = move_types::address_of(&board.open.id.id);
        if now
            >= system
                .epoch_start_ms
                .saturating_add(system.epoch_duration_ms)
        {
            // `challenge::advance_epoch` refuses while a challenge of this epoch may still be
            // answered; a keeper leaving slashing to others also gives them an epoch length
            // after the last missed deadline.
            let grace = if self.slashes {
                0
            } else {
                system.epoch_duration_ms
            };
            if let Some(deadline_ms) = self
                .last_open_deadline(&board, open_table, system.epoch)
                .await?
                && now <= deadline_ms.saturating_add(grace)
            {
                if self.waiting_logged != Some(system.epoch) {
                    self.waiting_logged = Some(system.epoch);
                    tracing::info!(
                        epoch = system.epoch,
                        deadline_ms,
                        grace_ms = grace,
                        "epoch over; the change waits for the epoch's last challenge deadline"
                    );
                }
                report.waiting_for_deadline_ms = Some(deadline_ms);
                return Ok(report);
            }
            let mut builder = TransactionBuilder::new();
            calls::challenge::advance_epoch(&mut builder, &self.floe.objects);
            let executed = self.floe.execute(builder).await?;
            report.slashed = executed
                .events
                .iter()
                .filter(|event| event.type_.name().as_str() == "ChallengeSlashed")
                .filter_map(|event| {
                    bcs::from_bytes::<move_types::events::ChallengeSlashed>(&event.contents).ok()
                })
                .map(|slashed| slashed.challenge_id)
                .collect();
            tracing::info!(
                epoch = system.epoch + 1,
                slashed = report.slashed.len(),
                digest = %executed.digest,
                "epoch advanced"
            );
            report.advanced_to = Some(system.epoch + 1);
            return Ok(report);
        }

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

        if !self.slashes {
            return Ok(report);
        }
        // Challenges issued above are looked at from the next step on.
        let mut lowest_open = board.next_challenge_id;
        for id in self.lowest_open..board.next_challenge_id {
            let Some(deadline_ms) = self.open_deadline(open_table, id).await? else {
                continue; // answered or slashed
            };
            if now > deadline_ms {
                match slash_missed(&mut self.floe, id).await {
                    Ok(slash) => {
                        tracing::warn!(challenge = id, digest = %slash.digest, "unanswered challenge slashed");
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

    /// The latest deadline among the challenges of `epoch` still open on the board, if
    /// challenges were issued in `epoch` (they are `[first_id_of_last_issue,
    /// next_challenge_id)`: at most one per committee member).
    async fn last_open_deadline(
        &mut self,
        board: &ChallengeBoard,
        open_table: Address,
        epoch: u64,
    ) -> Result<Option<u64>, FlowError> {
        if board.last_issued_epoch != Some(epoch) {
            return Ok(None);
        }
        let first = first_id_of_last_issue(&mut self.floe, board).await?;
        let mut latest = None;
        for id in first..board.next_challenge_id {
            if let Some(deadline_ms) = self.open_deadline(open_table, id).await? {
                latest = latest.max(Some(deadline_ms));
            }
        }
        Ok(latest)
    }

    /// The deadline of challenge `id` if it is still open (its entry in the board's table).
    async fn open_deadline(&mut self, table: Address, id: u64) -> Result<Option<u64>, FlowError> {
        let challenge = open_challenge_in(&mut self.floe, table, id).await?;
        Ok(challenge.map(|c| c.deadline_ms))
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

/// The entry of the board's `open` table for challenge `id`.
#[derive(serde::Deserialize)]
struct OpenField {
    _id: move_types::UID,
    _name: u64,
    value: Challenge,
}

/// The object ID of challenge `id`'s entry in the board's `open` table (`table`).
fn open_field_id(table: Address, id: u64) -> Address {
    table.derive_dynamic_child_id(
        &TypeTag::U64,
        &bcs::to_bytes(&id).expect("a u64 always serializes"),
    )
}

/// Challenge `id` if it is still open in the board's `open` table (`table`).
async fn open_challenge_in(
    floe: &mut Floe,
    table: Address,
    id: u64,
) -> Result<Option<Challenge>, FlowError> {
    match floe
        .read_object::<OpenField>(
            open_field_id(table, id),
            "dynamic_field::Field<u64, Challenge>",
        )
        .await
    {
        Ok(field) => Ok(Some(field.value)),
        Err(FlowError::Client(ClientError::ObjectNotFound(_) | ClientError::NotFound(_))) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The board's `LastIssueStartKey` field: the value of a `Field<LastIssueStartKey, u64>`.
#[derive(serde::Deserialize)]
struct LastIssueField {
    _id: move_types::UID,
    _name: LastIssueStartKey,
    value: u64,
}

/// `challenge::first_id_of_last_issue`: the first challenge ID of the board's last issue, read
/// from its `LastIssueStartKey` dynamic field (`next_challenge_id` when it has none).
pub async fn first_id_of_last_issue(
    floe: &mut Floe,
    board: &ChallengeBoard,
) -> Result<u64, FlowError> {
    let key_type = TypeTag::Struct(Box::new(move_types::struct_tag(
        floe.objects.original_package,
        "challenge",
        "LastIssueStartKey",
        vec![],
    )));
    let key = bcs::to_bytes(&LastIssueStartKey::new()).expect("an empty struct serializes");
    let board_id = move_types::address_of(&board.id.id);
    let field_id = board_id.derive_dynamic_child_id(&key_type, &key);
    match floe
        .read_object::<LastIssueField>(field_id, "dynamic_field::Field<LastIssueStartKey, u64>")
        .await
    {
        Ok(field) => Ok(field.value),
        Err(FlowError::Client(ClientError::ObjectNotFound(_) | ClientError::NotFound(_))) => {
            Ok(board.next_challenge_id)
        }
        Err(e) => Err(e),
    }
}

/// Every challenge still open on the board (neither answered nor slashed), by ID: the
/// board's table entries, read in batches.
pub async fn open_challenges(floe: &mut Floe) -> Result<Vec<(u64, Challenge)>, FlowError> {
    const BATCH: u64 = 200;
    let board: ChallengeBoard = floe
        .read_object(floe.objects.challenge_board.id, "challenge::ChallengeBoard")
        .await?;
    let table = move_types::address_of(&board.open.id.id);
    let mut open = Vec::new();
    let mut start = 0;
    while start < board.next_challenge_id {
        let end = (start + BATCH).min(board.next_challenge_id);
        let ids: Vec<Address> = (start..end).map(|id| open_field_id(table, id)).collect();
        for (id, object) in (start..end).zip(floe.client.objects(&ids).await?) {
            let Some(object) = object else { continue };
            let contents = object.as_struct().map(|o| o.contents()).unwrap_or_default();
            let field: OpenField = bcs::from_bytes(contents).map_err(|e| FlowError::BadObject {
                id: object.object_id(),
                expected: "dynamic_field::Field<u64, Challenge>",
                message: e.to_string(),
            })?;
            open.push((id, field.value));
        }
        start = end;
    }
    Ok(open)
}

/// Open challenge `id`, or `None` once it was answered or slashed (or was never issued).
pub async fn open_challenge(floe: &mut Floe, id: u64) -> Result<Option<Challenge>, FlowError> {
    let board: ChallengeBoard = floe
        .read_object(floe.objects.challenge_board.id, "challenge::ChallengeBoard")
        .await?;
    let table = move_types::address_of(&board.open.id.id);
    open_challenge_in(floe, table, id).await
}

/// What one `challenge::slash_missed` did, read from its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slash {
    pub digest: sui_sdk_types::Digest,
    pub challenge_id: u64,
    pub node_id: Address,
    /// The epoch the challenge was issued in.
    pub epoch: u64,
    /// WAL taken from the node's pool.
    pub slashed: u64,
    /// WAL of it burned (the burn share and the rounding dust).
    pub burned: u64,
    /// WAL of it paid to each other committee member's pool (its commission included).
    pub rewarded: Vec<(Address, u64)>,
    /// WAL paid to the caller (`ChallengeSlashed.reward`; the rule makes it 0).
    pub caller_reward: u64,
    /// The slashed pool's active stake afterwards.
    pub pool_stake_after: u64,
}

/// Slashes challenge `id`, missed past its deadline, as `floe`'s sender (anyone may); the
/// always-empty coin `slash_missed` returns is destroyed in the same transaction.
pub async fn slash_missed(floe: &mut Floe, id: u64) -> Result<Slash, FlowError> {
    use move_types::events::{ChallengeSlashed, PoolRewarded, PoolSlashed};
    let mut builder = TransactionBuilder::new();
    let empty = calls::challenge::slash_missed(&mut builder, &floe.objects, id);
    let wal = move_types::wal_type(floe.objects.original_package);
    builder.move_call(coin_destroy_zero(wal), vec![empty]);
    let executed = floe.execute(builder).await?;
    let slashed: ChallengeSlashed = crate::flows::event(&executed, "ChallengeSlashed")?;
    let package = floe.objects.original_package;
    let mut rewarded = Vec::new();
    let mut pool_stake_after = 0;
    for event in &executed.events {
        let tag = &event.type_;
        if *tag.address() != package || tag.module().as_str() != "events" {
            continue;
        }
        let bad = |event: &'static str, e: bcs::Error| FlowError::BadEvent {
            event,
            digest: executed.digest,
            message: e.to_string(),
        };
        match tag.name().as_str() {
            "PoolRewarded" => {
                let reward: PoolRewarded =
                    bcs::from_bytes(&event.contents).map_err(|e| bad("PoolRewarded", e))?;
                rewarded.push((move_types::address_of(&reward.node_id), reward.reward));
            }
            "PoolSlashed" => {
                let pool: PoolSlashed =
                    bcs::from_bytes(&event.contents).map_err(|e| bad("PoolSlashed", e))?;
                pool_stake_after = pool.pool_stake;
            }
            _ => {}
        }
    }
    Ok(Slash {
        digest: executed.digest,
        challenge_id: slashed.challenge_id,
        node_id: move_types::address_of(&slashed.node_id),
        epoch: slashed.epoch,
        slashed: slashed.slashed,
        burned: slashed.burned,
        rewarded,
        caller_reward: slashed.reward,
        pool_stake_after,
    })
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
