//! `floe service`: paid, composable model calls (`floe::service`).
//!
//! - `create`: sell calls of a model version (you hold its `ModelCap`) at a price per call,
//!   served by a provider's account within a response window.
//! - `chain`: call one or more services in ONE transaction, the first on an input, each next on
//!   the previous call's output; each call pays exactly its service's price into the service's
//!   escrow, at most the price quoted now (or `--max`), else nothing is paid.
//! - `respond`: as a service's provider, answer a call with its output blob and hash; this
//!   settles it (the fee burned, the rest to the model and the datasets it was trained on: the
//!   model's owner takes it with `floe model withdraw`).
//! - `refund`: take back the payment of a call of yours not answered by its deadline.
//! - `take-over`, `pause`: as the model's owner, take a service of it over (a new ServiceCap,
//!   the old one void); pause or resume a service you hold the cap of.
//! - `show`: show a service as JSON.

use anyhow::Context as _;
use floe_sdk::move_types;
use floe_sdk::service::ServiceChain;
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::output::out;
use crate::session::Session;

/// `floe service …`.
#[derive(clap::Subcommand)]
pub enum ServiceCommand {
    /// Sell calls of a model version at a price per call; prints the service ID.
    Create {
        #[arg(value_parser = crate::object_id::parse)]
        model_id: Address,
        /// The model version the service runs.
        #[arg(long, default_value_t = 1)]
        version: u64,
        /// WAL each call pays (the protocol fee is burned from it).
        #[arg(long, value_parser = crate::amount::parse_wal)]
        price: u64,
        /// The account that serves (and alone answers) the calls; default this account.
        #[arg(long, value_parser = crate::object_id::parse)]
        provider: Option<Address>,
        /// Seconds the provider has to answer a call before its caller may take the payment
        /// back (5 to 604800).
        #[arg(long, default_value_t = 600)]
        window: u64,
    },
    /// Call services in one transaction: the first on the input, each next on the previous
    /// call's output. Prints one line per call: SERVICE CALL_NUMBER PRICE.
    Chain {
        /// Service IDs in order, comma-separated.
        #[arg(value_delimiter = ',', value_parser = crate::object_id::parse, required = true)]
        services: Vec<Address>,
        /// The first call's input, as text.
        #[arg(long, conflicts_with = "input_file")]
        input: Option<String>,
        /// The first call's input, a file (at most 4096 bytes).
        #[arg(long)]
        input_file: Option<std::path::PathBuf>,
        /// The most to pay for each call, WAL, comma-separated (default: each price now).
        #[arg(long, value_delimiter = ',', value_parser = crate::amount::parse_wal)]
        max: Vec<u64>,
    },
    /// Answer a call as the service's provider: the output's blob ID and hex hash.
    Respond {
        #[arg(value_parser = crate::object_id::parse)]
        service_id: Address,
        call: u64,
        /// The output blob (as `floe store` prints it).
        #[arg(long)]
        output_blob: String,
        /// Blake2b-256 of the output, 64 hex digits.
        #[arg(long)]
        output_hash: String,
    },
    /// Take back the payment of a call you made that was not answered by its deadline.
    /// Prints the WAL base units returned.
    Refund {
        #[arg(value_parser = crate::object_id::parse)]
        service_id: Address,
        call: u64,
    },
    /// Take a service of your model over (you hold the model's ModelCap, e.g. after buying
    /// it): a new ServiceCap for you, the previous holder's void. Prints the new cap's ID.
    TakeOver {
        #[arg(value_parser = crate::object_id::parse)]
        service_id: Address,
    },
    /// Pause a service (it takes no calls), or resume it with --resume (you hold its current
    /// ServiceCap).
    Pause {
        #[arg(value_parser = crate::object_id::parse)]
        service_id: Address,
        #[arg(long)]
        resume: bool,
    },
    /// Serve the calls of the services this account is the provider of: run the service's
    /// model (an ONNX graph, with floe-compute) on the call's input (the first call's bytes, or
    /// the previous call's answered output), store the output and answer. Discovers calls from
    /// the chain's events from a cursor in the home, up to now, or for ever with --watch.
    /// Prints SERVICE CALL OUTPUT_BLOB per call answered.
    Serve {
        #[arg(long)]
        watch: bool,
        /// Without a cursor yet: the first checkpoint to look at.
        #[arg(long, default_value_t = 0)]
        from: u64,
    },
    /// Show a service as JSON.
    Show {
        #[arg(value_parser = crate::object_id::parse)]
        service_id: Address,
    },
}

