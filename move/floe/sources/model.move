/// Models and their versions.
///
/// A seller registers a `Model` (a shared object anyone can read) and receives the `ModelCap`
/// that controls it. Each published version points at a certified, live `floe::blob::Blob`
/// object (the model weights) that the publisher passes in, and records the architecture, a
/// hash of the training data set and the evaluation metrics. Versions are numbered from 1 and
/// never change once published.
///
/// Control of data is proven by objects, not by knowing a content hash: publishing takes the
/// `Blob` object itself (an owned object only its owner can pass), never a bare blob ID, and
/// the version records that object's ID beside the blob ID. Blob IDs are derived from content,
/// so anyone holding the same bytes can store them again and own a `Blob` with the same blob
/// ID; a version therefore claims only its own `Blob` object, and nothing here gates, claims
/// or deletes data by blob ID alone (see "Security model" in the package README).
///
/// The `ModelCap` is `key + store`: ownership of a model moves with its cap (a plain
/// `TransferObjects`, or any market that trades objects). `owner` is the address that last
/// acted with the cap (set at registration, refreshed by every cap-authorised call and by
/// `refresh_owner`), so indexers and UIs can show who sells the model without reading owner
/// metadata of the cap.
///
/// License sales (`floe::license`) pay into the model: the protocol fee is burned there and the
/// rest accrues here as a `Balance<WAL>` that the cap holder takes with `withdraw_revenue`.
///
/// Revenue share with the datasets a model was trained on (`floe::dataset::train_on`): the
/// model records each dataset's share in basis points of its revenue (at most `MAX_DATASETS`
/// datasets, at most 10 000 basis points in all). Every credit of revenue (`add_revenue`: each
/// license purchase and extension, and any other payment to the model) sets each dataset's
/// share aside in a per-dataset balance held here, rounded down (the dust stays with the
/// model's owner, so the datasets never receive more than their share); anyone moves it into
/// the dataset with `dataset::distribute`. A share can be raised at any time but lowered only
/// while the model has earned nothing: once revenue arrived, contributors keep at least what
/// they were promised.
///
/// Self-funding iteration (issue 19, capability 5): the owner may set a fine-tuning plan
/// (`set_tuning`): `bps` of every revenue credit goes into a tuning reserve held here, beside
/// the datasets' shares (both are taken from the same credited amount, after the protocol fee
/// that `floe::license` burns first; the datasets' parts are set aside first, then the
/// reserve's, each rounded down, and the datasets' and the reserve's basis points together
/// are at most 10 000, so neither can eat into the other). The plan also fixes a threshold and
/// the job's terms: providers, k, input blob, how long the job stays open, and a price of at
/// most the threshold. Once the reserve holds the threshold, anyone opens the job
/// (`compute::open_tuning_job`): it runs on the model's latest version with the owner's
/// terms and is paid from the reserve, so the caller chooses nothing and gains nothing. One
/// tuning job at a time. The reserve leaves only as a tuning job's escrow: a refund after the
/// deadline puts the escrow back into the reserve. At settlement the job hands the winning
/// output's certified `Blob` object (which the providers gave to the job with their results)
/// to the model: it is published as the next version at once when the owner opted in
/// (`auto_publish`) and the Blob is still live, and otherwise waits as a proposal the owner
/// approves (`approve_tuned_version`) or rejects (`reject_tuned_version`); either way the
/// holder of the `ModelCap` receives the Blob, as a publisher owns a version's Blob after
/// `publish_version`: an approved or rejected one is returned to the cap holder who approves
/// or rejects it, and an automatically published one stays in the model (`tuned_blobs`) until
/// the cap holder takes it (`take_tuned_blob`). It is not sent to `owner`: a settlement is
/// anyone's transaction, so `owner` there is only the last address that acted with the cap,
/// which after a sale of the cap is the seller until the buyer acts, and the seller must not
/// receive the buyer's tuned weights.
/// Like `dataset_shares`, the tuning fields are plain fields of `Model`, added before the
/// package's first publication at `version::VERSION` 1 (see `floe::version`).
module floe::model;

use floe::blob::Blob;
use floe::events;
use floe::system::System;
use floe::wal::WAL;
use std::string::String;
use sui::balance::{Self, Balance};
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::table::{Self, Table};
use sui::vec_map::{Self, VecMap};

// === Errors ===

