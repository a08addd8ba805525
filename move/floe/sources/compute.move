/// Compute jobs: bring your own model, run it on chosen, staked providers.
///
/// A compute provider registers with WAL stake, its ed25519 public key and a network address
/// (`register_provider`): the key must be the key of the registering Sui account (the sender's
/// address is `blake2b256(0x00 ‖ key)`), so every transaction that account signs is signed by
/// the registered key. Registration shares a `ComputeProvider` and gives the account a
/// `ProviderCap` (not transferable: the cap stays with the key's account).
///
/// A job (`create_job`, shared, opened only by the holder of the model's `ModelCap`: the job
/// decides who gets the model's key) names a model version (its weights blob, normally encrypted
/// under the model's Seal identity), an input blob, the providers chosen to run it (m of them)
/// and how many must agree (k, more than half of m, so two different outputs can never both
/// reach k), a deadline and a WAL payment held in escrow. While the job is open and before
/// its deadline exactly the chosen providers' accounts pass `seal_approve_job`, so the key
/// servers release the model's key to them (identity = the model's ID bytes, as
/// `license::seal_approve` uses) and to no one else.
///
/// A chosen provider runs the model, stores the output as a certified blob and submits the
/// result (`submit_result`): the output `Blob` object (certified, unexpired) and the output's
/// hash. The result is the provider's signed statement: the transaction is signed by the
/// provider's registered ed25519 key (the sender, proven by the `ProviderCap` it owns), so a
/// second signature over the same fields inside the transaction would prove nothing more.
/// Submitting bonds `BOND_BPS` of the provider's stake in the job.
///
/// Once k submissions carry the same output hash and the same output blob ID (a blob ID
/// commits to the content; the worker stores outputs unencrypted, so equal outputs have equal
/// blob IDs), anyone settles the job (`settle`): the
/// protocol fee (`system::license_fee_bps` of the payment, the model market's fee) is burned,
/// the rest is paid in equal shares to the providers whose hash matched (the rounding dust is
/// burned with the fee) with their bonds back, and the bond of every provider that submitted
/// a different hash is slashed: burned entirely (source slashing), so no one, neither the
/// other providers nor the job's owner, profits from a slash they could provoke. A settled
/// job exposes its output hash and blob to other contracts (`settled_output_hash`,
/// `settled_output_blob_id`). After the deadline, a job without k matching results refunds
/// its payment to its owner and every bond to its provider (`refund`): disagreement without a
/// quorum proves no one's fault.
///
/// Tuning jobs (self-funding model iteration, see `floe::model`): `open_tuning_job` lets
/// anyone open a job on a model whose tuning reserve reached its owner's threshold; the job's
/// terms (providers, k, input, duration, price) are the owner's, and its escrow comes out of
/// the reserve, so the caller chooses nothing and is paid nothing. A tuning job takes each
/// result's output `Blob` object itself (`submit_tuning_result`), so at settlement
/// (`settle_tuning_job`) the agreed output's Blob goes to the model (published, or proposed for
/// the owner's approval) and the others back to their providers; a refund after the deadline
/// (`refund_tuning_job`) returns the escrow to the model's reserve, never to the caller, and
/// every Blob to its provider. The plain `submit_result`, `settle` and `refund` refuse tuning
/// jobs (`ETuningJob`) and the tuning ones refuse other jobs (`ENotTuningJob`).
module floe::compute;

use floe::blob::Blob;
use floe::events;
use floe::model::{Model, ModelCap};
use floe::system::System;
use floe::version;
use floe::wal::{Self, Treasury, WAL};
use std::string::String;
use sui::balance::{Self, Balance};
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::hash;

// === Errors ===

