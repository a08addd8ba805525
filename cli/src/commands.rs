//! The client commands: each parses nothing itself (clap did), calls the sdk, and prints what
//! a person needs next (IDs to paste into the following command).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use floe_encoder::{BlobId, EncodingConfig, ReaderSource};
use floe_sdk::move_types::{self, model::ModelCap};
use floe_sdk::{Floe, FlowError, Keystore, SharedObject};
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::home::UpFile;
use crate::output::out;
use crate::session::{Session, node_directory};

/// `name=value` for `--metric`.
pub fn parse_metric(text: &str) -> Result<(String, u64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))?;
    let value = value
        .parse()
        .map_err(|_| format!("metric {name:?}: {value:?} is not a whole number"))?;
    Ok((name.to_owned(), value))
}

/// Explains flow errors in the user's terms: Move aborts by name with a hint.
fn explain(error: FlowError) -> anyhow::Error {
    if let FlowError::Client(client) = &error
        && let Some(abort) = client.floe_abort()
    {
        return anyhow::anyhow!("{error}\n  {}: {}", abort.name, abort.hint);
    }
    anyhow::Error::new(error)
}

fn faucet_url(session: &Session) -> anyhow::Result<String> {
    session.network()?.faucet_url.context(
        "the network file names no faucet; fund the account another way (faucets exist only on local networks)",
    )
}

async fn fund(session: &Session, address: Address, wal: u64) -> anyhow::Result<()> {
    let faucet = faucet_url(session)?;
    floe_sdk::faucet::request_gas(&faucet, address)
        .await
        .context("asking the faucet for SUI")?;
    if wal > 0 {
        floe_sdk::faucet::request_wal(&faucet, address, Some(wal))
            .await
            .context("asking the faucet for WAL")?;
    }
    Ok(())
}

pub async fn account_new(session: &Session, wal: u64) -> anyhow::Result<()> {
    let path = session.home.keystore();
    std::fs::create_dir_all(session.home.root())?;
    let mut keystore = if path.exists() {
        Keystore::load(&path)?
    } else {
        Keystore::default()
    };
    let address = keystore.generate();
    keystore
        .save(&path)
        .with_context(|| format!("saving {}", path.display()))?;
    fund(session, address, wal).await?;
    out!("{address}");
    eprintln!(
        "account {address} created in {} and funded with gas and {} WAL",
        path.display(),
        format_wal(wal)
    );
    Ok(())
}

pub async fn account_fund(session: &Session, wal: u64) -> anyhow::Result<()> {
    let address = floe_sdk::keystore::address_of(&session.key()?);
    fund(session, address, wal).await?;
    out!("{address} funded with gas and {} WAL", format_wal(wal));
    Ok(())
}

pub async fn account_list(session: &Session) -> anyhow::Result<()> {
    let keystore = session.keystore()?;
    let mut floe = session.floe().await?;
    let wal_type = move_types::wal_type(floe.objects.original_package).to_string();
    out!("{:<68} {:>16} {:>16}", "address", "SUI", "WAL");
    for address in keystore.addresses() {
        let sui = floe.client.balance(address, "0x2::sui::SUI").await?;
        let wal = floe.client.balance(address, &wal_type).await?;
        out!(
            "{address:<68} {:>16} {:>16}",
            format_wal(sui),
            format_wal(wal)
        );
    }
    Ok(())
}