/// Runs a `floe service` command.
pub async fn dispatch(session: &Session, command: ServiceCommand) -> anyhow::Result<()> {
    match command {
        ServiceCommand::Create {
            model_id,
            version,
            price,
            provider,
            window,
        } => create(session, model_id, version, price, provider, window).await,
        ServiceCommand::Chain {
            services,
            input,
            input_file,
            max,
        } => {
            let input = match (input, input_file) {
                (Some(text), None) => text.into_bytes(),
                (None, Some(path)) => std::fs::read(&path)
                    .with_context(|| format!("cannot read {}\ncheck the path", path.display()))?,
                _ => anyhow::bail!(
                    "give the first call's input\nuse --input TEXT or --input-file FILE (one of them)"
                ),
            };
            chain(session, &services, &input, &max).await
        }
        ServiceCommand::Respond {
            service_id,
            call,
            output_blob,
            output_hash,
        } => respond(session, service_id, call, &output_blob, &output_hash).await,
        ServiceCommand::Refund { service_id, call } => refund(session, service_id, call).await,
        ServiceCommand::TakeOver { service_id } => take_over(session, service_id).await,
        ServiceCommand::Pause { service_id, resume } => pause(session, service_id, !resume).await,
        ServiceCommand::Serve { watch, from } => serve(session, watch, from).await,
        ServiceCommand::Show { service_id } => show(session, service_id).await,
    }
}

/// `floe service create`.
pub async fn create(
    session: &Session,
    model_id: Address,
    version: u64,
    price: u64,
    provider: Option<Address>,
    window_secs: u64,
) -> anyhow::Result<()> {
    let window_ms = window_secs.checked_mul(1_000).with_context(|| {
        format!(
            "--window {window_secs} is too long
give 5 to 604800 seconds"
        )
    })?;
    let mut floe = session.floe().await?;
    let provider = provider.unwrap_or(floe.sender());
    let cap = crate::commands::model_cap(&mut floe, model_id).await?;
    let created = floe
        .create_service(model_id, cap, version, provider, price, window_ms)
        .await
        .map_err(crate::commands::explain)?;
    out!("{}", created.service);
    eprintln!(
        "service {} sells calls of model {model_id} version {version} at {} WAL, served by {provider} within {window_secs} s; its ServiceCap {} is yours",
        created.service,
        format_wal(price),
        created.cap
    );
    Ok(())
}

/// `floe service chain`.
pub async fn chain(
    session: &Session,
    services: &[Address],
    input: &[u8],
    max: &[u64],
) -> anyhow::Result<()> {
    if !max.is_empty() && max.len() != services.len() {
        anyhow::bail!(
            "{} services but {} maxima\ngive one --max per service, or none to pay each price quoted now",
            services.len(),
            max.len()
        );
    }
    let mut floe = session.floe().await?;
    let mut steps = Vec::new();
    for (i, &service) in services.iter().enumerate() {
        let max_price = match max.get(i) {
            Some(&m) => m,
            None => floe.model_service(service).await?.price_per_call,
        };
        steps.push((service, max_price));
    }
    let chain = ServiceChain { steps };
    let called = floe
        .call_chain(&chain, input)
        .await
        .map_err(crate::commands::explain)?;
    let mut total = 0u64;
    for c in &called {
        out!(
            "{} {} {}",
            move_types::address_of(&c.service_id),
            c.call_number,
            c.price
        );
        total += c.price;
    }
    eprintln!(
        "{} calls in one transaction, {} WAL paid in all into escrow: each call's payment goes to its model when answered, or back to you with `floe service refund SERVICE CALL` if it is not answered by its deadline",
        called.len(),
        format_wal(total)
    );
    Ok(())
}

/// `floe service respond`.
pub async fn respond(
    session: &Session,
    service: Address,
    call: u64,
    output_blob: &str,
    output_hash: &str,
) -> anyhow::Result<()> {
    let blob: floe_encoder::BlobId = output_blob.parse().map_err(|_| {
        anyhow::anyhow!(
            "{output_blob:?} is not a blob ID\na blob ID is 43 characters of base64url, as `floe store` prints it"
        )
    })?;
    let hash: [u8; 32] = hex::decode(output_hash)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{output_hash:?} is not a 32-byte hash\ngive the Blake2b-256 of the output as 64 hex digits"
            )
        })?;
    let mut floe = session.floe().await?;
    let responded = floe
        .respond_call(service, call, *blob.as_bytes(), &hash)
        .await
        .map_err(crate::commands::explain)?;
    eprintln!(
        "answered call {call} of service {service} with blob {blob}: {} WAL to model {}, {} WAL fee burned",
        format_wal(responded.revenue),
        move_types::address_of(&responded.model_id),
        format_wal(responded.fee_burned)
    );
    Ok(())
}

