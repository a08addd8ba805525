//! Recovery of sliver pairs this node should hold but does not (it was down during a store,
//! joined late, gained the shard at an epoch change, or lost its disk), from other nodes.
//!
//! **Serving.** `GET /v1/blobs/{blob_id}/recovery/{pair}` (or `?pairs=a,b,…`) answers, for each
//! sliver pair stored here, the symbols a peer needs to rebuild the target pairs: primary
//! sliver `i`'s symbol `n−1−t` (for target secondary sliver `n−1−t`) and secondary sliver
//! `j`'s symbol `t` (for target primary sliver `t`), each with its Merkle proof up to the
//! source sliver's hash in the blob's metadata ([`encode_symbols`] gives the bytes). Pairs of
//! shards this node no longer holds are served too, until garbage collection drops them.
//!
//! **Recovering.** [`Recovery::run`] works in passes, woken by chain events and epoch changes
//! (and every few seconds while work remains): for every certified blob that is live at the
//! current epoch it makes sure the metadata is here (fetched from any peer, checked against
//! the blob ID) and that every held shard has its pair. A missing pair is fetched whole from
//! the shard's previous holder when this node gained the shard at the last epoch change,
//! else (or if that fails) rebuilt from recovery symbols of all peers. Every symbol is
//! checked against the metadata; a peer that sends one bad symbol has its whole answer
//! dropped and is logged; the rebuilt slivers are checked again by
//! [`floe_encoder::recover_sliver`] and by [`Store::put_pair`] before they are written.
//!
//! Bounded: at most `concurrency` blobs at a time, each rebuilding as many pairs per round of
//! requests as fit `round_bytes` of symbols (at most `batch`), so memory stays near
//! `concurrency · round_bytes` whatever the blob size. Resumable: progress is the store itself (each pair is written atomically
//! and durably as soon as it is rebuilt, and the list of certified blobs comes from events
//! the watcher records durably), so a pass after a crash starts where the last one stopped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use floe_encoder::{Axis, BlobId, BlobMetadata, DecodeError, RecoverySymbol, SliverPair};
use futures::StreamExt as _;
use sui_sdk_types::Address;
use tokio::sync::Notify;

use crate::http_client::HttpNodeClient;
use crate::migration::{SyncOutcome, SyncSignal};
use crate::peers::{CommitteeView, Member, NodeAuth};
pub use crate::state::{NodeState, Progress};
use crate::store::{BlobStatus, Registration, Store, StoreError};
pub use crate::wire::{RecoveryStatus, decode_symbols, encode_symbols};

/// Most target pairs one recovery request may name.
pub const MAX_TARGETS: usize = 256;

/// Why recovery symbols could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored sliver of blob {blob_id} does not fit its metadata: {source}")]
    Codec {
        blob_id: BlobId,
        source: DecodeError,
    },
    #[error("pair index {index} is out of range for a blob of {n_shards} shards")]
    OutOfRange { index: usize, n_shards: usize },
    #[error("pair {index} is named more than once; name each target pair once")]
    DuplicateTarget { index: usize },
    #[error(
        "this node holds {stored} sliver pairs of a blob with {symbol_size}-byte symbols, so a \
         request names at most {most} target pairs (got {asked}); ask in rounds of {most} pairs"
    )]
    TooManyTargets {
        asked: usize,
        most: usize,
        stored: usize,
        symbol_size: usize,
    },
}

/// The most symbol bytes one recovery answer may carry. A node's own recovery rounds are
/// bounded by the same figure (`recovery_round_mib` is clamped to it), so an honest peer's
/// request always fits: a round of R bytes asks for R / (2·n·symbol size) targets, and a
/// node holding `stored` of the n shards answers R·stored/n bytes of them.
pub const MAX_ANSWER_BYTES: usize = 256 << 20;

/// The most target pairs one request for a blob's recovery symbols may name, for a node holding
/// `stored` of its shards: as many as keep the answer (a symbol per stored sliver per target,
/// on each axis) within [`MAX_ANSWER_BYTES`], at least 1 and at most [`MAX_TARGETS`]. Without
/// it one request for a large blob could make the node build gigabytes in memory.
pub fn max_targets(stored: usize, symbol_size: usize) -> usize {
    let per_target = 2 * stored.max(1) * symbol_size.max(1);
    (MAX_ANSWER_BYTES / per_target).clamp(1, MAX_TARGETS)
}

