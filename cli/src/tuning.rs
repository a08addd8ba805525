//! `floe model tuning …` and `floe model show`: a model's self-funding iteration.
//!
//! - `tuning set MODEL`: the owner's plan: the share of revenue set aside, the threshold, the
//!   job's price, providers, k, input and duration, and whether a settled output is published
//!   without approval.
//! - `tuning open MODEL`: anyone opens the tuning job once the reserve holds the threshold;
//!   the chosen providers' `floe compute run` runs it like any job, and `floe compute settle`
//!   settles it.
//! - `tuning approve MODEL` / `tuning reject MODEL`: the owner publishes the settled output as
//!   the next version, or drops it (either way the output's Blob becomes theirs).
//! - `tuning take MODEL VERSION`: the cap holder takes the Blob of a version a job published
//!   without approval (`--auto-publish`), which the model keeps until then.
//! - `tuning clear MODEL`: the owner moves a reserve no job uses into the model's revenue
//!   (`floe model withdraw` then takes it); the plan stays.
//! - `show MODEL`: the model as JSON: versions, revenue, the plan, the reserve, the open job
//!   and the proposal.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use floe_sdk::compute::TuningPlan;
use floe_sdk::move_types;
use serde_json::json;
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::commands::{explain, model_cap};
use crate::output::out;
use crate::session::{Session, node_directory};

/// Epochs a tuning input is stored for.
const INPUT_EPOCHS: u64 = 5;

/// `floe model tuning …`.
#[derive(clap::Subcommand)]
pub enum TuningCommand {
    /// Set your model's fine-tuning plan: a share of every sale goes into a reserve; once it
    /// holds --threshold WAL, anyone may open a job paying --price WAL to --providers.
    Set {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
        /// Basis points of every revenue credit set aside (100 = 1 %); with the datasets'
        /// shares at most 10 000.
        #[arg(long)]
        bps: u64,
        /// WAL the reserve must hold before anyone may open a job.
        #[arg(long, value_parser = crate::amount::parse_wal)]
        threshold: u64,
        /// WAL the job pays its providers (at most the threshold; default the threshold).
        #[arg(long, value_parser = crate::amount::parse_wal)]
        price: Option<u64>,
        /// The job's input: a file of little-endian f32s, stored first.
        #[arg(long, conflicts_with = "input_blob")]
        input: Option<PathBuf>,
        /// The job's input: a blob already stored.
        #[arg(long)]
        input_blob: Option<String>,
        /// Provider object IDs, comma-separated.
        #[arg(long, value_delimiter = ',', value_parser = crate::object_id::parse, required = true)]
        providers: Vec<Address>,
        /// How many providers must agree (more than half; default all).
        #[arg(long)]
        k: Option<u64>,
        /// Minutes a job stays open.
        #[arg(long, default_value_t = 30)]
        minutes: u64,
        /// Publish a settled output as the next version without waiting for your approval.
        #[arg(long)]
        auto_publish: bool,
    },
    /// Open the model's tuning job, paid from its reserve with the owner's terms (anyone may,
    /// once the reserve holds the threshold).
    Open {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
    },
    /// Publish the settled tuning output awaiting your approval as the next version.
    Approve {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
    },
    /// Drop the settled tuning output awaiting your approval (its Blob becomes yours).
    Reject {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
    },
    /// Take the Blob of a version a tuning job published without approval (--auto-publish):
    /// the model keeps it for whoever holds its cap.
    Take {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
        /// The version number the job published.
        version: u64,
    },
    /// Move the whole tuning reserve into the model's revenue (no job open, no proposal
    /// pending); the plan stays: set --bps 0 to stop refilling it.
    Clear {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
    },
}