/// `floe service refund`.
pub async fn refund(session: &Session, service: Address, call: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let amount = floe
        .refund_call(service, call)
        .await
        .map_err(crate::commands::explain)?;
    out!("{amount}");
    eprintln!(
        "took back {} WAL paid for call {call} of service {service}",
        format_wal(amount)
    );
    Ok(())
}

/// `floe service take-over`.
pub async fn take_over(session: &Session, service: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let model = move_types::address_of(&floe.model_service(service).await?.model_id);
    let model_cap = crate::commands::model_cap(&mut floe, model).await?;
    let cap = floe
        .take_over_service(service, model_cap)
        .await
        .map_err(crate::commands::explain)?;
    out!("{cap}");
    eprintln!("service {service} is yours: its ServiceCap is now {cap}, the previous one is void");
    Ok(())
}

/// `floe service pause`.
pub async fn pause(session: &Session, service: Address, paused: bool) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let current = move_types::address_of(&floe.model_service(service).await?.cap_id);
    let tag = move_types::struct_tag(
        floe.objects.original_package,
        "service",
        "ServiceCap",
        vec![],
    );
    let sender = floe.sender();
    let held = floe
        .client
        .owned_objects(sender, Some(&tag))
        .await?
        .iter()
        .any(|object| object.object_id() == current);
    if !held {
        anyhow::bail!(
            "this account does not hold service {service}'s ServiceCap {current}
act as its holder (--as), or take the service over as the model's owner (floe service take-over)"
        );
    }
    floe.set_service_paused(service, current, paused)
        .await
        .map_err(crate::commands::explain)?;
    let state = if paused { "paused" } else { "resumed" };
    eprintln!("service {service} {state}");
    Ok(())
}

/// Epochs an answer's output blob is stored for.
const OUTPUT_EPOCHS: u64 = 2;

