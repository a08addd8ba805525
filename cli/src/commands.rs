//! The client commands: each parses nothing itself (clap did), calls the sdk, and prints what
//! a person needs next (IDs to paste into the following command).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use floe_encoder::{BlobId, EncodingConfig, ReaderSource};
use floe_sdk::move_types::{self, model::ModelCap};
use floe_sdk::{Floe, FlowError, Keystore, SharedObject};
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::encrypted;
use crate::home::UpFile;
use crate::output::{Bar, out};
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

/// Kept here for the many callers that name it `commands::explain`; it lives in `report`,
/// below every command module, so a module this one uses can explain errors too.
pub(crate) use crate::report::explain;

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

/// Creates an account and funds it. The key is saved only once funded: an account the faucet
/// never paid (no network yet, or it was down) would otherwise stay in the keystore and, as the
/// first one, sign every later command with no gas and no WAL.
pub async fn account_new(session: &Session, wal: u64) -> anyhow::Result<()> {
    let path = session.home.keystore();
    // Before anything is made: without a network file there is no faucet to ask.
    faucet_url(session)?;
    let mut fresh = Keystore::default();
    let address = fresh.generate();
    let key = fresh.first()?.clone();
    fund(session, address, wal).await.with_context(|| {
        format!(
            "cannot fund a new account, so none was kept\n\
             is `floe up` running for {}? start it (or wait for `ready`), then run this again",
            session.home.root().display()
        )
    })?;
    std::fs::create_dir_all(session.home.root())?;
    let mut keystore = if path.exists() {
        Keystore::load(&path)?
    } else {
        Keystore::default()
    };
    keystore.add(key);
    keystore
        .save(&path)
        .with_context(|| format!("saving {}", path.display()))?;
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
        .with_context(|| session.unreachable(&network))?;
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

/// Refuses a storage period the system does not sell, naming its limit.
async fn check_epochs(floe: &mut Floe, epochs: u64) -> anyhow::Result<()> {
    let max = floe.system().await.map_err(explain)?.max_epochs_ahead;
    if epochs == 0 || epochs > max {
        bail!(
            "--epochs {epochs} is out of range: this network stores blobs for 1 to {max} epochs ahead\n\
             pass --epochs between 1 and {max}"
        );
    }
    Ok(())
}

/// Refuses a file the network's encoding cannot hold, before reading it into memory.
async fn check_size(floe: &mut Floe, file: &Path) -> anyhow::Result<()> {
    let len = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}\ncheck the path", file.display()))?
        .len();
    let shards = floe.system().await.map_err(explain)?.n_shards;
    let max = EncodingConfig::new(usize::from(shards))?.max_blob_size();
    if len > max {
        bail!(
            "{} is {} ({len} bytes); a blob on this network ({shards} shards) holds at most {} ({max} bytes)\n\
             split the file, or store bigger blobs on a network with more shards (`floe up --shards 1000` holds {})",
            file.display(),
            human_size(len),
            human_size(max),
            EncodingConfig::new(1000)
                .map_or_else(|_| "more".to_owned(), |c| human_size(c.max_blob_size())),
        );
    }
    Ok(())
}

pub async fn store(
    session: &Session,
    file: &Path,
    epochs: u64,
    deletable: bool,
    json: bool,
) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    check_epochs(&mut floe, epochs).await?;
    check_size(&mut floe, file).await?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}\ncheck the path", file.display()))?
        .len();
    let nodes = node_directory(&mut floe, None).await?;
    let bar = Bar::new();
    // The file is encoded into a spill on disk and sent pair by pair; Ctrl-C drops the store,
    // which removes the spill.
    let stored = tokio::select! {
        stored = floe.store_file(&nodes, file, epochs, deletable, bar.clone()) => {
            bar.finish();
            stored.map_err(explain)?
        }
        _ = tokio::signal::ctrl_c() => {
            bar.finish();
            bail!(
                "interrupted: nothing was left on disk\n\
                 run the same `floe store` again: a blob already paid for is resumed, not paid twice"
            );
        }
    };
    if json {
        out!(
            "{}",
            serde_json::json!({
                "blob_id": stored.blob_id.to_string(),
                "blob_object": stored.blob_object.to_string(),
                "size": size,
                "epochs": epochs,
                "deletable": deletable,
                "resumed": stored.resumed,
                "register_digest": stored.register_digest.to_string(),
                "certify_digest": stored.certify_digest.to_string(),
            })
        );
    } else {
        out!("{}", stored.blob_id);
    }
    if stored.resumed {
        eprintln!(
            "resumed: blob object {} was registered and paid for by an earlier store (transaction {}); \
             only the slivers were sent and the blob certified, nothing paid again",
            stored.blob_object, stored.register_digest
        );
    }
    eprintln!(
        "stored {} ({size} bytes) for {epochs} epochs; blob object {}, certified in {}",
        file.display(),
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
    json: bool,
) -> anyhow::Result<()> {
    let blob_id: BlobId = blob_id.parse().map_err(|_| {
        anyhow::anyhow!(
            "{blob_id:?} is not a blob ID\na blob ID is 43 characters of base64url, as `floe store` prints it"
        )
    })?;
    let mut floe = session.floe().await?;
    // Without `--license`, a model's owner reads their own model with its `ModelCap`.
    let credential = match license {
        Some(id) => Some(read_credential(&mut floe, id).await?),
        None => own_model_cap(&mut floe, &blob_id).await?,
    };
    let written = match credential {
        Some(credential) => {
            read_model(session, &mut floe, &blob_id, out, credential, license).await?
        }
        None => read_streaming(&mut floe, &blob_id, out).await?,
    };
    if json {
        out!(
            "{}",
            serde_json::json!({
                "blob_id": blob_id.to_string(),
                "out": out.display().to_string(),
                "bytes_written": written,
            })
        );
    }
    eprintln!("wrote {written} bytes to {}", out.display());
    Ok(())
}