/// The symbols of every pair stored here that help rebuild the pairs `targets` of `blob_id`.
pub fn symbols_for(
    store: &Store,
    blob_id: &BlobId,
    targets: &[usize],
) -> Result<Vec<RecoverySymbol>, ServeError> {
    let metadata = store.metadata(blob_id)?;
    let n = metadata.n_shards();
    if let Some(&index) = targets.iter().find(|&&t| t >= n) {
        return Err(ServeError::OutOfRange { index, n_shards: n });
    }
    let mut seen = vec![false; n];
    for &index in targets {
        if std::mem::replace(&mut seen[index], true) {
            return Err(ServeError::DuplicateTarget { index });
        }
    }
    let symbol_size = metadata
        .checked_config()
        .map_or(1, |(_, symbol_size)| symbol_size);
    let stored = store.stored_shards(blob_id)?;
    let most = max_targets(stored.len(), symbol_size);
    if targets.len() > most {
        return Err(ServeError::TooManyTargets {
            asked: targets.len(),
            most,
            stored: stored.len(),
            symbol_size,
        });
    }
    // A target pair t is primary sliver t (rebuilt from secondary slivers' symbols t) and
    // secondary sliver n−1−t (from primary slivers' symbols n−1−t).
    let secondary_targets: Vec<usize> = targets.iter().map(|t| n - 1 - t).collect();
    let codec = |source| ServeError::Codec {
        blob_id: *blob_id,
        source,
    };
    let mut out = Vec::new();
    for shard in stored {
        let pair = match store.pair(blob_id, shard) {
            Ok(pair) => pair,
            // Dropped by garbage collection meanwhile.
            Err(StoreError::NotStored { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        out.extend(
            floe_encoder::recovery_symbols(&metadata, &pair.primary, &secondary_targets)
                .map_err(codec)?,
        );
        out.extend(
            floe_encoder::recovery_symbols(&metadata, &pair.secondary, targets).map_err(codec)?,
        );
    }
    Ok(out)
}

/// Why one blob could not be completed in a pass (it is retried in the next).
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no peer sent metadata matching blob {0}")]
    NoMetadata(BlobId),
    #[error("pair {pair} of blob {blob_id}: {source}")]
    Rebuild {
        blob_id: BlobId,
        pair: usize,
        source: DecodeError,
    },
    #[error("the store task failed: {0}")]
    Task(String),
    #[error("this node has not read the committee yet")]
    NoCommittee,
    #[error("blob {blob_id} is not certified and live at epoch {epoch} here")]
    NotLive { blob_id: BlobId, epoch: u64 },
}

/// Tuning of the recovery worker.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Blobs recovered at once.
    pub concurrency: usize,
    /// Most pairs of one blob rebuilt per round of requests.
    pub batch: usize,
    /// Symbol bytes one round may bring in (about `2 · n · symbol size` per pair rebuilt):
    /// rounds of small-symbol blobs take many pairs, rounds of large ones few.
    pub round_bytes: usize,
    /// Pause between passes while something remains to be done.
    pub retry: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrency: 4,
            batch: MAX_TARGETS,
            round_bytes: 64 << 20,
            retry: Duration::from_secs(2),
        }
    }
}

impl Limits {
    /// Pairs per round for a blob of `n` shards and `symbol_size`-byte symbols: every peer
    /// expands each of its stored slivers once per round, so fewer, larger rounds cost the
    /// peers less; the byte budget bounds memory.
    pub fn pairs_per_round(&self, n: usize, symbol_size: usize) -> usize {
        let per_pair = 2 * n * symbol_size.max(1);
        (self.round_bytes / per_pair).clamp(1, self.batch.clamp(1, MAX_TARGETS))
    }
}

/// The background recovery worker of one node. A clone shares its state: the challenge
/// watcher keeps one to recover a challenged pair at once ([`Recovery::recover_now`]).
#[derive(Clone)]
pub struct Recovery {
    pub state: Arc<NodeState>,
    pub limits: Limits,
    /// Notified by the watcher (a blob certified) and the committee follower (a new epoch).
    pub wake: Arc<Notify>,
    /// Sends `epoch_sync_done` once the shards gained at an epoch change are all stored;
    /// `None` for a node without an operator key (it never gains challengeable shards).
    pub sync: Option<SyncSignal>,
}

/// What a pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub epoch: u64,
    pub blobs_missing: usize,
    pub pairs_missing: usize,
    /// Whether every held pair of every live certified blob is stored now.
    pub complete: bool,
}

impl Recovery {
    /// Runs passes forever: after each, waits for a wake-up (or `retry` if work remains).
    pub async fn run(self) {
        loop {
            let report = self.pass().await;
            let idle = match report {
                Some(report) if report.complete => Duration::from_secs(30),
                _ => self.limits.retry,
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(idle) => {}
            }
        }
    }

