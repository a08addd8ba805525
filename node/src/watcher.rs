//! The challenge watcher: follows the chain's events, and for every `ChallengeIssued` naming
//! this node builds the answer from the store and submits `challenge::respond`, signed with
//! the operator's ed25519 key (the owner of the node's `NodeCap`). It also records every
//! published model version (its `Blob` object and model) with the blob, for the licence gate
//! ([`Store::gate`]: a blob is gated only while every copy of it this node stored is a
//! published version's).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use floe_encoder::BlobId;
use floe_sdk::calls::FloeObjects;
use floe_sdk::client::EventEnvelope;
use floe_sdk::move_types::events::{
    BlobAttributeRemoved, BlobAttributeSet, BlobCertified, BlobDeleted, BlobExtended,
    ChallengeIssued, EpochAdvanced, ModelVersionPublished,
};
use floe_sdk::reconnect::Reconnects;
use floe_sdk::{FloeClient, tx};
use futures::StreamExt as _;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Digest};
use sui_transaction_builder::{ObjectInput, TransactionBuilder};

use crate::challenge::{self, Challenge, ChallengeError};
use crate::store::Store;

/// Why one challenge went unanswered.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Answer(#[from] ChallengeError),
    #[error(transparent)]
    Client(#[from] floe_sdk::ClientError),
    #[error(transparent)]
    Tx(#[from] floe_sdk::TxError),
    #[error("the answer task failed: {0}")]
    Task(String),
}

/// The node's identity on-chain and the key that answers for it.
pub struct Responder {
    pub client: FloeClient,
    pub objects: FloeObjects,
    pub node_id: Address,
    /// The node's `NodeCap`, owned by the operator.
    pub node_cap: Address,
    pub operator: Ed25519PrivateKey,
    pub store: Arc<Store>,
    pub gas_budget: u64,
    /// `false`: this node's challenges are logged and left unanswered (the config's
    /// `answer_challenges`, a dishonest operator's node); everything else is followed as usual.
    pub answer_challenges: bool,
    /// Where blob lifecycle events are reported: recovery's progress (the epoch changes seen)
    /// and its wake-up. `None` when the node runs no recovery.
    pub lifecycle: Option<Lifecycle>,
}

/// The recovery worker's side of the watcher.
#[derive(Clone)]
pub struct Lifecycle {
    pub progress: Arc<crate::recovery::Progress>,
    pub wake: Arc<tokio::sync::Notify>,
    /// Recovers a challenged pair this node lacks before the answer is built
    /// ([`crate::recovery::Recovery::recover_now`]); `None`: the answer waits for the
    /// background passes.
    pub recovery: Option<crate::recovery::Recovery>,
}

/// A blob lifecycle event of the floe package, in the store's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobEvent {
    Certified {
        blob_id: BlobId,
        blob_object: Address,
        end_epoch: u64,
    },
    Extended {
        blob_id: BlobId,
        blob_object: Address,
        end_epoch: u64,
    },
    Deleted {
        blob_id: BlobId,
        blob_object: Address,
        epoch: u64,
    },
    EpochAdvanced {
        epoch: u64,
    },
    /// The `encryption` attribute of a `Blob` was set (`sealed`: to `seal`) or removed.
    Sealed {
        blob_id: BlobId,
        blob_object: Address,
        sealed: bool,
    },
}

/// The blob attribute by which a `Blob`'s owner says it holds Seal ciphertext
/// (`floe model publish --encrypt` sets it to [`SEALED`]).
pub const ENCRYPTION_ATTRIBUTE: &str = "encryption";
pub const SEALED: &str = "seal";