/// A blob read with bounded memory into `out` (through `out.partial`, renamed when the blob
/// ID checked out). An encrypted model needs a license: it is refused and nothing is left.
async fn read_streaming(floe: &mut Floe, blob_id: &BlobId, out: &Path) -> anyhow::Result<u64> {
    let nodes = node_directory(floe, None).await?;
    let partial = partial_path(out);
    let written = read_to_partial(floe, &nodes, blob_id, out, &partial, None, None).await?;
    if encrypted::encrypted_file_header(&partial, floe.objects.original_package).is_some() {
        let _ = std::fs::remove_file(&partial);
        bail!(
            "blob {blob_id} is an encrypted model: its keys are released to license holders and to its owner\n\
             read it with --license LICENSE_ID, or sign as the holder of its ModelCap with --as"
        );
    }
    std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
    Ok(written)
}

/// Reads blob `blob_id` from `nodes` into `partial` with bounded memory (every row verified,
/// the blob ID checked); on failure or Ctrl-C nothing is left. Returns the bytes written.
async fn read_to_partial(
    floe: &mut Floe,
    nodes: &std::collections::HashMap<Address, floe_node::http_client::HttpNodeClient>,
    blob_id: &BlobId,
    out: &Path,
    partial: &Path,
    credential: Option<Address>,
    license: Option<Address>,
) -> anyhow::Result<u64> {
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(partial)
        .with_context(|| {
            format!(
                "cannot write {} (written first as {})\ncheck that its directory exists and is writable",
                out.display(),
                partial.display()
            )
        })?;
    let bar = Bar::new();
    let result = tokio::select! {
        read = floe.read_blob_to_file(nodes, blob_id, &file, partial, bar.clone()) => read,
        _ = tokio::signal::ctrl_c() => {
            bar.finish();
            let _ = std::fs::remove_file(partial);
            bail!(
                "interrupted: {} was not written\n\
                 run the same `floe read` again: it reads the blob from the start",
                out.display()
            );
        }
    };
    bar.finish();
    match result {
        Ok(written) => Ok(written),
        Err(e) => {
            let _ = std::fs::remove_file(partial);
            // Slivers that could not be read are explained as the in-memory read explains them.
            let e = match e {
                FlowError::Stream(floe_sdk::stream::StreamError::Slivers(e)) => {
                    FlowError::Slivers(e)
                }
                e => e,
            };
            Err(read_failure(blob_id, e, credential, license))
        }
    }
}

/// A blob read with a credential (a license, a receipt or the owner's ModelCap) into `out`
/// with bounded memory, and decrypted there when it is an encrypted model; returns the bytes
/// written.
async fn read_model(
    session: &Session,
    floe: &mut Floe,
    blob_id: &BlobId,
    out: &Path,
    credential: Address,
    license: Option<Address>,
) -> anyhow::Result<u64> {
    let nodes = node_directory(floe, Some((session.key()?, credential))).await?;
    let partial = partial_path(out);
    let written = read_to_partial(
        floe,
        &nodes,
        blob_id,
        out,
        &partial,
        Some(credential),
        license,
    )
    .await?;
    let Some(header) = encrypted::encrypted_file_header(&partial, floe.objects.original_package)
    else {
        std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
        return Ok(written);
    };
    // Without `--license` the credential is the owner's ModelCap: `seal_approve_owner`.
    let approval = if license.is_none() {
        encrypted::Approval::Owner(credential)
    } else if Some(credential) == license && !is_receipt(floe, credential).await {
        encrypted::Approval::License(credential)
    } else {
        encrypted::Approval::Receipt(credential)
    };
    let servers = key_servers(session)?;
    let decrypted = encrypted::decrypt_model_file(
        floe,
        &session.key()?,
        &header,
        &partial,
        out,
        &servers,
        approval,
    )
    .await;
    let _ = std::fs::remove_file(&partial);
    let written = decrypted?;
    eprintln!(
        "decrypted with keys from {} of {} key servers",
        header.threshold(),
        header.services().len()
    );
    Ok(written)
}

/// The key servers of this home (`floe up` lists them in `up.toml`).
pub(crate) fn key_servers(session: &Session) -> anyhow::Result<Vec<encrypted::KeyServerInfo>> {
    let up = crate::home::UpFile::load(&session.home.up_file())?.with_context(|| {
        format!(
            "{} lists no key servers: start the network with `floe up`",
            session.home.up_file().display()
        )
    })?;
    up.key_servers
        .iter()
        .map(encrypted::KeyServerInfo::parse)
        .collect()
}

/// Whether `id` is a `license::UseReceipt`.
async fn is_receipt(floe: &mut Floe, id: Address) -> bool {
    match floe.client.object(id).await {
        Ok(object) => object.as_struct().is_some_and(|data| {
            let tag = data.object_type();
            *tag.address() == floe.objects.original_package
                && tag.module().as_str() == "license"
                && tag.name().as_str() == "UseReceipt"
        }),
        Err(_) => false,
    }
}