/// The model name is empty.
/// Give the model a name.
const EEmptyName: u64 = 0;
/// The model name is longer than `MAX_NAME_LENGTH` bytes.
/// Give a model name of at most 128 bytes.
const ENameTooLong: u64 = 1;
/// The description is longer than `MAX_DESCRIPTION_LENGTH` bytes.
/// Shorten the description to at most 4096 bytes.
const EDescriptionTooLong: u64 = 2;
/// The `ModelCap` belongs to another model.
/// Use the ModelCap of this model.
const EWrongCap: u64 = 3;
/// The `Blob` of a new version is not certified.
/// Pass a Blob object you own that is certified: store the file first (floe store).
const EBlobNotCertified: u64 = 4;
/// The architecture string is longer than `MAX_ARCHITECTURE_LENGTH` bytes.
/// Give an architecture of at most 128 bytes.
const EArchitectureTooLong: u64 = 5;
/// The data set hash is longer than `MAX_DATASET_HASH_LENGTH` bytes.
/// Give a data set hash of at most 64 bytes.
const EDatasetHashTooLong: u64 = 6;
/// `metric_names` and `metric_values` differ in length.
/// Pass one value per metric name.
const EMetricsLengthMismatch: u64 = 7;
/// More than `MAX_METRICS` metrics.
/// Give a version at most 32 metrics.
const ETooManyMetrics: u64 = 8;
/// The same metric name appears twice.
/// Name each metric once.
const EDuplicateMetric: u64 = 9;
/// `withdraw_revenue` with nothing to withdraw.
/// Wait for license sales to credit revenue (floe model show shows it), then withdraw.
const ENoRevenue: u64 = 10;
/// No version with this number.
/// Read version_count first.
const EVersionNotFound: u64 = 11;
/// The `Blob` of a new version has expired (its storage ended by the current epoch).
/// The Blob's storage has ended: extend it or store the file again, then publish.
const EBlobExpired: u64 = 12;
/// A dataset's revenue share of 0 basis points.
/// Give the dataset a share of at least 1 basis point (0.01 %).
const EZeroShare: u64 = 13;
/// The datasets' shares (with the tuning share) would add up to more than 10 000 basis points.
/// Lower the share: the datasets and the tuning reserve together may take at most 10 000 bps.
const ESharesTooHigh: u64 = 14;
/// The model already shares its revenue with `MAX_DATASETS` datasets.
/// Train the model on at most 16 datasets.
const ETooManyDatasets: u64 = 15;
/// A dataset's share may not be lowered once the model has earned revenue.
/// Keep the dataset's share or raise it: after the first sale its contributors were promised it.
const EShareLowered: u64 = 16;
/// The tuning share and the datasets' shares would add up to more than 10 000 basis points.
/// Lower the tuning share: it and the datasets' shares together may take at most 10 000 bps.
const ETuningShareTooHigh: u64 = 17;
/// The tuning job's price is 0 or above the threshold.
/// Set a price of at least 0.000000001 WAL and at most the threshold the reserve must reach.
const ETuningPrice: u64 = 18;
/// The tuning job names no providers, more than 16, or the same provider twice.
/// Name 1 to 16 distinct compute providers.
const ETuningProviders: u64 = 19;
/// The tuning job's k is 0, above the number of providers, or not more than half of them.
/// Choose k with m/2 < k <= m.
const ETuningQuorum: u64 = 20;
/// The tuning job's duration is 0 or longer than 30 days.
/// Give a duration between 1 ms and 30 days.
const ETuningDuration: u64 = 21;
/// The model has no fine-tuning plan.
/// Set one first (floe model tuning set; only the model's owner can).
const ENoTuning: u64 = 22;
/// The model's tuning job is still open.
/// One tuning job at a time: wait until it is settled or refunded.
const ETuningJobOpen: u64 = 23;
/// A tuned version awaits the owner's approval.
/// Approve or reject it first (floe model tuning approve|reject; only the model's owner can).
const EProposalPending: u64 = 24;
/// The tuning reserve holds less than the threshold.
/// Wait for more revenue (license sales) to fill the reserve.
const EReserveBelowThreshold: u64 = 25;
/// No tuned version awaits approval.
/// Wait until a tuning job settles.
const ENoProposal: u64 = 26;
/// The model has no version to fine-tune.
/// Publish a first version (floe model publish) before opening a tuning job.
const ENoVersionToTune: u64 = 27;
/// The job settled or refunded into the model is not its open tuning job.
/// Settle or refund the model's open tuning job (`floe model show` names it).
const ENotOpenTuningJob: u64 = 28;
/// The model holds no automatically published tuned `Blob` for this version number (never
/// published automatically, or taken already).
/// Name a version announced by TunedVersionPublished with automatic = true, not taken yet.
const ENoTunedBlob: u64 = 29;

// === Limits ===

const MAX_NAME_LENGTH: u64 = 128;
const MAX_DESCRIPTION_LENGTH: u64 = 4096;
const MAX_ARCHITECTURE_LENGTH: u64 = 128;
const MAX_DATASET_HASH_LENGTH: u64 = 64;
const MAX_METRICS: u64 = 32;
/// Most datasets one model shares its revenue with (bounds the split done on every payment).
const MAX_DATASETS: u64 = 16;
/// Basis-point denominator.
const BPS: u64 = 10_000;
/// Most providers a tuning job may name (as `compute::MAX_PROVIDERS`).
const MAX_TUNING_PROVIDERS: u64 = 16;
/// Longest a tuning job may stay open: 30 days, in ms (as `compute::MAX_JOB_MS`).
const MAX_TUNING_MS: u64 = 2_592_000_000;

// === Objects ===