/// The public key is not 32 bytes.
/// Register with the 32-byte ed25519 public key of your Sui account.
const EBadPublicKey: u64 = 0;
/// The public key is not the sender's: the sender's address is not blake2b256(0x00 ‖ key).
/// Register from the account whose ed25519 key you give.
const EKeyNotSender: u64 = 1;
/// The network address is empty or longer than `MAX_NETWORK_ADDRESS_LENGTH` bytes.
/// Give a network address of 1 to 256 bytes (e.g. http://host:port).
const EBadNetworkAddress: u64 = 2;
/// The provider's stake is below `MIN_STAKE` (10 WAL).
/// Stake at least 10 WAL (add_stake).
const EStakeTooLow: u64 = 3;
/// The `ProviderCap` belongs to another provider.
/// Use the ProviderCap of this provider.
const EWrongCap: u64 = 4;
/// `withdraw_stake` of more than the provider holds.
/// Withdraw at most the provider's stake.
const ENotEnoughStake: u64 = 5;
/// The model has no version with this number.
/// Name a published version of the model.
const EVersionNotFound: u64 = 6;
/// The job names no providers, or more than `MAX_PROVIDERS`.
/// Choose 1 to 16 providers.
const EBadProviderCount: u64 = 7;
/// The same provider is named twice.
/// Name each provider once.
const EDuplicateProvider: u64 = 8;
/// k is 0, larger than the number of providers, or not more than half of them.
/// Choose k with m/2 < k <= m.
const EBadQuorum: u64 = 9;
/// The deadline is not in the future or more than `MAX_JOB_MS` (30 days) ahead.
/// Set a deadline between now and 30 days from now.
const EBadDeadline: u64 = 10;
/// The payment is 0 WAL.
/// Pay the providers something.
const EZeroPayment: u64 = 11;
/// `seal_approve_job`: the identity is not the job's model ID bytes.
/// Use the job's model's 32 ID bytes as the identity.
const EWrongId: u64 = 12;
/// The job is settled or refunded.
/// Nothing to do for this job: open a new one (floe compute job) to run the model again.
const EJobClosed: u64 = 13;
/// The job's deadline has passed.
/// Refund the job (floe compute refund): results and keys are accepted only before the deadline.
const EDeadlinePassed: u64 = 14;
/// The provider is not one of the job's chosen providers.
/// Run only jobs that name your provider (floe compute run finds them): only those providers obtain the model's key and submit results.
const ENotChosen: u64 = 15;
/// `seal_approve_job`: the sender is not the provider's account.
/// Sign as the provider's account.
const ENotProvider: u64 = 16;
/// The provider already submitted a result for this job.
/// Nothing to do: one result per provider and job; wait for the job to settle.
const EAlreadySubmitted: u64 = 17;
/// The output hash is not 32 bytes.
/// Give the 32-byte Blake2b-256 hash of the output.
const EBadOutputHash: u64 = 18;
/// The output `Blob` is not certified.
/// Store the output first (floe store) and pass its certified Blob.
const EOutputNotCertified: u64 = 19;
/// The output `Blob`'s storage has ended.
/// Store the output again, then submit.
const EOutputExpired: u64 = 20;
/// `settle`: fewer than k submissions carry the same output hash and output blob ID.
/// Wait for more results, or refund after the deadline.
const ENoQuorum: u64 = 21;
/// `refund` before the job's deadline.
/// Wait until the deadline has passed.
const EDeadlineNotPassed: u64 = 22;
/// `refund` of a job where k results agree: it must be settled, paying its providers.
/// Settle the job instead.
const EQuorumReached: u64 = 23;
/// A settled job's output was asked of a job that is not settled.
/// Wait until the job is settled.
const ENotSettled: u64 = 24;
/// A tuning job passed to `submit_result`, `settle` or `refund`.
/// Use submit_tuning_result, settle_tuning_job or refund_tuning_job (floe does).
const ETuningJob: u64 = 25;
/// A job that is not a tuning job passed to a tuning function.
/// Use submit_result, settle or refund.
const ENotTuningJob: u64 = 26;
/// The model passed is not the tuning job's model.
/// Pass the Model the job was opened for.
const EWrongModel: u64 = 27;
/// `create_job`: the `ModelCap` controls another model.
/// Pass the ModelCap of the job's model: only the model's owner starts jobs on it.
const EWrongModelCap: u64 = 28;

// === Constants ===

/// Basis-point denominator.
const BPS: u64 = 10_000;
/// Least stake a provider must hold to register and to submit a result: 10 WAL.
const MIN_STAKE: u64 = 10_000_000_000;
/// Share of its stake a provider bonds in a job when it submits, basis points (10 %): what it
/// loses if its output hash differs from the settled one.
const BOND_BPS: u64 = 1_000;
/// Most providers one job may name.
const MAX_PROVIDERS: u64 = 16;
/// Longest a job may stay open: 30 days, in ms.
const MAX_JOB_MS: u64 = 2_592_000_000;
/// Longest network address, bytes.
const MAX_NETWORK_ADDRESS_LENGTH: u64 = 256;
/// Sui's signature-scheme flag of ed25519: an account address is blake2b256(flag ‖ key).
const ED25519_FLAG: u8 = 0;

/// Job states (`Job.state`).
const STATE_OPEN: u8 = 0;
const STATE_SETTLED: u8 = 1;
const STATE_REFUNDED: u8 = 2;

