/// Datasets, their contributions, and the revenue models trained on them share with them.
///
/// A curator creates a `Dataset` (shared) and receives its `DatasetCap`. A data owner
/// contributes a certified `Blob` object it owns (`contribute`; the blob may hold ciphertext:
/// the dataset records only which object was contributed) and receives a `Contribution` NFT
/// (`key + store`: transferable and tradable; whoever holds it claims its earnings). Taking the
/// `Blob` object, never a bare blob ID, proves the contributor controls that copy of the data
/// (see "Security model" in the package README). A contribution starts with weight 0 and earns
/// nothing until the curator, holder of the `DatasetCap`, sets its weight (`set_weight`): only
/// the curator decides what counts and how much.
///
/// Then the curator seals the dataset (`seal`): from then on no contribution is added and no
/// weight changes, and only a sealed dataset can be trained on. A model version is trained on a
/// fixed snapshot of data, and a sealed dataset is that snapshot; new data goes in a new
/// dataset. Sealing is what makes revenue safe from the curator: a model's payments wait in the
/// model until someone distributes them, and they are split by the weights at distribution
/// time, so weights that could still change after a sale would let the curator raise its own
/// contribution's weight and distribute in one transaction, taking most of every sale since the
/// last distribution. With the weights final before any model can pay the dataset, every sale
/// is split by the weights it was sold under, whoever distributes it and whenever.
///
/// The owner of a model names the sealed datasets a version was trained on and gives each a
/// share of the model's revenue in basis points (`train_on`, kept in the `Model`: see
/// `floe::model`).
/// Every payment credited to the model then sets those shares aside in the model, and anyone
/// moves a dataset's share into the dataset (`distribute`, permissionless: a purchase cannot
/// take a variable number of shared datasets, and any contributor wanting its money calls it).
///
/// Revenue is spread with a cumulative reward-per-weight accumulator, so nothing ever loops
/// over contributions (a dataset scales to any number of them): `distribute` adds
/// `amount * SCALE / total_weight` to `reward_per_weight` (the scaled remainder is carried into
/// the next distribution, so no FROST is lost to the accumulator), and each contribution's
/// record keeps the accumulator value it was last settled at. A contribution has earned
/// `weight * (reward_per_weight - snapshot) / SCALE` since then, rounded down. Weights change
/// only before the seal, when nothing can have been distributed yet (`distribute` needs a model
/// trained on the dataset, and `train_on` needs it sealed). `claim` settles and pays the NFT
/// holder everything owed; a second claim finds nothing owed and aborts `ENothingToClaim`.
///
/// Rounding: each settlement rounds down, so contributors together never take more than was
/// distributed; the dust (less than 1 FROST per contribution per settlement) stays in the
/// dataset's pool and no one can withdraw it.
module floe::dataset;

use floe::blob::Blob;
use floe::events;
use floe::model::{Model, ModelCap};
use floe::version;
use floe::wal::WAL;
use std::string::String;
use sui::balance::{Self, Balance};
use sui::coin::{Self, Coin};
use sui::table::{Self, Table};

// === Errors ===