/// A model for sale. Shared; changed only with its `ModelCap` (and by license sales, which add
/// revenue, and by `migrate`, which sets only the version).
public struct Model has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    name: String,
    description: String,
    /// ID of the `ModelCap` minted with the model.
    cap_id: ID,
    /// The address that last acted with the cap.
    owner: address,
    /// Version number (from 1) to version; never modified or removed.
    versions: Table<u64, ModelVersion>,
    /// License revenue not yet withdrawn.
    revenue: Balance<WAL>,
    /// All revenue ever credited (withdrawn or not, the datasets' shares included).
    total_revenue: u64,
    /// The datasets the model shares its revenue with, in the order they were named.
    dataset_shares: vector<DatasetShare>,
    /// The owner's fine-tuning plan (`set_tuning`); none until set.
    tuning: Option<TuningTerms>,
    /// Revenue set aside for fine-tuning: leaves only as a tuning job's escrow and comes back
    /// when that job is refunded.
    tuning_reserve: Balance<WAL>,
    /// All ever set aside into the tuning reserve.
    tuning_total: u64,
    /// The model's open tuning job (at most one).
    tuning_job: Option<ID>,
    /// The open tuning job's `auto_publish`, as the plan said when the job opened: a job
    /// keeps the terms it was opened with, whatever `set_tuning` says later.
    tuning_job_auto_publish: bool,
    /// A settled tuning job's output awaiting the owner's approval.
    proposal: Option<TunedProposal>,
    /// The `Blob`s of automatically published tuned versions, by version number, until the
    /// holder of the `ModelCap` takes them (`take_tuned_blob`): kept here rather than sent to
    /// `owner`, which is stale after the cap changed hands until the new holder acts.
    tuned_blobs: Table<u64, Blob>,
}

/// A model's fine-tuning plan, set by its owner (`set_tuning`).
public struct TuningTerms has copy, drop, store {
    /// Basis points of every revenue credit set aside into the tuning reserve.
    bps: u64,
    /// The reserve needed to open a tuning job.
    threshold: u64,
    /// What the job pays its providers (at most `threshold`).
    price: u64,
    /// The blob the job runs the model on (its training input).
    input_blob_id: u256,
    /// The `ComputeProvider`s the job names.
    providers: vector<ID>,
    /// Matching results needed to settle.
    k: u64,
    /// How long the job stays open, ms.
    duration_ms: u64,
    /// Publish the settled output without waiting for approval.
    auto_publish: bool,
}

/// A settled tuning job's output, held until the owner approves or rejects it.
public struct TunedProposal has store {
    job_id: ID,
    /// The version the job ran.
    base_version: u64,
    /// The certified output the providers gave to the job.
    output: Blob,
    /// Blake2b-256 of the output bytes, agreed by k providers.
    output_hash: vector<u8>,
}

/// A model's revenue share for one dataset it was trained on (`dataset::train_on`).
public struct DatasetShare has store {
    /// The `floe::dataset::Dataset`.
    dataset_id: ID,
    /// Basis points of every revenue credited to the model.
    bps: u64,
    /// Set aside for the dataset, not yet moved into it (`dataset::distribute`).
    pending: Balance<WAL>,
    /// All ever set aside for the dataset.
    total: u64,
}

/// Control over one `Model`: publishing versions, editing the description, creating and
/// managing license offers, withdrawing revenue. Transferable (and tradable) as any object.
public struct ModelCap has key, store {
    id: UID,
    model_id: ID,
}

/// One immutable version of a model.
public struct ModelVersion has copy, drop, store {
    /// Version number, from 1.
    number: u64,
    /// The blob ID of the weights.
    blob_id: u256,
    /// The `Blob` object the publisher passed: the copy of the weights this version claims.
    blob_object_id: ID,
    architecture: String,
    dataset_hash: vector<u8>,
    /// Metric name to value (the seller's scale, e.g. accuracy in basis points).
    metrics: VecMap<String, u64>,
    published_at_ms: u64,
    publisher: address,
}

// === Model lifecycle ===

/// Registers a new model named `name` and shares it. Returns the `ModelCap` that controls it;
/// the transaction places it (e.g. `TransferObjects` to the seller).
/// Emits `ModelRegistered`. Aborts `EEmptyName`, `ENameTooLong`, `EDescriptionTooLong`.
public fun register_model(name: String, description: String, ctx: &mut TxContext): ModelCap {
    assert!(!name.is_empty(), EEmptyName);
    assert!(name.length() <= MAX_NAME_LENGTH, ENameTooLong);
    assert!(description.length() <= MAX_DESCRIPTION_LENGTH, EDescriptionTooLong);

    let model_uid = object::new(ctx);
    let model_id = model_uid.to_inner();
    let cap = ModelCap { id: object::new(ctx), model_id };
    let cap_id = object::id(&cap);
    let owner = ctx.sender();
    let model = Model {
        id: model_uid,
        version: floe::version::current(),
        name,
        description,
        cap_id,
        owner,
        versions: table::new(ctx),
        revenue: balance::zero(),
        total_revenue: 0,
        dataset_shares: vector[],
        tuning: option::none(),
        tuning_reserve: balance::zero(),
        tuning_total: 0,
        tuning_job: option::none(),
        tuning_job_auto_publish: false,
        proposal: option::none(),
        tuned_blobs: table::new(ctx),
    };
    events::emit_model_registered(model_id, cap_id, owner, name, description);
    transfer::share_object(model);
    cap
}