// === Objects ===

/// A staked compute provider. Shared: jobs name it, key servers read it in `seal_approve_job`,
/// and only the holder of its `ProviderCap` changes it.
public struct ComputeProvider has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    cap_id: ID,
    /// The Sui account of `public_key`: the only sender that acts as this provider.
    operator: address,
    /// ed25519 public key (32 bytes) of `operator`.
    public_key: vector<u8>,
    /// Where the provider's worker can be reached (informational).
    network_address: String,
    /// Stake not bonded in any job.
    stake: Balance<WAL>,
}

/// Control over one `ComputeProvider`. Only `key`: it stays with the account of the provider's
/// key (no one can trade a provider's identity).
public struct ProviderCap has key {
    id: UID,
    provider_id: ID,
}

/// One provider's result for a job.
public struct Submission has copy, drop, store {
    provider_id: ID,
    /// The provider's account, which is paid (or refunded its bond).
    operator: address,
    output_blob_id: u256,
    /// The certified `Blob` object the provider passed.
    output_blob_object_id: ID,
    /// Blake2b-256 of the output bytes.
    output_hash: vector<u8>,
    /// Stake bonded with this result (held in `Job.bonds`).
    bond: u64,
    submitted_at_ms: u64,
}

/// A compute job. Shared; moved only by this module's rules.
public struct Job has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    /// Who created and paid for the job (refunds go here).
    owner: address,
    model_id: ID,
    model_version: u64,
    /// Blob ID of the model version's weights.
    model_blob_id: u256,
    input_blob_id: u256,
    /// The chosen providers (`ComputeProvider` IDs).
    providers: vector<ID>,
    /// Matching results needed to settle.
    k: u64,
    /// Results and keys only before this (ms).
    deadline_ms: u64,
    /// The payment, in escrow until settlement or refund.
    payment: Balance<WAL>,
    /// The payment as paid (escrow is empty once closed).
    price: u64,
    submissions: vector<Submission>,
    /// Bonds of all submissions.
    bonds: Balance<WAL>,
    /// `STATE_OPEN`, `STATE_SETTLED` or `STATE_REFUNDED`.
    state: u8,
    /// The agreed output (empty and 0 until settled).
    output_hash: vector<u8>,
    output_blob_id: u256,
    /// A tuning job: paid from its model's tuning reserve (`open_tuning_job`).
    tuning: bool,
    /// A tuning job's output `Blob`s, in the order of `submissions`, until it closes.
    outputs: vector<Blob>,
}

// === Providers ===

/// Registers the sender as a compute provider with `stake` (at least `MIN_STAKE`), its
/// ed25519 `public_key` (whose Sui address must be the sender's) and `network_address`.
/// Shares the `ComputeProvider` and sends the `ProviderCap` to the sender.
/// Emits `ComputeProviderRegistered`. Aborts `EBadPublicKey`, `EKeyNotSender`,
/// `EBadNetworkAddress`, `EStakeTooLow`.
entry fun register_provider(
    public_key: vector<u8>,
    network_address: String,
    stake: Coin<WAL>,
    ctx: &mut TxContext,
) {
    assert!(public_key.length() == 32, EBadPublicKey);
    let mut flagged = vector[ED25519_FLAG];
    flagged.append(public_key);
    let operator = ctx.sender();
    assert!(sui::address::from_bytes(hash::blake2b256(&flagged)) == operator, EKeyNotSender);
    assert_network_address(&network_address);
    assert!(stake.value() >= MIN_STAKE, EStakeTooLow);

    let provider_uid = object::new(ctx);
    let provider_id = provider_uid.to_inner();
    let cap = ProviderCap { id: object::new(ctx), provider_id };
    let cap_id = object::id(&cap);
    let stake_value = stake.value();
    let provider = ComputeProvider {
        id: provider_uid,
        version: version::current(),
        cap_id,
        operator,
        public_key,
        network_address,
        stake: coin::into_balance(stake),
    };
    events::emit_compute_provider_registered(
        provider_id,
        cap_id,
        operator,
        public_key,
        network_address,
        stake_value,
    );
    transfer::share_object(provider);
    transfer::transfer(cap, operator);
}

/// Adds `coin` to the provider's stake.
/// Emits `ComputeProviderUpdated`. Aborts `EWrongCap`.
public fun add_stake(provider: &mut ComputeProvider, cap: &ProviderCap, coin: Coin<WAL>) {
    version::assert_current(provider.version);
    assert!(cap.provider_id == object::id(provider), EWrongCap);
    provider.stake.join(coin::into_balance(coin));
    emit_updated(provider);
}