/// The dataset name is empty.
/// Give the dataset a name.
const EEmptyName: u64 = 0;
/// The dataset name is longer than `MAX_NAME_LENGTH` bytes.
/// Give a dataset name of at most 128 bytes.
const ENameTooLong: u64 = 1;
/// The description is longer than `MAX_DESCRIPTION_LENGTH` bytes.
/// Shorten the description to at most 4096 bytes.
const EDescriptionTooLong: u64 = 2;
/// The `DatasetCap` belongs to another dataset.
/// Use the DatasetCap of this dataset: only its curator sets weights and seals it.
const EWrongCap: u64 = 3;
/// The contributed `Blob` is not certified.
/// Store the file first (floe store) and contribute its certified Blob object.
const EBlobNotCertified: u64 = 4;
/// This `Blob` object is already a contribution to the dataset.
/// Contribute another Blob object: each one can be contributed to a dataset once.
const EAlreadyContributed: u64 = 5;
/// The dataset has no contribution with this ID.
/// Name a Contribution of this dataset (floe dataset show lists them).
const EUnknownContribution: u64 = 6;
/// The weight is above `MAX_WEIGHT`.
/// Give a weight of at most 1000000.
const EWeightTooHigh: u64 = 7;
/// The `Contribution` belongs to another dataset.
/// Claim from the dataset the contribution was made to.
const EWrongDataset: u64 = 8;
/// Nothing is owed to this contribution now (it was claimed, or nothing was distributed to
/// its weight since).
/// Claim again after more revenue reached the dataset: floe dataset claim --model MODEL distributes a model's share first.
const ENothingToClaim: u64 = 9;
/// The model does not share its revenue with this dataset.
/// Distribute from a model trained on the dataset (floe dataset train-on names one).
const ENotTrainedOn: u64 = 10;
/// The dataset is sealed: its contributions and weights are final.
/// Put new data or other weights in a new dataset (floe dataset create) and seal that one.
const EDatasetSealed: u64 = 11;
/// The dataset is not sealed yet, so its weights could still change after a sale.
/// Ask its curator to set the weights and seal it (floe dataset seal), then train on it.
const EDatasetNotSealed: u64 = 12;
/// No contribution of the dataset has a weight, so revenue paid to it could never be claimed.
/// Set at least one contribution's weight (floe dataset weight), then seal.
const ENoWeight: u64 = 13;

// === Constants ===

const MAX_NAME_LENGTH: u64 = 128;
const MAX_DESCRIPTION_LENGTH: u64 = 4096;
/// Largest weight of one contribution: with 100 000 contributions the total weight stays far
/// below `SCALE`, so every FROST distributed moves the accumulator.
const MAX_WEIGHT: u64 = 1_000_000;
/// Fixed-point scale of `reward_per_weight` (1e12). `amount * SCALE` fits a u128 for any u64
/// amount, and the accumulator would need more than 1e26 FROST per unit of weight (far more
/// than all WAL) to overflow.
const SCALE: u128 = 1_000_000_000_000;

// === Objects ===

/// A dataset: its contributions' weights and the revenue distributed to them. Shared;
/// weights change only with its `DatasetCap`, and only until it is sealed.
public struct Dataset has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    name: String,
    description: String,
    /// ID of the `DatasetCap` minted with the dataset.
    cap_id: ID,
    /// Contribution ID to its record; records are never removed (weight 0 retires one).
    contributions: Table<ID, ContributionRecord>,
    /// Contributed `Blob` object ID to its contribution's ID (one contribution per object).
    blobs: Table<ID, ID>,
    /// Sum of all contributions' weights.
    total_weight: u64,
    /// Set once by `seal`: no contribution or weight changes after, and models may train on it.
    sealed: bool,
    /// WAL (FROST) distributed per unit of weight since creation, times `SCALE`.
    reward_per_weight: u128,
    /// Scaled remainder of the last distribution (below `total_weight` then), carried into the
    /// next one.
    carry: u128,
    /// Distributed and not yet claimed, plus the rounding dust.
    pool: Balance<WAL>,
    /// All WAL ever distributed to the dataset.
    total_distributed: u64,
    /// All WAL ever claimed from it.
    total_claimed: u64,
}

/// Control over one `Dataset`: setting its contributions' weights. Transferable.
public struct DatasetCap has key, store {
    id: UID,
    dataset_id: ID,
}

/// A contribution to a dataset: its holder claims the contribution's earnings. Transferable.
public struct Contribution has key, store {
    id: UID,
    dataset_id: ID,
    /// The blob ID of the contributed data.
    blob_id: u256,
    /// The `Blob` object the contributor passed.
    blob_object_id: ID,
    /// Who contributed it (the holder may differ after a transfer).
    contributor: address,
}

/// What the dataset keeps of one contribution. The weight lives here, not in the NFT, so the
/// curator can change it without the holder's object.
public struct ContributionRecord has store {
    weight: u64,
    /// `reward_per_weight` when the contribution was last settled.
    snapshot: u128,
    /// Earned up to `snapshot` and not yet claimed.
    owed: u64,
    /// All ever claimed.
    claimed: u64,
}