/// Runs a `floe model tuning` command.
pub async fn dispatch(session: &Session, command: TuningCommand) -> anyhow::Result<()> {
    match command {
        TuningCommand::Set {
            model_id,
            bps,
            threshold,
            price,
            input,
            input_blob,
            providers,
            k,
            minutes,
            auto_publish,
        } => {
            let mut floe = session.floe().await?;
            let cap = model_cap(&mut floe, model_id).await?;
            let input_blob_id = match (&input, &input_blob) {
                (Some(file), None) => {
                    let bytes = std::fs::read(file).with_context(|| {
                        format!("cannot read {}\ncheck the path", file.display())
                    })?;
                    let nodes = node_directory(&mut floe, None).await?;
                    let stored = floe
                        .store_blob(&nodes, &bytes, INPUT_EPOCHS, false)
                        .await
                        .map_err(explain)?;
                    eprintln!(
                        "stored the tuning input {} as blob {}",
                        file.display(),
                        stored.blob_id
                    );
                    stored.blob_id
                }
                (None, Some(id)) => id.parse::<floe_encoder::BlobId>().map_err(|e| {
                    anyhow::anyhow!("{id} is not a blob ID: {e}\ngive the ID `floe store` printed")
                })?,
                _ => bail!(
                    "no tuning input given\ngive it as --input FILE or --input-blob BLOB_ID (one of them)"
                ),
            };
            let plan = TuningPlan {
                bps,
                threshold,
                price: price.unwrap_or(threshold),
                input_blob_id: *input_blob_id.as_bytes(),
                k: k.unwrap_or(providers.len() as u64),
                providers,
                duration_ms: minutes * 60_000,
                auto_publish,
            };
            floe.set_tuning(model_id, cap, &plan)
                .await
                .map_err(explain)?;
            eprintln!(
                "model {model_id}: {} bps of every sale go to the tuning reserve; at {} WAL anyone may open a job paying {} WAL to {} provider(s), {} must agree, open {minutes} min; {}",
                plan.bps,
                format_wal(plan.threshold),
                format_wal(plan.price),
                plan.providers.len(),
                plan.k,
                if auto_publish {
                    "its output is published without approval; take its Blob with floe model tuning take"
                } else {
                    "its output waits for your approval (floe model tuning approve)"
                }
            );
            Ok(())
        }
        TuningCommand::Open { model_id } => {
            let mut floe = session.floe().await?;
            let job = floe.open_tuning_job(model_id).await.map_err(explain)?;
            let contents = floe.job(job.id).await?;
            out!("{}", job.id);
            eprintln!(
                "tuning job {} opened for model {model_id}: version {} on the owner's input, {} WAL from the reserve; the chosen providers' `floe compute run` runs it",
                job.id,
                contents.model_version,
                format_wal(contents.price)
            );
            Ok(())
        }
        TuningCommand::Approve { model_id } => {
            let mut floe = session.floe().await?;
            let cap = model_cap(&mut floe, model_id).await?;
            let version = floe
                .approve_tuned_version(model_id, cap)
                .await
                .map_err(explain)?;
            out!("{version}");
            eprintln!("model {model_id}: the tuned output is version {version}; its Blob is yours");
            Ok(())
        }
        TuningCommand::Reject { model_id } => {
            let mut floe = session.floe().await?;
            let cap = model_cap(&mut floe, model_id).await?;
            let blob = floe
                .reject_tuned_version(model_id, cap)
                .await
                .map_err(explain)?;
            out!("{blob}");
            eprintln!("model {model_id}: the tuned output was dropped; its Blob {blob} is yours");
            Ok(())
        }
        TuningCommand::Take { model_id, version } => {
            let mut floe = session.floe().await?;
            let cap = model_cap(&mut floe, model_id).await?;
            let blob_object = waiting_tuned_blob(&mut floe, model_id, version).await?;
            floe.take_tuned_blob(model_id, cap, version)
                .await
                .map_err(explain)?;
            out!("{blob_object}");
            eprintln!(
                "model {model_id}: the Blob of tuned version {version} is yours: blob object {blob_object} (floe list-blobs lists it)"
            );
            Ok(())
        }
        TuningCommand::Clear { model_id } => {
            let mut floe = session.floe().await?;
            let cap = model_cap(&mut floe, model_id).await?;
            let amount = floe
                .clear_tuning_reserve(model_id, cap)
                .await
                .map_err(explain)?;
            out!("{}", format_wal(amount));
            eprintln!(
                "model {model_id}: {} WAL moved from the tuning reserve into the revenue; withdraw it with floe model withdraw",
                format_wal(amount)
            );
            Ok(())
        }
    }
}