pub async fn status(session: &Session) -> anyhow::Result<()> {
    let network = session.network()?;
    // Reads need no account: sign nothing with a throwaway key.
    let key = floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey::new([7; 32]);
    let mut floe = Floe::connect(&network, key)
        .await
        .with_context(|| format!("connecting to {}", network.rpc_url))?;
    let system = floe.system().await.map_err(explain)?;
    let now = floe.chain_now_ms().await.map_err(explain)?;
    let ends = system.epoch_start_ms + system.epoch_duration_ms;
    out!("chain      {}", network.rpc_url);
    out!(
        "epoch      {} (ends in {} s)",
        system.epoch,
        ends.saturating_sub(now) / 1000
    );
    out!("shards     {}", system.n_shards);
    let nodes = floe.node_addresses().await.unwrap_or_default();
    out!("committee  {} nodes", nodes.len());
    for (node_id, address) in nodes {
        out!("  {node_id} at {address}");
    }
    if let Some(up) = UpFile::load(&session.home.up_file())? {
        if let Some(api) = up.api {
            out!("api        {api}");
        }
        if let Some(faucet) = up.faucet {
            out!("faucet     {faucet}");
        }
    }
    if let Ok(keystore) = session.keystore() {
        let wal_type = move_types::wal_type(floe.objects.original_package).to_string();
        for address in keystore.addresses() {
            let wal = floe.client.balance(address, &wal_type).await?;
            out!("account    {address}: {} WAL", format_wal(wal));
        }
    }
    Ok(())
}

pub async fn blob_id(session: &Session, file: &Path, shards: Option<u16>) -> anyhow::Result<()> {
    let shards = match shards {
        Some(n) => n,
        None => {
            let network = session.network().context(
                "the shard count comes from the network; pass --shards N to work offline",
            )?;
            let key = floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey::new([7; 32]);
            let mut floe = Floe::connect(&network, key).await?;
            floe.system().await.map_err(explain)?.n_shards
        }
    };
    let config = EncodingConfig::new(usize::from(shards))?;
    let handle =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let len = handle
        .metadata()
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let metadata = floe_encoder::compute_metadata(&config, &ReaderSource::new(handle, len))
        .with_context(|| format!("cannot encode {}", file.display()))?;
    out!("{}", metadata.blob_id());
    Ok(())
}