    /// One pass over every live certified blob; `None` before the committee is known.
    pub async fn pass(&self) -> Option<PassReport> {
        let state = &self.state;
        let view = state.peers.current()?;
        let epoch = state.epoch.load(Ordering::Relaxed);
        let store = state.store.clone();
        let n = usize::from(view.n_shards);
        let work = tokio::task::spawn_blocking(move || needs_work(&store, epoch, n))
            .await
            .map_err(|e| tracing::error!(error = %e, "recovery scan failed"))
            .ok()?;
        let work = match work {
            Ok(work) => work,
            Err(e) => {
                tracing::error!(error = %e, "recovery scan failed");
                return None;
            }
        };
        let progress = &state.progress;
        // Read before the scan's results are acted on: a pass that found everything stored
        // proves sync only for certificates recorded before it started.
        let events_epoch = progress.events_epoch.load(Ordering::Relaxed);
        progress.passes.fetch_add(1, Ordering::Relaxed);
        let pairs_missing: usize = work.iter().map(|w| w.missing).sum();
        let blobs_missing = work.len();
        progress
            .blobs_missing
            .store(work.len() as u64, Ordering::Relaxed);
        progress
            .pairs_missing
            .store(pairs_missing as u64, Ordering::Relaxed);
        if work.is_empty() {
            progress.complete_epoch.store(epoch, Ordering::Relaxed);
            self.signal_sync(&view, epoch, events_epoch).await;
            return Some(PassReport {
                epoch,
                blobs_missing: 0,
                pairs_missing: 0,
                complete: true,
            });
        }
        tracing::info!(
            epoch,
            blobs = work.len(),
            pairs = pairs_missing,
            "recovering missing sliver pairs"
        );
        let results: Vec<_> = futures::stream::iter(work)
            .map(|item| {
                let view = view.clone();
                async move {
                    let blob_id = item.blob_id;
                    (blob_id, self.recover_blob(&view, epoch, item).await)
                }
            })
            .buffer_unordered(self.limits.concurrency.max(1))
            .collect()
            .await;
        let mut complete = true;
        for (blob_id, result) in results {
            if let Err(e) = result {
                complete = false;
                tracing::warn!(blob = %blob_id, error = %e, "blob not fully recovered; will retry");
            }
        }
        // Anything the pass did not finish shows up as missing in the next one.
        if complete && state.epoch.load(Ordering::Relaxed) == epoch {
            progress.complete_epoch.store(epoch, Ordering::Relaxed);
            tracing::info!(epoch, "recovery complete: every held pair is stored");
            self.signal_sync(&view, epoch, events_epoch).await;
        }
        Some(PassReport {
            epoch,
            blobs_missing,
            pairs_missing,
            complete,
        })
    }

    /// Signals `epoch_sync_done` for `epoch` if this node has gained shards pending sync,
    /// every held pair is stored, and the watcher had seen the epoch change when the pass
    /// began (so the pass knew every blob certified before it).
    async fn signal_sync(&self, view: &CommitteeView, epoch: u64, events_epoch: u64) {
        let progress = &self.state.progress;
        let (Some(sync), Some(me)) = (&self.sync, self.state.node_id) else {
            return;
        };
        let pending = view
            .member(me)
            .map(|m| m.pending.clone())
            .unwrap_or_default();
        if pending.is_empty()
            || view.epoch != epoch
            || events_epoch < epoch
            || progress.synced_epoch.load(Ordering::Relaxed) >= epoch
        {
            return;
        }
        match sync.clone().signal(epoch).await {
            Ok(SyncOutcome::Signalled(digest)) => {
                progress.synced_epoch.store(epoch, Ordering::Relaxed);
                tracing::info!(epoch, shards = ?pending, %digest, "epoch_sync_done: gained shards synced");
            }
            Ok(SyncOutcome::NothingPending) => {
                progress.synced_epoch.store(epoch, Ordering::Relaxed);
                tracing::info!(epoch, "gained shards already signalled synced");
            }
            Ok(SyncOutcome::OtherEpoch(now)) => {
                tracing::info!(epoch, now, "the epoch moved on before the sync signal");
            }
            Err(e) => tracing::warn!(epoch, error = %e, "epoch_sync_done not sent; will retry"),
        }
    }