/// Takes `amount` of the provider's stake (stake bonded in jobs stays there until the job
/// closes), as a coin for the caller to place. Below `MIN_STAKE` the provider cannot submit.
/// Emits `ComputeProviderUpdated`. Aborts `EWrongCap`, `ENotEnoughStake`.
public fun withdraw_stake(
    provider: &mut ComputeProvider,
    cap: &ProviderCap,
    amount: u64,
    ctx: &mut TxContext,
): Coin<WAL> {
    version::assert_current(provider.version);
    assert!(cap.provider_id == object::id(provider), EWrongCap);
    assert!(amount <= provider.stake.value(), ENotEnoughStake);
    let taken = coin::from_balance(provider.stake.split(amount), ctx);
    emit_updated(provider);
    taken
}

/// Sets the provider's network address.
/// Emits `ComputeProviderUpdated`. Aborts `EWrongCap`, `EBadNetworkAddress`.
public fun set_network_address(
    provider: &mut ComputeProvider,
    cap: &ProviderCap,
    network_address: String,
) {
    version::assert_current(provider.version);
    assert!(cap.provider_id == object::id(provider), EWrongCap);
    assert_network_address(&network_address);
    provider.network_address = network_address;
    emit_updated(provider);
}

// === Jobs ===

/// Opens a job running version `model_version` of `model` on `input_blob_id`, by
/// `providers` (1 to `MAX_PROVIDERS` distinct `ComputeProvider` IDs), settled when `k` of
/// them (more than half) agree, open until `deadline_ms`; `payment` is held in escrow. Shares
/// the job and returns its ID.
/// Only the holder of the model's `cap` opens jobs: a job makes `seal_approve_job` release
/// the model's key (the identity `license::seal_approve` protects) to the providers it
/// names, so a job anyone could open would hand any encrypted model's key to any provider,
/// a free license. Licensees cannot open jobs.
/// Emits `ComputeJobCreated`. Aborts `EWrongModelCap`, `EVersionNotFound`,
/// `EBadProviderCount`, `EDuplicateProvider`, `EBadQuorum`, `EBadDeadline`, `EZeroPayment`.
public fun create_job(
    model: &Model,
    cap: &ModelCap,
    model_version: u64,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    deadline_ms: u64,
    payment: Coin<WAL>,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    version::assert_current(model.object_version());
    assert!(cap.cap_model_id() == object::id(model), EWrongModelCap);
    let job = new_job(
        model,
        model_version,
        input_blob_id,
        providers,
        k,
        deadline_ms,
        coin::into_balance(payment),
        false,
        clock,
        ctx,
    );
    let job_id = object::id(&job);
    transfer::share_object(job);
    job_id
}

/// Opens `model`'s tuning job: anyone may, once its tuning reserve holds the owner's
/// threshold. The job runs the model's latest version with the owner's terms (providers, k,
/// input blob, open for the plan's duration from now) and its escrow is the plan's price,
/// taken from the reserve. Shares the job and returns its ID.
/// Emits `ComputeJobCreated`, `TuningJobOpened`. Aborts `model::ENoTuning`,
/// `model::ETuningJobOpen`, `model::EProposalPending`, `model::ENoVersionToTune`,
/// `model::EReserveBelowThreshold`.
public fun open_tuning_job(model: &mut Model, clock: &Clock, ctx: &mut TxContext): ID {
    version::assert_current(model.object_version());
    let (terms, base_version, payment) = model.take_tuning_payment();
    let price = payment.value();
    let job = new_job(
        model,
        base_version,
        terms.terms_input_blob_id(),
        terms.terms_providers(),
        terms.terms_k(),
        clock.timestamp_ms() + terms.terms_duration_ms(),
        payment,
        true,
        clock,
        ctx,
    );
    let job_id = object::id(&job);
    model.tuning_job_opened(job_id, base_version, price, ctx.sender());
    transfer::share_object(job);
    job_id
}

