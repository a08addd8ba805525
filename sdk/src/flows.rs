//! High-level flows over a [`FloeClient`]: store and read blobs, stake, register models and
//! publish versions, sell and buy licenses, check a license.
//!
//! Each flow builds its transaction with [`crate::calls`], pays gas from the sender's SUI
//! coins and WAL from its `Coin<WAL>`s (merged in the same transaction when one is not
//! enough), executes it, and reads what it created from the transaction's events, so the
//! caller gets object IDs and values instead of effects to dig through.

use floe_encoder::{BlobId, BlobMetadata, EncodeError, EncodingConfig};
use serde::de::DeserializeOwned;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Digest, ObjectReference, Owner, StructTag};
use sui_transaction_builder::{Argument, ObjectInput, TransactionBuilder};

use crate::calls::{self, CallsError, FloeObjects, SharedObject};
use crate::client::{self, ClientError, ExecutedTransaction, FloeClient};
use crate::committee::Committee;
use crate::config::NetworkConfig;
use crate::move_types::{
    self, events, license::License, staking_pool::StakingPool, system::System,
};
use crate::nodes::NodeDirectory;
use crate::slivers::{self, Certificate, Pairs, SliverError};
use crate::stream::{self, Phase, Progress, SpilledPairs, StreamError};
use crate::tx::{self, CoinRef, TxError};

/// RS2, the only encoding the package accepts.
pub const ENCODING_TYPE_RS2: u8 = 1;
const MIB: u64 = 1 << 20;

/// Epoch changes a store rides through before it gives up (epochs last minutes; a store that
/// sees more than this is losing to a network that is stuck changing committees).
const MAX_EPOCH_CHANGES_PER_STORE: u32 = 3;

/// Why a flow failed, in terms of what to do next.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Calls(#[from] CallsError),
    #[error(transparent)]
    Tx(#[from] TxError),
    #[error("cannot encode the blob: {0}")]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Slivers(#[from] SliverError),
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error(
        "not enough WAL: the flow needs {needed} base units, the sender's WAL coins hold \
         {available}; get more WAL (1 WAL = 10^9 base units)"
    )]
    InsufficientWal { needed: u64, available: u64 },
    #[error("the price overflows a u64; store less or for fewer epochs")]
    PriceOverflow,
    #[error("the System has no committee yet: wait for the first epoch change with staked nodes")]
    NoCommittee,
    #[error("object {id} is not a Move object of type {expected}: {message}")]
    BadObject {
        id: Address,
        expected: &'static str,
        message: String,
    },
    #[error("transaction {digest} emitted no {event} event")]
    MissingEvent { event: &'static str, digest: Digest },
    #[error("the {event} event of transaction {digest} does not decode: {message}")]
    BadEvent {
        event: &'static str,
        digest: Digest,
        message: String,
    },
    #[error("transaction {digest} did not share object {id}")]
    NotShared { id: Address, digest: Digest },
    #[error("{0} is not a registered storage node")]
    UnknownNode(Address),
}

/// A blob stored and certified by [`Floe::store_blob`].
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub blob_id: BlobId,
    /// The `Blob` object, owned by the sender.
    pub blob_object: Address,
    pub certificate: Certificate,
    /// The transaction that registered the blob; when `resumed`, the last transaction of
    /// the earlier Blob as the retry found it (before any extension: see `extension_digest`).
    pub register_digest: Digest,
    pub certify_digest: Digest,
    /// Whether the store finished a Blob an earlier, failed store had registered and paid
    /// for, instead of registering (and paying) again.
    pub resumed: bool,
    /// WAL base units a resumed store paid to extend the earlier Blob to the epochs asked
    /// for (0 when not resumed or when it already reached them): what this store cost.
    pub extension_price: u64,
    /// The transaction that extended the resumed Blob, when it was extended.
    pub extension_digest: Option<Digest>,
}

/// A Blob a retried store finishes, and what extending it cost.
struct Resumable {
    registered: RegisteredBlob,
    extension_price: u64,
    extension_digest: Option<Digest>,
}

/// A blob registered on-chain (paid for), not yet certified.
#[derive(Debug, Clone)]
pub struct RegisteredBlob {
    pub blob_id: BlobId,
    pub blob_object: ObjectReference,
    pub end_epoch: u64,
    pub digest: Digest,
}

/// A `floe::blob::Blob` object the sender owns, as [`Floe::owned_blobs`] reads it.
#[derive(Debug, Clone)]
pub struct OwnedBlob {
    pub object: ObjectReference,
    pub blob: move_types::blob::Blob,
    /// The transaction that last wrote the object (the register transaction if it was never
    /// certified or extended).
    pub last_transaction: Digest,
}

impl OwnedBlob {
    pub fn blob_id(&self) -> BlobId {
        BlobId(self.blob.blob_id.to_le_bytes())
    }

    pub fn is_certified(&self) -> bool {
        self.blob.certified_epoch.is_some()
    }

    /// The first epoch its storage no longer covers.
    pub fn end_epoch(&self) -> u64 {
        self.blob.storage.end_epoch
    }
}

/// A blob ID as the `BlobRegistry` sees it, read by [`Floe::blob_status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobStatus {
    pub blob_id: BlobId,
    /// The current epoch.
    pub epoch: u64,
    /// The registry's entry, if the blob ID has one (an entry whose references all ended
    /// stays until pruned: see [`Self::is_certified`]).
    pub entry: Option<CertifiedBlob>,
}

/// A blob ID's entry in the `BlobRegistry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertifiedBlob {
    /// Unencoded size in bytes.
    pub size: u64,
    /// The latest end epoch among its certified `Blob` objects.
    pub end_epoch: u64,
    /// How many certified `Blob` objects (anyone's) reference it.
    pub references: u64,
}

impl BlobStatus {
    /// Certified and available now: some certified `Blob` object's storage covers this epoch.
    pub fn is_certified(&self) -> bool {
        self.entry.is_some_and(|e| e.end_epoch > self.epoch)
    }
}

/// What [`Floe::extend_blob`] did.
#[derive(Debug, Clone, Copy)]
pub struct ExtendedBlob {
    pub old_end_epoch: u64,
    pub new_end_epoch: u64,
    /// WAL base units paid.
    pub price: u64,
    pub digest: Digest,
}

/// What [`Floe::delete_blob`] did.
#[derive(Debug, Clone, Copy)]
pub struct DeletedBlob {
    pub blob_id: BlobId,
    pub was_certified: bool,
    /// The blob's `Storage`, now the sender's, reusable for another blob until it ends.
    pub storage: Address,
    pub digest: Digest,
}

/// A model registered by [`Floe::register_model`].
#[derive(Debug, Clone, Copy)]
pub struct RegisteredModel {
    pub model: SharedObject,
    /// The `ModelCap`, owned by the sender.
    pub cap: Address,
}