/// What a read with `--license ID` names to the nodes. An unlimited license reads by itself. A
/// use-limited license's uses are counted on-chain: one use is consumed first (the chain aborts
/// `ENoUsesLeft` when none is left) and the read names the `UseReceipt` it returns, good for
/// one read session. A receipt's own ID reads as itself (a retry within its session).
async fn read_credential(floe: &mut Floe, id: Address) -> anyhow::Result<Address> {
    if is_receipt(floe, id).await {
        return Ok(id);
    }
    let license: move_types::license::License = fetch_license(floe, id).await?;
    // Only the license's owner can consume it or sign reads with it: say so before asking.
    if let Ok(object) = floe.client.object(id).await
        && let sui_sdk_types::Owner::Address(holder) = object.owner()
        && *holder != floe.sender()
    {
        bail!(
            "license {id} is held by {holder}, not by {}: only its holder reads with it\n\
             sign as its holder with --as {holder}",
            floe.sender()
        );
    }
    if !license.use_limited {
        return Ok(id);
    }
    let used = floe
        .consume_use(id)
        .await
        .map_err(explain)
        .with_context(|| format!("cannot consume a use of license {id}"))?;
    let now = floe.chain_now_ms().await.unwrap_or(0);
    eprintln!(
        "consumed one use of license {id}: {} use(s) left; receipt {} is good for {} s (to retry a failed read, pass --license {})",
        used.uses_left,
        used.receipt,
        used.expires_at_ms.saturating_sub(now) / 1000,
        used.receipt
    );
    Ok(used.receipt)
}

/// Why a read failed, in one line, from what the nodes answered: a licensed model without a
/// license, a license the nodes refuse, a blob no node holds, or nodes that are down.
/// `credential` is what the nodes were shown (a license, a use receipt or a ModelCap);
/// `license` what the user passed, which the advice names.
fn read_failure(
    blob_id: &BlobId,
    error: FlowError,
    credential: Option<Address>,
    license: Option<Address>,
) -> anyhow::Error {
    use floe_sdk::slivers::SliverError;
    let failures = match &error {
        FlowError::Slivers(
            SliverError::NotEnoughSlivers { failures, .. }
            | SliverError::NoMetadata { failures, .. },
        ) => failures,
        _ => return explain(error).context(format!("cannot read blob {blob_id}")),
    };
    let all =
        |needle: &str| !failures.is_empty() && failures.iter().all(|(_, m)| m.contains(needle));
    let refusal = failures
        .iter()
        .map(|(_, m)| m)
        .find(|m| m.contains("license") || m.contains("x-floe-"));
    if let Some(refusal) = refusal {
        return match credential {
            None => anyhow::anyhow!(
                "blob {blob_id} is a version of a licensed model: the nodes serve it only to license holders\n\
                 buy a license with `floe license buy OFFER_ID`, then pass `--license LICENSE_ID`"
            ),
            Some(shown) => {
                let reason = shorten(refusal.rsplit(": ").next().unwrap_or(refusal));
                match license {
                    Some(license) => {
                        let via = if license == shown {
                            String::new()
                        } else {
                            format!(" (use receipt {shown})")
                        };
                        anyhow::anyhow!(
                            "the nodes refused license {license}{via} for blob {blob_id}: {reason}\n\
                             check it with `floe license show {license}`; sign as its holder with --as"
                        )
                    }
                    None => anyhow::anyhow!(
                        "the nodes refused the model owner's cap {shown} for blob {blob_id}: {reason}\n\
                         pass --license LICENSE_ID, or sign as the model's owner with --as"
                    ),
                }
            }
        };
    }
    if all("does not have it") {
        return anyhow::anyhow!(
            "blob {blob_id} is not stored on this network (never certified, expired or deleted)\n\
             check the blob ID: `floe store` prints it, `floe blob-id FILE` computes it"
        );
    }
    if all("unreachable") {
        return anyhow::anyhow!(
            "no storage node answered for blob {blob_id}\nis the network running? (`floe status`)"
        );
    }
    let first = failures
        .first()
        .map(|(_, m)| m.as_str())
        .unwrap_or("no node answered");
    anyhow::anyhow!(
        "cannot read blob {blob_id}: too few nodes served valid slivers ({} failed; first: {})\n\
         retry in a moment; if it persists, check the nodes with `floe status`",
        failures.len(),
        shorten(first)
    )
}

