//! Datasets and contributor revenue share (`floe::dataset`): create a dataset, contribute a
//! stored blob, weigh contributions, seal the dataset (its weights final, so models may train
//! on it), name the datasets a model was trained on, move a model's
//! set-aside share into a dataset, claim, and read what a contribution is owed.
//!
//! A claim is one transaction that first distributes from the models the caller names (so
//! revenue still waiting in a model reaches the dataset under its sealed weights) and then
//! claims; [`Floe::claim_contribution`] builds it. What a contribution is owed is computed from
//! its record in the dataset's table exactly as `dataset::claimable` does, without a
//! transaction.

use sui_sdk_types::{Address, StructTag, TypeTag};
use sui_transaction_builder::TransactionBuilder;

use crate::calls::{self, SharedObject};
use crate::flows::{Floe, FlowError, event, shared_created};
use crate::move_types::{
    self,
    dataset::{Contribution, ContributionRecord, Dataset, DatasetCap},
    events,
    model::Model,
};

/// Fixed-point scale of `Dataset.reward_per_weight` (`dataset::SCALE`).
pub const SCALE: u128 = 1_000_000_000_000;

/// A dataset created by [`Floe::create_dataset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedDataset {
    /// The shared `Dataset`.
    pub dataset: Address,
    /// The `DatasetCap`, owned by the sender (the curator).
    pub cap: Address,
}

/// What one claim transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// WAL (base units) moved from each named model into the dataset first.
    pub distributed: Vec<(Address, u64)>,
    /// WAL (base units) paid to the sender.
    pub amount: u64,
}

/// One contribution as the dataset records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContributionState {
    pub weight: u64,
    /// What a claim would pay now (from revenue already distributed to the dataset).
    pub claimable: u64,
    /// All ever claimed.
    pub claimed: u64,
}

/// `dataset::earned`: what `record` earned between its snapshot and `reward_per_weight`,
/// rounded down, plus what it is already owed.
pub fn claimable(record: &ContributionRecord, reward_per_weight: u128) -> u64 {
    let delta = reward_per_weight.saturating_sub(record.snapshot);
    let weight = u128::from(record.weight);
    let earned = (delta / SCALE) * weight + (delta % SCALE) * weight / SCALE;
    record
        .owed
        .saturating_add(u64::try_from(earned).unwrap_or(u64::MAX))
}

impl Floe {
    /// Creates a dataset curated by the sender; returns it and its cap.
    pub async fn create_dataset(
        &mut self,
        name: &str,
        description: &str,
    ) -> Result<CreatedDataset, FlowError> {
        let mut builder = TransactionBuilder::new();
        let cap = calls::dataset::create_dataset(&mut builder, &self.objects, name, description);
        self.keep(&mut builder, vec![cap]);
        let executed = self.execute(builder).await?;
        let created: events::DatasetCreated = event(&executed, "DatasetCreated")?;
        let dataset = move_types::address_of(&created.dataset_id);
        shared_created(&executed, dataset)?;
        Ok(CreatedDataset {
            dataset,
            cap: move_types::address_of(&created.cap_id),
        })
    }

    /// Contributes `blob_object`, a certified `Blob` the sender owns, to `dataset`; returns
    /// the `Contribution` NFT the sender now holds (weight 0 until the curator sets one).
    pub async fn contribute(
        &mut self,
        dataset: Address,
        blob_object: Address,
    ) -> Result<Address, FlowError> {
        let dataset = SharedObject::resolve(&mut self.client, dataset).await?;
        let blob = self.owned_input(blob_object).await?;
        let mut builder = TransactionBuilder::new();
        let dataset = builder.object(dataset.input(true));
        let blob = builder.object(blob);
        let contribution = calls::dataset::contribute(&mut builder, &self.objects, dataset, blob);
        self.keep(&mut builder, vec![contribution]);
        let executed = self.execute(builder).await?;
        let added: events::ContributionAdded = event(&executed, "ContributionAdded")?;
        Ok(move_types::address_of(&added.contribution_id))
    }