/// Storage and write fees for a blob, in WAL base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoragePrice {
    pub encoded_size: u64,
    pub storage_fee: u64,
    pub write_fee: u64,
}

impl StoragePrice {
    /// The fees `reserve_space` and `register_blob` take: ⌈encoded / MiB⌉ × price (× epochs).
    pub fn compute(
        system: &System,
        unencoded_size: u64,
        epochs_ahead: u64,
    ) -> Result<Self, FlowError> {
        let config = EncodingConfig::new(usize::from(system.n_shards))?;
        let encoded_size = config.encoded_size(unencoded_size)?;
        let mib = encoded_size.div_ceil(MIB);
        let storage_fee = mib
            .checked_mul(system.storage_price_per_mib_epoch)
            .and_then(|v| v.checked_mul(epochs_ahead))
            .ok_or(FlowError::PriceOverflow)?;
        let write_fee = mib
            .checked_mul(system.write_price_per_mib)
            .ok_or(FlowError::PriceOverflow)?;
        Ok(Self {
            encoded_size,
            storage_fee,
            write_fee,
        })
    }

    pub fn total(&self) -> Result<u64, FlowError> {
        self.storage_fee
            .checked_add(self.write_fee)
            .ok_or(FlowError::PriceOverflow)
    }
}

/// `blob::extension_price`'s arithmetic: ⌈storage size / MiB⌉ × price per MiB-epoch ×
/// `extra_epochs`, what `extend_blob_with_payment` and `shared_blob::extend` charge.
pub fn extension_price(
    storage_size: u64,
    price_per_mib_epoch: u64,
    extra_epochs: u64,
) -> Result<u64, FlowError> {
    storage_size
        .div_ceil(MIB)
        .checked_mul(price_per_mib_epoch)
        .and_then(|v| v.checked_mul(extra_epochs))
        .ok_or(FlowError::PriceOverflow)
}

/// A signer bound to a network: the client, Floe's objects and the key that pays and signs.
pub struct Floe {
    pub client: FloeClient,
    pub objects: FloeObjects,
    key: Ed25519PrivateKey,
    sender: Address,
    /// Gas budget of every flow transaction, in MIST.
    pub gas_budget: u64,
}

impl Floe {
    pub fn new(client: FloeClient, objects: FloeObjects, key: Ed25519PrivateKey) -> Self {
        let sender = crate::keystore::address_of(&key);
        Self {
            client,
            objects,
            key,
            sender,
            gas_budget: tx::DEFAULT_GAS_BUDGET,
        }
    }

    /// Connects to the configured endpoint and resolves Floe's shared objects once.
    pub async fn connect(
        config: &NetworkConfig,
        key: Ed25519PrivateKey,
    ) -> Result<Self, FlowError> {
        let mut client = FloeClient::connect(&config.rpc_url)?;
        let objects = FloeObjects::resolve(&mut client, config).await?;
        Ok(Self::new(client, objects, key))
    }

    pub fn sender(&self) -> Address {
        self.sender
    }

    // === Reads ===

    /// A Move object's contents decoded as `T` (one of [`crate::move_types`]).
    pub async fn read_object<T: DeserializeOwned>(
        &mut self,
        id: Address,
        expected: &'static str,
    ) -> Result<T, FlowError> {
        let object = self.client.object(id).await?;
        decode_object(&object, id, expected)
    }

    pub async fn system(&mut self) -> Result<System, FlowError> {
        let id = self.objects.system.id;
        self.read_object(id, "system::System").await
    }