/// At most 300 characters of a node's message, on one line.
fn shorten(text: &str) -> String {
    let line = text.replace('\n', " ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The `LicenseOffer` `id`, or what `id` is instead.
async fn fetch_offer(
    floe: &mut Floe,
    id: Address,
) -> anyhow::Result<move_types::license::LicenseOffer> {
    let where_from = "`floe license offer` prints one";
    typed_object(
        floe,
        id,
        ("license", "LicenseOffer"),
        "license offer",
        where_from,
    )
    .await
}

/// The `License` `id`, or what `id` is instead.
async fn fetch_license(
    floe: &mut Floe,
    id: Address,
) -> anyhow::Result<move_types::license::License> {
    let where_from = "`floe license buy` prints one";
    typed_object(floe, id, ("license", "License"), "license", where_from).await
}

/// The object `id` as the floe type `module::name`, or an error that says what `id` is instead
/// (another type, or nothing): `kind` names it for people, `where_from` says where to get one.
pub(crate) async fn typed_object<T: serde::de::DeserializeOwned>(
    floe: &mut Floe,
    id: Address,
    (module, name): (&str, &str),
    kind: &str,
    where_from: &str,
) -> anyhow::Result<T> {
    let object = match floe.client.object(id).await {
        Ok(object) => object,
        Err(floe_sdk::ClientError::ObjectNotFound(_) | floe_sdk::ClientError::NotFound(_)) => {
            bail!("no object {id} exists on this network\ncheck the ID: {where_from}")
        }
        Err(e) => return Err(explain(e.into())),
    };
    let Some(data) = object.as_struct() else {
        bail!("{id} is a package, not a {kind}\ncheck the ID: {where_from}");
    };
    let tag = data.object_type();
    if *tag.address() != floe.objects.original_package
        || tag.module().as_str() != module
        || tag.name().as_str() != name
    {
        let found = if *tag.address() == floe.objects.original_package {
            format!("floe::{}::{}", tag.module(), tag.name())
        } else {
            tag.to_string()
        };
        bail!("{id} is not a {kind} (it is a {found})\ncheck the ID: {where_from}");
    }
    bcs::from_bytes(data.contents()).with_context(|| {
        format!("{id} does not decode as a {kind}; is the CLI as new as the package?")
    })
}

/// Writes next to `path` and renames, so an interrupted read never leaves a partial file.
/// Where a file is written before it is complete: `PATH.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    PathBuf::from(tmp)
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
    /// `Some(threshold)`: encrypt to the key servers first (`None` inside: the default t).
    pub encrypt: Option<Option<usize>>,
}

/// The sender's `ModelCap` for `model_id`.
pub(crate) async fn model_cap(floe: &mut Floe, model_id: Address) -> anyhow::Result<Address> {
    if let Some(cap) = find_model_cap(floe, model_id).await? {
        return Ok(cap);
    }
    bail!(
        "account {} holds no ModelCap for model {model_id}: only the model's owner can do this\n\
         sign as the owner with --as ADDRESS (`floe account list` shows your accounts)",
        floe.sender()
    )
}

/// The sender's `ModelCap` of `model_id`, if it holds one.
pub(crate) async fn find_model_cap(
    floe: &mut Floe,
    model_id: Address,
) -> anyhow::Result<Option<Address>> {
    let cap_type =
        move_types::struct_tag(floe.objects.original_package, "model", "ModelCap", vec![]);
    let caps = floe
        .client
        .owned_objects(floe.sender(), Some(&cap_type))
        .await
        .context("listing the account's ModelCaps")?;
    for cap in caps {
        if let Some(object) = cap.as_struct()
            && let Ok(contents) = bcs::from_bytes::<ModelCap>(object.contents())
            && move_types::address_of(&contents.model_id) == model_id
        {
            return Ok(Some(cap.object_id()));
        }
    }
    Ok(None)
}

pub async fn model_publish(session: &Session, args: Publish) -> anyhow::Result<()> {
    let dataset_hash = hex::decode(args.dataset_hash.trim_start_matches("0x"))
        .context("--dataset-hash is not hex")?;
    let mut floe = session.floe().await?;
    let cap = model_cap(&mut floe, args.model_id).await?;
    check_epochs(&mut floe, args.epochs).await?;
    check_size(&mut floe, &args.file).await?;
    let model = SharedObject::resolve(&mut floe.client, args.model_id)
        .await
        .with_context(|| format!("{} is not a shared model object", args.model_id))?;
    // Encrypted, the ciphertext goes to a temporary file that is stored and then removed; either
    // way the file is streamed, so weights of any size take bounded memory.
    let sealed = match args.encrypt {
        Some(threshold) => {
            let servers = key_servers(session)?;
            let threshold =
                threshold.unwrap_or_else(|| encrypted::default_threshold(servers.len()));
            let sealed = floe_sdk::stream::spill_dir()
                .context("cannot make a temporary directory for the ciphertext")?;
            let path = sealed.path().join("model.sealed");
            let package = floe.objects.original_package;
            let (model_id, file) = (args.model_id, args.file.clone());
            tokio::task::spawn_blocking(move || {
                encrypted::encrypt_model_file(package, model_id, &servers, threshold, &file, &path)
            })
            .await
            .context("the encryption task failed")??;
            eprintln!(
                "encrypted to {} key servers, {threshold} needed to decrypt",
                key_servers(session)?.len()
            );
            check_size(&mut floe, &sealed.path().join("model.sealed")).await?;
            Some(sealed)
        }
        None => None,
    };
    let sealed_file = sealed.as_ref().map(|dir| dir.path().join("model.sealed"));
    let to_store = sealed_file.as_deref().unwrap_or(args.file.as_path());
    let nodes = node_directory(&mut floe, None).await?;
    let bar = Bar::new();
    let stored = floe
        .store_file(&nodes, to_store, args.epochs, false, bar.clone())
        .await;
    bar.finish();
    let stored = stored.map_err(explain)?;
    if sealed.is_some() {
        // The owner says this object holds ciphertext, so nodes serve it to anyone: the key
        // servers, not the nodes, decide who reads the model.
        let mark = floe_sdk::attributes::AttributeChange::Set {
            key: floe_node::watcher::ENCRYPTION_ATTRIBUTE.to_owned(),
            value: floe_node::watcher::SEALED.to_owned(),
        };
        floe.change_blob_attributes(stored.blob_object, &[mark])
            .await
            .map_err(explain)?;
    }
    drop(sealed);
    let version = floe
        .publish_version(
            model,
            cap,
            stored.blob_object,
            &args.architecture,
            &dataset_hash,
            &args.metrics,
        )
        .await
        .map_err(explain)?;
    out!("{}", stored.blob_id);
    if args.encrypt.is_some() {
        eprintln!(
            "version {version} of model {} is blob {} (Blob object {}), encrypted: nodes serve \
             the ciphertext to anyone, only license holders (and you) obtain its keys",
            args.model_id, stored.blob_id, stored.blob_object
        );
    } else {
        eprintln!(
            "version {version} of model {} is blob {} (Blob object {}); nodes serve it to license \
             holders only while every copy of these bytes stored on Floe is a published model \
             version: anyone storing the same bytes as a plain blob makes it public \
             (--encrypt protects it by encryption instead)",
            args.model_id, stored.blob_id, stored.blob_object
        );
    }
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

pub async fn license_buy(
    session: &Session,
    offer_id: Address,
    windows: u64,
    max_price: Option<u64>,
) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let offer: move_types::license::LicenseOffer = fetch_offer(&mut floe, offer_id).await?;
    if windows == 0 || windows > offer.max_windows {
        bail!(
            "--windows {windows} is out of range: offer {offer_id} sells 1 to {} windows at a time\n\
             pass --windows between 1 and {}",
            offer.max_windows,
            offer.max_windows
        );
    }
    if offer.paused {
        bail!(
            "offer {offer_id} is paused by the model's owner\nask the owner to resume it, or buy from another offer"
        );
    }
    let quoted = offer.price_per_window.saturating_mul(windows);
    let license = floe
        .purchase_license_at_most(offer_id, windows, max_price)
        .await
        .map_err(explain)?;
    out!("{license}");
    eprintln!(
        "license {license} bought for {windows} window(s) at {} WAL",
        format_wal(quoted)
    );
    Ok(())
}

pub async fn license_extend(
    session: &Session,
    license_id: Address,
    windows: u64,
    max_price: Option<u64>,
) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let license: move_types::license::License = fetch_license(&mut floe, license_id).await?;
    let offer_id = move_types::address_of(&license.offer_id);
    floe.extend_license_at_most(license_id, windows, max_price)
        .await
        .map_err(explain)?;
    let extended = floe.license(license_id).await.map_err(explain)?;
    let now = floe.chain_now_ms().await.map_err(explain)?;
    out!("{license_id}");
    eprintln!(
        "license {license_id} extended by {windows} window(s) of offer {offer_id}; it now expires in {} s",
        extended.expires_at_ms.saturating_sub(now) / 1000
    );
    Ok(())
}

