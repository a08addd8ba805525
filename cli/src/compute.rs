//! `floe compute`: compute jobs on chosen, staked providers (`floe::compute`).
//!
//! - `register`: the account becomes a provider (its own ed25519 key, WAL stake, an address).
//! - `job`: open a job on a model version and an input (a file stored first, or a blob ID),
//!   naming the providers and how many must agree, paying WAL into escrow.
//! - `run`: as a chosen provider, run jobs: obtain the model's key from the key servers through
//!   `compute::seal_approve_job`, read and decrypt the model, read the input, run the model
//!   with tract (`floe-compute`), store the output as a blob and submit its hash.
//! - `settle`, `refund`, `show`: close a job; show it (and write its agreed output).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use floe_encoder::BlobId;
use floe_sdk::Floe;
use floe_sdk::compute::{STATE_OPEN, STATE_SETTLED, state_name};
use floe_sdk::move_types;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::encrypted::{self, KeyServerInfo};
use crate::output::out;
use crate::session::{Session, node_directory};

/// Epochs an output blob is stored for.
const OUTPUT_EPOCHS: u64 = 2;

/// `floe compute …`.
#[derive(clap::Subcommand)]
pub enum ComputeCommand {
    /// Become a compute provider: this account's ed25519 key, WAL stake, a network address.
    Register {
        /// WAL to stake (at least 10).
        #[arg(long, default_value = "100", value_parser = crate::amount::parse_wal)]
        stake: u64,
        /// Where your worker can be reached (informational).
        #[arg(long, default_value = "http://127.0.0.1:9400")]
        address: String,
    },
    /// Open a job: a model version run on an input by chosen providers, paid into escrow.
    Job {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
        /// The model version to run.
        #[arg(long, default_value_t = 1)]
        version: u64,
        /// The input: a file of little-endian f32s, stored first.
        #[arg(long, conflicts_with = "input_blob")]
        input: Option<PathBuf>,
        /// The input: a blob already stored.
        #[arg(long)]
        input_blob: Option<String>,
        /// Provider object IDs, comma-separated.
        #[arg(long, value_delimiter = ',', value_parser = crate::object_id::parse, required = true)]
        providers: Vec<Address>,
        /// How many providers must agree (more than half of them; default all).
        #[arg(long)]
        k: Option<u64>,
        /// Minutes the providers have.
        #[arg(long, default_value_t = 30)]
        minutes: u64,
        /// WAL paid to the providers (less the protocol fee).
        #[arg(long, value_parser = crate::amount::parse_wal)]
        price: u64,
    },
    /// Run jobs that choose this account's provider: key, model, input, output, result.
    /// Without job IDs, discovers them from the chain's events, from where the last run
    /// stopped (a cursor kept in the home) up to now, or for ever with --watch.
    Run {
        /// Jobs to run (default: discover the jobs that choose this provider).
        #[arg(value_parser = crate::object_id::parse)]
        jobs: Vec<Address>,
        /// Keep going: poll the jobs named until each has this provider's result or is
        /// closed; without job IDs, follow the chain for new jobs until stopped.
        #[arg(long)]
        watch: bool,
        /// Without job IDs and without a cursor yet: the first checkpoint to look at.
        #[arg(long, default_value_t = 0)]
        from: u64,
    },
    /// Settle a job whose results agree: pay the providers, burn the fee, slash the others.
    Settle {
        #[arg(value_parser = crate::object_id::parse)]
        job_id: Address,
    },
    /// Refund a job without agreeing results after its deadline.
    Refund {
        #[arg(value_parser = crate::object_id::parse)]
        job_id: Address,
    },
    /// Show a job (JSON); with --out, write its agreed output, checked against its hash.
    Show {
        #[arg(value_parser = crate::object_id::parse)]
        job_id: Address,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Runs a `floe compute` command.
pub async fn dispatch(session: &Session, command: ComputeCommand) -> anyhow::Result<()> {
    match command {
        ComputeCommand::Register { stake, address } => register(session, stake, &address).await,
        ComputeCommand::Job {
            model_id,
            version,
            input,
            input_blob,
            providers,
            k,
            minutes,
            price,
        } => {
            let k = k.unwrap_or(providers.len() as u64);
            let args = NewJob {
                model_id,
                version,
                input,
                input_blob,
                providers,
                k,
                minutes,
                price,
            };
            job(session, args).await
        }
        ComputeCommand::Run { jobs, watch, from } if jobs.is_empty() => {
            discover(session, watch, from).await
        }
        ComputeCommand::Run { jobs, watch, .. } => run(session, &jobs, watch).await,
        ComputeCommand::Settle { job_id } => settle(session, job_id).await,
        ComputeCommand::Refund { job_id } => refund(session, job_id).await,
        ComputeCommand::Show { job_id, out } => show(session, job_id, out.as_deref()).await,
    }
}

/// `floe compute register`.
pub async fn register(session: &Session, stake: u64, address: &str) -> anyhow::Result<()> {
    let key = session.key()?;
    let public_key = key.public_key();
    let mut floe = session.floe().await?;
    let registered = floe
        .register_provider(public_key.as_bytes(), address, stake)
        .await
        .map_err(crate::commands::explain)?;
    out!("{}", registered.provider);
    eprintln!(
        "registered compute provider {} (cap {}) with {} WAL staked",
        registered.provider,
        registered.cap,
        format_wal(stake)
    );
    Ok(())
}

/// The arguments of `floe compute job`.
pub struct NewJob {
    pub model_id: Address,
    pub version: u64,
    pub input: Option<PathBuf>,
    pub input_blob: Option<String>,
    pub providers: Vec<Address>,
    pub k: u64,
    pub minutes: u64,
    pub price: u64,
}

/// `floe compute job`.
pub async fn job(session: &Session, args: NewJob) -> anyhow::Result<()> {
    let price = args.price;
    let mut floe = session.floe().await?;
    // Before storing the input: a stranger's job would be refused on chain anyway.
    let cap = job_model_cap(&mut floe, args.model_id).await?;
    let input_blob = match (&args.input, &args.input_blob) {
        (Some(file), None) => {
            let bytes = std::fs::read(file)
                .with_context(|| format!("cannot read {}\ncheck the path", file.display()))?;
            let nodes = node_directory(&mut floe, None).await?;
            let stored = floe
                .store_blob(&nodes, &bytes, OUTPUT_EPOCHS, false)
                .await
                .map_err(crate::commands::explain)?;
            eprintln!(
                "stored the input {} as blob {}",
                file.display(),
                stored.blob_id
            );
            stored.blob_id
        }
        (None, Some(id)) => parse_blob_id(id)?,
        _ => bail!("give the input as --input FILE or --input-blob BLOB_ID (one of them)"),
    };
    let deadline = floe.chain_now_ms().await? + args.minutes * 60_000;
    let job = floe
        .create_job(
            args.model_id,
            cap,
            args.version,
            *input_blob.as_bytes(),
            &args.providers,
            args.k,
            deadline,
            price,
        )
        .await
        .map_err(crate::commands::explain)?;
    out!("{}", job.id);
    eprintln!(
        "job {} opened: {} of {} providers must agree within {} min; {} WAL in escrow",
        job.id,
        args.k,
        args.providers.len(),
        args.minutes,
        format_wal(price)
    );
    Ok(())
}

/// The sender's `ModelCap` of `model_id`: only the model's owner opens jobs on it, since a job
/// releases the model's key to the providers it names (`compute::EWrongModelCap`).
async fn job_model_cap(floe: &mut Floe, model_id: Address) -> anyhow::Result<Address> {
    match crate::commands::find_model_cap(floe, model_id).await? {
        Some(cap) => Ok(cap),
        None => bail!(
            "account {} holds no ModelCap for model {model_id}: only the model's owner opens \
             compute jobs on it (a job gives the model's key to the providers it names)\n\
             sign as the model's owner with --as ADDRESS, or buy a license (floe license buy) \
             and run the model yourself",
            floe.sender()
        ),
    }
}

/// `floe compute run JOB…`: runs each job as this account's provider; with `watch`, keeps
/// polling until every job named is closed or has this provider's result.
pub async fn run(session: &Session, jobs: &[Address], watch: bool) -> anyhow::Result<()> {
    let key = session.key()?;
    let mut floe = session.floe().await?;
    let (cap, provider) = provider_of(&mut floe).await?;
    let servers = key_servers(session)?;
    let mut pending: Vec<Address> = jobs.to_vec();
    loop {
        let mut left = Vec::new();
        for &job_id in &pending {
            let job = floe.job(job_id).await?;
            let mine = move_types::id(provider);
            if job.state != STATE_OPEN || job.submissions.iter().any(|s| s.provider_id == mine) {
                continue;
            }
            if !job.providers.contains(&mine) {
                // Asked anyway: the key servers are the gate (`seal_approve_job`), and their
                // refusal is what the user should see.
                tracing::warn!(%job_id, %provider, "the job does not name this provider");
            }
            let Some(hash) =
                run_one(&mut floe, &key, &servers, job_id, provider, cap, &job).await?
            else {
                anyhow::bail!(
                    "job {job_id}: the model rejects its input\n  nothing was submitted; the owner is refunded after the deadline"
                );
            };
            out!("{job_id} {}", hex::encode(hash));
            left.push(job_id);
        }
        pending.retain(|j| !left.contains(j));
        if !watch || pending.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `floe compute run` without job IDs: reads the chain checkpoint by checkpoint from the
/// cursor (`compute/PROVIDER.cursor` in the home: the next checkpoint to read; `from` when
/// there is none) and runs every open job that chooses this provider and has no result from it
/// yet. A job whose input the model rejects is passed over with a WARN (its owner is refunded
/// after the deadline). The cursor moves past a checkpoint only once each of its jobs ran, so a worker stopped
/// at any point resumes where it stopped: a job whose result went in just before the stop is
/// seen again and passed over (its result is on-chain), none is missed. A job that fails stops
/// the run with the cursor on its checkpoint: the next run tries it again. Without `watch`,
/// stops at the chain's height when it started.
pub async fn discover(session: &Session, watch: bool, from: u64) -> anyhow::Result<()> {
    use futures::StreamExt as _;
    let key = session.key()?;
    let mut floe = session.floe().await?;
    let (cap, provider) = provider_of(&mut floe).await?;
    let servers = key_servers(session)?;
    let cursor = Cursor::of(session, provider);
    let _lock = cursor.lock("floe compute run", provider)?;
    let start = cursor.load()?.unwrap_or(from);
    let height = floe.client.service_info().await?.checkpoint_height();
    if !watch && start > height {
        eprintln!("no new checkpoints since {}", start.saturating_sub(1));
        return Ok(());
    }
    let package = floe.objects.original_package;
    let checkpoints = floe.client.stream_checkpoints(Some(start), None);
    futures::pin_mut!(checkpoints);
    let mut ran = 0usize;
    while let Some(checkpoint) = checkpoints.next().await {
        let checkpoint = checkpoint.context("following the chain's checkpoints")?;
        let seq = checkpoint.sequence_number();
        for created in floe_sdk::compute::jobs_choosing(&checkpoint, package, provider)? {
            let job_id = move_types::address_of(&created.job_id);
            let job = floe.job(job_id).await?;
            let mine = move_types::id(provider);
            if job.state != STATE_OPEN || job.submissions.iter().any(|s| s.provider_id == mine) {
                tracing::info!(%job_id, "already closed or answered: passed over");
                continue;
            }
            if job.deadline_ms <= floe.chain_now_ms().await? {
                eprintln!("job {job_id}: its deadline passed; passed over");
                continue;
            }
            let hash = run_one(&mut floe, &key, &servers, job_id, provider, cap, &job)
                .await
                .with_context(|| {
                    format!(
                        "job {job_id} (checkpoint {seq}) failed; the next `floe compute run` tries it again"
                    )
                })?;
            let Some(hash) = hash else { continue };
            out!("{job_id} {}", hex::encode(hash));
            ran += 1;
        }
        cursor.save(seq + 1)?;
        if !watch && seq >= height {
            break;
        }
    }
    eprintln!(
        "ran {ran} job(s) choosing provider {provider}; next time from checkpoint {}",
        cursor.load()?.unwrap_or(start)
    );
    Ok(())
}

/// The next checkpoint a worker's discovery reads, kept in the home (`compute/` for compute
/// providers, `service/` for service providers).
pub(crate) struct Cursor {
    path: PathBuf,
}

/// A worker's lock file; removing it on drop frees the cursor for the next worker.
pub(crate) struct WorkerLock {
    path: std::path::PathBuf,
}

impl Drop for WorkerLock {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot remove the worker's lock");
        }
    }
}

impl Cursor {
    fn of(session: &Session, provider: Address) -> Self {
        Self::in_home(session, "compute", provider)
    }

    /// Takes the worker's lock, a file beside the cursor created only if absent (holding the
    /// PID), so two workers of one provider never race on one cursor; removed when dropped.
    pub(crate) fn lock(&self, command: &str, who: Address) -> anyhow::Result<WorkerLock> {
        use std::io::Write as _;
        let path = self.path.with_extension("lock");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        // A worker stopped by Ctrl-C or a crash leaves its lock behind: a lock whose PID is no
        // longer running is removed once, so only a live worker keeps others out.
        let mut stale_removed = false;
        let mut file = loop {
            match std::fs::File::create_new(&path) {
                Ok(file) => break file,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok());
                    let running = holder
                        .is_none_or(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
                    if running || stale_removed {
                        anyhow::bail!(
                            "another `{command}` for {who} is running (lock {})\n  stop it, or remove the file if it crashed",
                            path.display()
                        );
                    }
                    tracing::info!(
                        path = %path.display(),
                        pid = holder,
                        "removing a lock left by a worker that is no longer running"
                    );
                    std::fs::remove_file(&path)
                        .with_context(|| format!("removing the stale lock {}", path.display()))?;
                    stale_removed = true;
                }
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        };
        writeln!(file, "{}", std::process::id())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(WorkerLock { path })
    }

    /// The cursor of worker `who` in the home's directory `dir`.
    pub(crate) fn in_home(session: &Session, dir: &str, who: Address) -> Self {
        let path = session.home.root().join(dir).join(format!("{who}.cursor"));
        Self { path }
    }

    pub(crate) fn load(&self) -> anyhow::Result<Option<u64>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => text.trim().parse().map(Some).with_context(|| {
                format!(
                    "{} is not a checkpoint number\ndelete it to start again from --from",
                    self.path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", self.path.display())),
        }
    }

    /// Written to a temporary file and renamed: a stop mid-write leaves the old cursor.
    pub(crate) fn save(&self, next: u64) -> anyhow::Result<()> {
        let dir = self
            .path
            .parent()
            .expect("the cursor lives in the home's compute/");
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let partial = self.path.with_extension("cursor.partial");
        std::fs::write(&partial, format!("{next}\n"))
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &self.path)
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

/// This account's provider and its cap.
async fn provider_of(floe: &mut Floe) -> anyhow::Result<(Address, Address)> {
    let caps = floe.provider_caps().await?;
    let Some(&(cap, provider)) = caps.first() else {
        bail!(
            "this account is not a compute provider\nregister first: floe compute register --stake 100 --address http://HOST:PORT"
        );
    };
    Ok((cap, provider))
}

/// One job: key, model, input, inference, output, result. Returns the output hash, or `None`
/// (logged at WARN) when the model rejects the job's input: that is the job's outcome, not
/// the worker's, and its owner is refunded after the deadline.
async fn run_one(
    floe: &mut Floe,
    key: &Ed25519PrivateKey,
    servers: &[KeyServerInfo],
    job_id: Address,
    provider: Address,
    cap: Address,
    job: &move_types::compute::Job,
) -> anyhow::Result<Option<[u8; 32]>> {
    let nodes = node_directory(floe, None).await?;
    let model_blob = BlobId(job.model_blob_id.to_le_bytes());
    let input_blob = BlobId(job.input_blob_id.to_le_bytes());
    let model_bytes = floe
        .read_blob(&nodes, &model_blob)
        .await
        .with_context(|| format!("reading the model blob {model_blob}"))?;
    let model = match encrypted::as_encrypted(&model_bytes, floe.objects.original_package) {
        Some(object) => {
            let approval = encrypted::Approval::Job {
                job: job_id,
                provider,
            };
            let (keys, public_keys) = encrypted::fetch_keys(
                floe,
                key,
                &object.id,
                &object.services,
                object.threshold,
                servers,
                approval,
            )
            .await
            .with_context(|| format!("the model's key for job {job_id}"))?;
            match public_keys {
                Some(public_keys) => {
                    floe_crypto::decrypt_checked(&model_bytes, &keys, &public_keys)
                }
                None => floe_crypto::decrypt(&model_bytes, &keys),
            }
            .context("decrypting the model")?
        }
        None => model_bytes,
    };
    let input = floe
        .read_blob(&nodes, &input_blob)
        .await
        .with_context(|| format!("reading the input blob {input_blob}"))?;
    let output = match floe_compute::run_model(&model, &input) {
        Ok(output) => output,
        Err(e) => {
            tracing::warn!(%job_id, error = %e, "the model rejects this job's input: passed over");
            return Ok(None);
        }
    };
    let hash = floe_compute::output_hash(&output);
    let stored = floe
        .store_blob(&nodes, &output, OUTPUT_EPOCHS, false)
        .await
        .map_err(crate::commands::explain)?;
    floe.submit_result(job_id, provider, cap, stored.blob_object, &hash)
        .await
        .map_err(crate::commands::explain)?;
    eprintln!(
        "job {job_id}: ran the model on {} bytes of input, stored {} bytes of output as {} and submitted hash {}",
        input.len(),
        output.len(),
        stored.blob_id,
        hex::encode(hash)
    );
    Ok(Some(hash))
}

/// `floe compute settle JOB`.
pub async fn settle(session: &Session, job: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let settled = floe
        .settle_job(job)
        .await
        .map_err(crate::commands::explain)?;
    out!("{}", hex::encode(&settled.output_hash));
    eprintln!(
        "job {job} settled: {} providers paid {} WAL each, {} WAL fee burned, {} WAL slashed",
        settled.providers_paid,
        format_wal(settled.paid_each),
        format_wal(settled.fee_burned),
        format_wal(settled.slashed)
    );
    if let Some(version) = settled.published_version {
        // Only for the hint: a job that cannot be read now is named as MODEL.
        let model = match floe.job(job).await {
            Ok(contents) => move_types::address_of(&contents.model_id).to_string(),
            Err(_) => "MODEL".to_owned(),
        };
        eprintln!(
            "its output is the model's version {version} (the owner opted in); its Blob waits in \
             the model for the ModelCap holder: floe model tuning take {model} {version}"
        );
    } else if settled.proposed {
        eprintln!("its output awaits the model owner's approval: floe model tuning approve MODEL");
    }
    Ok(())
}

/// `floe compute refund JOB`.
pub async fn refund(session: &Session, job: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let tuning = floe
        .job(job)
        .await
        .map_err(crate::commands::explain)?
        .tuning;
    let amount = floe
        .refund_job(job)
        .await
        .map_err(crate::commands::explain)?;
    let to = if tuning {
        "back into its model's tuning reserve"
    } else {
        "back to its owner"
    };
    eprintln!("job {job} refunded: {} WAL {to}", format_wal(amount));
    Ok(())
}

/// `floe compute show JOB [--out FILE]`: the job as JSON; with `out`, the settled output,
/// checked against the agreed hash.
pub async fn show(session: &Session, job_id: Address, out: Option<&Path>) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let job = floe.job(job_id).await?;
    let settled = job.state == STATE_SETTLED;
    out!(
        "{}",
        serde_json::json!({
            "job": job_id.to_string(),
            "state": state_name(job.state),
            "owner": Address::new(job.owner.into_inner()).to_string(),
            "model": move_types::address_of(&job.model_id).to_string(),
            "model_version": job.model_version,
            "input_blob_id": BlobId(job.input_blob_id.to_le_bytes()).to_string(),
            "providers": job.providers.iter().map(|p| move_types::address_of(p).to_string()).collect::<Vec<_>>(),
            "k": job.k,
            "deadline_ms": job.deadline_ms,
            "price": job.price,
            "submissions": job.submissions.len(),
            "output_hash": settled.then(|| hex::encode(&job.output_hash)),
            "output_blob_id": settled.then(|| BlobId(job.output_blob_id.to_le_bytes()).to_string()),
        })
    );
    if let Some(path) = out {
        if !settled {
            bail!(
                "job {job_id} is {}: it has no agreed output yet\nsettle it first: floe compute settle {job_id}",
                state_name(job.state)
            );
        }
        let nodes = node_directory(&mut floe, None).await?;
        let output_blob = BlobId(job.output_blob_id.to_le_bytes());
        let output = floe.read_blob(&nodes, &output_blob).await?;
        if floe_compute::output_hash(&output).as_slice() != job.output_hash.as_slice() {
            bail!("blob {output_blob} does not hash to the job's agreed output hash");
        }
        std::fs::write(path, &output).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "wrote the agreed output ({} bytes) to {}",
            output.len(),
            path.display()
        );
    }
    Ok(())
}

fn parse_blob_id(text: &str) -> anyhow::Result<BlobId> {
    text.parse().map_err(|_| {
        anyhow::anyhow!(
            "{text:?} is not a blob ID\na blob ID is 43 characters of base64url, as `floe store` prints it"
        )
    })
}

/// The key servers of this home (`floe up` lists them in `up.toml`).
fn key_servers(session: &Session) -> anyhow::Result<Vec<KeyServerInfo>> {
    let up = crate::home::UpFile::load(&session.home.up_file())?.with_context(|| {
        format!(
            "{} lists no key servers: start the network with `floe up`",
            session.home.up_file().display()
        )
    })?;
    up.key_servers.iter().map(KeyServerInfo::parse).collect()
}