    /// Node `node_id`'s staking pool: its name, network address, BLS key and stake.
    ///
    /// Pools live in the System's `pools` table, so this reads the table's dynamic field for
    /// the node, at the ID Sui derives from the table and the key.
    pub async fn staking_pool(&mut self, node_id: Address) -> Result<StakingPool, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: move_types::ID,
            value: StakingPool,
        }
        let system = self.system().await?;
        let table = move_types::address_of(&system.pools.id.id);
        let key_type = sui_sdk_types::TypeTag::Struct(Box::new(StructTag::new(
            Address::TWO,
            sui_sdk_types::Identifier::from_static("object"),
            sui_sdk_types::Identifier::from_static("ID"),
            vec![],
        )));
        let key = bcs::to_bytes(&node_id).expect("an address always serializes");
        let field_id = table.derive_dynamic_child_id(&key_type, &key);
        let field: Field = self
            .read_object(field_id, "dynamic_field::Field<ID, StakingPool>")
            .await
            .map_err(|e| match e {
                FlowError::Client(ClientError::ObjectNotFound(_) | ClientError::NotFound(_)) => {
                    FlowError::UnknownNode(node_id)
                }
                other => other,
            })?;
        Ok(field.value)
    }

    /// Each current committee member's network address (`host:port` as registered).
    pub async fn node_addresses(&mut self) -> Result<Vec<(Address, String)>, FlowError> {
        let committee = self.committee().await?;
        let mut out = Vec::with_capacity(committee.members.len());
        for member in committee.members {
            let pool = self.staking_pool(member.node_id).await?;
            let address = String::from_utf8_lossy(&pool.network_address.bytes).into_owned();
            out.push((member.node_id, address));
        }
        Ok(out)
    }

    /// The current committee and its shards.
    pub async fn committee(&mut self) -> Result<Committee, FlowError> {
        let committee = Committee::from_system(&self.system().await?);
        if committee.members.is_empty() {
            return Err(FlowError::NoCommittee);
        }
        Ok(committee)
    }

    /// `Coin<WAL>`'s type.
    pub fn wal_coin_type(&self) -> StructTag {
        StructTag::new(
            Address::TWO,
            sui_sdk_types::Identifier::from_static("coin"),
            sui_sdk_types::Identifier::from_static("Coin"),
            vec![move_types::wal_type(self.objects.original_package)],
        )
    }

    /// The sender's WAL coins.
    pub async fn wal_coins(&mut self) -> Result<Vec<CoinRef>, FlowError> {
        let coin_type = self.wal_coin_type();
        let objects = self
            .client
            .owned_objects(self.sender, Some(&coin_type))
            .await?;
        Ok(objects.iter().filter_map(client::coin_ref).collect())
    }

    /// The chain's clock, ms since the Unix epoch.
    pub async fn clock_ms(&mut self) -> Result<u64, FlowError> {
        // `sui::clock::Clock { id: UID, timestamp_ms: u64 }`.
        let (_, timestamp_ms): ([u8; 32], u64) =
            self.read_object(calls::CLOCK_ID, "clock::Clock").await?;
        Ok(timestamp_ms)
    }

    /// The time the chain's checks will see for a transaction sent now: the later of the
    /// Clock object and this machine's clock, because the Clock moves only when transactions
    /// run, so on an idle chain it lags behind the wall clock.
    pub async fn chain_now_ms(&mut self) -> Result<u64, FlowError> {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Ok(self.clock_ms().await?.max(wall))
    }

    pub async fn license(&mut self, id: Address) -> Result<License, FlowError> {
        self.read_object(id, "license::License").await
    }

    /// Whether license `id` is valid now, as `license::is_valid` decides: the clock is before
    /// its expiry and, if use-limited, uses are left. Read-only: no transaction, no gas.
    pub async fn is_license_valid(&mut self, id: Address) -> Result<bool, FlowError> {
        let license = self.license(id).await?;
        let now = self.clock_ms().await?;
        Ok(license_is_valid(&license, now))
    }

    // === Blobs ===

    /// Stores `blob`: encodes it for the current committee, reserves storage and registers
    /// the blob paying WAL (one transaction), hands the slivers to the nodes, aggregates their
    /// confirmations and certifies the blob. A store that an epoch change overtakes (its
    /// confirmations sign the old epoch, which `certify_blob` refuses with `EInvalidSignature`)
    /// asks the new committee to confirm, without registering or paying again.
    pub async fn store_blob<D: NodeDirectory>(
        &mut self,
        nodes: &D,
        blob: &[u8],
        epochs_ahead: u64,
        deletable: bool,
    ) -> Result<StoredBlob, FlowError> {
        let system = self.system().await?;
        let committee = Committee::from_system(&system);
        if committee.members.is_empty() {
            return Err(FlowError::NoCommittee);
        }
        let config = EncodingConfig::new(usize::from(system.n_shards))?;
        let (metadata, pairs) = floe_encoder::encode(&config, blob)?;
        self.store_encoded(
            nodes,
            (system, committee),
            &metadata,
            pairs.as_slice(),
            epochs_ahead,
            deletable,
        )
        .await
    }

    /// Stores the file at `path` like [`Floe::store_blob`], with memory bounded by a few
    /// slivers whatever the file's size: it is encoded once into a spill on disk (about 2.5 ×
    /// the file, in a temporary directory removed when the store ends, failed or not), and
    /// each sliver pair is read back as it is sent (see [`crate::stream`]).
    pub async fn store_file<D: NodeDirectory>(
        &mut self,
        nodes: &D,
        path: &std::path::Path,
        epochs_ahead: u64,
        deletable: bool,
        progress: std::sync::Arc<dyn Progress>,
    ) -> Result<StoredBlob, FlowError> {
        let system = self.system().await?;
        let committee = Committee::from_system(&system);
        if committee.members.is_empty() {
            return Err(FlowError::NoCommittee);
        }
        let config = EncodingConfig::new(usize::from(system.n_shards))?;
        let (metadata, pairs) = SpilledPairs::encode(config, path, progress.clone()).await?;
        progress.phase(Phase::Sending, pairs.total_bytes());
        self.store_encoded(
            nodes,
            (system, committee),
            &metadata,
            &pairs,
            epochs_ahead,
            deletable,
        )
        .await
    }

    /// Stores a file already encoded into a spill ([`SpilledPairs::encode`]): what
    /// [`Floe::store_file`] does once the file is encoded, for callers that act on the blob ID
    /// before paying (a publisher answers `alreadyCertified` without storing again).
    pub async fn store_spilled<D: NodeDirectory>(
        &mut self,
        nodes: &D,
        metadata: &BlobMetadata,
        pairs: &SpilledPairs,
        epochs_ahead: u64,
        deletable: bool,
    ) -> Result<StoredBlob, FlowError> {
        let system = self.system().await?;
        let committee = Committee::from_system(&system);
        if committee.members.is_empty() {
            return Err(FlowError::NoCommittee);
        }
        self.store_encoded(
            nodes,
            (system, committee),
            metadata,
            pairs,
            epochs_ahead,
            deletable,
        )
        .await
    }

    /// Registers (or resumes) an encoded blob, sends its pairs and certifies it, riding
    /// through epoch changes.
    async fn store_encoded<D: NodeDirectory, P: Pairs + ?Sized>(
        &mut self,
        nodes: &D,
        (system, mut committee): (System, Committee),
        metadata: &BlobMetadata,
        pairs: &P,
        epochs_ahead: u64,
        deletable: bool,
    ) -> Result<StoredBlob, FlowError> {
        // A store that failed after paying left its Blob registered: finish that one instead
        // of registering and paying again.
        let resumable = self
            .resumable_blob(&system, &metadata.blob_id(), epochs_ahead, deletable)
            .await?;
        let resumed = resumable.is_some();
        let (registered, extension_price, extension_digest) = match resumable {
            Some(found) => (
                found.registered,
                found.extension_price,
                found.extension_digest,
            ),
            None => (
                self.register_blob(&system, metadata, epochs_ahead, deletable)
                    .await?,
                0,
                None,
            ),
        };
        let blob_object = *registered.blob_object.object_id();
        let mut blob_reference = registered.blob_object.clone();
        let mut epoch_changes = 0;
        loop {
            let failure = match self
                .confirm_and_certify(nodes, &committee, metadata, pairs, &blob_reference)
                .await
            {
                Ok((certificate, certified)) => {
                    return Ok(StoredBlob {
                        blob_id: registered.blob_id,
                        blob_object,
                        certificate,
                        register_digest: registered.digest,
                        certify_digest: certified.digest,
                        resumed,
                        extension_price,
                        extension_digest,
                    });
                }
                Err(failure) => failure,
            };
            // Confirmations sign one epoch's certification message: when the epoch moved
            // while they were collected or certified, the new committee confirms again. The
            // blob stays registered and paid for; only the confirmations are redone.
            let now = self.system().await?;
            if now.epoch == committee.epoch || epoch_changes == MAX_EPOCH_CHANGES_PER_STORE {
                return Err(failure);
            }
            epoch_changes += 1;
            tracing::info!(
                from = committee.epoch,
                to = now.epoch,
                "the epoch changed during the store; collecting the new committee's confirmations"
            );
            committee = Committee::from_system(&now);
            let object = self.client.object(blob_object).await?;
            blob_reference = ObjectReference::new(blob_object, object.version(), object.digest());
        }
    }

    /// Hands the slivers to `committee` and certifies the blob with their confirmations.
    async fn confirm_and_certify<D: NodeDirectory, P: Pairs + ?Sized>(
        &mut self,
        nodes: &D,
        committee: &Committee,
        metadata: &BlobMetadata,
        pairs: &P,
        blob_object: &ObjectReference,
    ) -> Result<(Certificate, ExecutedTransaction), FlowError> {
        // Nodes store only registered blobs: they read this Blob object to check it.
        let certificate = slivers::store_slivers_from(
            nodes,
            committee,
            metadata,
            pairs,
            *blob_object.object_id(),
        )
        .await?;
        let certified = self.certify_blob(blob_object, &certificate).await?;
        Ok((certificate, certified))
    }

    /// Reserves storage and registers the blob in one transaction, paying both fees in WAL.
    pub async fn register_blob(
        &mut self,
        system: &System,
        metadata: &BlobMetadata,
        epochs_ahead: u64,
        deletable: bool,
    ) -> Result<RegisteredBlob, FlowError> {
        let size = metadata.unencoded_length;
        let price = StoragePrice::compute(system, size, epochs_ahead)?;
        let blob_id = metadata.blob_id();
        let mut builder = TransactionBuilder::new();
        let payment = self.wal_payment(&mut builder, price.total()?).await?;
        add_register_blob(
            &mut builder,
            &self.objects,
            self.sender,
            metadata,
            epochs_ahead,
            deletable,
            payment,
        );
        let executed = self.execute(builder).await?;
        let event: events::BlobRegistered = event(&executed, "BlobRegistered")?;
        let id = move_types::address_of(&event.blob_object_id);
        Ok(RegisteredBlob {
            blob_id,
            blob_object: written(&executed, id)?,
            end_epoch: event.end_epoch,
            digest: executed.digest,
        })
    }

    /// Certifies a registered blob with the nodes' aggregate confirmation.
    pub async fn certify_blob(
        &mut self,
        blob_object: &ObjectReference,
        certificate: &Certificate,
    ) -> Result<ExecutedTransaction, FlowError> {
        let mut builder = TransactionBuilder::new();
        let blob = builder.object(owned(blob_object));
        calls::blob::certify_blob(
            &mut builder,
            &self.objects,
            blob,
            &certificate.signers,
            &certificate.signature,
        );
        let executed = self.execute(builder).await?;
        let _: events::BlobCertified = event(&executed, "BlobCertified")?;
        Ok(executed)
    }

    /// Reads blob `blob_id` from the current committee's nodes.
    pub async fn read_blob<D: NodeDirectory>(
        &mut self,
        nodes: &D,
        blob_id: &BlobId,
    ) -> Result<Vec<u8>, FlowError> {
        let committee = self.committee().await?;
        Ok(slivers::read_slivers(nodes, &committee, blob_id).await?)
    }

    /// Reads blob `blob_id` into `out` (at `out_path`, which the check of the blob ID reads
    /// back) with memory bounded by a few slivers; returns its length. See
    /// [`stream::read_to_file`].
    pub async fn read_blob_to_file<D: NodeDirectory>(
        &mut self,
        nodes: &D,
        blob_id: &BlobId,
        out: &std::fs::File,
        out_path: &std::path::Path,
        progress: std::sync::Arc<dyn Progress>,
    ) -> Result<u64, FlowError> {
        let committee = self.committee().await?;
        Ok(stream::read_to_file(nodes, &committee, blob_id, out, out_path, progress).await?)
    }

    // === Blob management ===

    /// `floe::blob::Blob`'s type.
    pub fn blob_type(&self) -> StructTag {
        move_types::struct_tag(self.objects.original_package, "blob", "Blob", vec![])
    }

    /// The `Blob` objects the sender owns, certified or not, expired or not.
    pub async fn owned_blobs(&mut self) -> Result<Vec<OwnedBlob>, FlowError> {
        let blob_type = self.blob_type();
        let objects = self
            .client
            .owned_objects(self.sender, Some(&blob_type))
            .await?;
        objects.iter().map(owned_blob).collect()
    }

    /// One `Blob` object, read from the chain (whoever owns it).
    pub async fn blob_object(&mut self, id: Address) -> Result<OwnedBlob, FlowError> {
        let object = self.client.object(id).await?;
        owned_blob(&object)
    }

    /// A `Blob` the sender owns that an earlier store of `blob_id` registered and paid for but
    /// never certified, live, with the same deletability, reaching `epochs_ahead` epochs past
    /// the current one. A retry in a later epoch finds the earlier Blob ending too soon for the
    /// same `epochs_ahead`: it is extended by the missing epochs (paying only for those), not
    /// left stuck while a second registration pays the write fee and the storage again.
    async fn resumable_blob(
        &mut self,
        system: &System,
        blob_id: &BlobId,
        epochs_ahead: u64,
        deletable: bool,
    ) -> Result<Option<Resumable>, FlowError> {
        let wanted_end = system.epoch.saturating_add(epochs_ahead);
        let owned = self.owned_blobs().await?;
        let Some(found) = pick_resumable(owned, blob_id, system.epoch, wanted_end, deletable)
        else {
            return Ok(None);
        };
        let mut end_epoch = found.end_epoch();
        let mut object = found.object;
        let digest = found.last_transaction;
        let mut extension_price = 0;
        let mut extension_digest = None;
        if end_epoch < wanted_end {
            let extended = self
                .extend_blob(*object.object_id(), wanted_end - end_epoch)
                .await?;
            tracing::info!(
                blob_object = %object.object_id(),
                from = end_epoch,
                to = extended.new_end_epoch,
                price = extended.price,
                "extending a blob registered earlier so the retried store keeps its epochs"
            );
            end_epoch = extended.new_end_epoch;
            let fresh = self.blob_object(*object.object_id()).await?;
            object = fresh.object;
            extension_price = extended.price;
            extension_digest = Some(extended.digest);
        }
        tracing::info!(
            blob_object = %object.object_id(),
            end_epoch,
            "resuming the store of a blob registered earlier"
        );
        Ok(Some(Resumable {
            registered: RegisteredBlob {
                blob_id: *blob_id,
                end_epoch,
                blob_object: object,
                digest,
            },
            extension_price,
            extension_digest,
        }))
    }

    /// Deletes a deletable `Blob` the sender owns (`blob::delete_blob`); its `Storage` comes
    /// back to the sender. A permanent blob aborts with `ENotDeletable`.
    pub async fn delete_blob(&mut self, blob_object: Address) -> Result<DeletedBlob, FlowError> {
        let input = self.owned_input(blob_object).await?;
        let mut builder = TransactionBuilder::new();
        let blob = builder.object(input);
        let storage = calls::blob::delete_blob(&mut builder, &self.objects, blob);
        self.keep(&mut builder, vec![storage]);
        let executed = self.execute(builder).await?;
        let event: events::BlobDeleted = event(&executed, "BlobDeleted")?;
        Ok(DeletedBlob {
            blob_id: BlobId(event.blob_id.to_le_bytes()),
            was_certified: event.was_certified,
            storage: move_types::address_of(&event.storage_id),
            digest: executed.digest,
        })
    }

    /// Adds `extra_epochs` to a `Blob` the sender owns (`blob::extend_blob_with_payment`),
    /// paying ⌈storage size / MiB⌉ × storage price × `extra_epochs` in WAL from a coin holding
    /// exactly that price (a price raised before it executes aborts; nothing more is taken).
    pub async fn extend_blob(
        &mut self,
        blob_object: Address,
        extra_epochs: u64,
    ) -> Result<ExtendedBlob, FlowError> {
        let system = self.system().await?;
        let blob = self.blob_object(blob_object).await?;
        let price = extension_price(
            blob.blob.storage.storage_size,
            system.storage_price_per_mib_epoch,
            extra_epochs,
        )?;
        let mut builder = TransactionBuilder::new();
        let (source, payment) = self.exact_payment(&mut builder, price).await?;
        let blob = builder.object(owned(&blob.object));
        calls::blob::extend_blob_with_payment(
            &mut builder,
            &self.objects,
            blob,
            extra_epochs,
            payment,
        );
        builder.merge_coins(source, vec![payment]);
        let executed = self.execute(builder).await?;
        let event: events::BlobExtended = event(&executed, "BlobExtended")?;
        Ok(ExtendedBlob {
            old_end_epoch: event.old_end_epoch,
            new_end_epoch: event.new_end_epoch,
            price: event.price,
            digest: executed.digest,
        })
    }

    /// Blob ID `blob_id` in the `BlobRegistry`: whether it is certified, until when, and by
    /// how many `Blob` objects. Read-only (the registry's table entries), no gas.
    pub async fn blob_status(&mut self, blob_id: &BlobId) -> Result<BlobStatus, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field<K, V> {
            _id: move_types::UID,
            _name: K,
            value: V,
        }
        let epoch = self.system().await?.epoch;
        let registry: move_types::blob::BlobRegistry = self
            .read_object(self.objects.blob_registry.id, "blob::BlobRegistry")
            .await?;
        let missing = |e: &FlowError| {
            matches!(
                e,
                FlowError::Client(ClientError::ObjectNotFound(_) | ClientError::NotFound(_))
            )
        };
        // `index: Table<u256, u64>`: the blob ID's position in `entries`.
        let index = move_types::address_of(&registry.index.id.id);
        let index_field = index.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U256, &blob_id.0);
        let position: Field<move_types::U256, u64> = match self
            .read_object(index_field, "dynamic_field::Field<u256, u64>")
            .await
        {
            Ok(field) => field,
            Err(e) if missing(&e) => {
                return Ok(BlobStatus {
                    blob_id: *blob_id,
                    epoch,
                    entry: None,
                });
            }
            Err(e) => return Err(e),
        };
        // `entries: TableVec<CertifiedEntry>`, a `Table<u64, CertifiedEntry>` inside.
        let entries = move_types::address_of(&registry.entries.contents.id.id);
        let key = bcs::to_bytes(&position.value).expect("a u64 always serializes");
        let entry_field = entries.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U64, &key);
        let entry: Field<u64, move_types::blob::CertifiedEntry> = self
            .read_object(entry_field, "dynamic_field::Field<u64, CertifiedEntry>")
            .await?;
        let entry = entry.value;
        Ok(BlobStatus {
            blob_id: *blob_id,
            epoch,
            entry: Some(CertifiedBlob {
                size: entry.size,
                end_epoch: entry.ends.last().copied().unwrap_or(0),
                references: entry.counts.iter().sum(),
            }),
        })
    }

    // === Staking ===

    /// Stakes `amount` WAL base units with node `node_id`; returns the `StakedWal` ID.
    pub async fn stake(&mut self, node_id: Address, amount: u64) -> Result<Address, FlowError> {
        let mut builder = TransactionBuilder::new();
        let payment = self.wal_payment(&mut builder, amount).await?;
        let amount = builder.pure(&amount);
        let coin = builder.split_coins(payment, vec![amount]);
        let staked = calls::staking::stake(&mut builder, &self.objects, node_id, coin[0]);
        self.keep(&mut builder, vec![staked]);
        let executed = self.execute(builder).await?;
        let event: events::Staked = event(&executed, "Staked")?;
        Ok(move_types::address_of(&event.staked_wal_id))
    }

    /// Asks to withdraw a stake; it leaves the pool at the next epoch change.
    pub async fn request_withdraw(&mut self, staked_wal: Address) -> Result<u64, FlowError> {
        let input = self.owned_input(staked_wal).await?;
        let mut builder = TransactionBuilder::new();
        let staked = builder.object(input);
        calls::staking::request_withdraw(&mut builder, &self.objects, staked);
        let executed = self.execute(builder).await?;
        let event: events::WithdrawRequested = event(&executed, "WithdrawRequested")?;
        Ok(event.withdraw_epoch)
    }

    /// Withdraws a stake whose withdrawal was requested in an earlier epoch; returns the WAL
    /// paid out (the coin goes to the sender).
    pub async fn withdraw(&mut self, staked_wal: Address) -> Result<u64, FlowError> {
        let input = self.owned_input(staked_wal).await?;
        let mut builder = TransactionBuilder::new();
        let staked = builder.object(input);
        let coin = calls::staking::withdraw(&mut builder, &self.objects, staked);
        self.keep(&mut builder, vec![coin]);
        let executed = self.execute(builder).await?;
        let event: events::Withdrawn = event(&executed, "Withdrawn")?;
        Ok(event.amount)
    }

    // === Models and licenses ===

    pub async fn register_model(
        &mut self,
        name: &str,
        description: &str,
    ) -> Result<RegisteredModel, FlowError> {
        let mut builder = TransactionBuilder::new();
        let cap = calls::model::register_model(&mut builder, &self.objects, name, description);
        self.keep(&mut builder, vec![cap]);
        let executed = self.execute(builder).await?;
        let event: events::ModelRegistered = event(&executed, "ModelRegistered")?;
        let model = move_types::address_of(&event.model_id);
        Ok(RegisteredModel {
            model: shared_created(&executed, model)?,
            cap: move_types::address_of(&event.cap_id),
        })
    }

    /// Publishes a new version whose weights are `blob_object`, a certified, unexpired
    /// `floe::blob::Blob` the sender owns (e.g. [`StoredBlob::blob_object`] from
    /// [`Floe::store_blob`]); returns its number. The version claims that object, not
    /// its blob ID: another account's `Blob` cannot be passed (the chain refuses an owned input
    /// from anyone but its owner), and someone else storing the same bytes gets an object of
    /// its own.
    pub async fn publish_version(
        &mut self,
        model: SharedObject,
        cap: Address,
        blob_object: Address,
        architecture: &str,
        dataset_hash: &[u8],
        metrics: &[(String, u64)],
    ) -> Result<u64, FlowError> {
        let cap = self.owned_input(cap).await?;
        let blob = self.owned_input(blob_object).await?;
        let names: Vec<String> = metrics.iter().map(|(n, _)| n.clone()).collect();
        let values: Vec<u64> = metrics.iter().map(|(_, v)| *v).collect();
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        let blob = builder.object(blob);
        calls::model::publish_version(
            &mut builder,
            &self.objects,
            model,
            cap,
            blob,
            architecture,
            dataset_hash,
            &names,
            &values,
        );
        let executed = self.execute(builder).await?;
        let event: events::ModelVersionPublished = event(&executed, "ModelVersionPublished")?;
        Ok(event.version)
    }

    /// Opens a license offer for a model; returns the shared `LicenseOffer`.
    pub async fn create_offer(
        &mut self,
        model: SharedObject,
        cap: Address,
        price_per_window: u64,
        window_ms: u64,
        max_windows: u64,
        uses_per_window: u64,
    ) -> Result<SharedObject, FlowError> {
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        calls::license::create_offer(
            &mut builder,
            &self.objects,
            model,
            cap,
            price_per_window,
            window_ms,
            max_windows,
            uses_per_window,
        );
        let executed = self.execute(builder).await?;
        let event: events::LicenseOfferCreated = event(&executed, "LicenseOfferCreated")?;
        shared_created(&executed, move_types::address_of(&event.offer_id))
    }

    /// Buys `windows` windows of an offer at its price now; returns the new `License` (owned
    /// by the sender). The price read from the offer is the most the transaction pays: if the
    /// seller reprices before it executes, it aborts with `license::EPriceAboveMax`.
    pub async fn purchase_license(
        &mut self,
        offer: Address,
        windows: u64,
    ) -> Result<Address, FlowError> {
        self.purchase_license_at_most(offer, windows, None).await
    }

    /// Buys `windows` windows of an offer, paying at most `max_price` (`None`: the price
    /// quoted from the offer now). Exactly `max_price` is split off the sender's WAL into the
    /// payment coin, so nothing more is ever at stake (the change merges back); the
    /// transaction aborts with `license::EPriceAboveMax` when the price is above `max_price`
    /// by then.
    pub async fn purchase_license_at_most(
        &mut self,
        offer: Address,
        windows: u64,
        max_price: Option<u64>,
    ) -> Result<Address, FlowError> {
        let terms: move_types::license::LicenseOffer =
            self.read_object(offer, "license::LicenseOffer").await?;
        let quoted = terms
            .price_per_window
            .checked_mul(windows)
            .ok_or(FlowError::PriceOverflow)?;
        let max_price = max_price.unwrap_or(quoted);
        let offer = SharedObject::resolve(&mut self.client, offer).await?;
        let model =
            SharedObject::resolve(&mut self.client, move_types::address_of(&terms.model_id))
                .await?;
        let mut builder = TransactionBuilder::new();
        let (source, payment) = self.exact_payment(&mut builder, max_price).await?;
        let license = calls::license::purchase(
            &mut builder,
            &self.objects,
            offer,
            model,
            payment,
            windows,
            max_price,
        );
        builder.merge_coins(source, vec![payment]);
        self.keep(&mut builder, vec![license]);
        let executed = self.execute(builder).await?;
        let event: events::LicensePurchased = event(&executed, "LicensePurchased")?;
        Ok(move_types::address_of(&event.license_id))
    }

    /// Adds `windows` windows to a license, from the offer it was bought from, at the offer's
    /// price now (at most: a reprice before it executes aborts with
    /// `license::EPriceAboveMax`).
    pub async fn extend_license(
        &mut self,
        license: Address,
        windows: u64,
    ) -> Result<(), FlowError> {
        self.extend_license_at_most(license, windows, None).await
    }

    /// Adds `windows` windows to a license paying at most `max_price` (`None`: the price
    /// quoted from the offer now), from a coin holding exactly `max_price`.
    pub async fn extend_license_at_most(
        &mut self,
        license: Address,
        windows: u64,
        max_price: Option<u64>,
    ) -> Result<(), FlowError> {
        let held = self.license(license).await?;
        let offer_id = move_types::address_of(&held.offer_id);
        let terms: move_types::license::LicenseOffer =
            self.read_object(offer_id, "license::LicenseOffer").await?;
        let quoted = terms
            .price_per_window
            .checked_mul(windows)
            .ok_or(FlowError::PriceOverflow)?;
        let max_price = max_price.unwrap_or(quoted);
        let offer = SharedObject::resolve(&mut self.client, offer_id).await?;
        let model =
            SharedObject::resolve(&mut self.client, move_types::address_of(&held.model_id)).await?;
        let license = self.owned_input(license).await?;
        let mut builder = TransactionBuilder::new();
        let (source, payment) = self.exact_payment(&mut builder, max_price).await?;
        let license = builder.object(license);
        calls::license::extend(
            &mut builder,
            &self.objects,
            license,
            offer,
            model,
            payment,
            windows,
            max_price,
        );
        builder.merge_coins(source, vec![payment]);
        let executed = self.execute(builder).await?;
        let _: events::LicenseExtended = event(&executed, "LicenseExtended")?;
        Ok(())
    }

    // === Plumbing ===

    /// One WAL coin argument holding at least `needed`: the largest coins, merged into the
    /// first in this transaction when one is not enough. Move takes `&mut Coin<WAL>` and
    /// leaves the change in it, so the coin stays with the sender.
    async fn wal_payment(
        &mut self,
        builder: &mut TransactionBuilder,
        needed: u64,
    ) -> Result<Argument, FlowError> {
        let mut coins = self.wal_coins().await?;
        coins.sort_by_key(|c| std::cmp::Reverse(c.balance));
        let chosen = pick_coins(&coins, needed)?;
        let mut args = chosen.iter().map(|c| builder.object(c.input()));
        let first = args.next().expect("pick_coins returns at least one coin");
        let rest: Vec<Argument> = args.collect();
        if !rest.is_empty() {
            builder.merge_coins(first, rest);
        }
        Ok(first)
    }

    /// A coin holding exactly `amount`, split in this transaction off the sender's WAL (the
    /// largest coins, merged when one is not enough), and that source coin. A Move call that
    /// takes `&mut Coin<WAL>` can then take at most `amount`; merge the payment coin back into
    /// the source afterwards so no coin is left behind (empty or with change).
    pub(crate) async fn exact_payment(
        &mut self,
        builder: &mut TransactionBuilder,
        amount: u64,
    ) -> Result<(Argument, Argument), FlowError> {
        let source = self.wal_payment(builder, amount).await?;
        let amount = builder.pure(&amount);
        let coin = builder.split_coins(source, vec![amount]);
        Ok((source, coin[0]))
    }

    /// Transfers results to the sender, so owned objects a call returns are kept.
    pub(crate) fn keep(&self, builder: &mut TransactionBuilder, objects: Vec<Argument>) {
        let me = builder.pure(&self.sender);
        builder.transfer_objects(objects, me);
    }

    pub(crate) async fn owned_input(&mut self, id: Address) -> Result<ObjectInput, FlowError> {
        let object = self.client.object(id).await?;
        Ok(ObjectInput::owned(id, object.version(), object.digest()))
    }

    /// Pays gas, signs as the sender and executes the commands in `builder`: for calls the
    /// flows do not cover (the `calls` builders), with the same gas handling.
    pub async fn execute(
        &mut self,
        builder: TransactionBuilder,
    ) -> Result<ExecutedTransaction, FlowError> {
        let gas = self
            .client
            .gas_for(self.sender, self.gas_budget, &[])
            .await?;
        let transaction = tx::finish(builder, self.sender, &gas, self.gas_budget)?;
        Ok(self
            .client
            .sign_and_execute(&transaction, &self.key)
            .await?)
    }
}