/// The lifecycle event in `event`, if it is one.
pub fn blob_event_of(event: &EventEnvelope, package: Address) -> Option<BlobEvent> {
    let address = floe_sdk::move_types::address_of;
    match event.event.type_.name().as_str() {
        "BlobCertified" => floe_event::<BlobCertified>(event, package, "BlobCertified").map(|e| {
            BlobEvent::Certified {
                blob_id: BlobId(e.blob_id.to_le_bytes()),
                blob_object: address(&e.blob_object_id),
                end_epoch: e.end_epoch,
            }
        }),
        "BlobExtended" => floe_event::<BlobExtended>(event, package, "BlobExtended").map(|e| {
            BlobEvent::Extended {
                blob_id: BlobId(e.blob_id.to_le_bytes()),
                blob_object: address(&e.blob_object_id),
                end_epoch: e.new_end_epoch,
            }
        }),
        "BlobDeleted" => {
            floe_event::<BlobDeleted>(event, package, "BlobDeleted").map(|e| BlobEvent::Deleted {
                blob_id: BlobId(e.blob_id.to_le_bytes()),
                blob_object: address(&e.blob_object_id),
                epoch: e.epoch,
            })
        }
        "EpochAdvanced" => floe_event::<EpochAdvanced>(event, package, "EpochAdvanced")
            .map(|e| BlobEvent::EpochAdvanced { epoch: e.epoch }),
        "BlobAttributeSet" => floe_event::<BlobAttributeSet>(event, package, "BlobAttributeSet")
            .filter(|e| e.key.bytes == ENCRYPTION_ATTRIBUTE.as_bytes())
            .map(|e| BlobEvent::Sealed {
                blob_id: BlobId(e.blob_id.to_le_bytes()),
                blob_object: address(&e.blob_object_id),
                sealed: e.value.bytes == SEALED.as_bytes(),
            }),
        "BlobAttributeRemoved" => {
            floe_event::<BlobAttributeRemoved>(event, package, "BlobAttributeRemoved")
                .filter(|e| e.key.bytes == ENCRYPTION_ATTRIBUTE.as_bytes())
                .map(|e| BlobEvent::Sealed {
                    blob_id: BlobId(e.blob_id.to_le_bytes()),
                    blob_object: address(&e.blob_object_id),
                    sealed: false,
                })
        }
        _ => None,
    }
}

/// Records a lifecycle event durably in the store (certificates, extensions, deletions).
pub fn apply_blob_event(store: &Store, event: &BlobEvent) -> Result<(), crate::store::StoreError> {
    match *event {
        BlobEvent::Certified {
            blob_id,
            blob_object,
            end_epoch,
        } => store.record_certified(&blob_id, blob_object, end_epoch),
        BlobEvent::Extended {
            blob_id,
            blob_object,
            end_epoch,
        } => store.record_extended(&blob_id, blob_object, end_epoch),
        BlobEvent::Deleted {
            blob_id,
            blob_object,
            epoch,
        } => store.record_deleted(&blob_id, blob_object, epoch),
        BlobEvent::Sealed {
            blob_id,
            blob_object,
            sealed,
        } => store.record_sealed(&blob_id, blob_object, sealed),
        BlobEvent::EpochAdvanced { .. } => Ok(()),
    }
}

/// `event` decoded as the floe `events` module's `name`, if it is one; an event of that name
/// that does not decode is logged and skipped.
fn floe_event<T: serde::de::DeserializeOwned>(
    event: &EventEnvelope,
    package: Address,
    name: &str,
) -> Option<T> {
    let event = &event.event;
    let tag = &event.type_;
    if *tag.address() != package || tag.module().as_str() != "events" || tag.name().as_str() != name
    {
        return None;
    }
    bcs::from_bytes(&event.contents)
        .map_err(|e| tracing::warn!(error = %e, event = name, "undecodable event"))
        .ok()
}

/// The challenge in `event`, if it is a `ChallengeIssued` of the floe package.
pub fn challenge_of(event: &EventEnvelope, package: Address) -> Option<Challenge> {
    floe_event::<ChallengeIssued>(event, package, "ChallengeIssued")
        .map(|issued| Challenge::from(&issued))
}

/// The blob ID, `Blob` object and model of a `ModelVersionPublished` of the floe package.
/// The version claims that object (the publisher's copy), never the blob ID as such.
pub fn model_blob_of(
    event: &EventEnvelope,
    package: Address,
) -> Option<(BlobId, Address, Address)> {
    floe_event::<ModelVersionPublished>(event, package, "ModelVersionPublished").map(|published| {
        (
            BlobId(published.blob_id.to_le_bytes()),
            floe_sdk::move_types::address_of(&published.blob_object_id),
            floe_sdk::move_types::address_of(&published.model_id),
        )
    })
}

impl Responder {
    fn sender(&self) -> Address {
        floe_sdk::keystore::address_of(&self.operator)
    }