/// Publishes the next version of the model: the weights are `blob`, a certified `Blob` object
/// whose storage still covers the current epoch. Taking the object (not a blob ID) proves the
/// caller controls this copy of the data: an owned `Blob` can be passed only by its owner.
/// Metrics are given as two parallel vectors (PTB-friendly pure arguments). Returns the new
/// version number (the first is 1).
/// Emits `ModelVersionPublished`. Aborts `EWrongCap`, `EBlobNotCertified`, `EBlobExpired`,
/// `EArchitectureTooLong`, `EDatasetHashTooLong`, `EMetricsLengthMismatch`, `ETooManyMetrics`,
/// `EDuplicateMetric`.
public fun publish_version(
    self: &mut Model,
    cap: &ModelCap,
    system: &System,
    blob: &Blob,
    architecture: String,
    dataset_hash: vector<u8>,
    metric_names: vector<String>,
    metric_values: vector<u64>,
    clock: &Clock,
    ctx: &TxContext,
): u64 {
    floe::version::assert_current(self.version);
    floe::version::assert_current(system.object_version());
    self.authorize(cap, ctx);
    assert!(blob.is_blob_certified(), EBlobNotCertified);
    assert!(system.epoch() < blob.storage().end_epoch(), EBlobExpired);
    let blob_id = blob.blob_id();
    let blob_object_id = object::id(blob);
    assert!(architecture.length() <= MAX_ARCHITECTURE_LENGTH, EArchitectureTooLong);
    assert!(dataset_hash.length() <= MAX_DATASET_HASH_LENGTH, EDatasetHashTooLong);
    let n = metric_names.length();
    assert!(n == metric_values.length(), EMetricsLengthMismatch);
    assert!(n <= MAX_METRICS, ETooManyMetrics);

    let mut metrics = vec_map::empty<String, u64>();
    let mut i = 0;
    while (i < n) {
        let metric = metric_names[i];
        assert!(!metrics.contains(&metric), EDuplicateMetric);
        metrics.insert(metric, metric_values[i]);
        i = i + 1;
    };
    self.record_version(
        blob_id,
        blob_object_id,
        architecture,
        dataset_hash,
        metrics,
        metric_names,
        metric_values,
        clock.timestamp_ms(),
        ctx.sender(),
    )
}

/// Adds the next version (its fields already checked) and emits `ModelVersionPublished`;
/// returns its number. `metric_names`/`metric_values` are `metrics` as the event lists them.
fun record_version(
    self: &mut Model,
    blob_id: u256,
    blob_object_id: ID,
    architecture: String,
    dataset_hash: vector<u8>,
    metrics: VecMap<String, u64>,
    metric_names: vector<String>,
    metric_values: vector<u64>,
    published_at_ms: u64,
    publisher: address,
): u64 {
    let number = self.versions.length() + 1;
    self
        .versions
        .add(
            number,
            ModelVersion {
                number,
                blob_id,
                blob_object_id,
                architecture,
                dataset_hash,
                metrics,
                published_at_ms,
                publisher,
            },
        );
    events::emit_model_version_published(
        object::id(self),
        number,
        blob_id,
        architecture,
        dataset_hash,
        metric_names,
        metric_values,
        publisher,
        published_at_ms,
        blob_object_id,
    );
    number
}

/// Replaces the model's description (the name is fixed).
/// Emits `ModelDescriptionUpdated`. Aborts `EWrongCap`, `EDescriptionTooLong`.
public fun update_description(
    self: &mut Model,
    cap: &ModelCap,
    description: String,
    ctx: &TxContext,
) {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    assert!(description.length() <= MAX_DESCRIPTION_LENGTH, EDescriptionTooLong);
    self.description = description;
    events::emit_model_description_updated(object::id(self), description, ctx.sender());
}

/// Takes all license revenue accrued in the model, as a coin for the caller to place.
/// Emits `ModelRevenueWithdrawn`. Aborts `EWrongCap`, `ENoRevenue` (nothing accrued).
public fun withdraw_revenue(self: &mut Model, cap: &ModelCap, ctx: &mut TxContext): Coin<WAL> {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    let amount = self.revenue.value();
    assert!(amount > 0, ENoRevenue);
    let taken = self.revenue.withdraw_all();
    events::emit_model_revenue_withdrawn(object::id(self), amount, ctx.sender());
    coin::from_balance(taken, ctx)
}

/// Records the caller (holder of the cap) as the model's owner, e.g. right after receiving the
/// cap. Every other cap-authorised call does the same implicitly.
/// Emits `ModelOwnerChanged` when the owner changes. Aborts `EWrongCap`.
public fun refresh_owner(self: &mut Model, cap: &ModelCap, ctx: &TxContext) {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
}

// === Fine-tuning (self-funding iteration) ===

