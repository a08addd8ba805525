//! Durable sliver storage: one directory per blob under the data directory, holding the blob's
//! metadata and one file per shard with that shard's sliver pair.
//!
//! ```text
//! <data_dir>/blobs/<blob ID, base64url>/metadata.bin     BlobMetadata::to_bytes
//! <data_dir>/blobs/<blob ID, base64url>/registration     "<Blob object ID> <end epoch>\n"
//! <data_dir>/blobs/<blob ID, base64url>/registered       every Blob object ID named by an
//!                                                         accepted upload, one a line, oldest first
//! <data_dir>/blobs/<blob ID, base64url>/versions         "<Blob object ID> <model ID>" a line, one
//!                                                         per published model version of the blob
//! <data_dir>/blobs/<blob ID, base64url>/shard-<k>.pair   primary BCS ‖ secondary BCS
//! <data_dir>/blobs/<blob ID, base64url>/certified        "<Blob object ID> <end epoch>" a line,
//!                                                         per certified Blob seen on-chain
//! <data_dir>/blobs/<blob ID, base64url>/deleted          "<Blob object ID> <epoch>" a line, per
//!                                                         Blob deleted on-chain (and when)
//! <data_dir>/gone/<blob ID, base64url>                   "expired <end epoch>" or "deleted
//!                                                         <epoch>": collected, and why
//! ```
//!
//! The `certified` and `deleted` lists come from chain events ([`crate::watcher`]): they tell
//! recovery which blobs this node must hold ([`crate::recovery`]) and garbage collection which
//! it may drop ([`crate::gc`]).
//!
//! Every file is written to a temporary name, fsynced, renamed into place and its directory
//! fsynced, so a write the node acknowledged survives a crash and a crash never leaves a torn
//! file under a final name. Everything stored is checked first: metadata against its blob ID,
//! slivers against the metadata (floe-encoder), and a pair only for a shard the node holds and
//! a blob whose on-chain registration (checked by the API, see [`crate::registration`]) still
//! covers the current epoch.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use floe_encoder::{Axis, BlobId, BlobMetadata, DecodeError, Sliver, SliverPair};
use sui_sdk_types::Address;

/// Why the store refused or failed an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("this node does not hold shard {shard}; it holds {held:?}")]
    ShardNotHeld { shard: u16, held: Vec<u16> },
    #[error(
        "no metadata is stored for blob {0}; send the metadata (naming the blob's registering \
         Blob object) before its slivers"
    )]
    UnknownBlob(BlobId),
    #[error(
        "blob {0} has no on-chain registration here: send its metadata again naming the Blob \
         object that registered it"
    )]
    NotRegistered(BlobId),
    #[error(
        "blob {blob_id}'s registration (Blob object {blob_object}) ended at epoch {end_epoch} \
         and the current epoch is {epoch}: extend the blob or register it again, and send its \
         metadata naming the Blob object that covers the current epoch"
    )]
    RegistrationEnded {
        blob_id: BlobId,
        blob_object: Address,
        end_epoch: u64,
        epoch: u64,
    },
    #[error("metadata does not match blob {blob_id}: {source}")]
    BadMetadata {
        blob_id: BlobId,
        source: DecodeError,
    },
    #[error(
        "shard {shard} of blob {blob_id} holds pair {expected} (primary sliver {expected}, \
         secondary sliver {expected_secondary}); got primary {primary} and secondary {secondary}"
    )]
    WrongPair {
        blob_id: BlobId,
        shard: u16,
        expected: usize,
        expected_secondary: usize,
        primary: u16,
        secondary: u16,
    },
    #[error("shard {shard} is out of range for a blob encoded for {n_shards} shards")]
    ShardOutOfRange { shard: u16, n_shards: usize },
    #[error("the sliver does not match blob {blob_id}'s metadata: {source}")]
    SliverMismatch {
        blob_id: BlobId,
        source: DecodeError,
    },
    #[error("shard {shard} of blob {blob_id} is not stored here")]
    NotStored { blob_id: BlobId, shard: u16 },
    #[error("blob {blob_id} is no longer stored here: {gone}")]
    Gone { blob_id: BlobId, gone: Gone },
    #[error("stored file {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The on-chain registration a blob's metadata was accepted with: the `floe::blob::Blob`
/// object the API checked (see [`crate::registration`]) and the end of its storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    pub blob_object: Address,
    /// The first epoch the blob's storage no longer covers.
    pub end_epoch: u64,
}

impl Registration {
    fn to_text(self) -> String {
        format!("{} {}\n", self.blob_object, self.end_epoch)
    }

    fn parse(text: &str) -> Option<Self> {
        let (object, end) = text.trim().split_once(' ')?;
        Some(Self {
            blob_object: object.parse().ok()?,
            end_epoch: end.parse().ok()?,
        })
    }
}

/// Why a blob's slivers were collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// Its storage ended: `end_epoch` was the first epoch it no longer covered.
    Expired { end_epoch: u64 },
    /// Every `Blob` object of it this node knew was deleted, the last one at `epoch`.
    Deleted { epoch: u64 },
}

impl std::fmt::Display for Gone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gone::Expired { end_epoch } => write!(f, "its storage expired at epoch {end_epoch}"),
            Gone::Deleted { epoch } => {
                write!(
                    f,
                    "every Blob object of it was deleted (last at epoch {epoch})"
                )
            }
        }
    }
}