// === Curator ===

/// Creates a dataset named `name` and shares it. Returns the `DatasetCap` that controls it;
/// the transaction places it (e.g. `TransferObjects` to the curator).
/// Emits `DatasetCreated`. Aborts `EEmptyName`, `ENameTooLong`, `EDescriptionTooLong`.
public fun create_dataset(name: String, description: String, ctx: &mut TxContext): DatasetCap {
    assert!(!name.is_empty(), EEmptyName);
    assert!(name.length() <= MAX_NAME_LENGTH, ENameTooLong);
    assert!(description.length() <= MAX_DESCRIPTION_LENGTH, EDescriptionTooLong);

    let dataset_uid = object::new(ctx);
    let dataset_id = dataset_uid.to_inner();
    let cap = DatasetCap { id: object::new(ctx), dataset_id };
    let cap_id = object::id(&cap);
    let contributions = table::new(ctx);
    let blobs = table::new(ctx);
    let dataset = Dataset {
        id: dataset_uid,
        version: version::current(),
        name,
        description,
        cap_id,
        contributions,
        blobs,
        total_weight: 0,
        sealed: false,
        reward_per_weight: 0,
        carry: 0,
        pool: balance::zero(),
        total_distributed: 0,
        total_claimed: 0,
    };
    events::emit_dataset_created(dataset_id, cap_id, ctx.sender(), name, description);
    transfer::share_object(dataset);
    cap
}

/// Sets the weight of contribution `contribution_id` (0 to `MAX_WEIGHT`; 0 retires it) while
/// the dataset is not sealed. What the old weight earned is settled first (nothing, as no
/// model can pay an unsealed dataset; the settlement keeps the accounting exact regardless).
/// Emits `ContributionWeightSet`. Aborts `EWrongCap`, `EDatasetSealed`, `EWeightTooHigh`,
/// `EUnknownContribution`.
public fun set_weight(
    dataset: &mut Dataset,
    cap: &DatasetCap,
    contribution_id: ID,
    weight: u64,
    ctx: &TxContext,
) {
    version::assert_current(dataset.version);
    assert!(cap.dataset_id == object::id(dataset), EWrongCap);
    assert!(!dataset.sealed, EDatasetSealed);
    assert!(weight <= MAX_WEIGHT, EWeightTooHigh);
    assert!(dataset.contributions.contains(contribution_id), EUnknownContribution);
    let reward_per_weight = dataset.reward_per_weight;
    let record = dataset.contributions.borrow_mut(contribution_id);
    settle(record, reward_per_weight);
    let old_weight = record.weight;
    record.weight = weight;
    dataset.total_weight = dataset.total_weight - old_weight + weight;
    events::emit_contribution_weight_set(
        object::id(dataset),
        contribution_id,
        old_weight,
        weight,
        dataset.total_weight,
        ctx.sender(),
    );
}

/// Seals the dataset: its contributions and their weights are final from now on, and models
/// may name it as trained on (`train_on`). Sealing cannot be undone; new data goes in a new
/// dataset.
/// Emits `DatasetSealed`. Aborts `EWrongCap`, `EDatasetSealed` (sealed already), `ENoWeight`.
public fun seal(dataset: &mut Dataset, cap: &DatasetCap, ctx: &TxContext) {
    version::assert_current(dataset.version);
    assert!(cap.dataset_id == object::id(dataset), EWrongCap);
    assert!(!dataset.sealed, EDatasetSealed);
    assert!(dataset.total_weight > 0, ENoWeight);
    dataset.sealed = true;
    events::emit_dataset_sealed(
        object::id(dataset),
        dataset.contributions.length(),
        dataset.total_weight,
        ctx.sender(),
    );
}

// === Contributors ===