    /// Answers one challenge on-chain; the transaction digest.
    pub async fn respond(&mut self, challenge: Challenge) -> Result<Digest, WatchError> {
        let store = self.store.clone();
        let id = challenge.challenge_id;
        let answer =
            tokio::task::spawn_blocking(move || challenge::build_answer(&store, &challenge))
                .await
                .map_err(|e| WatchError::Task(e.to_string()))??;
        // The cap's version changes with every transaction that uses it: read it fresh.
        let cap = self.client.object(self.node_cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(ObjectInput::owned(
            self.node_cap,
            cap.version(),
            cap.digest(),
        ));
        challenge::add_respond(&mut builder, &self.objects, cap, id, &answer);
        let sender = self.sender();
        let gas = self.client.gas_for(sender, self.gas_budget, &[]).await?;
        let transaction = tx::finish(builder, sender, &gas, self.gas_budget)?;
        let executed = self
            .client
            .sign_and_execute(&transaction, &self.operator)
            .await?;
        Ok(executed.digest)
    }

    /// [`Responder::respond`], tried again a few times while the deadline lasts: a pair still
    /// being recovered, or a transaction that failed in passing (a gas coin another of the
    /// operator's transactions just used), should not cost a slash.
    async fn respond_retrying(&mut self, challenge: Challenge) -> Result<Digest, WatchError> {
        const ATTEMPTS: u32 = 5;
        let mut attempt = 1;
        self.recover_challenged(&challenge).await;
        loop {
            match self.respond(challenge.clone()).await {
                Ok(digest) => return Ok(digest),
                Err(e) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                    let delay = std::time::Duration::from_millis(500 * u64::from(attempt));
                    let past_deadline = now + 500 * u64::from(attempt) >= challenge.deadline_ms;
                    if attempt == ATTEMPTS || past_deadline {
                        return Err(e);
                    }
                    tracing::warn!(challenge = challenge.challenge_id, attempt, error = %e, "challenge answer failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Before answering: a challenged pair this node does not store (a shard gained while it
    /// was down, which the chain already counts as synced) is recovered at once rather than
    /// when a background pass reaches its blob, which may be after the answer window.
    async fn recover_challenged(&self, challenge: &Challenge) {
        let Some(recovery) = self.lifecycle.as_ref().and_then(|l| l.recovery.as_ref()) else {
            return;
        };
        // A challenge replayed after a restart may be long closed, or name a shard held then
        // but lost since: recovering its pair would only hold up the events behind it.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        if now_ms >= challenge.deadline_ms
            || !self.store.shards().contains(&challenge.shard)
            || self.store.has_pair(&challenge.blob_id, challenge.shard)
        {
            return;
        }
        let id = challenge.challenge_id;
        tracing::warn!(
            challenge = id,
            blob = %challenge.blob_id,
            shard = challenge.shard,
            "challenged for a pair not stored here; recovering it first"
        );
        match recovery
            .recover_now(&challenge.blob_id, challenge.shard)
            .await
        {
            Ok(()) => tracing::info!(challenge = id, "challenged pair recovered"),
            Err(e) => {
                tracing::warn!(challenge = id, error = %e, "challenged pair not recovered")
            }
        }
    }

    /// Follows events from checkpoint `from` (or the latest) forever, answering this node's
    /// challenges; reconnects after stream errors, resuming after the last checkpoint seen.
    pub async fn run(self, from: Option<u64>) {
        self.follow(from, None).await
    }

    /// Like [`Responder::run`], resuming where the last run stopped: `cursor` is a file that
    /// holds the last checkpoint whose events were all handled, so challenges issued while the
    /// node was down are still answered after a restart (while their deadline lasts). Without
    /// the file, following starts at the chain's first checkpoint.
    pub async fn run_persisted(self, cursor: PathBuf) {
        let from = match read_cursor(&cursor) {
            Ok(Some(done)) => done + 1,
            Ok(None) => 0,
            Err(e) => {
                tracing::warn!(path = %cursor.display(), error = %e, "unreadable watcher cursor; starting at checkpoint 0");
                0
            }
        };
        // The epoch changes already handled stay handled: recovery must not wait for an
        // `EpochAdvanced` the cursor has moved past.
        if let Some(lifecycle) = &self.lifecycle {
            match read_cursor(&epoch_file(&cursor)) {
                Ok(Some(epoch)) => {
                    lifecycle
                        .progress
                        .events_epoch
                        .fetch_max(epoch, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "unreadable events epoch; waiting for the next epoch change")
                }
            }
        }
        self.follow(Some(from), Some(cursor)).await
    }

    async fn follow(mut self, mut from: Option<u64>, cursor: Option<PathBuf>) {
        // A reconnect replays the last checkpoint: do not answer its challenges twice.
        let mut answered = std::collections::HashSet::new();
        // A reconnect now and then is routine (DEBUG); a stream that keeps failing is not.
        let mut reconnects = Reconnects::default();
        loop {
            let connected = Instant::now();
            let stream = self
                .client
                .stream_events(from, Some(self.objects.original_package));
            futures::pin_mut!(stream);
            let mut cause = "the event stream ended".to_owned();
            while let Some(item) = stream.next().await {
                let envelope = match item {
                    Ok(envelope) => envelope,
                    Err(e) => {
                        cause = e.to_string();
                        break;
                    }
                };
                if let Some(failures) = reconnects.succeeded() {
                    tracing::info!(failures, "event stream works again");
                }
                // Events arrive in checkpoint order: reaching a later checkpoint means every
                // earlier one is handled.
                if let (Some(path), Some(previous)) = (&cursor, from)
                    && envelope.checkpoint > previous
                    && let Err(e) = write_cursor(path, envelope.checkpoint - 1)
                {
                    tracing::warn!(path = %path.display(), error = %e, "could not save the watcher cursor");
                }
                from = Some(envelope.checkpoint);
                if let Some((blob_id, blob_object, model)) =
                    model_blob_of(&envelope, self.objects.original_package)
                {
                    match self.store.add_model_version(&blob_id, blob_object, model) {
                        Ok(()) => {
                            tracing::info!(blob = %blob_id, %blob_object, %model, "model version recorded")
                        }
                        Err(e) => {
                            tracing::error!(blob = %blob_id, error = %e, "could not record a model version")
                        }
                    }
                    continue;
                }
                if let Some(event) = blob_event_of(&envelope, self.objects.original_package) {
                    // Recorded before the cursor moves past this checkpoint (the cursor is
                    // written when a later checkpoint arrives), so a crash replays it.
                    if let Err(e) = apply_blob_event(&self.store, &event) {
                        tracing::error!(?event, error = %e, "could not record a blob event");
                    }
                    if let Some(lifecycle) = &self.lifecycle {
                        if let BlobEvent::EpochAdvanced { epoch } = event {
                            // Durable before it counts, so a restart remembers it.
                            if let Some(path) = &cursor
                                && let Err(e) = write_cursor(&epoch_file(path), epoch)
                            {
                                tracing::warn!(error = %e, "could not save the events epoch");
                            }
                            lifecycle
                                .progress
                                .events_epoch
                                .fetch_max(epoch, std::sync::atomic::Ordering::Relaxed);
                        }
                        lifecycle.wake.notify_one();
                    }
                    continue;
                }
                let Some(challenge) = challenge_of(&envelope, self.objects.original_package) else {
                    continue;
                };
                if challenge.node_id != self.node_id || !answered.insert(challenge.challenge_id) {
                    continue;
                }
                let id = challenge.challenge_id;
                tracing::info!(challenge = id, blob = %challenge.blob_id, shard = challenge.shard, "challenged");
                if !self.answer_challenges {
                    tracing::warn!(
                        challenge = id,
                        deadline_ms = challenge.deadline_ms,
                        "challenge left unanswered on purpose (answer_challenges = false): the node can be slashed after the deadline"
                    );
                    continue;
                }
                match self.respond_retrying(challenge).await {
                    Ok(digest) => tracing::info!(challenge = id, %digest, "challenge answered"),
                    Err(e) => {
                        tracing::error!(challenge = id, error = %e, "challenge not answered");
                        // Let a replayed event retry it.
                        answered.remove(&id);
                    }
                }
            }
            let failure = reconnects.failed(connected.elapsed());
            if failure.warn {
                tracing::warn!(
                    error = %cause,
                    failures = failure.consecutive,
                    retry_in = ?failure.delay,
                    "event stream keeps failing; reconnecting"
                );
            } else {
                tracing::debug!(
                    error = %cause,
                    retry_in = ?failure.delay,
                    "event stream failed; reconnecting"
                );
            }
            tokio::time::sleep(failure.delay).await;
        }
    }
}

/// Beside the cursor: the latest epoch whose `EpochAdvanced` the watcher handled.
fn epoch_file(cursor: &Path) -> PathBuf {
    cursor.with_extension("epoch.cursor")
}

/// The checkpoint saved in a cursor file, if the file exists.
pub fn read_cursor(path: &Path) -> std::io::Result<Option<u64>> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim().parse().map(Some).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not a checkpoint number: {e}"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces the cursor file atomically (write, fsync, rename), so a crash leaves the old or
/// the new value, never a torn one.
pub fn write_cursor(path: &Path, checkpoint: u64) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(checkpoint.to_string().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_survives_rewrites_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watcher.cursor");
        assert_eq!(read_cursor(&path).unwrap(), None);
        write_cursor(&path, 41).unwrap();
        write_cursor(&path, 42).unwrap();
        assert_eq!(read_cursor(&path).unwrap(), Some(42));
        assert!(!path.with_extension("tmp").exists());
        std::fs::write(&path, "forty-two").unwrap();
        let error = read_cursor(&path).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    }
}