/// Sets the model's fine-tuning plan (replacing any earlier one): `bps` of every later revenue
/// credit goes into the tuning reserve; once the reserve holds `threshold`, anyone may open a
/// job paying `price` (at most `threshold`) to `providers` (1 to 16 distinct
/// `ComputeProvider` IDs, `k` of them must agree), running the model's latest version on
/// `input_blob_id` for `duration_ms`; `auto_publish` publishes its settled output without
/// waiting for approval and keeps its `Blob` in the model for the holder of the cap to take
/// (`take_tuned_blob`), whoever holds it by then. A job already open keeps the terms it was
/// opened with.
/// Emits `ModelTuningSet`. Aborts `EWrongCap`, `ETuningShareTooHigh`, `ETuningPrice`,
/// `ETuningProviders`, `ETuningQuorum`, `ETuningDuration`.
public fun set_tuning(
    self: &mut Model,
    cap: &ModelCap,
    bps: u64,
    threshold: u64,
    price: u64,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    duration_ms: u64,
    auto_publish: bool,
    ctx: &TxContext,
) {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    // `bps <= BPS` first: the sum of a huge `bps` would overflow before the named abort.
    assert!(bps <= BPS && bps + self.shared_bps() <= BPS, ETuningShareTooHigh);
    assert!(price > 0 && price <= threshold, ETuningPrice);
    let m = providers.length();
    assert!(m > 0 && m <= MAX_TUNING_PROVIDERS, ETuningProviders);
    let mut i = 0;
    while (i < m) {
        let mut j = i + 1;
        while (j < m) {
            assert!(providers[i] != providers[j], ETuningProviders);
            j = j + 1;
        };
        i = i + 1;
    };
    assert!(k > 0 && k <= m && 2 * k > m, ETuningQuorum);
    assert!(duration_ms > 0 && duration_ms <= MAX_TUNING_MS, ETuningDuration);
    let terms = TuningTerms {
        bps,
        threshold,
        price,
        input_blob_id,
        providers,
        k,
        duration_ms,
        auto_publish,
    };
    self.tuning = option::some(terms);
    events::emit_model_tuning_set(
        object::id(self),
        bps,
        threshold,
        price,
        input_blob_id,
        providers,
        k,
        duration_ms,
        auto_publish,
        ctx.sender(),
    );
}

/// Moves the whole tuning reserve into the model's revenue (then `withdraw_revenue`): a reserve
/// that no job can use (the plan's threshold out of reach, or the owner gave up tuning) is not
/// stuck. Only while no tuning job is open (its escrow comes back into the reserve on refund)
/// and no tuned version awaits approval. The plan stays: set its share to 0 (`set_tuning`) so
/// the reserve does not fill again.
/// Emits `TuningReserveCleared`. Aborts `EWrongCap`, `ETuningJobOpen`, `EProposalPending`.
public fun clear_tuning_reserve(self: &mut Model, cap: &ModelCap, ctx: &TxContext) {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    assert!(self.tuning_job.is_none(), ETuningJobOpen);
    assert!(self.proposal.is_none(), EProposalPending);
    let amount = self.tuning_reserve.value();
    self.revenue.join(self.tuning_reserve.withdraw_all());
    events::emit_tuning_reserve_cleared(object::id(self), amount, ctx.sender());
}

/// Publishes the tuned version awaiting approval as the model's next version (architecture of
/// the version it was tuned from, no metrics) and returns its `Blob` for the caller to keep,
/// as a publisher keeps a version's Blob.
/// Emits `ModelVersionPublished`, `TunedVersionPublished`. Aborts `EWrongCap`, `ENoProposal`,
/// `EBlobExpired` (reject it instead).
public fun approve_tuned_version(
    self: &mut Model,
    cap: &ModelCap,
    system: &System,
    clock: &Clock,
    ctx: &TxContext,
): Blob {
    floe::version::assert_current(self.version);
    floe::version::assert_current(system.object_version());
    self.authorize(cap, ctx);
    assert!(self.proposal.is_some(), ENoProposal);
    assert!(
        system.epoch() < self.proposal.borrow().output.storage().end_epoch(),
        EBlobExpired,
    );
    let TunedProposal { job_id, base_version, output, output_hash: _ } = self.proposal.extract();
    let _ = self.publish_tuned(
        job_id,
        base_version,
        &output,
        false,
        clock.timestamp_ms(),
        ctx.sender(),
    );
    output
}

/// Drops the tuned version awaiting approval: its `Blob` is returned for the caller to keep
/// or delete, and a new tuning job may be opened.
/// Emits `TunedVersionRejected`. Aborts `EWrongCap`, `ENoProposal`.
public fun reject_tuned_version(self: &mut Model, cap: &ModelCap, ctx: &TxContext): Blob {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    assert!(self.proposal.is_some(), ENoProposal);
    let TunedProposal { job_id, base_version: _, output, output_hash: _ } = self
        .proposal
        .extract();
    events::emit_tuned_version_rejected(
        object::id(self),
        job_id,
        output.blob_id(),
        object::id(&output),
        ctx.sender(),
    );
    output
}

/// Takes the `Blob` of version `number`, published automatically by a tuning job
/// (`TunedVersionPublished` with `automatic`), out of the model for the caller to keep, as a
/// publisher keeps a version's Blob. Only the holder of the `ModelCap` takes it (and is
/// recorded as owner), so after a sale of the cap the buyer, not the seller, receives the
/// tuned weights of the jobs settled since, whether or not it acted with the cap before.
/// Emits `ModelOwnerChanged` when the owner changes. Aborts `EWrongCap`, `ENoTunedBlob`.
public fun take_tuned_blob(self: &mut Model, cap: &ModelCap, number: u64, ctx: &TxContext): Blob {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    assert!(self.tuned_blobs.contains(number), ENoTunedBlob);
    self.tuned_blobs.remove(number)
}