/// Contributes `blob`, a certified `Blob` object the sender owns, to the dataset while it is
/// not sealed. Returns the `Contribution` NFT for the transaction to place; its weight is 0
/// until the curator sets one.
/// Emits `ContributionAdded`. Aborts `EDatasetSealed`, `EBlobNotCertified`,
/// `EAlreadyContributed`.
public fun contribute(dataset: &mut Dataset, blob: &Blob, ctx: &mut TxContext): Contribution {
    version::assert_current(dataset.version);
    assert!(!dataset.sealed, EDatasetSealed);
    assert!(blob.is_blob_certified(), EBlobNotCertified);
    let blob_object_id = object::id(blob);
    assert!(!dataset.blobs.contains(blob_object_id), EAlreadyContributed);

    let dataset_id = object::id(dataset);
    let contributor = ctx.sender();
    let contribution = Contribution {
        id: object::new(ctx),
        dataset_id,
        blob_id: blob.blob_id(),
        blob_object_id,
        contributor,
    };
    let contribution_id = object::id(&contribution);
    let snapshot = dataset.reward_per_weight;
    dataset.blobs.add(blob_object_id, contribution_id);
    dataset
        .contributions
        .add(contribution_id, ContributionRecord { weight: 0, snapshot, owed: 0, claimed: 0 });
    events::emit_contribution_added(
        dataset_id,
        contribution_id,
        contribution.blob_id,
        blob_object_id,
        contributor,
    );
    contribution
}

/// Pays the holder of `contribution` everything it has earned and not claimed, as a coin for
/// the caller to place.
/// Emits `ContributionClaimed`. Aborts `EWrongDataset`, `ENothingToClaim`.
public fun claim(
    dataset: &mut Dataset,
    contribution: &Contribution,
    ctx: &mut TxContext,
): Coin<WAL> {
    version::assert_current(dataset.version);
    let dataset_id = object::id(dataset);
    assert!(contribution.dataset_id == dataset_id, EWrongDataset);
    let contribution_id = object::id(contribution);
    let reward_per_weight = dataset.reward_per_weight;
    let record = dataset.contributions.borrow_mut(contribution_id);
    settle(record, reward_per_weight);
    let amount = record.owed;
    assert!(amount > 0, ENothingToClaim);
    record.owed = 0;
    record.claimed = record.claimed + amount;
    dataset.total_claimed = dataset.total_claimed + amount;
    events::emit_contribution_claimed(dataset_id, contribution_id, ctx.sender(), amount);
    coin::from_balance(dataset.pool.split(amount), ctx)
}

// === Models ===

/// The owner of `model` (holder of its cap) names `dataset`, which must be sealed, as trained
/// on by version `version_number`, with `bps` basis points of the model's revenue. Naming it
/// again changes the share: up at any time, down only while the model has earned nothing (see
/// `floe::model`). Taking the `Dataset` proves it exists, so no share is set aside for an
/// object no one could distribute to; requiring the seal makes its weights final before the
/// model's first payment reaches it.
/// Emits `ModelDatasetShareSet`. Aborts `EDatasetNotSealed`, `model::EWrongCap`,
/// `model::EVersionNotFound`,
/// `model::EZeroShare`, `model::EShareLowered`, `model::ESharesTooHigh`,
/// `model::ETooManyDatasets`.
public fun train_on(
    dataset: &Dataset,
    model: &mut Model,
    cap: &ModelCap,
    version_number: u64,
    bps: u64,
    ctx: &TxContext,
) {
    version::assert_current(dataset.version);
    assert!(dataset.sealed, EDatasetNotSealed);
    model.set_dataset_share(cap, version_number, object::id(dataset), bps, ctx);
}

