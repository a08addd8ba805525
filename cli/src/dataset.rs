//! `floe dataset`: datasets and contributor revenue share (`floe::dataset`).
//!
//! - `create`: a dataset curated by this account (it holds the `DatasetCap`).
//! - `contribute`: a certified blob of this account (stored first from a file, or a `Blob`
//!   object already held) becomes a contribution; prints the `Contribution` NFT's ID.
//! - `weight`: as the curator, set a contribution's weight.
//! - `seal`: as the curator, make the contributions and weights final; only then can a model
//!   train on the dataset (so no one can change the split of revenue already paid).
//! - `train-on`: as a model's owner, give a sealed dataset a share of the model's revenue.
//! - `distribute`: move what a model set aside for a dataset into it (anyone may).
//! - `claim`: as a contribution's holder, distribute from the models named and claim.
//! - `show`: a dataset's totals (JSON), with a contribution's weight and what it can claim.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use floe_sdk::Floe;
use floe_sdk::move_types;
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::output::out;
use crate::session::{Session, node_directory};

/// `floe dataset …`.
#[derive(clap::Subcommand)]
pub enum DatasetCommand {
    /// Create a dataset you curate (you hold its DatasetCap); prints its ID.
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Contribute a certified blob of yours to a dataset; prints your Contribution NFT's ID.
    /// It earns nothing until the curator gives it a weight.
    Contribute {
        #[arg(value_parser = crate::object_id::parse)]
        dataset_id: Address,
        /// A file to store first (encrypt it beforehand if it must stay private).
        #[arg(long, conflicts_with = "blob_object")]
        file: Option<PathBuf>,
        /// Epochs to store --file for.
        #[arg(long, default_value_t = 2)]
        epochs: u64,
        /// A certified Blob object you already own.
        #[arg(long, value_parser = crate::object_id::parse)]
        blob_object: Option<Address>,
    },
    /// As the dataset's curator, set a contribution's weight (0 to 1000000; 0 leaves it out),
    /// before sealing the dataset.
    Weight {
        #[arg(value_parser = crate::object_id::parse)]
        dataset_id: Address,
        #[arg(value_parser = crate::object_id::parse)]
        contribution_id: Address,
        weight: u64,
    },
    /// As the dataset's curator, seal it: no contribution or weight changes after this, and
    /// models may then train on it. New data goes in a new dataset.
    Seal {
        #[arg(value_parser = crate::object_id::parse)]
        dataset_id: Address,
    },
    /// As a model's owner, give a sealed dataset its version was trained on a share of the
    /// model's revenue, in basis points (100 = 1 %). Shares can be raised at any time, lowered only
    /// before the model's first sale.
    TrainOn {
        #[arg(value_parser = crate::object_id::parse)]
        dataset_id: Address,
        #[arg(long, value_parser = crate::object_id::parse)]
        model: Address,
        /// Basis points of every license sale's revenue (after the protocol fee).
        #[arg(long)]
        bps: u64,
        /// The model version trained on the dataset.
        #[arg(long, default_value_t = 1)]
        version: u64,
    },
    /// Move what a model set aside for a dataset into it (anyone may); prints the WAL moved.
    Distribute {
        #[arg(value_parser = crate::object_id::parse)]
        dataset_id: Address,
        #[arg(long, value_parser = crate::object_id::parse)]
        model: Address,
    },
    /// Claim what your contribution earned; with --model, distribute from those models first
    /// (same transaction). Prints the WAL paid.
    Claim {
        #[arg(value_parser = crate::object_id::parse)]
        contribution_id: Address,
        /// Models trained on the dataset, comma-separated.
        #[arg(long, value_delimiter = ',', value_parser = crate::object_id::parse)]
        model: Vec<Address>,
    },
    /// Show a dataset (JSON, amounts in base units); with --contribution, that contribution's
    /// weight, claimable and claimed amounts; with --model, what the model holds for it.
    Show {
        #[arg(value_parser = crate::object_id::parse)]
        dataset_id: Address,
        #[arg(long, value_parser = crate::object_id::parse)]
        contribution: Option<Address>,
        #[arg(long, value_parser = crate::object_id::parse)]
        model: Option<Address>,
    },
}