    /// Sets the weight of `contribution` in `dataset`, as the curator holding `cap`.
    pub async fn set_contribution_weight(
        &mut self,
        dataset: Address,
        cap: Address,
        contribution: Address,
        weight: u64,
    ) -> Result<events::ContributionWeightSet, FlowError> {
        let dataset = SharedObject::resolve(&mut self.client, dataset).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let dataset = builder.object(dataset.input(true));
        let cap = builder.object(cap);
        calls::dataset::set_weight(
            &mut builder,
            &self.objects,
            dataset,
            cap,
            contribution,
            weight,
        );
        let executed = self.execute(builder).await?;
        event(&executed, "ContributionWeightSet")
    }

    /// Seals `dataset`, as the curator holding `cap`: no contribution or weight changes after
    /// this, and models may name it as trained on.
    pub async fn seal_dataset(
        &mut self,
        dataset: Address,
        cap: Address,
    ) -> Result<events::DatasetSealed, FlowError> {
        let dataset = SharedObject::resolve(&mut self.client, dataset).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let dataset = builder.object(dataset.input(true));
        let cap = builder.object(cap);
        calls::dataset::seal(&mut builder, &self.objects, dataset, cap);
        let executed = self.execute(builder).await?;
        event(&executed, "DatasetSealed")
    }