    /// Completes one blob: metadata, then its missing held pairs in batches.
    async fn recover_blob(
        &self,
        view: &CommitteeView,
        epoch: u64,
        item: Work,
    ) -> Result<(), RecoverError> {
        let state = &self.state;
        let blob_id = item.blob_id;
        let metadata = match item.metadata {
            Some(metadata) => metadata,
            None => {
                let metadata = self.fetch_metadata(view, &blob_id).await?;
                let store = state.store.clone();
                let registration = item.registration;
                let stored = metadata.clone();
                blocking(move || store.put_metadata(&blob_id, &stored, registration)).await?;
                Arc::new(metadata)
            }
        };
        let n = metadata.n_shards();
        let store = state.store.clone();
        let missing = blocking(move || store.missing_shards(&blob_id)).await?;
        let symbol_size = metadata
            .checked_config()
            .map_or(1, |(_, symbol_size)| symbol_size);
        let per_round = self.limits.pairs_per_round(n, symbol_size);
        // Shards gained at this epoch's start come whole from their previous holder first,
        // a round of pairs at a time (a pair is smaller than the symbols budgeted for it).
        let previous = state.peers.previous();
        let mut left: Vec<u16> = Vec::new();
        for round in missing.chunks(per_round) {
            let transfers = round.iter().map(|&shard| {
                let holder = previous
                    .as_ref()
                    .and_then(|prev| prev.holder_of(shard).cloned())
                    .filter(|holder| Some(holder.node_id) != state.node_id);
                async move {
                    let done = match holder {
                        Some(holder) => self.transfer(&holder, &blob_id, shard, epoch).await,
                        None => false,
                    };
                    (shard, done)
                }
            });
            for (shard, done) in futures::future::join_all(transfers).await {
                if !done {
                    left.push(shard);
                }
            }
        }
        let mut failed = None;
        for chunk in left.chunks(per_round) {
            let targets: Vec<(u16, usize)> = chunk
                .iter()
                .map(|&shard| (shard, blob_id.pair_for_shard(usize::from(shard), n)))
                .collect();
            if let Err(e) = self
                .rebuild(view, &metadata, &blob_id, &targets, epoch)
                .await
            {
                state
                    .progress
                    .pairs_failed
                    .fetch_add(targets.len() as u64, Ordering::Relaxed);
                failed = Some(e);
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// Makes sure the pair of `shard` of `blob_id` is stored now, ahead of the background
    /// passes: what the challenge watcher calls when a challenge names a pair this node lacks.
    ///
    /// A node that was down across two epoch changes comes back holding shards it gained while
    /// down: the chain counts them synced from the second change on (only shards gained at
    /// the latest change are pending), so they can be challenged at once, while their previous
    /// holders, with nothing pending any more, drop them. A background pass goes through every
    /// blob in turn and may reach the challenged one only after the answer window (half an
    /// epoch at most) closed; this recovers the one pair first: the metadata from a peer if
    /// missing, the pair whole from the shard's previous holder, else rebuilt from every
    /// member's recovery symbols, each checked as in a pass.
    pub async fn recover_now(&self, blob_id: &BlobId, shard: u16) -> Result<(), RecoverError> {
        let state = &self.state;
        let view = state.peers.current().ok_or(RecoverError::NoCommittee)?;
        let epoch = state.epoch.load(Ordering::Relaxed);
        let store = state.store.clone();
        let id = *blob_id;
        if store.has_pair(&id, shard) {
            return Ok(());
        }
        let registration = blocking(move || live_certificate(&store, &id, epoch))
            .await?
            .ok_or(RecoverError::NotLive { blob_id: id, epoch })?;
        let store = state.store.clone();
        let metadata = match blocking(move || match store.metadata(&id) {
            Ok(metadata) => {
                // Kept without a registration (an old store): the certificate's covers it.
                if store.registration(&id)?.is_none() {
                    store.put_metadata(&id, &metadata, registration)?;
                }
                Ok(Some(metadata))
            }
            Err(StoreError::UnknownBlob(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await?
        {
            Some(metadata) => metadata,
            None => {
                let metadata = self.fetch_metadata(&view, &id).await?;
                let store = state.store.clone();
                let stored = metadata.clone();
                blocking(move || store.put_metadata(&id, &stored, registration)).await?;
                Arc::new(metadata)
            }
        };
        let holder = state
            .peers
            .previous()
            .and_then(|previous| previous.holder_of(shard).cloned())
            .filter(|holder| Some(holder.node_id) != state.node_id);
        if let Some(holder) = holder
            && self.transfer(&holder, &id, shard, epoch).await
        {
            return Ok(());
        }
        let pair = id.pair_for_shard(usize::from(shard), metadata.n_shards());
        self.rebuild(&view, &metadata, &id, &[(shard, pair)], epoch)
            .await
    }

    /// Fetches `shard`'s pair whole from `holder`; whether it was stored.
    async fn transfer(&self, holder: &Member, blob_id: &BlobId, shard: u16, epoch: u64) -> bool {
        transfer_pair(&self.state, holder, blob_id, shard, epoch).await
    }

    fn auth(&self, blob_id: &BlobId, epoch: u64) -> Option<NodeAuth> {
        self.state
            .node_id
            .map(|node| NodeAuth::sign(&self.state.key, node, blob_id, epoch))
    }

    /// Metadata from the first peer whose answer matches the blob ID.
    async fn fetch_metadata(
        &self,
        view: &CommitteeView,
        blob_id: &BlobId,
    ) -> Result<BlobMetadata, RecoverError> {
        metadata_from(self.others(view), blob_id)
            .await
            .ok_or(RecoverError::NoMetadata(*blob_id))
    }

    fn others<'a>(&self, view: &'a CommitteeView) -> impl Iterator<Item = &'a Member> + 'a {
        let me = self.state.node_id;
        view.members.iter().filter(move |m| Some(m.node_id) != me)
    }

    /// Rebuilds the pairs `targets` (shard, pair index) from every peer's symbols.
    async fn rebuild(
        &self,
        view: &CommitteeView,
        metadata: &Arc<BlobMetadata>,
        blob_id: &BlobId,
        targets: &[(u16, usize)],
        epoch: u64,
    ) -> Result<(), RecoverError> {
        let pairs: Vec<usize> = targets.iter().map(|&(_, pair)| pair).collect();
        let auth = self.auth(blob_id, epoch);
        let answers: Vec<(Address, Result<Vec<RecoverySymbol>, String>)> =
            futures::future::join_all(self.others(view).map(|member| {
                let pairs = &pairs;
                let auth = auth.as_ref();
                async move {
                    let client = HttpNodeClient::new(&member.url);
                    let answer = client
                        .recovery_symbols(blob_id, pairs, auth)
                        .await
                        .map_err(|e| e.to_string());
                    (member.node_id, answer)
                }
            }))
            .await;
        let metadata_for_check = metadata.clone();
        let wanted = pairs.clone();
        // Proof checks hash every symbol: off the async workers.
        let checked = tokio::task::spawn_blocking(move || {
            check_answers(&metadata_for_check, &wanted, answers)
        })
        .await
        .map_err(|e| RecoverError::Task(e.to_string()))?;
        for (peer, why) in &checked.bad {
            self.state
                .progress
                .bad_peer_answers
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(blob = %blob_id, %peer, reason = %why, "peer's recovery symbols dropped");
        }
        let mut by_target = checked.by_target;
        // The batch's pairs are rebuilt and written side by side: decoding is CPU, the
        // durable write mostly fsync latency.
        let tasks = targets.iter().map(|&(shard, pair_index)| {
            let symbols = by_target.remove(&pair_index).unwrap_or_default();
            let metadata = metadata.clone();
            let store = self.state.store.clone();
            let id = *blob_id;
            let task = tokio::task::spawn_blocking(move || {
                rebuild_pair(&store, &metadata, &id, shard, pair_index, &symbols, epoch)
            });
            async move {
                let result = task
                    .await
                    .map_err(|e| RecoverError::Task(e.to_string()))
                    .and_then(|r| r);
                (shard, pair_index, result)
            }
        });
        let mut first_error = None;
        for (shard, pair_index, result) in futures::future::join_all(tasks).await {
            match result {
                Ok(size) => {
                    let progress = &self.state.progress;
                    progress.pairs_recovered.fetch_add(1, Ordering::Relaxed);
                    progress.bytes_recovered.fetch_add(size, Ordering::Relaxed);
                    tracing::debug!(blob = %blob_id, shard, pair = pair_index, "pair recovered");
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Fetches `shard`'s pair of `blob_id` whole from `holder` (the shard's previous holder),
/// signed as this node for gated blobs, and stores it through [`Store::put_pair`], which checks
/// it against the metadata; whether it is stored now. Counted in `pairs_transferred`; a pair
/// that does not match counts in `bad_peer_answers`.
pub async fn transfer_pair(
    state: &NodeState,
    holder: &Member,
    blob_id: &BlobId,
    shard: u16,
    epoch: u64,
) -> bool {
    let client = HttpNodeClient::new(&holder.url);
    let auth = state
        .node_id
        .map(|node| NodeAuth::sign(&state.key, node, blob_id, epoch));
    let pair = match client.read_pair(blob_id, shard, auth.as_ref()).await {
        Ok(pair) => pair,
        Err(e) => {
            tracing::info!(blob = %blob_id, shard, holder = %holder.node_id, error = %e, "previous holder did not send the pair");
            return false;
        }
    };
    let size = pair_size(&pair);
    let store = state.store.clone();
    let id = *blob_id;
    match blocking(move || store.put_pair(&id, shard, &pair, epoch)).await {
        Ok(()) => {
            let progress = &state.progress;
            progress.pairs_transferred.fetch_add(1, Ordering::Relaxed);
            progress.bytes_recovered.fetch_add(size, Ordering::Relaxed);
            tracing::debug!(blob = %blob_id, shard, holder = %holder.node_id, "pair transferred from its previous holder");
            true
        }
        Err(e) => {
            state
                .progress
                .bad_peer_answers
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(blob = %blob_id, shard, holder = %holder.node_id, error = %e, "previous holder sent a pair that does not match the metadata; skipped");
            false
        }
    }
}

/// The metadata of `blob_id` from the first of `members` whose answer matches the blob ID.
async fn metadata_from<'a>(
    members: impl Iterator<Item = &'a Member>,
    blob_id: &BlobId,
) -> Option<BlobMetadata> {
    use floe_sdk::nodes::StorageNodeClient as _;
    for member in members {
        // `read_metadata` checks the bytes against the blob ID.
        match HttpNodeClient::new(&member.url)
            .read_metadata(blob_id)
            .await
        {
            Ok(metadata) => return Some(metadata),
            Err(e) => {
                tracing::debug!(blob = %blob_id, peer = %member.node_id, error = %e, "no metadata from peer")
            }
        }
    }
    None
}

/// Metadata for a read that arrives before this node's migration has fetched it.
///
/// Right after an epoch change a node that gained shards holds neither their pairs nor, for a
/// node new to the committee, any metadata; until its migration pass reaches a blob, readers
/// asking it would get 404s, and a committee that changed by more than f shards would fail
/// every read. So while this node still has shards pending, the metadata of a blob certified
/// on-chain and live at `epoch` is fetched on demand from the previous committee (then the
/// current one), checked against the blob ID, stored with the certificate's registration as
/// migration would store it, and returned. `None` when the node is not migrating, the blob is
/// not certified and live here, or no peer had it.
pub async fn metadata_for_read(
    state: &NodeState,
    blob_id: &BlobId,
    epoch: u64,
) -> Option<Arc<BlobMetadata>> {
    let node = state.node_id?;
    let current = state.peers.current()?;
    if current.member(node)?.pending.is_empty() {
        return None;
    }
    let store = state.store.clone();
    let id = *blob_id;
    let registration = blocking(move || live_certificate(&store, &id, epoch))
        .await
        .ok()
        .flatten()?;
    let previous = state.peers.previous();
    let peers = previous
        .iter()
        .flat_map(|view| view.members.iter())
        .chain(current.members.iter())
        .filter(|m| m.node_id != node);
    let metadata = metadata_from(peers, blob_id).await?;
    let store = state.store.clone();
    let stored = metadata.clone();
    if let Err(e) = blocking(move || store.put_metadata(&id, &stored, registration)).await {
        tracing::warn!(blob = %blob_id, error = %e, "metadata fetched for a read not stored");
    } else {
        tracing::debug!(blob = %blob_id, "metadata fetched from a peer for a read during migration");
    }
    Some(Arc::new(metadata))
}

/// The registration a certified blob's data is kept under: of the certified `Blob` objects
/// this node saw on-chain, the one ending last, if it ends after `epoch`.
fn live_certificate(
    store: &Store,
    blob_id: &BlobId,
    epoch: u64,
) -> Result<Option<Registration>, StoreError> {
    Ok(store
        .certified(blob_id)?
        .into_iter()
        .filter(|(_, end)| *end > epoch)
        .max_by_key(|(_, end)| *end)
        .map(|(blob_object, end_epoch)| Registration {
            blob_object,
            end_epoch,
        }))
}

/// The member of the previous committee that held `shard`, when this node gained it at the
/// current epoch's start and has not signalled holding it yet (it is still pending), and that
/// member is another node.
pub fn pending_previous_holder(state: &NodeState, shard: u16) -> Option<Member> {
    let node = state.node_id?;
    let current = state.peers.current()?;
    if !current.member(node)?.pending.contains(&shard) {
        return None;
    }
    state
        .peers
        .previous()?
        .holder_of(shard)
        .filter(|holder| holder.node_id != node)
        .cloned()
}

/// Rebuilds pair `pair_index` from checked symbols and stores it for `shard`; its size.
fn rebuild_pair(
    store: &Store,
    metadata: &BlobMetadata,
    blob_id: &BlobId,
    shard: u16,
    pair_index: usize,
    symbols: &[RecoverySymbol],
    epoch: u64,
) -> Result<u64, RecoverError> {
    let n = metadata.n_shards();
    let rebuild = |axis, index| {
        floe_encoder::recover_sliver(metadata, axis, index, symbols).map_err(|source| {
            RecoverError::Rebuild {
                blob_id: *blob_id,
                pair: pair_index,
                source,
            }
        })
    };
    let pair = SliverPair {
        primary: rebuild(Axis::Primary, pair_index)?,
        secondary: rebuild(Axis::Secondary, n - 1 - pair_index)?,
    };
    store.put_pair(blob_id, shard, &pair, epoch)?;
    Ok(pair_size(&pair))
}

fn pair_size(pair: &SliverPair) -> u64 {
    (pair.primary.data.len() + pair.secondary.data.len()) as u64
}

/// Peers' answers sorted: symbols of honest peers per target pair, and who misbehaved.
struct Checked {
    by_target: BTreeMap<usize, Vec<RecoverySymbol>>,
    bad: Vec<(Address, String)>,
}

/// Keeps a peer's symbols only if every one of them is for a requested pair and proves
/// against the metadata: one forged symbol discredits the whole answer.
fn check_answers(
    metadata: &BlobMetadata,
    wanted: &[usize],
    answers: Vec<(Address, Result<Vec<RecoverySymbol>, String>)>,
) -> Checked {
    let n = metadata.n_shards();
    let mut by_target: BTreeMap<usize, Vec<RecoverySymbol>> = BTreeMap::new();
    let mut bad = Vec::new();
    for (peer, answer) in answers {
        let symbols = match answer {
            Ok(symbols) => symbols,
            Err(e) => {
                tracing::debug!(%peer, error = %e, "no recovery symbols from peer");
                continue;
            }
        };
        let mut sorted = Vec::with_capacity(symbols.len());
        let mut problem = None;
        for symbol in symbols {
            let target = usize::from(symbol.target_index);
            let pair = match symbol.source_axis {
                // A primary source serves target secondary sliver n−1−pair.
                Axis::Primary => n.checked_sub(1 + target),
                Axis::Secondary => Some(target),
            };
            let Some(pair) = pair.filter(|p| wanted.contains(p)) else {
                problem = Some(format!(
                    "a symbol for sliver {target}, which was not asked for"
                ));
                break;
            };
            if let Err(e) = symbol.verify(metadata) {
                problem = Some(format!(
                    "symbol {target} of {} sliver {} fails its proof: {e}",
                    symbol.source_axis.name(),
                    symbol.source_index
                ));
                break;
            }
            sorted.push((pair, symbol));
        }
        match problem {
            Some(why) => bad.push((peer, why)),
            None => {
                for (pair, symbol) in sorted {
                    by_target.entry(pair).or_default().push(symbol);
                }
            }
        }
    }
    Checked { by_target, bad }
}

/// One blob a pass must complete.
struct Work {
    blob_id: BlobId,
    /// `None`: the metadata must be fetched first.
    metadata: Option<Arc<BlobMetadata>>,
    /// The registration to keep with fetched metadata (the certified object ending last).
    registration: Registration,
    missing: usize,
}

/// Every certified blob live at `epoch` with held pairs (or its metadata) missing.
fn needs_work(store: &Store, epoch: u64, n_shards: usize) -> Result<Vec<Work>, StoreError> {
    let mut work = Vec::new();
    for blob_id in store.blob_ids()? {
        let BlobStatus::Live {
            certified: true, ..
        } = store.status(&blob_id, epoch)?
        else {
            continue;
        };
        let Some(registration) = live_certificate(store, &blob_id, epoch)? else {
            continue;
        };
        match store.metadata(&blob_id) {
            Ok(metadata) => {
                let missing = store.missing_shards(&blob_id)?.len();
                // Metadata received without a registration (never for certified blobs
                // fetched here, but an old store may have some): record the certificate's.
                if store.registration(&blob_id)?.is_none() {
                    store.put_metadata(&blob_id, &metadata, registration)?;
                }
                if missing > 0 {
                    work.push(Work {
                        blob_id,
                        metadata: Some(metadata),
                        registration,
                        missing,
                    });
                }
            }
            Err(StoreError::UnknownBlob(_)) => {
                let held = store
                    .shards()
                    .into_iter()
                    .filter(|&s| usize::from(s) < n_shards)
                    .count();
                work.push(Work {
                    blob_id,
                    metadata: None,
                    registration,
                    missing: held,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(work)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, RecoverError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| RecoverError::Task(e.to_string()))?
        .map_err(RecoverError::from)
}

#[cfg(test)]
mod tests {
    use floe_encoder::EncodingConfig;

    use super::*;

    #[test]
    fn a_request_names_at_most_what_fits_an_answer_and_every_round_fits() {
        // Small symbols: the per-request cap of 256 targets.
        assert_eq!(max_targets(1000, 6), MAX_TARGETS);
        // 10 stored pairs of 1 MiB symbols: 20 MiB an answer per target, 12 fit 256 MiB.
        assert_eq!(max_targets(10, 1 << 20), 12);
        // Symbols so large that one target exceeds the budget: still one, or nothing could
        // ever be recovered.
        assert_eq!(max_targets(10, 256 << 20), 1);
        // What any node's recovery asks for in a round (any batch, any round size it may be
        // configured with) is served by a peer holding any number of the shards.
        for batch in [1, 16, 256, 10_000] {
            for round_mib in [1, 64, 256] {
                let limits = Limits {
                    batch,
                    round_bytes: round_mib << 20,
                    ..Limits::default()
                };
                for (n, size) in [
                    (10, 6),
                    (10, 1 << 20),
                    (10, 40 << 20),
                    (1000, 4800),
                    (1000, 2),
                ] {
                    for stored in [1, n / 3, n] {
                        assert!(
                            limits.pairs_per_round(n, size) <= max_targets(stored, size),
                            "batch {batch} round {round_mib} MiB n {n} size {size} stored {stored}"
                        );
                    }
                }
            }
        }
    }

    const REGISTERED: Registration = Registration {
        blob_object: Address::new([0xb0; 32]),
        end_epoch: 10,
    };

    fn blob(n: usize) -> (BlobMetadata, Vec<SliverPair>) {
        let data: Vec<u8> = (0..7000u32).map(|i| (i * 31 % 253) as u8).collect();
        floe_encoder::encode(&EncodingConfig::new(n).unwrap(), &data).unwrap()
    }

    /// A store holding `shards` of the blob.
    fn store_with(
        dir: &std::path::Path,
        metadata: &BlobMetadata,
        pairs: &[SliverPair],
        shards: &[u16],
    ) -> Store {
        let id = metadata.blob_id();
        let n = metadata.n_shards();
        let store = Store::open(dir, shards.iter().copied()).unwrap();
        store.put_metadata(&id, metadata, REGISTERED).unwrap();
        for &shard in shards {
            store
                .put_pair(
                    &id,
                    shard,
                    &pairs[id.pair_for_shard(usize::from(shard), n)],
                    1,
                )
                .unwrap();
        }
        store
    }

    #[test]
    fn symbols_round_trip_and_rebuild_a_pair() {
        let n = 10;
        let (metadata, pairs) = blob(n);
        let id = metadata.blob_id();
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        // Three peers hold shards 0–8; shard 9's pair is rebuilt from them.
        let stores = [
            store_with(dirs[0].path(), &metadata, &pairs, &[0, 1, 2]),
            store_with(dirs[1].path(), &metadata, &pairs, &[3, 4, 5]),
            store_with(dirs[2].path(), &metadata, &pairs, &[6, 7, 8]),
        ];
        let target = id.pair_for_shard(9, n);
        let answers: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(i, store)| {
                let bytes = encode_symbols(&symbols_for(store, &id, &[target]).unwrap());
                (Address::new([i as u8; 32]), decode_symbols(&bytes))
            })
            .collect();
        let checked = check_answers(&metadata, &[target], answers);
        assert!(checked.bad.is_empty());
        let symbols = &checked.by_target[&target];
        let primary =
            floe_encoder::recover_sliver(&metadata, Axis::Primary, target, symbols).unwrap();
        let secondary =
            floe_encoder::recover_sliver(&metadata, Axis::Secondary, n - 1 - target, symbols)
                .unwrap();
        assert_eq!(SliverPair { primary, secondary }, pairs[target]);
        assert!(decode_symbols(&[1, 0, 0, 0]).is_err());
        assert!(matches!(
            symbols_for(&stores[0], &id, &[n]),
            Err(ServeError::OutOfRange { .. })
        ));
    }

    /// A peer that flips one byte of one symbol, or answers for a pair nobody asked for, has
    /// its whole answer dropped: nothing it sent reaches the rebuild.
    #[test]
    fn a_corrupting_peer_is_dropped_whole() {
        let n = 10;
        let (metadata, pairs) = blob(n);
        let id = metadata.blob_id();
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), &metadata, &pairs, &[0, 1, 2, 3, 4, 5, 6, 7, 8]);
        let target = id.pair_for_shard(9, n);
        let honest = symbols_for(&store, &id, &[target]).unwrap();
        let mut forged = honest.clone();
        forged[3].symbol[0] ^= 1;
        let mut off_target = honest.clone();
        off_target.push(
            floe_encoder::recovery_symbol(&metadata, &pairs[0].secondary, (target + 1) % n)
                .unwrap(),
        );
        let evil = Address::new([0xee; 32]);
        let other = Address::new([0xef; 32]);
        let checked = check_answers(
            &metadata,
            &[target],
            vec![(evil, Ok(forged)), (other, Ok(off_target))],
        );
        assert_eq!(checked.bad.len(), 2);
        assert!(checked.by_target.is_empty());
        // The same peer's untouched answer is used, and a peer that is down is skipped.
        let checked = check_answers(
            &metadata,
            &[target],
            vec![(evil, Ok(honest)), (other, Err("down".into()))],
        );
        assert!(checked.bad.is_empty());
        assert!(
            floe_encoder::recover_sliver(
                &metadata,
                Axis::Primary,
                target,
                &checked.by_target[&target]
            )
            .is_ok()
        );
    }
}