/// A new open job, checked. Emits `ComputeJobCreated`. Aborts as `create_job`.
fun new_job(
    model: &Model,
    model_version: u64,
    input_blob_id: u256,
    providers: vector<ID>,
    k: u64,
    deadline_ms: u64,
    payment: Balance<WAL>,
    tuning: bool,
    clock: &Clock,
    ctx: &mut TxContext,
): Job {
    assert!(model.has_version(model_version), EVersionNotFound);
    let m = providers.length();
    assert!(m > 0 && m <= MAX_PROVIDERS, EBadProviderCount);
    let mut i = 0;
    while (i < m) {
        let mut j = i + 1;
        while (j < m) {
            assert!(providers[i] != providers[j], EDuplicateProvider);
            j = j + 1;
        };
        i = i + 1;
    };
    assert!(k > 0 && k <= m && 2 * k > m, EBadQuorum);
    let now = clock.timestamp_ms();
    assert!(deadline_ms > now && deadline_ms - now <= MAX_JOB_MS, EBadDeadline);
    let price = payment.value();
    assert!(price > 0, EZeroPayment);

    let model_id = object::id(model);
    let model_blob_id = model.version(model_version).version_blob_id();
    let owner = ctx.sender();
    let job = Job {
        id: object::new(ctx),
        version: version::current(),
        owner,
        model_id,
        model_version,
        model_blob_id,
        input_blob_id,
        providers,
        k,
        deadline_ms,
        payment,
        price,
        submissions: vector[],
        bonds: balance::zero(),
        state: STATE_OPEN,
        output_hash: vector[],
        output_blob_id: 0,
        tuning,
        outputs: vector[],
    };
    events::emit_compute_job_created(
        object::id(&job),
        owner,
        model_id,
        model_version,
        model_blob_id,
        input_blob_id,
        providers,
        k,
        deadline_ms,
        price,
    );
    job
}

/// Seal access policy of a job, dry-run by key servers: approves `id` only if it is the job's
/// model ID bytes, the job is open and before its deadline, `provider` is one of the job's
/// chosen providers and the sender is that provider's account.
/// Aborts `EWrongId`, `EJobClosed`, `EDeadlinePassed`, `ENotChosen`, `ENotProvider`.
entry fun seal_approve_job(
    id: vector<u8>,
    job: &Job,
    provider: &ComputeProvider,
    clock: &Clock,
    ctx: &TxContext,
) {
    assert!(id == object::id_to_bytes(&job.model_id), EWrongId);
    assert!(job.state == STATE_OPEN, EJobClosed);
    assert!(clock.timestamp_ms() < job.deadline_ms, EDeadlinePassed);
    assert!(job.providers.contains(&object::id(provider)), ENotChosen);
    assert!(ctx.sender() == provider.operator, ENotProvider);
}

/// A chosen provider submits its result before the deadline: `output`, the certified and
/// unexpired `Blob` holding the output, and `output_hash`, the Blake2b-256 of the output
/// bytes. Bonds `BOND_BPS` of the provider's stake in the job.
/// Emits `ComputeResultSubmitted`. Aborts `ETuningJob`, `EWrongCap`, `EJobClosed`, `EDeadlinePassed`,
/// `ENotChosen`, `EAlreadySubmitted`, `EBadOutputHash`, `EOutputNotCertified`,
/// `EOutputExpired`, `EStakeTooLow`.
public fun submit_result(
    job: &mut Job,
    provider: &mut ComputeProvider,
    cap: &ProviderCap,
    system: &System,
    output: &Blob,
    output_hash: vector<u8>,
    clock: &Clock,
) {
    version::assert_current(job.version);
    assert!(!job.tuning, ETuningJob);
    record_submission(job, provider, cap, system, output, output_hash, clock);
}

/// A chosen provider submits its result to a tuning job: as `submit_result`, but the job
/// takes the output `Blob` itself, so whoever settles hands the model the certified object,
/// not a blob ID. The Blob goes to the model if this output wins, else back to the provider
/// when the job settles or is refunded.
/// Emits `ComputeResultSubmitted`. Aborts `ENotTuningJob` and as `submit_result`.
public fun submit_tuning_result(
    job: &mut Job,
    provider: &mut ComputeProvider,
    cap: &ProviderCap,
    system: &System,
    output: Blob,
    output_hash: vector<u8>,
    clock: &Clock,
) {
    version::assert_current(job.version);
    assert!(job.tuning, ENotTuningJob);
    record_submission(job, provider, cap, system, &output, output_hash, clock);
    job.outputs.push_back(output);
}