/// What `floe license reprice|pause|resume` changes on an offer.
pub enum OfferChange {
    Reprice(u64),
    Pause,
    Resume,
}

/// Changes one of the sender's offers, with the model's cap.
pub async fn offer_manage(
    session: &Session,
    offer_id: Address,
    change: OfferChange,
) -> anyhow::Result<()> {
    use floe_sdk::sui_transaction_builder::{ObjectInput, TransactionBuilder};
    let mut floe = session.floe().await?;
    let offer: move_types::license::LicenseOffer = fetch_offer(&mut floe, offer_id).await?;
    let cap = model_cap(&mut floe, move_types::address_of(&offer.model_id)).await?;
    let cap = floe.client.object(cap).await?;
    let shared = SharedObject::resolve(&mut floe.client, offer_id).await?;
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(
        cap.object_id(),
        cap.version(),
        cap.digest(),
    ));
    let done = match change {
        OfferChange::Reprice(price) => {
            floe_sdk::calls::license::reprice_offer(
                &mut builder,
                &floe.objects,
                shared,
                cap,
                price,
            );
            format!("now sells at {} WAL per window", format_wal(price))
        }
        OfferChange::Pause => {
            floe_sdk::calls::license::pause_offer(&mut builder, &floe.objects, shared, cap);
            "is paused: no sales or extensions until `floe license resume`".to_owned()
        }
        OfferChange::Resume => {
            floe_sdk::calls::license::resume_offer(&mut builder, &floe.objects, shared, cap);
            "is open again".to_owned()
        }
    };
    floe.execute(builder).await.map_err(explain)?;
    out!("{offer_id}");
    eprintln!("offer {offer_id} {done}");
    Ok(())
}