impl Gone {
    fn to_text(self) -> String {
        match self {
            Gone::Expired { end_epoch } => format!("expired {end_epoch}\n"),
            Gone::Deleted { epoch } => format!("deleted {epoch}\n"),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let (kind, epoch) = text.trim().split_once(' ')?;
        let epoch = epoch.parse().ok()?;
        match kind {
            "expired" => Some(Gone::Expired { end_epoch: epoch }),
            "deleted" => Some(Gone::Deleted { epoch }),
            _ => None,
        }
    }
}

/// Where a blob stands in its life, as far as this node knows from uploads and chain events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobStatus {
    /// Paid for until `end_epoch` (exclusive) by a `Blob` object not deleted; `certified`
    /// when the chain certified one of them.
    Live { end_epoch: u64, certified: bool },
    /// Should be collected: see [`Gone`].
    Ended(Gone),
    /// No registration or certificate is known (only operator marks or version records).
    Unknown,
}

/// The sliver store of one node.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// Tombstones of collected blobs, so reads say why they are gone.
    gone: PathBuf,
    shards: RwLock<BTreeSet<u16>>,
    /// Parsed metadata, so slivers are not checked against a re-read file each time.
    metadata: Mutex<HashMap<BlobId, Arc<BlobMetadata>>>,
    /// Parsed registrations, so a pair does not re-read the file.
    registrations: Mutex<HashMap<BlobId, Registration>>,
    /// Makes temporary names unique among concurrent writers of this process.
    counter: AtomicU64,
}

impl Store {
    /// Opens (creating if needed) the store under `data_dir`, holding `shards`.
    pub fn open(
        data_dir: &Path,
        shards: impl IntoIterator<Item = u16>,
    ) -> Result<Self, StoreError> {
        let root = data_dir.join("blobs");
        fs::create_dir_all(&root).map_err(io(&root))?;
        let gone = data_dir.join("gone");
        fs::create_dir_all(&gone).map_err(io(&gone))?;
        Ok(Self {
            root,
            gone,
            shards: RwLock::new(shards.into_iter().collect()),
            metadata: Mutex::default(),
            registrations: Mutex::default(),
            counter: AtomicU64::new(0),
        })
    }

    /// The shards this node holds, ascending.
    pub fn shards(&self) -> Vec<u16> {
        self.shards
            .read()
            .expect("no writer panics while holding the shard lock")
            .iter()
            .copied()
            .collect()
    }

    /// Replaces the held shards (after an epoch change moved shards).
    pub fn set_shards(&self, shards: impl IntoIterator<Item = u16>) {
        *self
            .shards
            .write()
            .expect("no writer panics while holding the shard lock") = shards.into_iter().collect();
    }

    fn holds(&self, shard: u16) -> bool {
        self.shards
            .read()
            .expect("no writer panics while holding the shard lock")
            .contains(&shard)
    }

    fn blob_dir(&self, blob_id: &BlobId) -> PathBuf {
        // base64url has no '/' or '.', so the ID is a safe single path component.
        self.root.join(blob_id.to_string())
    }

    fn pair_path(&self, blob_id: &BlobId, shard: u16) -> PathBuf {
        self.blob_dir(blob_id).join(format!("shard-{shard}.pair"))
    }

