//! Compute jobs (`floe::compute`), one call each: register as a provider, open a job, submit a
//! result, settle, refund, and read a job or provider.
//!
//! A provider's account is its key: `register_provider` checks on-chain that the sender's
//! address is that of the ed25519 key it registers, so [`Floe::register_provider`] always
//! registers the signing key. The model key a chosen provider needs comes from the Seal key
//! servers through `compute::seal_approve_job` ([`seal_approve_job_call`] builds that call).
//!
//! Tuning jobs (a model's self-funding iteration): the owner sets a plan
//! ([`Floe::set_tuning`]), anyone opens the job from the model's reserve
//! ([`Floe::open_tuning_job`]), and the owner approves the settled output as the next version
//! ([`Floe::approve_tuned_version`]). [`Floe::submit_result`], [`Floe::settle_job`] and
//! [`Floe::refund_job`] read the job and call the tuning variants for a tuning job (the job
//! takes the output `Blob` itself; settlement and refunds need its model), so a provider's
//! worker runs both kinds the same way.

use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::Address;
use sui_transaction_builder::TransactionBuilder;

use crate::calls::{self, FloeObjects, SharedObject};
use crate::client::events_of;
use crate::flows::{Floe, FlowError, event, shared_created};
use crate::move_types::{
    self,
    compute::{ComputeProvider, Job},
    events,
    model::Model,
};

/// Job states (`Job.state`).
pub const STATE_OPEN: u8 = 0;
pub const STATE_SETTLED: u8 = 1;
pub const STATE_REFUNDED: u8 = 2;

/// A provider registered by [`Floe::register_provider`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredProvider {
    /// The shared `ComputeProvider`.
    pub provider: Address,
    /// The `ProviderCap`, owned by the sender.
    pub cap: Address,
}

/// What settling a job did (`ComputeJobSettled`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub output_blob_id: [u8; 32],
    pub output_hash: Vec<u8>,
    pub paid_each: u64,
    pub providers_paid: u64,
    pub fee_burned: u64,
    pub slashed: u64,
    /// A tuning job's output: the version it was published as (auto-publish), or `None`
    /// (a plain job, or a tuned version awaiting the owner's approval, see `proposed`).
    pub published_version: Option<u64>,
    /// A tuning job's output awaits the owner's approval.
    pub proposed: bool,
}

/// A model's fine-tuning plan, as `model::set_tuning` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuningPlan {
    /// Basis points of every revenue credit set aside into the reserve.
    pub bps: u64,
    /// The reserve (FROST) that lets anyone open a job.
    pub threshold: u64,
    /// What the job pays (FROST), at most `threshold`.
    pub price: u64,
    /// The blob the job runs the model on.
    pub input_blob_id: [u8; 32],
    /// The `ComputeProvider`s the job names.
    pub providers: Vec<Address>,
    /// Matching results needed.
    pub k: u64,
    /// How long the job stays open, ms.
    pub duration_ms: u64,
    /// Publish the settled output without waiting for approval.
    pub auto_publish: bool,
}