/// Records the tuned `output` of `job_id` as the next version; returns its number.
fun publish_tuned(
    self: &mut Model,
    job_id: ID,
    base_version: u64,
    output: &Blob,
    automatic: bool,
    now: u64,
    publisher: address,
): u64 {
    let architecture = self.versions.borrow(base_version).architecture;
    let number = self.record_version(
        output.blob_id(),
        object::id(output),
        architecture,
        vector[],
        vec_map::empty(),
        vector[],
        vector[],
        now,
        publisher,
    );
    events::emit_tuned_version_published(
        object::id(self),
        job_id,
        number,
        output.blob_id(),
        object::id(output),
        automatic,
        publisher,
    );
    number
}

// === Package-internal (used by `floe::compute` for tuning jobs) ===

/// Takes the tuning job's payment (`price`) out of the reserve for `compute::open_tuning_job`
/// and returns it with the terms and the version to run (the latest). Aborts `ENoTuning`,
/// `ETuningJobOpen`, `EProposalPending`, `ENoVersionToTune`, `EReserveBelowThreshold`.
public(package) fun take_tuning_payment(self: &mut Model): (TuningTerms, u64, Balance<WAL>) {
    assert!(self.tuning.is_some(), ENoTuning);
    assert!(self.tuning_job.is_none(), ETuningJobOpen);
    assert!(self.proposal.is_none(), EProposalPending);
    let base_version = self.versions.length();
    assert!(base_version > 0, ENoVersionToTune);
    let terms = *self.tuning.borrow();
    assert!(self.tuning_reserve.value() >= terms.threshold, EReserveBelowThreshold);
    let payment = self.tuning_reserve.split(terms.price);
    (terms, base_version, payment)
}

/// Records `job_id` as the model's open tuning job.
/// Emits `TuningJobOpened`.
public(package) fun tuning_job_opened(
    self: &mut Model,
    job_id: ID,
    base_version: u64,
    price: u64,
    opener: address,
) {
    self.tuning_job = option::some(job_id);
    // `take_tuning_payment` ran in this transaction: the plan is the job's.
    self.tuning_job_auto_publish = self.tuning.borrow().auto_publish;
    events::emit_tuning_job_opened(
        object::id(self),
        job_id,
        base_version,
        price,
        self.tuning_reserve.value(),
        opener,
        self.tuning_job_auto_publish,
    );
}

/// A refunded tuning job's escrow goes back into the reserve, and another job may open.
/// Emits `TuningJobRefunded`.
/// Aborts `ENotOpenTuningJob`.
public(package) fun tuning_job_refunded(self: &mut Model, job_id: ID, escrow: Balance<WAL>) {
    assert!(self.tuning_job == option::some(job_id), ENotOpenTuningJob);
    let amount = escrow.value();
    self.tuning_reserve.join(escrow);
    self.tuning_job = option::none();
    self.tuning_job_auto_publish = false;
    events::emit_tuning_job_refunded(object::id(self), job_id, amount, self.tuning_reserve.value());
}

/// A settled tuning job hands over its agreed `output`: published at once (the Blob kept in
/// `tuned_blobs` under the new version's number for the cap holder's `take_tuned_blob`, not
/// sent to `owner`, which may be a former holder of the cap) when the plan said
/// `auto_publish` when the job opened (a later `set_tuning` does not change it) and the Blob
/// is live this epoch, otherwise kept as the proposal awaiting the owner's approval. An
/// automatic version's `publisher` is `owner` (the last address that acted with the cap):
/// nobody signed the publication; it moves nothing.
/// Emits `ModelVersionPublished` and `TunedVersionPublished`, or `TunedVersionProposed`.
/// Aborts `ENotOpenTuningJob`.
public(package) fun tuning_job_settled(
    self: &mut Model,
    job_id: ID,
    base_version: u64,
    output: Blob,
    output_hash: vector<u8>,
    system: &System,
    clock: &Clock,
) {
    assert!(self.tuning_job == option::some(job_id), ENotOpenTuningJob);
    self.tuning_job = option::none();
    let auto = self.tuning_job_auto_publish;
    self.tuning_job_auto_publish = false;
    if (auto && system.epoch() < output.storage().end_epoch()) {
        let owner = self.owner;
        let number = self.publish_tuned(
            job_id,
            base_version,
            &output,
            true,
            clock.timestamp_ms(),
            owner,
        );
        self.tuned_blobs.add(number, output);
    } else {
        events::emit_tuned_version_proposed(
            object::id(self),
            job_id,
            base_version,
            output.blob_id(),
            object::id(&output),
            output_hash,
        );
        self.proposal.fill(TunedProposal { job_id, base_version, output, output_hash });
    }
}

// === Package-internal (used by `floe::license`) ===

/// Checks that `cap` controls this model and records the sender as owner (with an event when
/// it changes). Aborts `EWrongCap`.
public(package) fun authorize(self: &mut Model, cap: &ModelCap, ctx: &TxContext) {
    let model_id = object::id(self);
    assert!(cap.model_id == model_id, EWrongCap);
    let sender = ctx.sender();
    if (sender != self.owner) {
        let previous = self.owner;
        self.owner = sender;
        events::emit_model_owner_changed(model_id, object::id(cap), previous, sender);
    }
}