    /// Stores `metadata` for `blob_id` after checking that it hashes to that ID and is a valid
    /// RS2 encoding, with the `registration` the caller checked on-chain. Storing the same
    /// metadata twice is a no-op; of several registrations of one blob (the same bytes stored
    /// by several owners) the one that ends last is kept, since the blob is paid for until
    /// then.
    pub fn put_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
        registration: Registration,
    ) -> Result<(), StoreError> {
        let bad = |source| StoreError::BadMetadata {
            blob_id: *blob_id,
            source,
        };
        metadata.verify(blob_id).map_err(bad)?;
        metadata.checked_config().map_err(bad)?;
        // Stored again after being collected (a new registration of the same bytes): the
        // tombstone no longer tells the truth.
        self.clear_gone(blob_id)?;
        let dir = self.blob_dir(blob_id);
        // The metadata before the registration: a crash between the two leaves metadata
        // without one, which takes no slivers until the metadata is sent again.
        if self.cached(blob_id).is_none() {
            if !dir.exists() {
                fs::create_dir_all(&dir).map_err(io(&dir))?;
                sync_dir(&self.root)?;
            }
            self.write_atomic(&dir.join("metadata.bin"), &metadata.to_bytes())?;
            self.cache(blob_id, Arc::new(metadata.clone()));
        }
        // Under the lock from read to write, so that of two registrations sent at once the one
        // that ends later is the one kept.
        let mut registrations = self.registrations_lock();
        // Read before the kept registration may change: a store from before the list was kept
        // lists the registration recorded then.
        let mut registered = self.registered_objects_in(&mut registrations, blob_id)?;
        let keep = match self.recorded_registration(&mut registrations, blob_id)? {
            Some(recorded) => {
                recorded != registration && registration.end_epoch >= recorded.end_epoch
            }
            None => true,
        };
        if keep {
            self.write_atomic(&dir.join("registration"), registration.to_text().as_bytes())?;
            registrations.insert(*blob_id, registration);
        }
        // Every registering object is remembered, not only the one kept: each is a copy of the
        // bytes someone controls, and the licence gate needs them all (see `gate`).
        if !registered.contains(&registration.blob_object) {
            registered.push(registration.blob_object);
            let text: String = registered.iter().map(|id| format!("{id}\n")).collect();
            self.write_atomic(&dir.join("registered"), text.as_bytes())?;
        }
        Ok(())
    }

    /// Every `Blob` object an accepted metadata upload of `blob_id` named, oldest first (a
    /// store from before the list was kept: the one recorded registration).
    pub fn registered_objects(&self, blob_id: &BlobId) -> Result<Vec<Address>, StoreError> {
        self.registered_objects_in(&mut self.registrations_lock(), blob_id)
    }

    /// [`Store::registered_objects`] with the registration cache already locked.
    fn registered_objects_in(
        &self,
        cache: &mut HashMap<BlobId, Registration>,
        blob_id: &BlobId,
    ) -> Result<Vec<Address>, StoreError> {
        let path = self.blob_dir(blob_id).join("registered");
        match fs::read_to_string(&path) {
            Ok(text) => parse_lines(&path, &text, |line| line.parse().ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(self
                .recorded_registration(cache, blob_id)?
                .map(|registration| vec![registration.blob_object])
                .unwrap_or_default()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Records that model `model` published a version whose weights are the `Blob` object
    /// `blob_object` of `blob_id` (a `ModelVersionPublished` event). Idempotent and durable.
    pub fn add_model_version(
        &self,
        blob_id: &BlobId,
        blob_object: Address,
        model: Address,
    ) -> Result<(), StoreError> {
        // One writer at a time (the registration lock also guards the version list).
        let _guard = self.registrations_lock();
        let mut versions = self.model_versions(blob_id)?;
        if versions.contains(&(blob_object, model)) {
            return Ok(());
        }
        versions.push((blob_object, model));
        let dir = self.blob_dir(blob_id);
        if !dir.exists() {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
            sync_dir(&self.root)?;
        }
        let text: String = versions
            .iter()
            .map(|(object, model)| format!("{object} {model}\n"))
            .collect();
        self.write_atomic(&dir.join("versions"), text.as_bytes())
    }

    /// `(Blob object, model)` of every published model version of `blob_id` seen so far.
    pub fn model_versions(&self, blob_id: &BlobId) -> Result<Vec<(Address, Address)>, StoreError> {
        let path = self.blob_dir(blob_id).join("versions");
        match fs::read_to_string(&path) {
            Ok(text) => parse_lines(&path, &text, |line| {
                let (object, model) = line.split_once(' ')?;
                Some((object.parse().ok()?, model.parse().ok()?))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Whether `blob_id`'s slivers need a credential, and for which models: control of data is
    /// proven by objects, never by a blob ID, so another owner's copy is never made unreadable.
    ///
    /// - Some registering `Blob` object that is not a published model version's (someone
    ///   stored these bytes as a plain blob): public, `None`, whatever anyone publishes — that
    ///   someone has the bytes anyway, and only the owner of a `Blob` can publish it.
    /// - Every registering object is a published version's: gated, `Some(models)`, the models
    ///   that published the oldest registration (the first copy this node stored). A later
    ///   copy published elsewhere opens no door to the first one's data: holding a certified
    ///   `Blob` does not prove having had the bytes (certificates are public).
    ///
    /// An operator's explicit mark (`set_model`, the operator API or config) is this node's own
    /// policy and comes first; nothing anyone publishes writes one (the watcher records
    /// versions only).
    ///
    /// - The oldest registration's object is marked Seal ciphertext by its owner (the
    ///   `encryption` attribute set to `seal`, [`Store::record_sealed`]): public, `None`. The
    ///   encryption protects the model; gating ciphertext only stops the readers a
    ///   `seal_approve*` policy lets decrypt it (a compute job's providers) from fetching it.
    ///   Only the oldest copy's owner can say so: a later copy's owner may never have had the
    ///   bytes.
    pub fn gate(&self, blob_id: &BlobId) -> Result<Option<Vec<Address>>, StoreError> {
        if let Some(model) = self.model_of(blob_id)? {
            return Ok(Some(vec![model]));
        }
        let registered = self.registered_objects(blob_id)?;
        let Some(first) = registered.first() else {
            return Ok(None);
        };
        if self.sealed_objects(blob_id)?.contains(first) {
            return Ok(None);
        }
        let versions = self.model_versions(blob_id)?;
        let published = |object: &Address| versions.iter().any(|(o, _)| o == object);
        if !registered.iter().all(published) {
            return Ok(None);
        }
        Ok(Some(
            versions
                .iter()
                .filter(|(object, _)| object == first)
                .map(|(_, model)| *model)
                .collect(),
        ))
    }

    /// Records that the owner of `blob_object` marked it as holding Seal ciphertext, or took
    /// the mark back (a `BlobAttributeSet`/`Removed` of its `encryption` attribute). Idempotent
    /// and durable.
    pub fn record_sealed(
        &self,
        blob_id: &BlobId,
        blob_object: Address,
        sealed: bool,
    ) -> Result<(), StoreError> {
        let _guard = self.registrations_lock();
        let mut objects = self.sealed_objects(blob_id)?;
        if objects.contains(&blob_object) == sealed {
            return Ok(());
        }
        if sealed {
            objects.push(blob_object);
        } else {
            objects.retain(|o| *o != blob_object);
        }
        let dir = self.blob_dir(blob_id);
        if !dir.exists() {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
            sync_dir(&self.root)?;
        }
        let text: String = objects.iter().map(|o| format!("{o}\n")).collect();
        self.write_atomic(&dir.join("sealed"), text.as_bytes())
    }

    /// The `Blob` objects of `blob_id` their owners marked as Seal ciphertext.
    pub fn sealed_objects(&self, blob_id: &BlobId) -> Result<Vec<Address>, StoreError> {
        let path = self.blob_dir(blob_id).join("sealed");
        match fs::read_to_string(&path) {
            Ok(text) => parse_lines(&path, &text, |line| line.parse().ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn registrations_lock(&self) -> std::sync::MutexGuard<'_, HashMap<BlobId, Registration>> {
        self.registrations
            .lock()
            .expect("no holder panics while holding the registration cache")
    }

    /// The registration `blob_id`'s metadata was accepted with, if any.
    pub fn registration(&self, blob_id: &BlobId) -> Result<Option<Registration>, StoreError> {
        self.recorded_registration(&mut self.registrations_lock(), blob_id)
    }

    /// The registration of `blob_id` from `cache` (the locked registration cache), or read
    /// from its file into it.
    fn recorded_registration(
        &self,
        cache: &mut HashMap<BlobId, Registration>,
        blob_id: &BlobId,
    ) -> Result<Option<Registration>, StoreError> {
        if let Some(registration) = cache.get(blob_id) {
            return Ok(Some(*registration));
        }
        let path = self.blob_dir(blob_id).join("registration");
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        let registration = Registration::parse(&text).ok_or_else(|| StoreError::Corrupt {
            path,
            reason: format!("not \"<object ID> <end epoch>\": {text:?}"),
        })?;
        cache.insert(*blob_id, registration);
        Ok(Some(registration))
    }

    /// The registration of `blob_id` if it covers `epoch`; what is wrong otherwise. Slivers
    /// are stored and confirmations signed only for such blobs.
    pub fn live_registration(
        &self,
        blob_id: &BlobId,
        epoch: u64,
    ) -> Result<Registration, StoreError> {
        let registration = self
            .registration(blob_id)?
            .ok_or(StoreError::NotRegistered(*blob_id))?;
        if registration.end_epoch <= epoch {
            return Err(StoreError::RegistrationEnded {
                blob_id: *blob_id,
                blob_object: registration.blob_object,
                end_epoch: registration.end_epoch,
                epoch,
            });
        }
        Ok(registration)
    }

    fn cached(&self, blob_id: &BlobId) -> Option<Arc<BlobMetadata>> {
        self.metadata
            .lock()
            .expect("no holder panics while holding the metadata cache")
            .get(blob_id)
            .cloned()
    }

    fn cache(&self, blob_id: &BlobId, metadata: Arc<BlobMetadata>) {
        self.metadata
            .lock()
            .expect("no holder panics while holding the metadata cache")
            .insert(*blob_id, metadata);
    }

    /// The stored metadata of `blob_id` (checked against the ID when read from disk).
    pub fn metadata(&self, blob_id: &BlobId) -> Result<Arc<BlobMetadata>, StoreError> {
        if let Some(metadata) = self.cached(blob_id) {
            return Ok(metadata);
        }
        let path = self.blob_dir(blob_id).join("metadata.bin");
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(match self.gone(blob_id)? {
                    Some(gone) => StoreError::Gone {
                        blob_id: *blob_id,
                        gone,
                    },
                    None => StoreError::UnknownBlob(*blob_id),
                });
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let (stored_id, metadata) =
            BlobMetadata::from_bytes(&bytes).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if stored_id != *blob_id {
            return Err(StoreError::Corrupt {
                path,
                reason: format!("it holds the metadata of blob {stored_id}"),
            });
        }
        let metadata = Arc::new(metadata);
        self.cache(blob_id, metadata.clone());
        Ok(metadata)
    }

    /// Checks `pair` against the blob's metadata and the shard assignment, and that the blob's
    /// registration covers `epoch` (the node's current one), then stores it.
    pub fn put_pair(
        &self,
        blob_id: &BlobId,
        shard: u16,
        pair: &SliverPair,
        epoch: u64,
    ) -> Result<(), StoreError> {
        if !self.holds(shard) {
            return Err(StoreError::ShardNotHeld {
                shard,
                held: self.shards(),
            });
        }
        let metadata = self.metadata(blob_id)?;
        self.live_registration(blob_id, epoch)?;
        let n = metadata.n_shards();
        if usize::from(shard) >= n {
            return Err(StoreError::ShardOutOfRange { shard, n_shards: n });
        }
        let expected = blob_id.pair_for_shard(usize::from(shard), n);
        let expected_secondary = n - 1 - expected;
        if pair.primary.axis != Axis::Primary
            || pair.secondary.axis != Axis::Secondary
            || usize::from(pair.primary.index) != expected
            || usize::from(pair.secondary.index) != expected_secondary
        {
            return Err(StoreError::WrongPair {
                blob_id: *blob_id,
                shard,
                expected,
                expected_secondary,
                primary: pair.primary.index,
                secondary: pair.secondary.index,
            });
        }
        for result in
            floe_encoder::verify::verify_slivers(&metadata, &[&pair.primary, &pair.secondary])
        {
            result.map_err(|source| StoreError::SliverMismatch {
                blob_id: *blob_id,
                source,
            })?;
        }
        self.write_atomic(&self.pair_path(blob_id, shard), &encode_pair(pair))
    }

    /// The sliver pair stored for `shard` of `blob_id`.
    pub fn pair(&self, blob_id: &BlobId, shard: u16) -> Result<SliverPair, StoreError> {
        let path = self.pair_path(blob_id, shard);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(match self.gone(blob_id)? {
                    Some(gone) => StoreError::Gone {
                        blob_id: *blob_id,
                        gone,
                    },
                    None => StoreError::NotStored {
                        blob_id: *blob_id,
                        shard,
                    },
                });
            }
            Err(e) => return Err(io(&path)(e)),
        };
        decode_pair(&bytes).map_err(|reason| StoreError::Corrupt { path, reason })
    }

    /// Whether the pair of `shard` is stored.
    pub fn has_pair(&self, blob_id: &BlobId, shard: u16) -> bool {
        self.pair_path(blob_id, shard).is_file()
    }

    /// The held shards whose pair of `blob_id` is not stored yet; empty once the node can
    /// confirm the blob. Fails if the blob's metadata is unknown.
    pub fn missing_shards(&self, blob_id: &BlobId) -> Result<Vec<u16>, StoreError> {
        let n = self.metadata(blob_id)?.n_shards();
        Ok(self
            .shards()
            .into_iter()
            .filter(|&shard| usize::from(shard) < n && !self.has_pair(blob_id, shard))
            .collect())
    }

    /// Marks `blob_id` as belonging to model `model` (its slivers then need a license to
    /// read), or clears the mark with `None`. Durable like every other write.
    pub fn set_model(&self, blob_id: &BlobId, model: Option<Address>) -> Result<(), StoreError> {
        let dir = self.blob_dir(blob_id);
        if !dir.exists() {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
            sync_dir(&self.root)?;
        }
        let path = dir.join("model");
        match model {
            Some(model) => self.write_atomic(&path, model.to_string().as_bytes()),
            None => match fs::remove_file(&path) {
                Ok(()) => sync_dir(&dir),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io(&path)(e)),
            },
        }
    }

    /// The model `blob_id` belongs to, if it was marked.
    pub fn model_of(&self, blob_id: &BlobId) -> Result<Option<Address>, StoreError> {
        let path = self.blob_dir(blob_id).join("model");
        match fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    path,
                    reason: format!("not a model ID: {e}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Every blob with a directory here (metadata, chain records or marks), in no order.
    pub fn blob_ids(&self) -> Result<Vec<BlobId>, StoreError> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.root).map_err(io(&self.root))? {
            let entry = entry.map_err(io(&self.root))?;
            if let Some(id) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// The shards whose pair of `blob_id` is on disk, held or not (a shard lost at an epoch
    /// change is still served until its new holder has it).
    pub fn stored_shards(&self, blob_id: &BlobId) -> Result<Vec<u16>, StoreError> {
        let dir = self.blob_dir(blob_id);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut shards = Vec::new();
        for entry in entries {
            let name = entry.map_err(io(&dir))?.file_name();
            if let Some(shard) = name
                .to_str()
                .and_then(|n| n.strip_prefix("shard-")?.strip_suffix(".pair"))
                .and_then(|k| k.parse().ok())
            {
                shards.push(shard);
            }
        }
        shards.sort_unstable();
        Ok(shards)
    }

    /// Removes the pair of a shard this node no longer holds (its new holder has it).
    pub fn drop_pair(&self, blob_id: &BlobId, shard: u16) -> Result<(), StoreError> {
        let path = self.pair_path(blob_id, shard);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.blob_dir(blob_id)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Records that the chain certified `blob_object` of `blob_id`, paid for until `end_epoch`
    /// (a `BlobCertified` event). Idempotent and durable; the blob's directory is created if
    /// this node never received it, so recovery knows to fetch it.
    pub fn record_certified(
        &self,
        blob_id: &BlobId,
        blob_object: Address,
        end_epoch: u64,
    ) -> Result<(), StoreError> {
        let _guard = self.registrations_lock();
        let mut certified = self.certified_in(blob_id)?;
        match certified.iter_mut().find(|(o, _)| *o == blob_object) {
            Some((_, end)) if *end >= end_epoch => return Ok(()),
            Some((_, end)) => *end = end_epoch,
            None => certified.push((blob_object, end_epoch)),
        }
        self.write_pairs_file(blob_id, "certified", &certified)
    }

    /// Records that `blob_object`'s storage now ends at `end_epoch` (a `BlobExtended` event):
    /// its certificate and, if it is the kept registration, the registration follow.
    pub fn record_extended(
        &self,
        blob_id: &BlobId,
        blob_object: Address,
        end_epoch: u64,
    ) -> Result<(), StoreError> {
        let mut registrations = self.registrations_lock();
        let mut certified = self.certified_in(blob_id)?;
        if let Some((_, end)) = certified.iter_mut().find(|(o, _)| *o == blob_object)
            && *end < end_epoch
        {
            *end = end_epoch;
            self.write_pairs_file(blob_id, "certified", &certified)?;
        }
        if let Some(recorded) = self.recorded_registration(&mut registrations, blob_id)?
            && recorded.blob_object == blob_object
            && recorded.end_epoch < end_epoch
        {
            let extended = Registration {
                blob_object,
                end_epoch,
            };
            let path = self.blob_dir(blob_id).join("registration");
            self.write_atomic(&path, extended.to_text().as_bytes())?;
            registrations.insert(*blob_id, extended);
        }
        Ok(())
    }

    /// Records that `blob_object` of `blob_id` was deleted at `epoch` (a `BlobDeleted`
    /// event). Only blobs this node has a directory for are recorded: a deletion of a blob it
    /// never stored concerns it only if it is certified here later, which it then is not.
    pub fn record_deleted(
        &self,
        blob_id: &BlobId,
        blob_object: Address,
        epoch: u64,
    ) -> Result<(), StoreError> {
        let _guard = self.registrations_lock();
        if !self.blob_dir(blob_id).is_dir() {
            return Ok(());
        }
        let mut deleted = self.object_epochs(blob_id, "deleted")?;
        if deleted.iter().any(|(o, _)| *o == blob_object) {
            return Ok(());
        }
        deleted.push((blob_object, epoch));
        self.write_pairs_file(blob_id, "deleted", &deleted)
    }

    /// The certified `Blob` objects of `blob_id` seen on-chain and their end epochs.
    pub fn certified(&self, blob_id: &BlobId) -> Result<Vec<(Address, u64)>, StoreError> {
        let _guard = self.registrations_lock();
        self.certified_in(blob_id)
    }

    fn certified_in(&self, blob_id: &BlobId) -> Result<Vec<(Address, u64)>, StoreError> {
        self.object_epochs(blob_id, "certified")
    }

    /// A `"<object> <epoch>"` list file of `blob_id`.
    fn object_epochs(
        &self,
        blob_id: &BlobId,
        file: &str,
    ) -> Result<Vec<(Address, u64)>, StoreError> {
        let path = self.blob_dir(blob_id).join(file);
        match fs::read_to_string(&path) {
            Ok(text) => parse_lines(&path, &text, |line| {
                let (object, epoch) = line.split_once(' ')?;
                Some((object.parse().ok()?, epoch.parse().ok()?))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn write_pairs_file(
        &self,
        blob_id: &BlobId,
        file: &str,
        entries: &[(Address, u64)],
    ) -> Result<(), StoreError> {
        let dir = self.blob_dir(blob_id);
        if !dir.exists() {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
            sync_dir(&self.root)?;
        }
        let text: String = entries
            .iter()
            .map(|(object, epoch)| format!("{object} {epoch}\n"))
            .collect();
        self.write_atomic(&dir.join(file), text.as_bytes())
    }

    /// Where `blob_id` stands at `epoch`: live while some `Blob` object of it that was not
    /// deleted covers the epoch; deleted once every object this node knows of it (from
    /// uploads and certificates) was deleted; expired once the latest end has passed.
    pub fn status(&self, blob_id: &BlobId, epoch: u64) -> Result<BlobStatus, StoreError> {
        let mut registrations = self.registrations_lock();
        let registration = self.recorded_registration(&mut registrations, blob_id)?;
        let registered = self.registered_objects_in(&mut registrations, blob_id)?;
        let certified = self.certified_in(blob_id)?;
        let deleted = self.object_epochs(blob_id, "deleted")?;
        drop(registrations);
        let is_deleted = |object: &Address| deleted.iter().any(|(o, _)| o == object);
        let known: BTreeSet<Address> = registered
            .iter()
            .copied()
            .chain(certified.iter().map(|(o, _)| *o))
            .collect();
        if known.is_empty() {
            return Ok(BlobStatus::Unknown);
        }
        if known.iter().all(is_deleted) {
            let epoch = deleted.iter().map(|(_, e)| *e).max().unwrap_or(0);
            return Ok(BlobStatus::Ended(Gone::Deleted { epoch }));
        }
        let live_certified = certified.iter().filter(|(o, _)| !is_deleted(o));
        let end_epoch = live_certified
            .clone()
            .map(|(_, end)| *end)
            .chain(
                registration
                    .filter(|r| !is_deleted(&r.blob_object))
                    .map(|r| r.end_epoch),
            )
            .max()
            .unwrap_or(0);
        if end_epoch <= epoch {
            return Ok(BlobStatus::Ended(Gone::Expired { end_epoch }));
        }
        Ok(BlobStatus::Live {
            end_epoch,
            certified: live_certified.clone().next().is_some(),
        })
    }

    /// Removes everything stored for `blob_id` and leaves a tombstone saying why, so reads
    /// answer with the reason. The tombstone is written first: a crash in between leaves a
    /// blob that reads as gone and is removed again on the next pass.
    pub fn collect(&self, blob_id: &BlobId, gone: Gone) -> Result<(), StoreError> {
        let tombstone = self.gone.join(blob_id.to_string());
        self.write_atomic(&tombstone, gone.to_text().as_bytes())?;
        let dir = self.blob_dir(blob_id);
        match fs::remove_dir_all(&dir) {
            Ok(()) => sync_dir(&self.root)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&dir)(e)),
        }
        self.metadata
            .lock()
            .expect("no holder panics while holding the metadata cache")
            .remove(blob_id);
        self.registrations_lock().remove(blob_id);
        Ok(())
    }

    /// Why `blob_id` was collected, if it was.
    pub fn gone(&self, blob_id: &BlobId) -> Result<Option<Gone>, StoreError> {
        let path = self.gone.join(blob_id.to_string());
        match fs::read_to_string(&path) {
            Ok(text) => Gone::parse(&text)
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt {
                    path,
                    reason: format!("not a tombstone: {text:?}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn clear_gone(&self, blob_id: &BlobId) -> Result<(), StoreError> {
        let path = self.gone.join(blob_id.to_string());
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.gone),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// Writes `bytes` to `path` so that after return the file is durable, and a crash at any
    /// point leaves either the old file or the new one.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let dir = path
            .parent()
            .expect("store paths are inside the blob directory");
        let name = path
            .file_name()
            .expect("store paths end in a file name")
            .to_string_lossy();
        let unique = self.counter.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{unique}.tmp", std::process::id()));
        let result = (|| {
            let mut file = File::create(&tmp).map_err(io(&tmp))?;
            file.write_all(bytes).map_err(io(&tmp))?;
            file.sync_all().map_err(io(&tmp))?;
            fs::rename(&tmp, path).map_err(io(path))?;
            sync_dir(dir)
        })();
        if result.is_err() {
            // Best effort: a leftover temporary file is harmless, only untidy.
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

/// The lines of a list file, each parsed by `parse`; a line that does not parse makes the
/// file corrupt.
fn parse_lines<T>(
    path: &Path,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, StoreError> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            parse(line.trim()).ok_or_else(|| StoreError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("unreadable line {line:?}"),
            })
        })
        .collect()
}

/// Makes a rename or file creation inside `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// A pair on the wire and on disk: the primary sliver's BCS followed by the secondary's (the
/// BCS of Walrus's `SliverPair`, since each sliver's BCS is self-delimiting).
pub fn encode_pair(pair: &SliverPair) -> Vec<u8> {
    let mut out = pair.primary.to_bcs();
    out.extend_from_slice(&pair.secondary.to_bcs());
    out
}

/// Parses [`encode_pair`] output.
pub fn decode_pair(bytes: &[u8]) -> Result<SliverPair, String> {
    let first = bcs_sliver_len(bytes).ok_or("truncated primary sliver")?;
    let primary = Sliver::from_bcs(Axis::Primary, &bytes[..first]).map_err(|e| e.to_string())?;
    let secondary =
        Sliver::from_bcs(Axis::Secondary, &bytes[first..]).map_err(|e| e.to_string())?;
    Ok(SliverPair { primary, secondary })
}

/// Length of the BCS sliver at the start of `bytes`: ULEB128 length ‖ data ‖ 4 bytes.
fn bcs_sliver_len(bytes: &[u8]) -> Option<usize> {
    let mut len: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let total = (i as u64 + 1).checked_add(len)?.checked_add(4)?;
            let total = usize::try_from(total).ok()?;
            return (total <= bytes.len()).then_some(total);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use floe_encoder::EncodingConfig;

    use super::*;

    /// The registration the tests' blobs are stored with, live until epoch 10.
    const REGISTERED: Registration = Registration {
        blob_object: Address::new([0xb0; 32]),
        end_epoch: 10,
    };
    const EPOCH: u64 = 4;

    fn blob() -> (BlobMetadata, Vec<SliverPair>) {
        let data: Vec<u8> = (0..4000u32).map(|i| (i * 13 % 256) as u8).collect();
        floe_encoder::encode(&EncodingConfig::new(10).unwrap(), &data).unwrap()
    }

    #[test]
    fn stores_checks_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let (metadata, pairs) = blob();
        let id = metadata.blob_id();
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        assert!(matches!(
            store.put_pair(&id, 0, &pairs[0], EPOCH),
            Err(StoreError::UnknownBlob(_))
        ));
        store.put_metadata(&id, &metadata, REGISTERED).unwrap();
        let shard = 1u16;
        let index = id.pair_for_shard(1, 10);
        // The pair of another shard is refused.
        let other = &pairs[(index + 1) % 10];
        assert!(matches!(
            store.put_pair(&id, shard, other, EPOCH),
            Err(StoreError::WrongPair { .. })
        ));
        // A tampered sliver is refused.
        let mut bad = pairs[index].clone();
        bad.primary.data[0] ^= 1;
        assert!(matches!(
            store.put_pair(&id, shard, &bad, EPOCH),
            Err(StoreError::SliverMismatch { .. })
        ));
        // A shard the node does not hold is refused.
        let held_elsewhere = id.pair_for_shard(5, 10);
        assert!(matches!(
            store.put_pair(&id, 5, &pairs[held_elsewhere], EPOCH),
            Err(StoreError::ShardNotHeld { shard: 5, .. })
        ));
        store.put_pair(&id, shard, &pairs[index], EPOCH).unwrap();
        assert_eq!(store.missing_shards(&id).unwrap(), vec![0, 2]);
        drop(store);
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        assert_eq!(*store.metadata(&id).unwrap(), metadata);
        assert_eq!(store.registration(&id).unwrap(), Some(REGISTERED));
        assert_eq!(store.pair(&id, shard).unwrap(), pairs[index]);
        assert!(matches!(
            store.pair(&id, 0),
            Err(StoreError::NotStored { shard: 0, .. })
        ));
        // No temporary files are left behind.
        let leftovers: Vec<_> = fs::read_dir(store.blob_dir(&id))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .collect();
        assert!(leftovers.is_empty());
    }

    /// Issue 12, hole 3, as the node sees it: control of data is proven by `Blob` objects,
    /// never by a blob ID, and no publish makes another owner's copy unreadable.
    #[test]
    fn the_gate_follows_objects_not_blob_ids() {
        let dir = tempfile::tempdir().unwrap();
        let (metadata, _) = blob();
        let id = metadata.blob_id();
        let victim = REGISTERED;
        let stranger = Registration {
            blob_object: Address::new([0x5a; 32]),
            end_epoch: 10,
        };
        let (victims_model, strangers_model) = (Address::new([0x11; 32]), Address::new([0x22; 32]));

        // A stores a plain blob; B stores the same bytes (its own Blob) and publishes them.
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        store.put_metadata(&id, &metadata, victim).unwrap();
        assert_eq!(store.gate(&id).unwrap(), None);
        store.put_metadata(&id, &metadata, stranger).unwrap();
        store
            .add_model_version(&id, stranger.blob_object, strangers_model)
            .unwrap();
        // Publishing twice (a replayed event) changes nothing.
        store
            .add_model_version(&id, stranger.blob_object, strangers_model)
            .unwrap();
        assert_eq!(
            store.gate(&id).unwrap(),
            None,
            "A's plain copy stays public"
        );
        drop(store);
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        assert_eq!(store.gate(&id).unwrap(), None, "also after a restart");
        assert_eq!(
            store.registered_objects(&id).unwrap(),
            vec![victim.blob_object, stranger.blob_object]
        );

        // A model's own copy: gated for that model once published...
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        store.put_metadata(&id, &metadata, victim).unwrap();
        store
            .add_model_version(&id, victim.blob_object, victims_model)
            .unwrap();
        assert_eq!(store.gate(&id).unwrap(), Some(vec![victims_model]));
        // ...and still for it (only) after a stranger re-stores and publishes the same bytes:
        // the victim's licensees keep reading, the stranger's do not get the victim's copy.
        store.put_metadata(&id, &metadata, stranger).unwrap();
        store
            .add_model_version(&id, stranger.blob_object, strangers_model)
            .unwrap();
        assert_eq!(store.gate(&id).unwrap(), Some(vec![victims_model]));
        drop(store);
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        assert_eq!(store.gate(&id).unwrap(), Some(vec![victims_model]));

        // Sealed: the model's own copy marked as ciphertext by its owner is public; a mark on a
        // later copy (whose owner may never have had the bytes) opens nothing; unmarked, gated
        // again.
        store
            .record_sealed(&id, stranger.blob_object, true)
            .unwrap();
        assert_eq!(store.gate(&id).unwrap(), Some(vec![victims_model]));
        store.record_sealed(&id, victim.blob_object, true).unwrap();
        store.record_sealed(&id, victim.blob_object, true).unwrap();
        assert_eq!(store.gate(&id).unwrap(), None);
        drop(store);
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        assert_eq!(store.gate(&id).unwrap(), None, "also after a restart");
        store.record_sealed(&id, victim.blob_object, false).unwrap();
        assert_eq!(store.gate(&id).unwrap(), Some(vec![victims_model]));

        // A version whose Blob this node never stored (no upload named it) gates nothing.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), [0, 1, 2]).unwrap();
        store.put_metadata(&id, &metadata, victim).unwrap();
        store
            .add_model_version(&id, stranger.blob_object, strangers_model)
            .unwrap();
        assert_eq!(store.gate(&id).unwrap(), None);
    }

    #[test]
    fn pairs_need_a_registration_covering_the_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let (metadata, pairs) = blob();
        let id = metadata.blob_id();
        let store = Store::open(dir.path(), [0]).unwrap();
        let pair = &pairs[id.pair_for_shard(0, 10)];
        // Metadata written by a node from before registrations were kept: no slivers.
        let blob_dir = store.blob_dir(&id);
        fs::create_dir_all(&blob_dir).unwrap();
        fs::write(blob_dir.join("metadata.bin"), metadata.to_bytes()).unwrap();
        assert!(matches!(
            store.put_pair(&id, 0, pair, EPOCH),
            Err(StoreError::NotRegistered(_))
        ));
        store.put_metadata(&id, &metadata, REGISTERED).unwrap();
        // Once the registration has ended, no more slivers, whatever was accepted before.
        assert!(matches!(
            store.put_pair(&id, 0, pair, REGISTERED.end_epoch),
            Err(StoreError::RegistrationEnded {
                end_epoch: 10,
                epoch: 10,
                ..
            })
        ));
        store.put_pair(&id, 0, pair, EPOCH).unwrap();
        // A second owner's registration that ends earlier does not shorten the blob's life;
        // one that ends later extends it.
        let earlier = Registration {
            blob_object: Address::new([0xb1; 32]),
            end_epoch: 6,
        };
        store.put_metadata(&id, &metadata, earlier).unwrap();
        assert_eq!(store.registration(&id).unwrap(), Some(REGISTERED));
        let later = Registration {
            blob_object: Address::new([0xb2; 32]),
            end_epoch: 12,
        };
        store.put_metadata(&id, &metadata, later).unwrap();
        drop(store);
        let store = Store::open(dir.path(), [0]).unwrap();
        assert_eq!(store.live_registration(&id, 11).unwrap(), later);
    }

    #[test]
    fn pair_bytes_round_trip() {
        let (_, pairs) = blob();
        let bytes = encode_pair(&pairs[3]);
        assert_eq!(decode_pair(&bytes).unwrap(), pairs[3]);
        assert!(decode_pair(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_pair(&[0x80]).is_err());
    }
}