/// The checks and bond of a result. Emits `ComputeResultSubmitted`.
fun record_submission(
    job: &mut Job,
    provider: &mut ComputeProvider,
    cap: &ProviderCap,
    system: &System,
    output: &Blob,
    output_hash: vector<u8>,
    clock: &Clock,
) {
    version::assert_current(provider.version);
    version::assert_current(system.object_version());
    let provider_id = object::id(provider);
    assert!(cap.provider_id == provider_id, EWrongCap);
    assert!(job.state == STATE_OPEN, EJobClosed);
    let now = clock.timestamp_ms();
    assert!(now < job.deadline_ms, EDeadlinePassed);
    assert!(job.providers.contains(&provider_id), ENotChosen);
    let mut i = 0;
    while (i < job.submissions.length()) {
        assert!(job.submissions[i].provider_id != provider_id, EAlreadySubmitted);
        i = i + 1;
    };
    assert!(output_hash.length() == 32, EBadOutputHash);
    assert!(output.is_blob_certified(), EOutputNotCertified);
    assert!(system.epoch() < output.storage().end_epoch(), EOutputExpired);
    let stake = provider.stake.value();
    assert!(stake >= MIN_STAKE, EStakeTooLow);

    let bond = (((stake as u128) * (BOND_BPS as u128) / (BPS as u128)) as u64);
    job.bonds.join(provider.stake.split(bond));
    let submission = Submission {
        provider_id,
        operator: provider.operator,
        output_blob_id: output.blob_id(),
        output_blob_object_id: object::id(output),
        output_hash,
        bond,
        submitted_at_ms: now,
    };
    job.submissions.push_back(submission);
    events::emit_compute_result_submitted(
        object::id(job),
        provider_id,
        provider.operator,
        submission.output_blob_id,
        submission.output_blob_object_id,
        output_hash,
        bond,
        now,
    );
    emit_updated(provider);
}

/// Settles a job whose results agree: at least `k` submissions with the same output hash and
/// output blob ID (any time, also after the deadline, since they came before it). The protocol fee and the
/// rounding dust are burned, the rest is paid in equal shares with their bonds to the
/// providers whose hash matched; the bonds of the others are burned (slashed). Records the
/// output hash and blob for other contracts to read.
/// Emits `ComputeJobSettled`, `ComputeProviderSlashed` for each slashed provider, `WalBurned`.
/// Aborts `ETuningJob` (settle it with `settle_tuning_job`), `EJobClosed`, `ENoQuorum`.
public fun settle(
    job: &mut Job,
    system: &System,
    treasury: &mut Treasury,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    version::assert_current(job.version);
    assert!(!job.tuning, ETuningJob);
    pay_out(job, system, treasury, clock, ctx);
}

/// Settles a tuning job whose results agree, as `settle` (same payments, fee and slashes),
/// and hands the agreed output's `Blob` to `model`: published as its next version when the
/// owner opted in, else kept for the owner's approval. The other outputs' Blobs go back to
/// their providers. Anyone may call it.
/// Emits as `settle`, and `ModelVersionPublished` with `TunedVersionPublished`, or
/// `TunedVersionProposed`. Aborts `ENotTuningJob`, `EWrongModel`, `EJobClosed`, `ENoQuorum`.
public fun settle_tuning_job(
    job: &mut Job,
    model: &mut Model,
    system: &System,
    treasury: &mut Treasury,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    version::assert_current(job.version);
    version::assert_current(model.object_version());
    assert!(job.tuning, ENotTuningJob);
    assert!(object::id(model) == job.model_id, EWrongModel);
    let winner = pay_out(job, system, treasury, clock, ctx);
    let mut agreed = option::none<Blob>();
    let mut i = job.outputs.length();
    while (i > 0) {
        i = i - 1;
        let output = job.outputs.pop_back();
        if (i == winner) agreed.fill(output)
        else transfer::public_transfer(output, job.submissions[i].operator);
    };
    let output_hash = job.output_hash;
    model.tuning_job_settled(
        object::id(job),
        job.model_version,
        agreed.destroy_some(),
        output_hash,
        system,
        clock,
    );
}