/// Credits revenue to the model (a license sale's seller part, or any other payment for the
/// model): each dataset's share (`bps` of it, rounded down) is set aside for that dataset,
/// then the tuning share (`tuning.bps` of the same amount, rounded down) goes into the
/// tuning reserve, and the rest (with the rounding dust) accrues to the owner.
/// Emits `DatasetRevenueAccrued` for each non-zero share, `TuningReserveAccrued`.
public(package) fun add_revenue(self: &mut Model, mut revenue: Balance<WAL>) {
    let value = revenue.value();
    self.total_revenue = self.total_revenue + value;
    let model_id = object::id(self);
    let mut i = 0;
    while (i < self.dataset_shares.length()) {
        let share = &mut self.dataset_shares[i];
        let part = (((value as u128) * (share.bps as u128) / (BPS as u128)) as u64);
        if (part > 0) {
            share.pending.join(revenue.split(part));
            share.total = share.total + part;
            events::emit_dataset_revenue_accrued(
                model_id,
                share.dataset_id,
                part,
                share.pending.value(),
            );
        };
        i = i + 1;
    };
    let bps = self.tuning_bps();
    let part = (((value as u128) * (bps as u128) / (BPS as u128)) as u64);
    if (part > 0) {
        self.tuning_reserve.join(revenue.split(part));
        self.tuning_total = self.tuning_total + part;
        events::emit_tuning_reserve_accrued(model_id, part, self.tuning_reserve.value());
    };
    self.revenue.join(revenue);
}

// === Package-internal (used by `floe::dataset`) ===

/// Sets the share of `dataset_id` (a `Dataset` the caller has checked exists) in the model's
/// revenue to `bps`, naming `version_number` as the version trained on it. A new dataset is
/// added; an existing one's share may be raised, and lowered only while the model has earned
/// nothing.
/// Emits `ModelDatasetShareSet`. Aborts `EWrongVersion` (`floe::version`), `EWrongCap`,
/// `EVersionNotFound`, `EZeroShare`, `EShareLowered`, `ESharesTooHigh`, `ETooManyDatasets`.
public(package) fun set_dataset_share(
    self: &mut Model,
    cap: &ModelCap,
    version_number: u64,
    dataset_id: ID,
    bps: u64,
    ctx: &TxContext,
) {
    floe::version::assert_current(self.version);
    self.authorize(cap, ctx);
    assert!(self.versions.contains(version_number), EVersionNotFound);
    assert!(bps > 0, EZeroShare);
    let (found, index) = self.find_share(dataset_id);
    let old_bps = if (found) self.dataset_shares[index].bps else 0;
    assert!(bps >= old_bps || self.total_revenue == 0, EShareLowered);
    let total_bps = self.shared_bps() - old_bps + bps;
    assert!(total_bps + self.tuning_bps() <= BPS, ESharesTooHigh);
    if (found) {
        let share = &mut self.dataset_shares[index];
        share.bps = bps;
    } else {
        assert!(self.dataset_shares.length() < MAX_DATASETS, ETooManyDatasets);
        self
            .dataset_shares
            .push_back(DatasetShare { dataset_id, bps, pending: balance::zero(), total: 0 });
    };
    events::emit_model_dataset_share_set(
        object::id(self),
        version_number,
        dataset_id,
        old_bps,
        bps,
        total_bps,
        ctx.sender(),
    );
}

/// Takes everything set aside for `dataset_id` (nothing if the model does not name it), for
/// `dataset::distribute` to move into the dataset.
public(package) fun take_dataset_share(self: &mut Model, dataset_id: ID): Balance<WAL> {
    let (found, index) = self.find_share(dataset_id);
    if (!found) return balance::zero();
    let share = &mut self.dataset_shares[index];
    share.pending.withdraw_all()
}

/// Whether the model shares its revenue with `dataset_id`, and the share's index.
fun find_share(self: &Model, dataset_id: ID): (bool, u64) {
    let mut i = 0;
    while (i < self.dataset_shares.length()) {
        if (self.dataset_shares[i].dataset_id == dataset_id) return (true, i);
        i = i + 1;
    };
    (false, 0)
}

// === Reads ===

/// The model's object ID as bytes: the Seal identity namespace its licenses approve.
public fun id_bytes(self: &Model): vector<u8> {
    object::id_to_bytes(&object::id(self))
}

/// The address that last acted with the model's cap (see the module doc).
public fun owner(self: &Model): address {
    self.owner
}

/// Number of published versions (the latest version's number; 0 if none).
public fun version_count(self: &Model): u64 {
    self.versions.length()
}

/// The model's name.
public fun name(self: &Model): String {
    self.name
}

/// The model's current description.
public fun description(self: &Model): String {
    self.description
}

/// ID of the `ModelCap` controlling the model.
public fun cap_id(self: &Model): ID {
    self.cap_id
}

/// Revenue waiting to be withdrawn.
public fun revenue(self: &Model): u64 {
    self.revenue.value()
}