    /// Names the sealed `dataset` as trained on by version `version` of `model` (the sender
    /// holds the model's `cap`), with `bps` basis points of the model's revenue.
    pub async fn train_on(
        &mut self,
        model: Address,
        cap: Address,
        version: u64,
        dataset: Address,
        bps: u64,
    ) -> Result<events::ModelDatasetShareSet, FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let dataset = SharedObject::resolve(&mut self.client, dataset).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let dataset = builder.object(dataset.input(false));
        let cap = builder.object(cap);
        calls::dataset::train_on(
            &mut builder,
            &self.objects,
            dataset,
            model,
            cap,
            version,
            bps,
        );
        let executed = self.execute(builder).await?;
        event(&executed, "ModelDatasetShareSet")
    }

    /// Moves what `model` set aside for `dataset` into it (anyone may); returns the amount
    /// moved (0 when nothing was waiting).
    pub async fn distribute(&mut self, model: Address, dataset: Address) -> Result<u64, FlowError> {
        let claimed = self.distribute_and_claim(dataset, &[model], None).await?;
        Ok(claimed.distributed.first().map_or(0, |(_, amount)| *amount))
    }

    /// Claims what `contribution` (held by the sender) has earned, after distributing from
    /// each of `models` into its dataset in the same transaction.
    pub async fn claim_contribution(
        &mut self,
        contribution: Address,
        models: &[Address],
    ) -> Result<Claimed, FlowError> {
        let nft = self.contribution(contribution).await?;
        let dataset = move_types::address_of(&nft.dataset_id);
        self.distribute_and_claim(dataset, models, Some(contribution))
            .await
    }

    async fn distribute_and_claim(
        &mut self,
        dataset: Address,
        models: &[Address],
        contribution: Option<Address>,
    ) -> Result<Claimed, FlowError> {
        let dataset_object = SharedObject::resolve(&mut self.client, dataset).await?;
        let mut shared_models = Vec::with_capacity(models.len());
        for &model in models {
            shared_models.push(SharedObject::resolve(&mut self.client, model).await?);
        }
        let contribution_input = match contribution {
            Some(id) => Some(self.owned_input(id).await?),
            None => None,
        };
        let mut builder = TransactionBuilder::new();
        let dataset_arg = builder.object(dataset_object.input(true));
        for model in shared_models {
            calls::dataset::distribute(&mut builder, &self.objects, model, dataset_arg);
        }
        if let Some(input) = contribution_input {
            let nft = builder.object(input);
            let coin = calls::dataset::claim(&mut builder, &self.objects, dataset_arg, nft);
            self.keep(&mut builder, vec![coin]);
        }
        let executed = self.execute(builder).await?;
        let mut distributed: Vec<(Address, u64)> = models.iter().map(|&m| (m, 0)).collect();
        let moved = executed.events.iter().filter(|e| {
            e.type_.module().as_str() == "events"
                && e.type_.name().as_str() == "DatasetRevenueDistributed"
        });
        for e in moved {
            let e: events::DatasetRevenueDistributed =
                bcs::from_bytes(&e.contents).map_err(|error| FlowError::BadEvent {
                    event: "DatasetRevenueDistributed",
                    digest: executed.digest,
                    message: error.to_string(),
                })?;
            let model = move_types::address_of(&e.model_id);
            if let Some(entry) = distributed.iter_mut().find(|(m, _)| *m == model) {
                entry.1 += e.amount;
            }
        }
        let amount = if contribution.is_some() {
            let claimed: events::ContributionClaimed = event(&executed, "ContributionClaimed")?;
            claimed.amount
        } else {
            0
        };
        Ok(Claimed {
            distributed,
            amount,
        })
    }

    /// A dataset's contents.
    pub async fn dataset(&mut self, id: Address) -> Result<Dataset, FlowError> {
        self.read_object(id, "dataset::Dataset").await
    }

    /// A `Contribution` NFT's contents.
    pub async fn contribution(&mut self, id: Address) -> Result<Contribution, FlowError> {
        self.read_object(id, "dataset::Contribution").await
    }

    /// What `dataset` records of `contribution`: its weight, what a claim would pay now and
    /// what was claimed. Reads the record from the dataset's `contributions` table (a dynamic
    /// field at the ID Sui derives from the table and the key).
    pub async fn contribution_state(
        &mut self,
        dataset: Address,
        contribution: Address,
    ) -> Result<ContributionState, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: move_types::ID,
            value: ContributionRecord,
        }
        let dataset = self.dataset(dataset).await?;
        let table = move_types::address_of(&dataset.contributions.id.id);
        let key_type = TypeTag::Struct(Box::new(StructTag::new(
            Address::TWO,
            sui_sdk_types::Identifier::from_static("object"),
            sui_sdk_types::Identifier::from_static("ID"),
            vec![],
        )));
        let key = bcs::to_bytes(&contribution).expect("an address always serializes");
        let field_id = table.derive_dynamic_child_id(&key_type, &key);
        let field: Field = self
            .read_object(field_id, "dynamic_field::Field<ID, ContributionRecord>")
            .await?;
        Ok(ContributionState {
            weight: field.value.weight,
            claimable: claimable(&field.value, dataset.reward_per_weight),
            claimed: field.value.claimed,
        })
    }

    /// WAL `model` holds for `dataset`, not yet distributed (0 if it does not name it), and
    /// the dataset's share in basis points.
    pub async fn pending_share(
        &mut self,
        model: Address,
        dataset: Address,
    ) -> Result<(u64, u64), FlowError> {
        let model: Model = self.read_object(model, "model::Model").await?;
        Ok(model
            .dataset_shares
            .iter()
            .find(|s| move_types::address_of(&s.dataset_id) == dataset)
            .map_or((0, 0), |s| (s.pending.value, s.bps)))
    }

    /// The `DatasetCap`s the sender owns, as `(cap, dataset)` pairs.
    pub async fn dataset_caps(&mut self) -> Result<Vec<(Address, Address)>, FlowError> {
        let tag = move_types::struct_tag(
            self.objects.original_package,
            "dataset",
            "DatasetCap",
            vec![],
        );
        let sender = self.sender();
        let owned = self.client.owned_objects(sender, Some(&tag)).await?;
        let mut caps = Vec::new();
        for object in owned {
            let id = object.object_id();
            let cap: DatasetCap = self.read_object(id, "dataset::DatasetCap").await?;
            caps.push((id, move_types::address_of(&cap.dataset_id)));
        }
        Ok(caps)
    }
}