/// The settlement of `settle`: checks, pays, slashes, records the output; returns the index
/// of the first agreeing submission.
fun pay_out(
    job: &mut Job,
    system: &System,
    treasury: &mut Treasury,
    clock: &Clock,
    ctx: &mut TxContext,
): u64 {
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    assert!(job.state == STATE_OPEN, EJobClosed);
    let (found, winner) = quorum(job);
    assert!(found, ENoQuorum);
    let agreed = job.submissions[winner];
    let job_id = object::id(job);

    let matching = count_agreeing(job, &agreed);
    let price = job.price;
    let bps = std::u64::min(system.license_fee_bps(), BPS);
    let fee = (((price as u128) * (bps as u128) / (BPS as u128)) as u64);
    let paid_each = (price - fee) / matching;
    let dust = price - fee - paid_each * matching;
    let fee_burned = wal::burn_balance(
        treasury,
        job.payment.split(fee + dust),
        wal::source_license_fee(),
    );

    let mut slashed = balance::zero<WAL>();
    let mut i = 0;
    while (i < job.submissions.length()) {
        let s = job.submissions[i];
        let bond = job.bonds.split(s.bond);
        if (s.output_hash == agreed.output_hash && s.output_blob_id == agreed.output_blob_id) {
            let mut pay = job.payment.split(paid_each);
            pay.join(bond);
            transfer::public_transfer(coin::from_balance(pay, ctx), s.operator);
        } else {
            events::emit_compute_provider_slashed(job_id, s.provider_id, s.operator, s.bond);
            slashed.join(bond);
        };
        i = i + 1;
    };
    let slashed_total = wal::burn_balance(treasury, slashed, wal::source_slashing());

    job.state = STATE_SETTLED;
    job.output_hash = agreed.output_hash;
    job.output_blob_id = agreed.output_blob_id;
    events::emit_compute_job_settled(
        job_id,
        job.model_id,
        agreed.output_blob_id,
        agreed.output_hash,
        paid_each,
        matching,
        fee_burned,
        slashed_total,
        clock.timestamp_ms(),
    );
    winner
}

/// After the deadline, a job without `k` matching results returns its payment to its owner
/// and every bond to its provider. Anyone may call it.
/// Emits `ComputeJobRefunded`. Aborts `ETuningJob`, `EJobClosed`, `EDeadlineNotPassed`,
/// `EQuorumReached`.
public fun refund(job: &mut Job, clock: &Clock, ctx: &mut TxContext) {
    version::assert_current(job.version);
    assert!(!job.tuning, ETuningJob);
    let payment = close_unsettled(job, clock, ctx);
    let refunded = payment.value();
    transfer::public_transfer(coin::from_balance(payment, ctx), job.owner);
    events::emit_compute_job_refunded(object::id(job), job.owner, refunded, clock.timestamp_ms());
}

/// After the deadline, a tuning job without `k` matching results returns its escrow to its
/// model's tuning reserve (not to whoever opened or refunds it), every bond and output Blob to
/// its provider; the model may then open another tuning job. Anyone may call it.
/// Emits `ComputeJobRefunded` (naming the model's address as the one refunded),
/// `TuningJobRefunded`. Aborts `ENotTuningJob`, `EWrongModel`, `EJobClosed`,
/// `EDeadlineNotPassed`, `EQuorumReached`.
public fun refund_tuning_job(job: &mut Job, model: &mut Model, clock: &Clock, ctx: &mut TxContext) {
    version::assert_current(job.version);
    version::assert_current(model.object_version());
    assert!(job.tuning, ENotTuningJob);
    assert!(object::id(model) == job.model_id, EWrongModel);
    let payment = close_unsettled(job, clock, ctx);
    let refunded = payment.value();
    let job_id = object::id(job);
    while (!job.outputs.is_empty()) {
        let i = job.outputs.length() - 1;
        let output = job.outputs.pop_back();
        transfer::public_transfer(output, job.submissions[i].operator);
    };
    events::emit_compute_job_refunded(
        job_id,
        object::id_to_address(&job.model_id),
        refunded,
        clock.timestamp_ms(),
    );
    model.tuning_job_refunded(job_id, payment);
}

/// The checks of a refund; returns every bond to its provider, marks the job refunded and
/// returns its escrow.
fun close_unsettled(job: &mut Job, clock: &Clock, ctx: &mut TxContext): Balance<WAL> {
    assert!(job.state == STATE_OPEN, EJobClosed);
    let now = clock.timestamp_ms();
    assert!(now >= job.deadline_ms, EDeadlineNotPassed);
    let (found, _) = quorum(job);
    assert!(!found, EQuorumReached);

    let mut i = 0;
    while (i < job.submissions.length()) {
        let s = job.submissions[i];
        let bond = job.bonds.split(s.bond);
        transfer::public_transfer(coin::from_balance(bond, ctx), s.operator);
        i = i + 1;
    };
    job.state = STATE_REFUNDED;
    job.payment.withdraw_all()
}

// === Reads ===

/// The settled job's output hash (Blake2b-256 of the output bytes), agreed by k providers:
/// what other contracts build on. Aborts `ENotSettled`.
public fun settled_output_hash(job: &Job): vector<u8> {
    assert!(job.state == STATE_SETTLED, ENotSettled);
    job.output_hash
}