/// The store transaction's commands: `reserve_space` and `register_blob`, both paid from
/// `payment` (a `Coin<WAL>` holding both fees), and the new `Blob` sent to `owner`.
pub fn add_register_blob(
    builder: &mut TransactionBuilder,
    objects: &FloeObjects,
    owner: Address,
    metadata: &BlobMetadata,
    epochs_ahead: u64,
    deletable: bool,
    payment: Argument,
) -> Argument {
    let size = metadata.unencoded_length;
    let storage = calls::blob::reserve_space(builder, objects, size, epochs_ahead, payment);
    let blob = calls::blob::register_blob(
        builder,
        objects,
        storage,
        metadata.blob_id().0,
        metadata.root(),
        size,
        ENCODING_TYPE_RS2,
        deletable,
        payment,
    );
    let owner = builder.pure(&owner);
    builder.transfer_objects(vec![blob], owner);
    blob
}

/// `license::is_valid` off-chain: before expiry and, if use-limited, with uses left.
pub fn license_is_valid(license: &License, now_ms: u64) -> bool {
    now_ms < license.expires_at_ms && (!license.use_limited || license.uses_left > 0)
}

/// Coins (sorted largest first) whose sum covers `needed`, at least one.
fn pick_coins(coins: &[CoinRef], needed: u64) -> Result<Vec<CoinRef>, FlowError> {
    let mut chosen = Vec::new();
    let mut total: u64 = 0;
    for coin in coins {
        if total >= needed && !chosen.is_empty() {
            break;
        }
        total = total.saturating_add(coin.balance);
        chosen.push(*coin);
    }
    if chosen.is_empty() || total < needed {
        return Err(FlowError::InsufficientWal {
            needed,
            available: total,
        });
    }
    Ok(chosen)
}