/// Runs a `floe dataset` command.
pub async fn dispatch(session: &Session, command: DatasetCommand) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    match command {
        DatasetCommand::Create { name, description } => {
            let created = floe
                .create_dataset(&name, &description)
                .await
                .map_err(crate::commands::explain)?;
            out!("{}", created.dataset);
            eprintln!(
                "dataset {name:?} created as {}; its DatasetCap {} is yours",
                created.dataset, created.cap
            );
        }
        DatasetCommand::Contribute {
            dataset_id,
            file,
            epochs,
            blob_object,
        } => {
            let blob_object = match (file, blob_object) {
                (Some(file), None) => {
                    let bytes = std::fs::read(&file).with_context(|| {
                        format!("cannot read {}\ncheck the path", file.display())
                    })?;
                    let nodes = node_directory(&mut floe, None).await?;
                    let stored = floe
                        .store_blob(&nodes, &bytes, epochs, false)
                        .await
                        .map_err(crate::commands::explain)?;
                    eprintln!("stored {} as blob {}", file.display(), stored.blob_id);
                    stored.blob_object
                }
                (None, Some(object)) => object,
                _ => bail!(
                    "nothing to contribute\ngive --file PATH (stored first) or --blob-object ID (a certified Blob you own)"
                ),
            };
            let contribution = floe
                .contribute(dataset_id, blob_object)
                .await
                .map_err(crate::commands::explain)?;
            out!("{contribution}");
            eprintln!(
                "blob object {blob_object} contributed to dataset {dataset_id}; the Contribution {contribution} is yours (weight 0 until the curator sets one)"
            );
        }
        DatasetCommand::Weight {
            dataset_id,
            contribution_id,
            weight,
        } => {
            let cap = dataset_cap(&mut floe, dataset_id).await?;
            let set = floe
                .set_contribution_weight(dataset_id, cap, contribution_id, weight)
                .await
                .map_err(crate::commands::explain)?;
            out!("{}", set.total_weight);
            eprintln!(
                "contribution {contribution_id}: weight {} -> {weight}; the dataset's total weight is {}",
                set.old_weight, set.total_weight
            );
        }
        DatasetCommand::Seal { dataset_id } => {
            let cap = dataset_cap(&mut floe, dataset_id).await?;
            let sealed = floe
                .seal_dataset(dataset_id, cap)
                .await
                .map_err(crate::commands::explain)?;
            out!("{}", sealed.total_weight);
            eprintln!(
                "dataset {dataset_id} sealed: {} contributions, total weight {}, final; models may train on it now",
                sealed.contribution_count, sealed.total_weight
            );
        }
        DatasetCommand::TrainOn {
            dataset_id,
            model,
            bps,
            version,
        } => {
            let cap = crate::commands::model_cap(&mut floe, model).await?;
            let set = floe
                .train_on(model, cap, version, dataset_id, bps)
                .await
                .map_err(crate::commands::explain)?;
            out!("{}", set.total_bps);
            eprintln!(
                "model {model} (version {version}) shares {bps} bps of its revenue with dataset {dataset_id} (was {}); {} bps go to datasets in all",
                set.old_bps, set.total_bps
            );
        }
        DatasetCommand::Distribute { dataset_id, model } => {
            let amount = floe
                .distribute(model, dataset_id)
                .await
                .map_err(crate::commands::explain)?;
            out!("{}", format_wal(amount));
            eprintln!(
                "moved {} WAL from model {model} into dataset {dataset_id}",
                format_wal(amount)
            );
        }
        DatasetCommand::Claim {
            contribution_id,
            model,
        } => {
            let claimed = floe
                .claim_contribution(contribution_id, &model)
                .await
                .map_err(crate::commands::explain)?;
            for (model, amount) in &claimed.distributed {
                eprintln!(
                    "moved {} WAL from model {model} into the dataset",
                    format_wal(*amount)
                );
            }
            out!("{}", format_wal(claimed.amount));
            eprintln!(
                "claimed {} WAL for contribution {contribution_id}",
                format_wal(claimed.amount)
            );
        }
        DatasetCommand::Show {
            dataset_id,
            contribution,
            model,
        } => show(&mut floe, dataset_id, contribution, model).await?,
    }
    Ok(())
}

async fn show(
    floe: &mut Floe,
    dataset_id: Address,
    contribution: Option<Address>,
    model: Option<Address>,
) -> anyhow::Result<()> {
    let dataset = floe.dataset(dataset_id).await?;
    let mut json = serde_json::json!({
        "dataset": dataset_id.to_string(),
        "name": String::from_utf8_lossy(&dataset.name.bytes),
        "description": String::from_utf8_lossy(&dataset.description.bytes),
        "cap": move_types::address_of(&dataset.cap_id).to_string(),
        "contributions": dataset.contributions.size,
        "total_weight": dataset.total_weight,
        "sealed": dataset.sealed,
        "pool": dataset.pool.value,
        "total_distributed": dataset.total_distributed,
        "total_claimed": dataset.total_claimed,
    });
    if let Some(contribution) = contribution {
        let state = floe
            .contribution_state(dataset_id, contribution)
            .await
            .with_context(|| {
                format!(
                    "dataset {dataset_id} has no contribution {contribution}\ncheck the IDs (floe dataset contribute prints a contribution's ID)"
                )
            })?;
        json["contribution"] = serde_json::json!({
            "id": contribution.to_string(),
            "weight": state.weight,
            "claimable": state.claimable,
            "claimed": state.claimed,
        });
    }
    if let Some(model) = model {
        let (pending, bps) = floe.pending_share(model, dataset_id).await?;
        json["model"] = serde_json::json!({
            "id": model.to_string(),
            "bps": bps,
            "pending": pending,
        });
    }
    out!("{json}");
    Ok(())
}

/// The sender's `DatasetCap` for `dataset_id`.
async fn dataset_cap(floe: &mut Floe, dataset_id: Address) -> anyhow::Result<Address> {
    let caps = floe
        .dataset_caps()
        .await
        .map_err(crate::commands::explain)?;
    match caps.into_iter().find(|(_, dataset)| *dataset == dataset_id) {
        Some((cap, _)) => Ok(cap),
        None => bail!(
            "account {} holds no DatasetCap for dataset {dataset_id}: only its curator sets weights and seals it\n\
             sign as the curator with --as ADDRESS (`floe account list` shows your accounts)",
            floe.sender()
        ),
    }
}