fn read_file(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

pub async fn store(
    session: &Session,
    file: &Path,
    epochs: u64,
    deletable: bool,
) -> anyhow::Result<()> {
    let data = read_file(file)?;
    let mut floe = session.floe().await?;
    let nodes = node_directory(&mut floe, None).await?;
    let stored = floe
        .store_blob(&nodes, &data, epochs, deletable)
        .await
        .map_err(explain)?;
    out!("{}", stored.blob_id);
    eprintln!(
        "stored {} ({} bytes) for {epochs} epochs; blob object {}, certified in {}",
        file.display(),
        data.len(),
        stored.blob_object,
        stored.certify_digest
    );
    Ok(())
}

pub async fn read(
    session: &Session,
    blob_id: &str,
    out: &Path,
    license: Option<Address>,
) -> anyhow::Result<()> {
    let blob_id: BlobId = blob_id.parse().map_err(|e| {
        anyhow::anyhow!("{blob_id:?} is not a blob ID (base64url, 43 characters): {e}")
    })?;
    let mut floe = session.floe().await?;
    let reader = match license {
        Some(id) => Some((session.key()?, id)),
        None => None,
    };
    let nodes = node_directory(&mut floe, reader).await?;
    let data = floe.read_blob(&nodes, &blob_id).await.map_err(|e| {
        let hint = if license.is_none() {
            "\n  (a model's blob needs `--license LICENSE_ID` from `floe license buy`)"
        } else {
            ""
        };
        anyhow::anyhow!("cannot read blob {blob_id}: {e}{hint}")
    })?;
    write_atomic(out, &data)?;
    eprintln!("wrote {} bytes to {}", data.len(), out.display());
    Ok(())
}

/// Writes next to `path` and renames, so an interrupted read never leaves a partial file.
fn write_atomic(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

pub async fn stake(session: &Session, node_id: Address, amount: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let staked = floe.stake(node_id, amount).await.map_err(explain)?;
    out!("{staked}");
    eprintln!(
        "staked {} WAL with {node_id}; StakedWal {staked} (it joins the next epoch)",
        format_wal(amount)
    );
    Ok(())
}

pub async fn model_create(session: &Session, name: &str, description: &str) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let model = floe
        .register_model(name, description)
        .await
        .map_err(explain)?;
    out!("{}", model.model.id);
    eprintln!(
        "model {:?} registered as {}; its ModelCap {} is yours",
        name, model.model.id, model.cap
    );
    Ok(())
}

/// `floe model publish`'s arguments.
pub struct Publish {
    pub model_id: Address,
    pub file: PathBuf,
    pub architecture: String,
    pub dataset_hash: String,
    pub metrics: Vec<(String, u64)>,
    pub epochs: u64,
}

/// The sender's `ModelCap` for `model_id`.
async fn model_cap(floe: &mut Floe, model_id: Address) -> anyhow::Result<Address> {
    let cap_type =
        move_types::struct_tag(floe.objects.original_package, "model", "ModelCap", vec![]);
    let caps = floe
        .client
        .owned_objects(floe.sender(), Some(&cap_type))
        .await?;
    for cap in caps {
        if let Some(object) = cap.as_struct()
            && let Ok(contents) = bcs::from_bytes::<ModelCap>(object.contents())
            && move_types::address_of(&contents.model_id) == model_id
        {
            return Ok(cap.object_id());
        }
    }
    bail!(
        "account {} holds no ModelCap for model {model_id}: only the model's owner can do this (pick the owner with --as)",
        floe.sender()
    )
}

pub async fn model_publish(session: &Session, args: Publish) -> anyhow::Result<()> {
    let dataset_hash = hex::decode(args.dataset_hash.trim_start_matches("0x"))
        .context("--dataset-hash is not hex")?;
    let data = read_file(&args.file)?;
    let mut floe = session.floe().await?;
    let cap = model_cap(&mut floe, args.model_id).await?;
    let model = SharedObject::resolve(&mut floe.client, args.model_id)
        .await
        .with_context(|| format!("{} is not a shared model object", args.model_id))?;
    let nodes = node_directory(&mut floe, None).await?;
    let stored = floe
        .store_blob(&nodes, &data, args.epochs, false)
        .await
        .map_err(explain)?;
    let version = floe
        .publish_version(
            model,
            cap,
            &stored.blob_id,
            &args.architecture,
            &dataset_hash,
            &args.metrics,
        )
        .await
        .map_err(explain)?;
    out!("{}", stored.blob_id);
    eprintln!(
        "version {version} of model {} is blob {}; nodes serve it to license holders only",
        args.model_id, stored.blob_id
    );
    Ok(())
}

pub async fn license_offer(
    session: &Session,
    model_id: Address,
    price: u64,
    window_secs: u64,
    max_windows: u64,
    uses: u64,
) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let cap = model_cap(&mut floe, model_id).await?;
    let model = SharedObject::resolve(&mut floe.client, model_id)
        .await
        .with_context(|| format!("{model_id} is not a shared model object"))?;
    let offer = floe
        .create_offer(
            model,
            cap,
            price,
            window_secs.saturating_mul(1000),
            max_windows,
            uses,
        )
        .await
        .map_err(explain)?;
    out!("{}", offer.id);
    eprintln!(
        "offer {} open: {} WAL per {window_secs} s window",
        offer.id,
        format_wal(price)
    );
    Ok(())
}

pub async fn license_buy(session: &Session, offer_id: Address, windows: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let license = floe
        .purchase_license(offer_id, windows)
        .await
        .map_err(explain)?;
    out!("{license}");
    eprintln!("license {license} bought for {windows} window(s)");
    Ok(())
}

pub async fn license_show(session: &Session, license_id: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let license = floe.license(license_id).await.map_err(explain)?;
    let now = floe.chain_now_ms().await.map_err(explain)?;
    let valid = floe_sdk::flows::license_is_valid(&license, now);
    out!("license     {license_id}");
    out!("model       {}", move_types::address_of(&license.model_id));
    out!("holder      {}", license.holder);
    out!(
        "expires     in {} s",
        license.expires_at_ms.saturating_sub(now) / 1000
    );
    if license.use_limited {
        out!("uses left   {}", license.uses_left);
    }
    out!("valid now   {}", if valid { "yes" } else { "no" });
    Ok(())
}