pub async fn license_show(session: &Session, license_id: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let license: move_types::license::License = fetch_license(&mut floe, license_id).await?;
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

/// `floe unstake`: asks to withdraw a stake; it stops working at the next epoch change.
pub async fn unstake(session: &Session, staked_wal: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    if let StakeState::Leaving {
        from,
        now,
        ends_in_s,
    } = stake_state(&mut floe, staked_wal).await?
    {
        bail!(
            "the withdrawal of {staked_wal} was already requested: it is withdrawable from epoch {from} \
             (now epoch {now}, ending in {ends_in_s} s)\n\
             run `floe withdraw {staked_wal}` then"
        );
    }
    let epoch = floe.request_withdraw(staked_wal).await.map_err(explain)?;
    out!("{staked_wal}");
    eprintln!(
        "withdrawal of {staked_wal} requested; from epoch {epoch} on, `floe withdraw {staked_wal}` pays it out"
    );
    Ok(())
}

/// `floe withdraw`: pays out a stake whose withdrawal was requested.
pub async fn withdraw(session: &Session, staked_wal: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    // Said before any transaction: the chain would abort, charge gas and not say when.
    match stake_state(&mut floe, staked_wal).await? {
        StakeState::Active => bail!(
            "stake {staked_wal} is still active: its withdrawal was not requested\n\
             run `floe unstake {staked_wal}` first; it is withdrawable from the next epoch"
        ),
        StakeState::Leaving {
            from,
            now,
            ends_in_s,
        } => bail!(
            "stake {staked_wal} is withdrawable from epoch {from}; it is epoch {now}, which ends in {ends_in_s} s\n\
             run this again then (`floe stakes` says `withdrawable now`)"
        ),
        StakeState::Withdrawable => {}
    }
    let amount = floe.withdraw(staked_wal).await.map_err(explain)?;
    out!("{}", format_wal(amount));
    eprintln!("withdrew {} WAL from {staked_wal}", format_wal(amount));
    Ok(())
}

/// Where a `StakedWal` stands for `floe unstake` and `floe withdraw`.
enum StakeState {
    /// No withdrawal requested.
    Active,
    /// Withdrawal requested; withdrawable from epoch `from` (now `now`, ending in `ends_in_s`).
    Leaving {
        from: u64,
        now: u64,
        ends_in_s: u64,
    },
    Withdrawable,
}

/// Reads the `StakedWal` `id` (an error says what `id` is if it is none) and the epoch.
async fn stake_state(floe: &mut Floe, id: Address) -> anyhow::Result<StakeState> {
    let where_from = "`floe stakes` lists your stakes";
    let staked: move_types::staking::StakedWal =
        typed_object(floe, id, ("staking", "StakedWal"), "stake", where_from).await?;
    let system = floe.system().await.map_err(explain)?;
    Ok(match staked.withdraw_epoch {
        0 => StakeState::Active,
        from if from > system.epoch => {
            let now_ms = floe.chain_now_ms().await.map_err(explain)?;
            let ends = system.epoch_start_ms + system.epoch_duration_ms;
            StakeState::Leaving {
                from,
                now: system.epoch,
                ends_in_s: ends.saturating_sub(now_ms) / 1000,
            }
        }
        _ => StakeState::Withdrawable,
    })
}

/// `floe stakes`: the account's `StakedWal` objects and where each stands.
pub async fn stakes(session: &Session) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let epoch = floe.system().await.map_err(explain)?.epoch;
    let tag = move_types::struct_tag(
        floe.objects.original_package,
        "staking",
        "StakedWal",
        vec![],
    );
    let owned = floe.client.owned_objects(floe.sender(), Some(&tag)).await?;
    if owned.is_empty() {
        eprintln!(
            "account {} holds no stake; stake with `floe stake NODE_ID AMOUNT` (node IDs: `floe status`)",
            floe.sender()
        );
        return Ok(());
    }
    out!("{:<68} {:<68} {:>16}  state", "staked_wal", "node", "WAL");
    for object in owned {
        let Some(data) = object.as_struct() else {
            continue;
        };
        let staked: move_types::staking::StakedWal = bcs::from_bytes(data.contents())
            .with_context(|| format!("{} is not a StakedWal", object.object_id()))?;
        let state = match staked.withdraw_epoch {
            0 if staked.activation_epoch > epoch => {
                format!("active from epoch {}", staked.activation_epoch)
            }
            0 => format!("active since epoch {}", staked.activation_epoch),
            e if e > epoch => format!("withdrawal requested; withdrawable from epoch {e}"),
            _ => "withdrawable now (`floe withdraw`)".to_owned(),
        };
        out!(
            "{:<68} {:<68} {:>16}  {state}",
            object.object_id(),
            move_types::address_of(&staked.node_id),
            format_wal(staked.principal)
        );
    }
    Ok(())
}

/// `floe model withdraw`: takes the license revenue accrued in a model, as the cap holder.
pub async fn model_withdraw(session: &Session, model_id: Address) -> anyhow::Result<()> {
    use floe_sdk::sui_transaction_builder::ObjectInput;
    let mut floe = session.floe().await?;
    let cap = model_cap(&mut floe, model_id).await?;
    let model = SharedObject::resolve(&mut floe.client, model_id)
        .await
        .with_context(|| format!("{model_id} is not a shared model object"))?;
    let cap = floe.client.object(cap).await?;
    let mut builder = floe_sdk::sui_transaction_builder::TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(
        cap.object_id(),
        cap.version(),
        cap.digest(),
    ));
    let coin = floe_sdk::calls::model::withdraw_revenue(&mut builder, &floe.objects, model, cap);
    let me = builder.pure(&floe.sender());
    builder.transfer_objects(vec![coin], me);
    let executed = floe.execute(builder).await.map_err(explain)?;
    let withdrawn: move_types::events::ModelRevenueWithdrawn = executed
        .events
        .iter()
        .find(|e| e.type_.name().as_str() == "ModelRevenueWithdrawn")
        .context("the withdrawal emitted no ModelRevenueWithdrawn event")
        .and_then(|e| bcs::from_bytes(&e.contents).context("decoding ModelRevenueWithdrawn"))?;
    out!("{}", format_wal(withdrawn.amount));
    eprintln!(
        "withdrew {} WAL of license revenue from model {model_id}",
        format_wal(withdrawn.amount)
    );
    Ok(())
}

/// The `ModelCap` of the sender's that controls the model whose version is `blob_id`, if any:
/// a model's owner reads their own model with it, without a license.
pub async fn own_model_cap(floe: &mut Floe, blob_id: &BlobId) -> anyhow::Result<Option<Address>> {
    #[derive(serde::Deserialize)]
    struct Field {
        _id: move_types::UID,
        _name: u64,
        value: move_types::model::ModelVersion,
    }
    let cap_type =
        move_types::struct_tag(floe.objects.original_package, "model", "ModelCap", vec![]);
    let caps = floe
        .client
        .owned_objects(floe.sender(), Some(&cap_type))
        .await?;
    for cap in caps {
        let Some(data) = cap.as_struct() else {
            continue;
        };
        let Ok(contents) = bcs::from_bytes::<ModelCap>(data.contents()) else {
            continue;
        };
        let model_id = move_types::address_of(&contents.model_id);
        let model: move_types::model::Model = floe
            .read_object(model_id, "model::Model")
            .await
            .map_err(explain)?;
        let table = move_types::address_of(&model.versions.id.id);
        for number in 1..=model.versions.size {
            let key = bcs::to_bytes(&number).expect("a u64 always serializes");
            let field_id = table.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U64, &key);
            let field: Field = floe
                .read_object(field_id, "dynamic_field::Field<u64, ModelVersion>")
                .await
                .map_err(explain)?;
            if field.value.blob_id.to_le_bytes() == blob_id.0 {
                return Ok(Some(cap.object_id()));
            }
        }
    }
    Ok(None)
}