pub(crate) fn owned(reference: &ObjectReference) -> ObjectInput {
    ObjectInput::owned(
        *reference.object_id(),
        reference.version(),
        *reference.digest(),
    )
}

/// Of `owned`, the `Blob` a retried store of `blob_id` can finish: not certified, the same
/// deletability, still live in `epoch`. Of those reaching `wanted_end`, the one ending first
/// (nothing to pay); else the one ending last (the fewest epochs to add).
fn pick_resumable(
    owned: Vec<OwnedBlob>,
    blob_id: &BlobId,
    epoch: u64,
    wanted_end: u64,
    deletable: bool,
) -> Option<OwnedBlob> {
    let (long_enough, short): (Vec<_>, Vec<_>) = owned
        .into_iter()
        .filter(|b| {
            b.blob_id() == *blob_id
                && !b.is_certified()
                && b.blob.deletable == deletable
                && b.end_epoch() > epoch
        })
        .partition(|b| b.end_epoch() >= wanted_end);
    match long_enough.into_iter().min_by_key(OwnedBlob::end_epoch) {
        Some(b) => Some(b),
        None => short.into_iter().max_by_key(OwnedBlob::end_epoch),
    }
}

/// A `Blob` object with its reference.
fn owned_blob(object: &sui_sdk_types::Object) -> Result<OwnedBlob, FlowError> {
    let id = object.object_id();
    Ok(OwnedBlob {
        object: ObjectReference::new(id, object.version(), object.digest()),
        blob: decode_object(object, id, "blob::Blob")?,
        last_transaction: object.previous_transaction(),
    })
}