/// The Blob object of `model_id`'s version `version`, refused before any gas when it is
/// plainly not waiting in the model: the version does not exist, or its Blob is an object of
/// its own (an approved or hand-published version's Blob went to its publisher, and a taken
/// one to its taker). A Blob the model keeps is wrapped in its `tuned_blobs` table, where no
/// object lookup finds it; one deleted since is left to the chain's `ENoTunedBlob`.
async fn waiting_tuned_blob(
    floe: &mut floe_sdk::Floe,
    model_id: Address,
    version: u64,
) -> anyhow::Result<Address> {
    let versions = floe.model_versions(model_id).await.map_err(explain)?;
    let Some(found) = versions.iter().find(|v| v.number == version) else {
        bail!(
            "model {model_id} has no version {version} (it has {})\n\
             name a version a tuning job published (`floe model show {model_id}` lists them)",
            match versions.len() {
                0 => "none".to_owned(),
                n => format!("1 to {n}"),
            }
        );
    };
    let blob_object = move_types::address_of(&found.blob_object_id);
    match floe.client.object(blob_object).await {
        Ok(object) => {
            let holder = match object.owner() {
                sui_sdk_types::Owner::Address(owner) => owner.to_string(),
                other => format!("{other:?}"),
            };
            let todo = if holder == floe.sender().to_string() {
                "it is yours already: `floe list-blobs` lists it".to_owned()
            } else {
                format!(
                    "only a Blob a tuning job published without approval waits in the model, and \
                     only until taken; sign as {holder} with --as ADDRESS to use this one"
                )
            };
            bail!(
                "the Blob of model {model_id}'s version {version} is not waiting in the model: \
                 it is blob object {blob_object}, held by {holder} (taken already, or never \
                 kept: approved and hand-published versions' Blobs go to their publisher)\n{todo}"
            );
        }
        Err(floe_sdk::ClientError::ObjectNotFound(_) | floe_sdk::ClientError::NotFound(_)) => {
            Ok(blob_object)
        }
        Err(e) => Err(explain(e.into())),
    }
}

/// `floe model show MODEL`: the model as JSON.
pub async fn show(session: &Session, model_id: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let model = floe.model(model_id).await.map_err(explain)?;
    let versions = floe.model_versions(model_id).await.map_err(explain)?;
    let versions: Vec<_> = versions
        .iter()
        .map(|v| {
            json!({
                "number": v.number,
                "blob_id": floe_encoder::BlobId(v.blob_id.to_le_bytes()).to_string(),
                "blob_object_id": move_types::address_of(&v.blob_object_id).to_string(),
                "architecture": String::from_utf8_lossy(&v.architecture.bytes),
                "publisher": Address::new(v.publisher.into_inner()).to_string(),
                "published_at_ms": v.published_at_ms,
            })
        })
        .collect();
    let plan = model.tuning.as_ref().map(|t| {
        json!({
            "bps": t.bps,
            "threshold": format_wal(t.threshold),
            "price": format_wal(t.price),
            "input_blob_id": floe_encoder::BlobId(t.input_blob_id.to_le_bytes()).to_string(),
            "providers": t.providers.iter().map(|p| move_types::address_of(p).to_string()).collect::<Vec<_>>(),
            "k": t.k,
            "duration_ms": t.duration_ms,
            "auto_publish": t.auto_publish,
        })
    });
    let proposal = model.proposal.as_ref().map(|p| {
        json!({
            "job_id": move_types::address_of(&p.job_id).to_string(),
            "base_version": p.base_version,
            "blob_id": floe_encoder::BlobId(p.output.blob_id.to_le_bytes()).to_string(),
            "blob_object_id": move_types::address_of(&p.output.id.id).to_string(),
            "output_hash": hex::encode(&p.output_hash),
        })
    });
    let shown = json!({
        "model_id": model_id.to_string(),
        "name": String::from_utf8_lossy(&model.name.bytes),
        "owner": Address::new(model.owner.into_inner()).to_string(),
        "versions": versions,
        "revenue": format_wal(model.revenue.value),
        "total_revenue": format_wal(model.total_revenue),
        "tuning": {
            "plan": plan,
            "reserve": format_wal(model.tuning_reserve.value),
            "total": format_wal(model.tuning_total),
            "open_job": model.tuning_job.as_ref().map(|j| move_types::address_of(j).to_string()),
            "proposal": proposal,
        },
    });
    out!(
        "{}",
        serde_json::to_string_pretty(&shown).context("encoding the model")?
    );
    Ok(())
}