/// All revenue ever credited to the model.
public fun total_revenue(self: &Model): u64 {
    self.total_revenue
}

/// The sum of the datasets' shares, basis points of the model's revenue.
public fun shared_bps(self: &Model): u64 {
    let mut total = 0;
    let mut i = 0;
    while (i < self.dataset_shares.length()) {
        total = total + self.dataset_shares[i].bps;
        i = i + 1;
    };
    total
}

/// The share of `dataset_id` in the model's revenue, basis points (0 if the model does not
/// name it).
public fun dataset_share_bps(self: &Model, dataset_id: ID): u64 {
    let (found, index) = self.find_share(dataset_id);
    if (found) self.dataset_shares[index].bps else 0
}

/// WAL set aside for `dataset_id` and not yet distributed (0 if the model does not name it).
public fun dataset_share_pending(self: &Model, dataset_id: ID): u64 {
    let (found, index) = self.find_share(dataset_id);
    if (found) self.dataset_shares[index].pending.value() else 0
}

/// The tuning share, basis points of every revenue credit (0 without a plan).
public fun tuning_bps(self: &Model): u64 {
    if (self.tuning.is_some()) self.tuning.borrow().bps else 0
}

/// Whether the model has a fine-tuning plan.
public fun has_tuning(self: &Model): bool { self.tuning.is_some() }

/// WAL in the tuning reserve.
public fun tuning_reserve(self: &Model): u64 { self.tuning_reserve.value() }

/// All WAL ever set aside into the tuning reserve.
public fun tuning_total(self: &Model): u64 { self.tuning_total }

/// Whether a tuning job of the model is open.
public fun has_tuning_job(self: &Model): bool { self.tuning_job.is_some() }

/// Whether a tuned version awaits the owner's approval.
public fun has_proposal(self: &Model): bool { self.proposal.is_some() }

/// Whether the model holds the automatically published `Blob` of version `number`
/// (`take_tuned_blob` takes it).
public fun has_tuned_blob(self: &Model, number: u64): bool { self.tuned_blobs.contains(number) }

/// A plan's threshold.
public fun terms_threshold(terms: &TuningTerms): u64 { terms.threshold }

/// A plan's price.
public fun terms_price(terms: &TuningTerms): u64 { terms.price }

/// A plan's input blob.
public fun terms_input_blob_id(terms: &TuningTerms): u256 { terms.input_blob_id }

/// A plan's providers.
public fun terms_providers(terms: &TuningTerms): vector<ID> { terms.providers }

/// A plan's k.
public fun terms_k(terms: &TuningTerms): u64 { terms.k }

/// A plan's job duration, ms.
public fun terms_duration_ms(terms: &TuningTerms): u64 { terms.duration_ms }

/// The model a cap controls.
public fun cap_model_id(cap: &ModelCap): ID {
    cap.model_id
}

/// Whether version `number` exists.
public fun has_version(self: &Model, number: u64): bool {
    self.versions.contains(number)
}

/// Version `number` of the model. Aborts `EVersionNotFound`.
public fun version(self: &Model, number: u64): &ModelVersion {
    assert!(self.versions.contains(number), EVersionNotFound);
    self.versions.borrow(number)
}

/// A version's number.
public fun version_number(v: &ModelVersion): u64 { v.number }

/// The blob ID of a version's weights.
public fun version_blob_id(v: &ModelVersion): u256 { v.blob_id }

/// The `Blob` object a version was published with.
public fun version_blob_object_id(v: &ModelVersion): ID { v.blob_object_id }

/// A version's architecture.
public fun version_architecture(v: &ModelVersion): String { v.architecture }

/// A version's training data set hash.
public fun version_dataset_hash(v: &ModelVersion): vector<u8> { v.dataset_hash }

/// A version's metrics.
public fun version_metrics(v: &ModelVersion): VecMap<String, u64> { v.metrics }

/// When a version was published (Sui clock, ms).
public fun version_published_at_ms(v: &ModelVersion): u64 { v.published_at_ms }

/// Who published a version.
public fun version_publisher(v: &ModelVersion): address { v.publisher }

// === Versions ===

/// The version of the package that last migrated this `Model` (see `floe::version`).
public(package) fun object_version(self: &Model): u64 { self.version }

/// Brings this `Model` to the package's version. Aborts `version::EAlreadyMigrated` if it is
/// there already.
public(package) fun migrate_version(self: &mut Model) {
    self.version = floe::version::migrated(self.version);
}

/// Brings a `Model` left at an older package version to this package's version, so this
/// package's functions act on it again. Anyone may call it: migrating only applies this
/// package's rules and changes nothing but the version. Aborts `version::EAlreadyMigrated`
/// if the model is at this version already.
public fun migrate(self: &mut Model) {
    self.migrate_version();
}

// === Test-only ===

/// Forgets the open tuning job (a state no public call reaches: only `compute`'s tuning
/// functions close it), to test the `ENotOpenTuningJob` guard.
#[test_only]
public fun forget_tuning_job_for_testing(self: &mut Model) {
    self.tuning_job = option::none();
}

/// Sets the `version` field, to simulate a `Model` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(self: &mut Model, value: u64) {
    self.version = value;
}