/// Event `name` decoded if the transaction emitted one, `None` if it did not (a plain job's
/// settlement emits no tuning event); a malformed one is still an error.
fn optional_event<T: serde::de::DeserializeOwned>(
    executed: &crate::client::ExecutedTransaction,
    name: &'static str,
) -> Result<Option<T>, FlowError> {
    match event(executed, name) {
        Ok(found) => Ok(Some(found)),
        Err(FlowError::MissingEvent { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// A job's state in words.
pub fn state_name(state: u8) -> &'static str {
    match state {
        STATE_OPEN => "open",
        STATE_SETTLED => "settled",
        STATE_REFUNDED => "refunded",
        _ => "unknown",
    }
}

/// The `compute::seal_approve_job(id, job, provider, clock)` call a key server dry-runs for a
/// chosen provider: `id` is the model's ID bytes.
pub fn seal_approve_job_call(
    builder: &mut TransactionBuilder,
    objects: &FloeObjects,
    model: Address,
    job: SharedObject,
    provider: SharedObject,
) {
    let job = builder.object(job.input(false));
    let provider = builder.object(provider.input(false));
    calls::compute::seal_approve_job(builder, objects, model.as_bytes(), job, provider);
}

/// The jobs opened in `checkpoint` (by `package`, its original ID) that choose `provider`, in
/// chain order: what a provider's worker discovers checkpoint by checkpoint. A worker that
/// records the last checkpoint it finished resumes after it, so it neither misses a job nor
/// sees one twice.
pub fn jobs_choosing(
    checkpoint: &proto::Checkpoint,
    package: Address,
    provider: Address,
) -> Result<Vec<events::ComputeJobCreated>, FlowError> {
    let wanted = move_types::id(provider);
    let mut jobs = Vec::new();
    for envelope in events_of(checkpoint, Some(package)) {
        let envelope = envelope?;
        let type_ = &envelope.event.type_;
        if type_.module().as_str() != "events" || type_.name().as_str() != "ComputeJobCreated" {
            continue;
        }
        let created: events::ComputeJobCreated = bcs::from_bytes(&envelope.event.contents)
            .map_err(|e| FlowError::BadEvent {
                event: "ComputeJobCreated",
                digest: envelope.transaction,
                message: e.to_string(),
            })?;
        if created.providers.contains(&wanted) {
            jobs.push(created);
        }
    }
    Ok(jobs)
}

impl Floe {
    /// Registers the sender as a compute provider with `stake` WAL (base units), its own
    /// ed25519 public key and `network_address`.
    pub async fn register_provider(
        &mut self,
        public_key: &[u8],
        network_address: &str,
        stake: u64,
    ) -> Result<RegisteredProvider, FlowError> {
        let mut builder = TransactionBuilder::new();
        let (source, coin) = self.exact_payment(&mut builder, stake).await?;
        calls::compute::register_provider(
            &mut builder,
            &self.objects,
            public_key,
            network_address,
            coin,
        );
        // The source coin keeps the change; the split coin went into the stake.
        let _ = source;
        let executed = self.execute(builder).await?;
        let registered: events::ComputeProviderRegistered =
            event(&executed, "ComputeProviderRegistered")?;
        Ok(RegisteredProvider {
            provider: move_types::address_of(&registered.provider_id),
            cap: move_types::address_of(&registered.cap_id),
        })
    }

    /// Opens a job running version `version` of `model` on the blob `input_blob_id` by
    /// `providers` (k of them must agree) until `deadline_ms`, paying `price` WAL (base units)
    /// into escrow; returns the shared `Job`. `cap` is the sender's `ModelCap` of `model`:
    /// only the model's owner opens jobs, since a job releases the model's key to the
    /// providers it names (`compute::EWrongModelCap` with another model's cap).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_job(
        &mut self,
        model: Address,
        cap: Address,
        version: u64,
        input_blob_id: [u8; 32],
        providers: &[Address],
        k: u64,
        deadline_ms: u64,
        price: u64,
    ) -> Result<SharedObject, FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        let (_source, payment) = self.exact_payment(&mut builder, price).await?;
        calls::compute::create_job(
            &mut builder,
            &self.objects,
            model,
            cap,
            version,
            input_blob_id,
            providers,
            k,
            deadline_ms,
            payment,
        );
        let executed = self.execute(builder).await?;
        let created: events::ComputeJobCreated = event(&executed, "ComputeJobCreated")?;
        shared_created(&executed, move_types::address_of(&created.job_id))
    }

    /// Submits the sender's result to `job` as `provider` (with its `cap`): `output_blob`, a
    /// certified `Blob` the sender owns holding the output, and the output's Blake2b-256.
    pub async fn submit_result(
        &mut self,
        job: Address,
        provider: Address,
        cap: Address,
        output_blob: Address,
        output_hash: &[u8; 32],
    ) -> Result<(), FlowError> {
        let tuning = self.job(job).await?.tuning;
        let job = SharedObject::resolve(&mut self.client, job).await?;
        let provider = SharedObject::resolve(&mut self.client, provider).await?;
        let cap = self.owned_input(cap).await?;
        let output = self.owned_input(output_blob).await?;
        let mut builder = TransactionBuilder::new();
        let job = builder.object(job.input(true));
        let provider = builder.object(provider.input(true));
        let cap = builder.object(cap);
        let output = builder.object(output);
        if tuning {
            // A tuning job takes the output Blob itself: the model it is published to then
            // holds the object, not a blob ID.
            calls::compute::submit_tuning_result(
                &mut builder,
                &self.objects,
                job,
                provider,
                cap,
                output,
                output_hash,
            );
        } else {
            calls::compute::submit_result(
                &mut builder,
                &self.objects,
                job,
                provider,
                cap,
                output,
                output_hash,
            );
        }
        let executed = self.execute(builder).await?;
        let _: events::ComputeResultSubmitted = event(&executed, "ComputeResultSubmitted")?;
        Ok(())
    }

    /// Settles `job` (anyone may, once k results agree); a tuning job with its model
    /// (`settle_tuning_job`).
    pub async fn settle_job(&mut self, job: Address) -> Result<Settlement, FlowError> {
        let contents = self.job(job).await?;
        let job = SharedObject::resolve(&mut self.client, job).await?;
        let model = if contents.tuning {
            let model = move_types::address_of(&contents.model_id);
            Some(SharedObject::resolve(&mut self.client, model).await?)
        } else {
            None
        };
        let mut builder = TransactionBuilder::new();
        let job = builder.object(job.input(true));
        match model {
            Some(model) => {
                calls::compute::settle_tuning_job(&mut builder, &self.objects, job, model);
            }
            None => calls::compute::settle(&mut builder, &self.objects, job),
        }
        let executed = self.execute(builder).await?;
        let settled: events::ComputeJobSettled = event(&executed, "ComputeJobSettled")?;
        let published: Option<events::TunedVersionPublished> =
            optional_event(&executed, "TunedVersionPublished")?;
        let proposed =
            optional_event::<events::TunedVersionProposed>(&executed, "TunedVersionProposed")?
                .is_some();
        Ok(Settlement {
            published_version: published.map(|p| p.version),
            proposed,
            output_blob_id: settled.output_blob_id.to_le_bytes(),
            output_hash: settled.output_hash,
            paid_each: settled.paid_each,
            providers_paid: settled.providers_paid,
            fee_burned: settled.fee_burned,
            slashed: settled.slashed,
        })
    }

    /// Refunds `job` after its deadline when its results do not agree (anyone may); returns
    /// the WAL returned to its owner, or for a tuning job into its model's reserve.
    pub async fn refund_job(&mut self, job: Address) -> Result<u64, FlowError> {
        let contents = self.job(job).await?;
        let job = SharedObject::resolve(&mut self.client, job).await?;
        let model = if contents.tuning {
            let model = move_types::address_of(&contents.model_id);
            Some(SharedObject::resolve(&mut self.client, model).await?)
        } else {
            None
        };
        let mut builder = TransactionBuilder::new();
        let job = builder.object(job.input(true));
        match model {
            Some(model) => {
                calls::compute::refund_tuning_job(&mut builder, &self.objects, job, model);
            }
            None => calls::compute::refund(&mut builder, &self.objects, job),
        }
        let executed = self.execute(builder).await?;
        let refunded: events::ComputeJobRefunded = event(&executed, "ComputeJobRefunded")?;
        Ok(refunded.amount)
    }

    /// Sets `model`'s fine-tuning plan with its `cap` (owned by the sender).
    pub async fn set_tuning(
        &mut self,
        model: Address,
        cap: Address,
        plan: &TuningPlan,
    ) -> Result<(), FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        calls::model::set_tuning(
            &mut builder,
            &self.objects,
            model,
            cap,
            plan.bps,
            plan.threshold,
            plan.price,
            plan.input_blob_id,
            &plan.providers,
            plan.k,
            plan.duration_ms,
            plan.auto_publish,
        );
        let executed = self.execute(builder).await?;
        let _: events::ModelTuningSet = event(&executed, "ModelTuningSet")?;
        Ok(())
    }

    /// Opens `model`'s tuning job (anyone may, once its reserve holds the threshold): the
    /// owner's terms, paid from the reserve. Returns the shared `Job`.
    pub async fn open_tuning_job(&mut self, model: Address) -> Result<SharedObject, FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let mut builder = TransactionBuilder::new();
        calls::compute::open_tuning_job(&mut builder, &self.objects, model);
        let executed = self.execute(builder).await?;
        let opened: events::TuningJobOpened = event(&executed, "TuningJobOpened")?;
        shared_created(&executed, move_types::address_of(&opened.job_id))
    }

    /// Publishes the tuned version awaiting approval with the model's `cap`; the version's
    /// `Blob` goes to the sender. Returns the new version number.
    pub async fn approve_tuned_version(
        &mut self,
        model: Address,
        cap: Address,
    ) -> Result<u64, FlowError> {
        let executed = self
            .decide_tuned_version(model, cap, calls::model::approve_tuned_version)
            .await?;
        let published: events::TunedVersionPublished = event(&executed, "TunedVersionPublished")?;
        Ok(published.version)
    }

    /// Approves or rejects (`decide`) the model's pending tuned version with its `cap`; either
    /// way the call returns the version's `Blob`, which goes to the sender.
    async fn decide_tuned_version(
        &mut self,
        model: Address,
        cap: Address,
        decide: fn(
            &mut TransactionBuilder,
            &FloeObjects,
            SharedObject,
            sui_transaction_builder::Argument,
        ) -> sui_transaction_builder::Argument,
    ) -> Result<crate::client::ExecutedTransaction, FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        let blob = decide(&mut builder, &self.objects, model, cap);
        let me = builder.pure(&self.sender());
        builder.transfer_objects(vec![blob], me);
        self.execute(builder).await
    }

    /// Drops the tuned version awaiting approval with the model's `cap`; its `Blob` goes to
    /// the sender. Returns the Blob's object ID.
    pub async fn reject_tuned_version(
        &mut self,
        model: Address,
        cap: Address,
    ) -> Result<Address, FlowError> {
        let executed = self
            .decide_tuned_version(model, cap, calls::model::reject_tuned_version)
            .await?;
        let rejected: events::TunedVersionRejected = event(&executed, "TunedVersionRejected")?;
        Ok(move_types::address_of(&rejected.blob_object_id))
    }

    /// Takes the `Blob` of tuned version `number`, which a tuning job published without
    /// approval (`--auto-publish`) and the model keeps for whoever holds its `cap` (the
    /// sender); the Blob goes to the sender.
    pub async fn take_tuned_blob(
        &mut self,
        model: Address,
        cap: Address,
        number: u64,
    ) -> Result<(), FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        let blob = calls::model::take_tuned_blob(&mut builder, &self.objects, model, cap, number);
        self.keep(&mut builder, vec![blob]);
        self.execute(builder).await?;
        Ok(())
    }

    /// Moves `model`'s whole tuning reserve into its revenue (the sender holds its `cap`), while
    /// no tuning job is open and no proposal is pending; returns the amount (base units).
    pub async fn clear_tuning_reserve(
        &mut self,
        model: Address,
        cap: Address,
    ) -> Result<u64, FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let cap = builder.object(cap);
        calls::model::clear_tuning_reserve(&mut builder, &self.objects, model, cap);
        let executed = self.execute(builder).await?;
        let cleared: events::TuningReserveCleared = event(&executed, "TuningReserveCleared")?;
        Ok(cleared.amount)
    }

    /// A model's contents (its tuning plan, reserve, open job and proposal among them).
    pub async fn model(&mut self, id: Address) -> Result<Model, FlowError> {
        self.read_object(id, "model::Model").await
    }

    /// Every published version of `model`, from 1 (read from its `versions` table).
    pub async fn model_versions(
        &mut self,
        model: Address,
    ) -> Result<Vec<move_types::model::ModelVersion>, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: u64,
            value: move_types::model::ModelVersion,
        }
        let state = self.model(model).await?;
        let table = move_types::address_of(&state.versions.id.id);
        let mut versions = Vec::new();
        for number in 1..=state.versions.size {
            let key = bcs::to_bytes(&number).expect("a u64 always serializes");
            let field = table.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U64, &key);
            let field: Field = self
                .read_object(field, "dynamic_field::Field<u64, ModelVersion>")
                .await?;
            versions.push(field.value);
        }
        Ok(versions)
    }

    /// A job's contents.
    pub async fn job(&mut self, id: Address) -> Result<Job, FlowError> {
        self.read_object(id, "compute::Job").await
    }

    /// A provider's contents.
    pub async fn compute_provider(&mut self, id: Address) -> Result<ComputeProvider, FlowError> {
        self.read_object(id, "compute::ComputeProvider").await
    }

    /// The `ProviderCap`s the sender owns, as `(cap, provider)` pairs.
    pub async fn provider_caps(&mut self) -> Result<Vec<(Address, Address)>, FlowError> {
        let tag = move_types::struct_tag(
            self.objects.original_package,
            "compute",
            "ProviderCap",
            vec![],
        );
        let sender = self.sender();
        let owned = self.client.owned_objects(sender, Some(&tag)).await?;
        let mut caps = Vec::new();
        for object in owned {
            let id = object.object_id();
            let cap: move_types::compute::ProviderCap =
                self.read_object(id, "compute::ProviderCap").await?;
            caps.push((id, move_types::address_of(&cap.provider_id)));
        }
        Ok(caps)
    }
}