/// `floe aggregator|publisher|daemon`: serves the gateway's routes on `bind` until Ctrl-C or
/// SIGTERM. `wallet` is `Some` for roles that pay (`Some(None)`: the home's keystore). Prints
/// `aggregator URL` / `publisher URL` lines once listening, for scripts and tests. The
/// publisher takes uploads within `limits`; connections count against the process's budget
/// (`--max-connections`, sized before this is called).
pub async fn gateway(
    session: &Session,
    role: floe_gateway::Role,
    bind: std::net::SocketAddr,
    wallet: Option<Option<PathBuf>>,
    options: floe_gateway::PublisherOptions,
    limits: floe_gateway::PublisherLimits,
) -> anyhow::Result<()> {
    use floe_gateway::Role;
    let network = session.network()?;
    let key = match wallet {
        None => None,
        Some(None) => Some(session.key()?),
        Some(Some(path)) => {
            let keystore = Keystore::load(&path).with_context(|| {
                format!(
                    "cannot load the wallet {}\ncheck the path (a Sui keystore file)",
                    path.display()
                )
            })?;
            Some(match session.account {
                Some(address) => keystore.key(&address)?.clone(),
                None => keystore.first()?.clone(),
            })
        }
    };
    let app = floe_gateway::connect_with(role, &network, key, &options, limits)
        .await
        .with_context(|| {
            format!(
                "connecting to {}\nis the network running? (`floe up`)",
                network.rpc_url
            )
        })?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}\npick another address with --bind"))?;
    let addr = listener.local_addr()?;
    if matches!(role, Role::Aggregator | Role::Daemon) {
        out!("aggregator http://{addr}");
    }
    if matches!(role, Role::Publisher | Role::Daemon) {
        out!("publisher http://{addr}");
    }
    eprintln!("serving on http://{addr} (routes: http://{addr}/v1/api); stop with Ctrl-C");
    floe_gateway::serve(listener, app, stop_signal())
        .await
        .context("the HTTP server failed")
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}

/// `1.5 GiB`, `12.0 MiB`, `900 KiB`: sizes for people.
fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// The `Blob` object `id`, checked to be one and to be the signing account's. A blob object
/// shared already (`floe share` wrapped it in a `SharedBlob`, so the chain finds no object of
/// its ID) and a shared blob's own ID are named as such, with what can still be done to them.
pub(crate) async fn my_blob(
    session: &Session,
    floe: &mut Floe,
    id: Address,
) -> anyhow::Result<floe_sdk::flows::OwnedBlob> {
    let where_from = "`floe list-blobs` lists your blob objects";
    match floe.client.object(id).await {
        Err(floe_sdk::ClientError::ObjectNotFound(_) | floe_sdk::ClientError::NotFound(_)) => {
            if let Some(shared) = crate::shared_copies::shared_blob_wrapping(session, id).await {
                bail!(
                    "blob object {id} is shared: `floe share` wrapped it for good in shared blob \
                     {shared}, which nobody (you included) can delete, share again or take back\n\
                     keep it stored from its funds instead: floe fund-shared-blob {shared} \
                     --amount WAL, then floe extend --shared {shared} --epochs N"
                );
            }
            bail!(
                "no object {id} exists on this network: it was deleted, or never existed, or it \
                 is a blob object shared with `floe share` (wrapped in its shared blob)\n\
                 check the ID ({where_from}); a shared one is kept with floe fund-shared-blob \
                 SHARED_BLOB_ID --amount WAL and floe extend --shared SHARED_BLOB_ID --epochs N"
            );
        }
        Ok(object)
            if object.as_struct().is_some_and(|data| {
                let tag = data.object_type();
                *tag.address() == floe.objects.original_package
                    && tag.module().as_str() == "shared_blob"
                    && tag.name().as_str() == "SharedBlob"
            }) =>
        {
            bail!(
                "{id} is a shared blob (floe::shared_blob::SharedBlob), not a blob object: nobody \
                 can delete it, share it again or take it back\n\
                 keep it stored from its funds: floe fund-shared-blob {id} --amount WAL, then \
                 floe extend --shared {id} --epochs N"
            );
        }
        _ => {}
    }
    let _: move_types::blob::Blob =
        typed_object(floe, id, ("blob", "Blob"), "blob object", where_from).await?;
    let object = floe
        .client
        .object(id)
        .await
        .map_err(|e| explain(e.into()))?;
    let me = floe.sender();
    if *object.owner() != sui_sdk_types::Owner::Address(me) {
        bail!(
            "blob object {id} is not owned by {me} (owner: {:?})\n\
             sign as its owner with --as ADDRESS; `floe list-blobs` lists your blob objects",
            object.owner()
        );
    }
    floe.blob_object(id).await.map_err(explain)
}