/// `floe service serve`: reads the chain checkpoint by checkpoint from the cursor
/// (`service/ACCOUNT.cursor` in the home) and answers every call of a service this account
/// provides that is still in escrow (neither answered nor refunded) and before its deadline.
/// The cursor moves past a checkpoint only once each of its calls is answered or passed over;
/// a call whose previous call (another provider's, maybe) has no answer yet stops the run
/// there (with `watch`, it waits), so a later run resumes with it. The wait is bounded by the
/// chain's deadlines: once the previous call's deadline has passed unanswered (it can then
/// never be answered) or this call's own has, the call is passed over with a WARN (its caller
/// takes the payment back with `floe service refund`), so no provider blocks another for
/// longer than its response window.
pub async fn serve(session: &Session, watch: bool, from: u64) -> anyhow::Result<()> {
    use futures::StreamExt as _;
    let mut floe = session.floe().await?;
    let me = floe.sender();
    let cursor = crate::compute::Cursor::in_home(session, "service", me);
    let _lock = cursor.lock("floe service serve", me)?;
    let start = cursor.load()?.unwrap_or(from);
    let height = floe.client.service_info().await?.checkpoint_height();
    if !watch && start > height {
        eprintln!("no new checkpoints since {}", start.saturating_sub(1));
        return Ok(());
    }
    let nodes = crate::session::node_directory(&mut floe, None).await?;
    let package = floe.objects.original_package;
    let checkpoints = floe.client.stream_checkpoints(Some(start), None);
    futures::pin_mut!(checkpoints);
    let mut answered = 0usize;
    while let Some(checkpoint) = checkpoints.next().await {
        let checkpoint = checkpoint.context("following the chain's checkpoints")?;
        let seq = checkpoint.sequence_number();
        for envelope in floe_sdk::client::events_of(&checkpoint, Some(package)) {
            let envelope = envelope?;
            let type_ = &envelope.event.type_;
            if type_.module().as_str() != "events" || type_.name().as_str() != "ServiceCalled" {
                continue;
            }
            let called: move_types::events::ServiceCalled =
                bcs::from_bytes(&envelope.event.contents)
                    .context("a ServiceCalled event that does not decode")?;
            let service_id = move_types::address_of(&called.service_id);
            let number = called.call_number;
            let service = floe.model_service(service_id).await?;
            if Address::new(service.provider.into_inner()) != me {
                continue;
            }
            // Answered (by another worker) or refunded: nothing to do; past its deadline: the
            // chain refuses an answer.
            let Some(own) = floe.service_pending(service_id, number).await? else {
                continue;
            };
            if now_ms() >= own.deadline_ms {
                tracing::warn!(%service_id, call = number, "the call's deadline has passed unanswered: passed over (its caller may take the payment back)");
                continue;
            }
            let input = match (&called.prev_service_id, called.prev_call_number) {
                (Some(prev), Some(prev_number)) => {
                    let prev = move_types::address_of(prev);
                    let answer = loop {
                        if let Some(answer) = floe.service_response(prev, prev_number).await? {
                            break Some(answer);
                        }
                        // Not answered: answerable only while in escrow and before its
                        // deadline, and only worth waiting for before this call's deadline.
                        let open = floe
                            .service_pending(prev, prev_number)
                            .await?
                            .is_some_and(|p| now_ms() < p.deadline_ms);
                        if !open || now_ms() >= own.deadline_ms {
                            break None;
                        }
                        if !watch {
                            eprintln!(
                                "call {number} of service {service_id} waits for call {prev_number} of service {prev} to be answered; answered {answered}, next time from checkpoint {seq}"
                            );
                            return Ok(());
                        }
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    };
                    let Some(answer) = answer else {
                        tracing::warn!(%service_id, call = number, %prev, prev_call = prev_number, "the previous call was not answered in time and never will be: passed over (its caller may take the payment back)");
                        continue;
                    };
                    let blob = floe_encoder::BlobId(answer.output_blob_id.to_le_bytes());
                    floe.read_blob(&nodes, &blob)
                        .await
                        .with_context(|| format!("reading the previous call's output {blob}"))?
                }
                _ => called.input.clone(),
            };
            let model_id = move_types::address_of(&service.model_id);
            let model_blob = floe_encoder::BlobId(
                floe.model_version_blob(model_id, service.model_version)
                    .await?,
            );
            let model = floe
                .read_blob(&nodes, &model_blob)
                .await
                .with_context(|| format!("reading the model blob {model_blob}"))?;
            // A call whose input the model rejects is that call's outcome, not the worker's:
            // stopping here would leave the cursor before it and block every later call.
            let output = match floe_compute::run_model(&model, &input) {
                Ok(output) => output,
                Err(e) => {
                    tracing::warn!(%service_id, call = number, error = %e, "the model rejects this call's input: left unanswered");
                    continue;
                }
            };
            let hash = floe_compute::output_hash(&output);
            let stored = floe
                .store_blob(&nodes, &output, OUTPUT_EPOCHS, false)
                .await
                .map_err(crate::commands::explain)?;
            match floe
                .respond_call(service_id, number, *stored.blob_id.as_bytes(), &hash)
                .await
            {
                Ok(_) => {}
                // Another worker of this provider answered it first, its caller took it back,
                // or its deadline passed while the model ran: nothing more to do for this call.
                Err(floe_sdk::FlowError::Client(floe_sdk::ClientError::ExecutionFailed(f)))
                    if f.floe_abort().is_some_and(|a| {
                        ["EAlreadyServed", "ERefunded", "EResponseTooLate"].contains(&a.name)
                    }) =>
                {
                    let abort = f.floe_abort().map(|a| a.name).unwrap_or_default();
                    tracing::warn!(%service_id, call = number, %abort, "the call can no longer be answered: passed over");
                    continue;
                }
                Err(e) => return Err(crate::commands::explain(e)),
            }
            out!("{service_id} {number} {}", stored.blob_id);
            answered += 1;
        }
        cursor.save(seq + 1)?;
        if !watch && seq >= height {
            break;
        }
    }
    eprintln!("answered {answered} call(s)");
    Ok(())
}

/// Wall-clock time in ms, to compare with on-chain deadlines (the chain's Clock follows the
/// wall clock; a skew of a few seconds only moves when a worker gives up on a call).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `floe service show`.
pub async fn show(session: &Session, service_id: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let s = floe.model_service(service_id).await?;
    out!(
        "{}",
        serde_json::json!({
            "service": service_id.to_string(),
            "model": move_types::address_of(&s.model_id).to_string(),
            "model_version": s.model_version,
            "provider": Address::new(s.provider.into_inner()).to_string(),
            "price_per_call": s.price_per_call,
            "response_window_ms": s.response_window_ms,
            "paused": s.paused,
            "cap": move_types::address_of(&s.cap_id).to_string(),
            "escrow": s.escrow.value,
            "calls": s.calls,
        })
    );
    Ok(())
}