fn decode_object<T: DeserializeOwned>(
    object: &sui_sdk_types::Object,
    id: Address,
    expected: &'static str,
) -> Result<T, FlowError> {
    let bad = |message: String| FlowError::BadObject {
        id,
        expected,
        message,
    };
    let contents = object
        .as_struct()
        .ok_or_else(|| bad("it is a package".to_owned()))?
        .contents();
    bcs::from_bytes(contents).map_err(|e| bad(e.to_string()))
}

/// The first event of the floe `events` module named `name`, decoded.
pub(crate) fn event<T: DeserializeOwned>(
    executed: &ExecutedTransaction,
    name: &'static str,
) -> Result<T, FlowError> {
    let found = executed
        .events
        .iter()
        .find(|e| e.type_.module().as_str() == "events" && e.type_.name().as_str() == name)
        .ok_or(FlowError::MissingEvent {
            event: name,
            digest: executed.digest,
        })?;
    bcs::from_bytes(&found.contents).map_err(|e| FlowError::BadEvent {
        event: name,
        digest: executed.digest,
        message: e.to_string(),
    })
}

/// The new reference of an object the transaction wrote.
fn written(executed: &ExecutedTransaction, id: Address) -> Result<ObjectReference, FlowError> {
    executed.object_ref(id).ok_or(FlowError::BadObject {
        id,
        expected: "an object written by the transaction",
        message: format!("not among the changes of {}", executed.digest),
    })
}