pub async fn delete(session: &Session, blob_object: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    my_blob(session, &mut floe, blob_object).await?;
    let deleted = floe.delete_blob(blob_object).await.map_err(explain)?;
    out!("{blob_object}");
    eprintln!(
        "deleted blob object {blob_object} (blob {}{}); its storage {} is yours, reusable until it ends",
        deleted.blob_id,
        if deleted.was_certified {
            ", was certified"
        } else {
            ""
        },
        deleted.storage
    );
    Ok(())
}

pub async fn extend(session: &Session, blob_object: Address, epochs: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let blob = my_blob(session, &mut floe, blob_object).await?;
    let system = floe.system().await.map_err(explain)?;
    let end = blob.end_epoch();
    if end <= system.epoch {
        bail!(
            "blob object {blob_object} expired at epoch {end} (now epoch {})\n\
             store the file again",
            system.epoch
        );
    }
    let room = system.max_epochs_ahead.saturating_sub(end - system.epoch);
    if epochs == 0 || epochs > room {
        bail!(
            "--epochs {epochs} is out of range: the blob ends at epoch {end} and this network stores \
             at most {} epochs ahead of the current one ({})\n\
             pass --epochs between 1 and {room}",
            system.max_epochs_ahead,
            system.epoch
        );
    }
    let extended = floe
        .extend_blob(blob_object, epochs)
        .await
        .map_err(explain)?;
    out!(
        "end epoch {} (was {}), paid {} WAL",
        extended.new_end_epoch,
        extended.old_end_epoch,
        format_wal(extended.price)
    );
    Ok(())
}

pub async fn list_blobs(session: &Session, json: bool) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let epoch = floe.system().await.map_err(explain)?.epoch;
    let mut blobs = floe.owned_blobs().await.map_err(explain)?;
    blobs.sort_by_key(|b| (b.end_epoch(), *b.object.object_id()));
    if json {
        let rows: Vec<serde_json::Value> = blobs
            .iter()
            .map(|b| {
                serde_json::json!({
                    "blob_id": b.blob_id().to_string(),
                    "object_id": b.object.object_id().to_string(),
                    "size": b.blob.size,
                    "certified": b.is_certified(),
                    "certified_epoch": b.blob.certified_epoch,
                    "end_epoch": b.end_epoch(),
                    "expired": b.end_epoch() <= epoch,
                    "deletable": b.blob.deletable,
                })
            })
            .collect();
        out!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    out!(
        "{:<43} {:<66} {:>12} {:<10} {:>9} {}",
        "blob ID",
        "object ID",
        "size",
        "status",
        "end epoch",
        "deletable"
    );
    for b in &blobs {
        let status = match (b.end_epoch() <= epoch, b.is_certified()) {
            (true, _) => "expired",
            (false, true) => "certified",
            (false, false) => "registered",
        };
        out!(
            "{:<43} {:<66} {:>12} {:<10} {:>9} {}",
            b.blob_id().to_string(),
            b.object.object_id().to_string(),
            b.blob.size,
            status,
            b.end_epoch(),
            if b.blob.deletable { "yes" } else { "no" }
        );
    }
    if blobs.is_empty() {
        eprintln!(
            "no blob objects owned by {}; store one with `floe store FILE`",
            floe.sender()
        );
    }
    Ok(())
}

pub async fn blob_status(session: &Session, blob_id: &str, json: bool) -> anyhow::Result<()> {
    let blob_id: BlobId = blob_id.parse().map_err(|_| {
        anyhow::anyhow!(
            "{blob_id:?} is not a blob ID\na blob ID is 43 characters of base64url, as `floe store` prints it"
        )
    })?;
    let mut floe = session.reader().await?;
    let status = floe.blob_status(&blob_id).await.map_err(explain)?;
    let certified = status.is_certified();
    let shared = crate::shared_copies::shared_copies(session, &mut floe, &blob_id).await?;
    if json {
        let entry = status.entry;
        let shared = shared.as_ref().map(|copies| {
            copies
                .iter()
                .map(|copy| {
                    serde_json::json!({
                        "shared_blob_id": copy.shared_blob.to_string(),
                        "funds": copy.funds,
                        "end_epoch": copy.end_epoch,
                    })
                })
                .collect::<Vec<_>>()
        });
        out!(
            "{}",
            serde_json::json!({
                "blob_id": blob_id.to_string(),
                "epoch": status.epoch,
                "certified": certified,
                "end_epoch": entry.map(|e| e.end_epoch),
                "size": entry.map(|e| e.size),
                "references": entry.map_or(0, |e| e.references),
                "shared_blobs": shared,
            })
        );
        return Ok(());
    }
    match status.entry {
        Some(entry) if certified => out!(
            "{blob_id}: certified, available until epoch {} (now epoch {}), {} bytes, {} blob object(s)",
            entry.end_epoch,
            status.epoch,
            entry.size,
            entry.references
        ),
        Some(entry) => out!(
            "{blob_id}: expired at epoch {} (now epoch {})",
            entry.end_epoch,
            status.epoch
        ),
        None => out!(
            "{blob_id}: not certified (now epoch {}): no live Blob object holds it",
            status.epoch
        ),
    }
    match shared {
        Some(copies) => {
            for copy in copies {
                out!(
                    "shared as {}, funds {} WAL, ends at epoch {}",
                    copy.shared_blob,
                    format_wal(copy.funds),
                    copy.end_epoch
                );
            }
        }
        None => eprintln!(
            "shared copies not looked up: no indexer is known (up.toml has no api); `floe up` \
             with its indexer lists them"
        ),
    }
    Ok(())
}
