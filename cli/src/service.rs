//! `floe service`: paid, composable model calls (`floe::service`).
//!
//! - `create`: sell calls of a model version (you hold its `ModelCap`) at a price per call,
//!   served by a provider's account.
//! - `chain`: call one or more services in ONE transaction, the first on an input, each next on
//!   the previous call's output; each call pays exactly its service's price, at most the price
//!   quoted now (or `--max`), else nothing is paid.
//! - `respond`: as a service's provider, answer a call with its output blob and hash.
//! - `withdraw`, `show`: take a service's revenue; show a service as JSON.

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
    /// Take a service's revenue (you hold its ServiceCap).
    Withdraw {
        #[arg(value_parser = crate::object_id::parse)]
        service_id: Address,
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
        } => create(session, model_id, version, price, provider).await,
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
        ServiceCommand::Withdraw { service_id } => withdraw(session, service_id).await,
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
) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let provider = provider.unwrap_or(floe.sender());
    let cap = crate::commands::model_cap(&mut floe, model_id).await?;
    let created = floe
        .create_service(model_id, cap, version, provider, price)
        .await
        .map_err(crate::commands::explain)?;
    out!("{}", created.service);
    eprintln!(
        "service {} sells calls of model {model_id} version {version} at {} WAL, served by {provider}; its ServiceCap {} is yours",
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
        "{} calls in one transaction, {} WAL paid in all",
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
    floe.respond_call(service, call, *blob.as_bytes(), &hash)
        .await
        .map_err(crate::commands::explain)?;
    eprintln!("answered call {call} of service {service} with blob {blob}");
    Ok(())
}

/// `floe service withdraw`.
pub async fn withdraw(session: &Session, service: Address) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let tag = move_types::struct_tag(
        floe.objects.original_package,
        "service",
        "ServiceCap",
        vec![],
    );
    let sender = floe.sender();
    let mut cap = None;
    for object in floe.client.owned_objects(sender, Some(&tag)).await? {
        let id = object.object_id();
        let read: move_types::service::ServiceCap =
            floe.read_object(id, "service::ServiceCap").await?;
        if move_types::address_of(&read.service_id) == service {
            cap = Some(id);
        }
    }
    let cap = cap.with_context(|| {
        format!("this account holds no ServiceCap of service {service}\nwithdraw as the account that created it (--as)")
    })?;
    let amount = floe
        .withdraw_service_revenue(service, cap)
        .await
        .map_err(crate::commands::explain)?;
    out!("{amount}");
    eprintln!(
        "took {} WAL of service {service}'s revenue",
        format_wal(amount)
    );
    Ok(())
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
            "paused": s.paused,
            "revenue": s.revenue.value,
            "calls": s.calls,
        })
    );
    Ok(())
}