/// A shared object the transaction created, with its initial shared version.
pub(crate) fn shared_created(
    executed: &ExecutedTransaction,
    id: Address,
) -> Result<SharedObject, FlowError> {
    executed
        .created()
        .into_iter()
        .find(|c| *c.reference.object_id() == id)
        .and_then(|c| match c.owner {
            Owner::Shared(version) => Some(SharedObject::new(id, version)),
            Owner::ConsensusAddress { start_version, .. } => {
                Some(SharedObject::new(id, start_version))
            }
            _ => None,
        })
        .ok_or(FlowError::NotShared {
            id,
            digest: executed.digest,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coin(b: u8, balance: u64) -> CoinRef {
        CoinRef {
            object_id: Address::new([b; 32]),
            version: 1,
            digest: Digest::new([b; 32]),
            balance,
        }
    }

    #[test]
    fn wal_coins_are_picked_until_they_cover_the_price() {
        let coins = [coin(1, 50), coin(2, 30), coin(3, 5)];
        assert_eq!(pick_coins(&coins, 40).unwrap().len(), 1);
        assert_eq!(pick_coins(&coins, 80).unwrap().len(), 2);
        assert_eq!(pick_coins(&coins, 0).unwrap().len(), 1);
        assert!(matches!(
            pick_coins(&coins, 100),
            Err(FlowError::InsufficientWal {
                needed: 100,
                available: 85
            })
        ));
        assert!(matches!(
            pick_coins(&[], 1),
            Err(FlowError::InsufficientWal { available: 0, .. })
        ));
    }

    #[test]
    fn the_store_transaction_reserves_and_registers_with_one_coin() {
        use sui_sdk_types::{Command, Input, TransactionKind};
        let config = EncodingConfig::new(10).unwrap();
        let (metadata, _) = floe_encoder::encode(&config, b"hello floe").unwrap();
        let shared = |b: u8| SharedObject::new(Address::new([b; 32]), 1);
        let objects = FloeObjects {
            package: Address::new([0xf1; 32]),
            original_package: Address::new([0xf1; 32]),
            system: shared(1),
            treasury: shared(2),
            blob_registry: shared(3),
            challenge_board: shared(4),
        };
        let mut builder = TransactionBuilder::new();
        let wal = coin(7, 1_000_000);
        let payment = builder.object(wal.input());
        add_register_blob(
            &mut builder,
            &objects,
            Address::TWO,
            &metadata,
            2,
            true,
            payment,
        );
        let transaction =
            tx::finish(builder, Address::TWO, &[coin(9, 10_000_000)], 1_000_000).unwrap();
        let TransactionKind::ProgrammableTransaction(ptb) = &transaction.kind else {
            panic!("not a programmable transaction");
        };
        let calls: Vec<&str> = ptb
            .commands
            .iter()
            .map(|c| match c {
                Command::MoveCall(call) => call.function.as_str(),
                Command::TransferObjects(_) => "transfer",
                _ => "other",
            })
            .collect();
        assert_eq!(calls, ["reserve_space", "register_blob", "transfer"]);
        let Command::MoveCall(register) = &ptb.commands[1] else {
            unreachable!()
        };
        // The storage from command 0, then the blob ID's 32 bytes as a u256.
        assert_eq!(register.arguments[2], sui_sdk_types::Argument::Result(0));
        let sui_sdk_types::Argument::Input(i) = register.arguments[3] else {
            panic!("blob ID is not an input");
        };
        assert_eq!(
            ptb.inputs[usize::from(i)],
            Input::Pure(metadata.blob_id().0.to_vec())
        );
        // One coin pays both fees.
        let Command::MoveCall(reserve) = &ptb.commands[0] else {
            unreachable!()
        };
        assert_eq!(reserve.arguments[3], register.arguments[8]);
    }

    fn owned(
        object: u8,
        blob_id: u8,
        certified: bool,
        end_epoch: u64,
        deletable: bool,
    ) -> OwnedBlob {
        let id = Address::new([object; 32]);
        let storage = move_types::blob::Storage::new(move_types::uid(id), 1, end_epoch, 1000);
        OwnedBlob {
            object: ObjectReference::new(id, 1, Digest::new([object; 32])),
            blob: move_types::blob::Blob::new(
                move_types::uid(id),
                1,
                move_types::u256_from_le([blob_id; 32]),
                move_types::u256_from_le([0; 32]),
                10,
                ENCODING_TYPE_RS2,
                certified.then_some(1),
                storage,
                deletable,
            ),
            last_transaction: Digest::new([object; 32]),
        }
    }

    #[test]
    fn a_retried_store_resumes_only_an_uncertified_live_blob_of_the_same_id() {
        let wanted = BlobId([7; 32]);
        // The current epoch is 3; the store wants storage to epoch 5.
        let pick = |owned: Vec<OwnedBlob>, end: u64, deletable: bool| {
            pick_resumable(owned, &wanted, 3, end, deletable)
                .map(|b| b.object.object_id().as_bytes()[0])
        };
        // Another blob ID, a certified copy, the other deletability, expired: none.
        assert_eq!(pick(vec![owned(1, 8, false, 9, false)], 5, false), None);
        assert_eq!(pick(vec![owned(1, 7, true, 9, false)], 5, false), None);
        assert_eq!(pick(vec![owned(1, 7, false, 9, true)], 5, false), None);
        assert_eq!(pick(vec![owned(1, 7, false, 3, false)], 5, false), None);
        // Live but too short (a retry in a later epoch): resumed, to be extended.
        assert_eq!(pick(vec![owned(1, 7, false, 4, false)], 5, false), Some(1));
        // Exactly long enough, or longer: the one ending first.
        assert_eq!(pick(vec![owned(1, 7, false, 5, false)], 5, false), Some(1));
        let several = vec![
            owned(1, 7, false, 9, true),
            owned(2, 7, false, 6, true),
            owned(3, 7, true, 5, true),
            owned(4, 7, false, 4, true),
        ];
        assert_eq!(pick(several, 5, true), Some(2));
        // Only short ones: the one ending last (the fewest epochs to pay for).
        let short = vec![owned(1, 7, false, 4, true), owned(2, 7, false, 4, true)];
        assert!(pick(short, 6, true).is_some());
        let short = vec![owned(1, 7, false, 4, true), owned(5, 7, false, 5, true)];
        assert_eq!(pick(short, 6, true), Some(5));
    }

    fn license(expires_at_ms: u64, use_limited: bool, uses_left: u64) -> License {
        License::new(
            move_types::uid(Address::TWO),
            move_types::id(Address::TWO),
            move_types::id(Address::TWO),
            moverox::types::Address::new([0; 32]),
            expires_at_ms,
            use_limited,
            uses_left,
        )
    }

    #[test]
    fn license_validity_follows_is_valid() {
        assert!(license_is_valid(&license(100, false, 0), 99));
        assert!(!license_is_valid(&license(100, false, 0), 100));
        assert!(license_is_valid(&license(100, true, 1), 0));
        assert!(!license_is_valid(&license(100, true, 0), 0));
    }

    #[test]
    fn license_object_bytes_decode() {
        let l = license(1234, true, 3);
        let bytes = bcs::to_bytes(&l).unwrap();
        let decoded: License = bcs::from_bytes(&bytes).unwrap();
        assert_eq!(decoded, l);
    }

    #[test]
    fn storage_price_matches_the_move_formula() {
        let mut system: System = zero_system();
        system.n_shards = 10;
        system.storage_price_per_mib_epoch = 100_000;
        system.write_price_per_mib = 200_000;
        // n = 10: f = 3, p = 4, s = 7; 1000 bytes → symbol ⌈1000/28⌉ = 36 (even).
        let price = StoragePrice::compute(&system, 1000, 3).unwrap();
        assert_eq!(price.encoded_size, 10 * ((4 + 7) * 36 + 64 * 10));
        assert_eq!(price.storage_fee, 100_000 * 3);
        assert_eq!(price.write_fee, 200_000);
        assert_eq!(price.total().unwrap(), 500_000);
    }

    fn zero_system() -> System {
        use moverox_sui::sui::table::Table;
        System::new(
            move_types::uid(Address::ZERO),
            1,
            0,
            0,
            1,
            4,
            vec![],
            vec![],
            vec![],
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            Table::new(move_types::uid(Address::ZERO), 0),
            vec![],
            Table::new(move_types::uid(Address::ZERO), 0),
            Table::new(move_types::uid(Address::ZERO), 0),
            vec![],
        )
    }
}