/// The blob ID of the settled job's output. Aborts `ENotSettled`.
public fun settled_output_blob_id(job: &Job): u256 {
    assert!(job.state == STATE_SETTLED, ENotSettled);
    job.output_blob_id
}

/// Whether the job is a tuning job (paid from its model's tuning reserve).
public fun job_is_tuning(job: &Job): bool { job.tuning }

/// The job's state: 0 open, 1 settled, 2 refunded.
public fun job_state(job: &Job): u8 { job.state }

/// Who created (and paid for) the job.
public fun job_owner(job: &Job): address { job.owner }

/// The job's model.
public fun job_model_id(job: &Job): ID { job.model_id }

/// The job's chosen providers.
public fun job_providers(job: &Job): vector<ID> { job.providers }

/// Matching results the job needs.
public fun job_k(job: &Job): u64 { job.k }

/// The job's deadline (ms).
public fun job_deadline_ms(job: &Job): u64 { job.deadline_ms }

/// The payment the job was created with.
public fun job_price(job: &Job): u64 { job.price }

/// Results submitted so far.
public fun job_submission_count(job: &Job): u64 { job.submissions.length() }

/// The provider's account.
public fun provider_operator(provider: &ComputeProvider): address { provider.operator }

/// The provider's ed25519 public key.
public fun provider_public_key(provider: &ComputeProvider): vector<u8> { provider.public_key }

/// The provider's network address.
public fun provider_network_address(provider: &ComputeProvider): String {
    provider.network_address
}

/// The provider's stake not bonded in jobs.
public fun provider_stake(provider: &ComputeProvider): u64 { provider.stake.value() }

/// The provider a cap controls.
public fun cap_provider_id(cap: &ProviderCap): ID { cap.provider_id }

// === Internal ===

fun assert_network_address(network_address: &String) {
    let length = network_address.length();
    assert!(length > 0 && length <= MAX_NETWORK_ADDRESS_LENGTH, EBadNetworkAddress);
}

/// Whether some result (output hash and output blob ID) has at least `k` submissions, and the
/// index of the first submission carrying it. (2k > m, so at most one result can.)
fun quorum(job: &Job): (bool, u64) {
    let n = job.submissions.length();
    let mut i = 0;
    while (i < n) {
        if (count_agreeing(job, &job.submissions[i]) >= job.k) return (true, i);
        i = i + 1;
    };
    (false, 0)
}

/// How many submissions agree with `result`: the same output hash AND the same output blob
/// ID. A blob ID commits to the blob's content, so the settled blob (the one a tuning job
/// hands to the model) is the one k providers vouched for, not only its hash.
fun count_agreeing(job: &Job, result: &Submission): u64 {
    let mut count = 0;
    let mut i = 0;
    while (i < job.submissions.length()) {
        let s = &job.submissions[i];
        if (s.output_hash == result.output_hash && s.output_blob_id == result.output_blob_id)
            count = count + 1;
        i = i + 1;
    };
    count
}

fun emit_updated(provider: &ComputeProvider) {
    events::emit_compute_provider_updated(
        object::id(provider),
        provider.stake.value(),
        provider.network_address,
    );
}

// === Versions ===

/// Brings a `ComputeProvider` left at an older package version to this package's version.
/// Anyone may call it: only the version changes. Aborts `version::EAlreadyMigrated` if it is
/// at this version already.
public fun migrate_provider(provider: &mut ComputeProvider) {
    provider.version = version::migrated(provider.version);
}

/// Brings a `Job` left at an older package version to this package's version. Anyone may
/// call it: only the version changes. Aborts `version::EAlreadyMigrated` if it is at this
/// version already.
public fun migrate_job(job: &mut Job) {
    job.version = version::migrated(job.version);
}

// === Test-only ===

/// `seal_approve_job` is a private `entry` (the Seal policy shape); tests reach it here.
#[test_only]
public fun seal_approve_job_for_testing(
    id: vector<u8>,
    job: &Job,
    provider: &ComputeProvider,
    clock: &Clock,
    ctx: &TxContext,
) {
    seal_approve_job(id, job, provider, clock, ctx);
}

/// `register_provider` is a private `entry`; tests reach it here.
#[test_only]
public fun register_provider_for_testing(
    public_key: vector<u8>,
    network_address: String,
    stake: Coin<WAL>,
    ctx: &mut TxContext,
) {
    register_provider(public_key, network_address, stake, ctx);
}