/// Moves what `model` set aside for the dataset into it, spread over the contributions by
/// weight. Anyone may call it. A sealed dataset's total weight is never 0 (`seal` requires a
/// weight), so whatever the model set aside moves. Returns the amount distributed.
/// Emits `DatasetRevenueDistributed` when something moves. Aborts `ENotTrainedOn`.
public fun distribute(model: &mut Model, dataset: &mut Dataset, ctx: &TxContext): u64 {
    version::assert_current(model.object_version());
    version::assert_current(dataset.version);
    let dataset_id = object::id(dataset);
    // A named dataset's share is at least 1 basis point.
    assert!(model.dataset_share_bps(dataset_id) > 0, ENotTrainedOn);
    if (dataset.total_weight == 0 || model.dataset_share_pending(dataset_id) == 0) return 0;
    let taken = model.take_dataset_share(dataset_id);
    let amount = taken.value();
    let scaled = (amount as u128) * SCALE + dataset.carry;
    let total_weight = (dataset.total_weight as u128);
    dataset.reward_per_weight = dataset.reward_per_weight + scaled / total_weight;
    dataset.carry = scaled % total_weight;
    dataset.pool.join(taken);
    dataset.total_distributed = dataset.total_distributed + amount;
    events::emit_dataset_revenue_distributed(
        dataset_id,
        object::id(model),
        amount,
        dataset.total_weight,
        dataset.reward_per_weight,
        ctx.sender(),
    );
    amount
}

// === Reads ===

/// What a claim of `contribution_id` would pay now (settled and unsettled earnings).
/// Aborts `EUnknownContribution`.
public fun claimable(dataset: &Dataset, contribution_id: ID): u64 {
    assert!(dataset.contributions.contains(contribution_id), EUnknownContribution);
    let record = dataset.contributions.borrow(contribution_id);
    record.owed + earned(record, dataset.reward_per_weight)
}

/// The weight of `contribution_id`. Aborts `EUnknownContribution`.
public fun weight(dataset: &Dataset, contribution_id: ID): u64 {
    assert!(dataset.contributions.contains(contribution_id), EUnknownContribution);
    dataset.contributions.borrow(contribution_id).weight
}

/// The sum of the contributions' weights.
public fun total_weight(dataset: &Dataset): u64 { dataset.total_weight }

/// Whether the curator sealed the dataset (contributions and weights final).
public fun is_sealed(dataset: &Dataset): bool { dataset.sealed }

/// How many contributions the dataset has (weighted or not).
public fun contribution_count(dataset: &Dataset): u64 { dataset.contributions.length() }

/// WAL distributed and not yet claimed (with the rounding dust).
public fun pool_value(dataset: &Dataset): u64 { dataset.pool.value() }

/// All WAL ever distributed to the dataset.
public fun total_distributed(dataset: &Dataset): u64 { dataset.total_distributed }

/// All WAL ever claimed from the dataset.
public fun total_claimed(dataset: &Dataset): u64 { dataset.total_claimed }

/// The dataset a cap controls.
public fun cap_dataset_id(cap: &DatasetCap): ID { cap.dataset_id }

/// The dataset a contribution belongs to.
public fun contribution_dataset_id(contribution: &Contribution): ID { contribution.dataset_id }

/// The blob ID of a contribution's data.
public fun contribution_blob_id(contribution: &Contribution): u256 { contribution.blob_id }

// === Internal ===

/// What `record` earned between its snapshot and `reward_per_weight`, rounded down:
/// `weight * delta / SCALE`, computed in two parts so the product cannot overflow.
fun earned(record: &ContributionRecord, reward_per_weight: u128): u64 {
    let delta = reward_per_weight - record.snapshot;
    let weight = (record.weight as u128);
    ((delta / SCALE * weight + delta % SCALE * weight / SCALE) as u64)
}

/// Credits what `record` earned up to `reward_per_weight` to its `owed` and moves its snapshot
/// there: called before every weight change and claim.
fun settle(record: &mut ContributionRecord, reward_per_weight: u128) {
    record.owed = record.owed + earned(record, reward_per_weight);
    record.snapshot = reward_per_weight;
}

// === Versions ===

/// Brings a `Dataset` left at an older package version to this package's version. Anyone may
/// call it: only the version changes. Aborts `version::EAlreadyMigrated` if it is at this
/// version already.
public fun migrate(dataset: &mut Dataset) {
    dataset.version = version::migrated(dataset.version);
}

// === Test-only ===

/// Sets the `version` field, to simulate a `Dataset` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(dataset: &mut Dataset, value: u64) {
    dataset.version = value;
}
