//! `floe`: the front door. `floe up` runs a whole network on this machine; the other commands
//! use it (or any network with `--network`): accounts, blobs, staking, models and licenses.

mod amount;
mod attributes;
mod challenge;
mod commands;
mod compute;
mod dataset;
mod encrypted;
mod home;
mod keeper;
mod limits;
mod memory;
mod object_id;
mod output;
mod quilt;
mod report;
mod service;
mod session;
mod shared_blob;
mod shared_copies;
mod tuning;
mod up;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sui_sdk_types::Address;

use crate::home::Home;
use crate::session::Session;

#[derive(Parser)]
#[command(
    name = "floe",
    version,
    about = "Floe: decentralized blob storage with an AI-model market, on Sui"
)]
struct Cli {
    /// Where `floe up` keeps its state and commands find it.
    #[arg(long, global = true, env = "FLOE_HOME", default_value = ".floe")]
    home: PathBuf,
    /// An sdk network file (default: the one `floe up` writes under the home).
    #[arg(long, global = true, env = "FLOE_NETWORK")]
    network: Option<PathBuf>,
    /// The account that signs (default: the first in the home's keystore).
    #[arg(long = "as", global = true, value_parser = object_id::parse)]
    account: Option<Address>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a whole Floe network here: devnet, storage nodes, indexer + REST API, keeper.
    Up(UpArgs),
    /// What the network looks like now: epoch, committee, your balances, the services.
    Status,
    /// Accounts in the home's keystore.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The blob ID of a file, computed locally (nothing is sent anywhere).
    BlobId {
        file: PathBuf,
        /// Shards to encode for (default: the network's).
        #[arg(long)]
        shards: Option<u16>,
    },
    /// Store a file: encode, pay, send slivers to the nodes, certify on-chain. A store retried
    /// after a failure finishes the blob object it already registered and paid for.
    Store {
        file: PathBuf,
        /// Epochs to keep it, from the current one.
        #[arg(long, default_value_t = 5)]
        epochs: u64,
        /// Allow deleting it before it expires (`floe delete`).
        #[arg(long)]
        deletable: bool,
        /// One JSON object on stdout (blob ID, object ID, size, epochs), for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Read a blob back from the nodes, checking every sliver and the blob ID.
    Read {
        /// Base64url; it may start with `-`, which is read as the ID, not a flag.
        #[arg(allow_hyphen_values = true)]
        blob_id: String,
        #[arg(long, short)]
        out: PathBuf,
        /// Read a model's blob as the holder of this license (a model's owner needs none:
        /// their ModelCap is found and used). A use-limited license spends one use first, on
        /// chain; the use receipt it prints can be passed here to retry within its session.
        #[arg(long, value_parser = object_id::parse)]
        license: Option<Address>,
        /// One JSON object on stdout (blob ID, file, bytes written), for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Delete one of your deletable blob objects before it expires; its storage comes back
    /// to you. Permanent blobs (stored without --deletable) stay until they expire.
    Delete {
        #[arg(value_parser = object_id::parse)]
        blob_object_id: Address,
    },
    /// Keep one of your blob objects for more epochs, paid in WAL; prints the new end epoch
    /// and the price. With --shared, anyone's shared blob, paid out of its funds.
    Extend {
        /// A blob object of yours, or with --shared a shared blob (`floe share`).
        #[arg(value_parser = object_id::parse)]
        blob_object_id: Address,
        /// Epochs to add to its end epoch.
        #[arg(long)]
        epochs: u64,
        /// The ID is a shared blob's: extend it out of its funds (anyone may).
        #[arg(long)]
        shared: bool,
    },
    /// Share one of your certified, permanent blob objects: anyone may then fund it and extend
    /// it from its funds; nobody, you included, can delete it or take it back. Prints the
    /// shared blob's ID.
    Share {
        #[arg(value_parser = object_id::parse)]
        blob_object_id: Address,
        /// WAL to put in its funds now, e.g. 10 or 0.5.
        #[arg(long, value_parser = amount::parse_wal, default_value = "0")]
        amount: u64,
    },
    /// Add WAL to a shared blob's funds, which pay for its extensions; anyone may, nothing is
    /// paid back.
    FundSharedBlob {
        #[arg(value_parser = object_id::parse)]
        shared_blob_id: Address,
        /// WAL to add, e.g. 10 or 0.5.
        #[arg(long, value_parser = amount::parse_wal)]
        amount: u64,
    },
    /// Your blob objects: blob ID, object ID, size, certified or not, end epoch, deletable.
    ListBlobs {
        /// One JSON array, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Whether a blob ID is certified on-chain (the BlobRegistry) and until which epoch, and
    /// the shared blobs wrapping its objects with their funds (named by `floe up`'s indexer).
    BlobStatus {
        /// Base64url; it may start with `-`, which is read as the ID, not a flag.
        #[arg(allow_hyphen_values = true)]
        blob_id: String,
        /// One JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Set attributes of one of your blob objects (KEY=VALUE ...; content-type and
    /// content-disposition become HTTP headers at the aggregator); prints all its attributes.
    SetAttribute(attributes::SetArgs),
    /// Print the attributes of a blob object (`key: value` lines), or one attribute's value.
    GetAttribute(attributes::GetArgs),
    /// Remove attributes of one of your blob objects (KEY ... or --all).
    RemoveAttribute(attributes::RemoveArgs),
    /// Store many small files as one blob (a quilt); prints the quilt ID. Each file is read
    /// back alone by its identifier, its file name.
    StoreQuilt(quilt::StoreQuiltArgs),
    /// Read files of a quilt by identifier, fetching only the slivers that hold them.
    ReadQuilt(quilt::ReadQuiltArgs),
    /// The files of a quilt: identifier, size and tags.
    ListQuilt(quilt::ListQuiltArgs),
    /// Stake WAL with a storage node.
    Stake {
        #[arg(value_parser = object_id::parse)]
        node_id: Address,
        /// WAL, e.g. 100 or 0.5.
        #[arg(value_parser = amount::parse_wal)]
        amount: u64,
    },
    /// Ask to withdraw a stake (`floe stakes` lists them); it stops working at the next epoch.
    Unstake {
        #[arg(value_parser = object_id::parse)]
        staked_wal: Address,
    },
    /// Pay out a stake whose withdrawal was requested, once its withdraw epoch has come.
    Withdraw {
        #[arg(value_parser = object_id::parse)]
        staked_wal: Address,
    },
    /// Your stakes: node, WAL and whether each is active, leaving or withdrawable.
    Stakes,
    /// Models: register one, publish its versions.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Licenses: offer a model, buy, inspect.
    #[command(subcommand)]
    License(LicenseCommand),
    /// Compute jobs: providers run a model on an input; k matching results settle the job.
    #[command(subcommand)]
    Compute(compute::ComputeCommand),
    /// Paid model calls: sell calls of a model version, chain several services in one
    /// transaction (each call paid on-chain there), answer them as their provider.
    #[command(subcommand)]
    Service(service::ServiceCommand),
    /// Datasets: contributions a curator weighs share the revenue of the models trained on
    /// them; contributors claim their part at any time.
    #[command(subcommand)]
    Dataset(dataset::DatasetCommand),
    /// Agent memory: an append-only list of encrypted entries that only its owner and the
    /// agents it delegates to (revocably) can decrypt.
    #[command(subcommand)]
    Memory(memory::MemoryCommand),
    /// Availability challenges: list the open ones, slash one left unanswered (anyone may;
    /// the caller gets nothing).
    #[command(subcommand)]
    Challenge(challenge::ChallengeCommand),
    /// Serve blobs over HTTP with Walrus's routes: GET /v1/blobs/{blob_id}, byte ranges.
    Aggregator {
        /// Address to listen on.
        #[arg(long, alias = "bind-address", default_value = "127.0.0.1:31415")]
        bind: SocketAddr,
        #[command(flatten)]
        connections: limits::ConnectionArgs,
    },
    /// Store blobs sent over HTTP (PUT /v1/blobs), paid from this account's WAL.
    Publisher(PublisherArgs),
    /// The aggregator and the publisher on one port.
    Daemon(PublisherArgs),
}

#[derive(clap::Args)]
struct PublisherArgs {
    /// Address to listen on (default 127.0.0.1:31416; `floe daemon`: 127.0.0.1:31415).
    #[arg(long, alias = "bind-address")]
    bind: Option<SocketAddr>,
    /// A keystore file whose first key (or the --as account) pays for stores (default: the
    /// home's keystore).
    #[arg(long)]
    wallet: Option<PathBuf>,
    /// The largest body accepted, e.g. 10MiB, 512KiB or a number of bytes.
    #[arg(long, default_value = "10MiB", value_parser = floe_gateway::parse_size)]
    max_body_size: u64,
    /// Require `Authorization: Bearer JWT` (HS256, signed with this secret, with `exp`).
    #[arg(
        long,
        env = "FLOE_JWT_SECRET",
        alias = "jwt-decode-secret",
        hide_env_values = true
    )]
    jwt_secret: Option<String>,
    #[command(flatten)]
    uploads: limits::UploadArgs,
    #[command(flatten)]
    connections: limits::ConnectionArgs,
}

#[derive(clap::Args)]
struct UpArgs {
    /// Storage nodes registered at genesis.
    #[arg(long, default_value_t = 4)]
    nodes: usize,
    /// Shards of the network.
    #[arg(long, default_value_t = 100)]
    shards: u16,
    /// Epoch length in seconds.
    #[arg(long, default_value_t = 300)]
    epoch_secs: u64,
    #[arg(long, default_value = "127.0.0.1:9000")]
    grpc: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:9123")]
    faucet: SocketAddr,
    /// The indexer's REST API.
    #[arg(long, default_value = "127.0.0.1:9180")]
    api: SocketAddr,
    /// PostgreSQL database of the indexer (created if missing).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/floe"
    )]
    database_url: String,
    /// Run without the indexer (and so without PostgreSQL).
    #[arg(long)]
    no_indexer: bool,
    /// Node i listens on this port + i (0: any free port, chosen once and kept).
    #[arg(long, default_value_t = 9200)]
    node_port: u16,
    /// Milliseconds between checkpoints.
    #[arg(long, default_value_t = 250)]
    checkpoint_ms: u64,
    /// The aggregator's address (default 127.0.0.1:31415, or any free port if that is taken).
    #[arg(long)]
    aggregator: Option<SocketAddr>,
    /// The publisher's address (default 127.0.0.1:31416, or any free port if that is taken).
    #[arg(long)]
    publisher: Option<SocketAddr>,
    /// Run node N (0-based, repeatable) as a dishonest operator's: it never answers its
    /// challenges, so the keeper slashes it after each deadline. For tests and demos of
    /// slashing (node/README.md, `answer_challenges`).
    // Shown in `--help`: the README's slashing demo names it.
    #[arg(long = "dishonest-node", value_name = "N")]
    dishonest_nodes: Vec<usize>,
    /// The keeper advances epochs and issues challenges but slashes nothing, leaving missed
    /// challenges to `floe challenge slash` (so a test can have a node's own operator slash it).
    #[arg(long, hide = true)]
    keeper_leaves_slashing: bool,
    #[command(flatten)]
    uploads: limits::UploadArgs,
    #[command(flatten)]
    connections: limits::ConnectionArgs,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account and fund it from the local faucet (SUI for gas, and WAL).
    New {
        /// WAL to ask the faucet for.
        #[arg(long, default_value = "100", value_parser = amount::parse_wal)]
        wal: u64,
    },
    /// Every account with its SUI and WAL balances.
    List,
    /// Ask the local faucet for more SUI and WAL.
    Fund {
        #[arg(long, default_value = "100", value_parser = amount::parse_wal)]
        wal: u64,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Register a model; you receive its ModelCap.
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Store FILE as the model's next version and publish it; nodes then serve it to
    /// license holders only.
    Publish {
        #[arg(value_parser = object_id::parse)]
        model_id: Address,
        file: PathBuf,
        /// What the model is, free text recorded on-chain with the version (e.g. transformer).
        #[arg(long)]
        architecture: String,
        /// Hex hash of the training data (optional).
        #[arg(long, default_value = "")]
        dataset_hash: String,
        /// `name=value` metrics (repeatable).
        #[arg(long = "metric", value_parser = commands::parse_metric)]
        metrics: Vec<(String, u64)>,
        /// Epochs to store the version for, from the current one.
        #[arg(long, default_value_t = 5)]
        epochs: u64,
        /// Encrypt the weights (Seal's scheme) to the key servers `floe up` runs, so that
        /// only license holders can decrypt them: nodes store ciphertext only.
        #[arg(long)]
        encrypt: bool,
        /// How many key servers must release a key to decrypt (default ⌈2n/3⌉ of n).
        #[arg(long, requires = "encrypt")]
        threshold: Option<usize>,
    },
    /// Take the license revenue accrued in one of your models.
    Withdraw {
        #[arg(value_parser = object_id::parse)]
        model_id: Address,
    },
    /// Show a model (JSON): its versions, revenue, tuning plan, reserve, open tuning job and
    /// the tuned version awaiting approval.
    Show {
        #[arg(value_parser = object_id::parse)]
        model_id: Address,
    },
    /// Self-funding iteration: a share of revenue fills a reserve that pays fine-tuning jobs
    /// (set the plan, open a job, approve or reject its output as the next version).
    #[command(subcommand)]
    Tuning(tuning::TuningCommand),
}

#[derive(Subcommand)]
enum LicenseCommand {
    /// Open an offer for one of your models.
    Offer {
        #[arg(value_parser = object_id::parse)]
        model_id: Address,
        /// WAL per window, e.g. 10 or 0.5.
        #[arg(long, value_parser = amount::parse_wal)]
        price: u64,
        /// Window length in seconds.
        #[arg(long)]
        window_secs: u64,
        /// Most windows a license may hold ahead.
        #[arg(long, default_value_t = 12)]
        max_windows: u64,
        /// Uses per window; 0 = unlimited.
        #[arg(long, default_value_t = 0)]
        uses: u64,
    },
    /// Buy a license from an offer.
    Buy {
        #[arg(value_parser = object_id::parse)]
        offer_id: Address,
        #[arg(long, default_value_t = 1)]
        windows: u64,
        /// The most you agree to pay in all, in WAL (default: the price quoted now); a seller
        /// who reprices before your purchase executes cannot take more.
        #[arg(long, value_parser = amount::parse_wal)]
        max_price: Option<u64>,
    },
    /// Add windows to a license you hold, from the offer it was bought from.
    Extend {
        #[arg(value_parser = object_id::parse)]
        license_id: Address,
        #[arg(long, default_value_t = 1)]
        windows: u64,
        /// The most you agree to pay in all, in WAL (default: the price quoted now).
        #[arg(long, value_parser = amount::parse_wal)]
        max_price: Option<u64>,
    },
    /// Set a new price per window on one of your offers (for future purchases).
    Reprice {
        #[arg(value_parser = object_id::parse)]
        offer_id: Address,
        /// WAL per window, e.g. 10 or 0.5.
        #[arg(long, value_parser = amount::parse_wal)]
        price: u64,
    },
    /// Stop sales and extensions under one of your offers (licenses sold stay valid).
    Pause {
        #[arg(value_parser = object_id::parse)]
        offer_id: Address,
    },
    /// Reopen a paused offer.
    Resume {
        #[arg(value_parser = object_id::parse)]
        offer_id: Address,
    },
    /// A license's terms and whether it is valid now.
    Show {
        #[arg(value_parser = object_id::parse)]
        license_id: Address,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,floe=info,floe_node=info,floe_devnet=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            report::print(&e);
            std::process::ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let session = Session {
        home: Home::new(&cli.home).with_context(|| {
            format!(
                "cannot resolve the home directory {}; pass an absolute --home",
                cli.home.display()
            )
        })?,
        network: cli.network,
        account: cli.account,
    };
    match cli.command {
        Command::Up(args) => {
            // Checked before anything starts; the budget must be sized before any service.
            let publisher_limits = args.uploads.limits()?;
            args.connections.apply()?;
            let options = up::UpOptions {
                nodes: args.nodes,
                shards: args.shards,
                epoch_ms: args.epoch_secs.saturating_mul(1000),
                grpc: args.grpc,
                faucet: args.faucet,
                api: (!args.no_indexer).then_some(args.api),
                database_url: args.database_url,
                node_port: args.node_port,
                checkpoint_interval_ms: args.checkpoint_ms,
                aggregator: args.aggregator,
                publisher: args.publisher,
                dishonest_nodes: args.dishonest_nodes,
                keeper_slashes: !args.keeper_leaves_slashing,
                publisher_limits,
            };
            up::run(&session.home, options).await
        }
        Command::Status => commands::status(&session).await,
        Command::Account(AccountCommand::New { wal }) => commands::account_new(&session, wal).await,
        Command::Account(AccountCommand::List) => commands::account_list(&session).await,
        Command::Account(AccountCommand::Fund { wal }) => {
            commands::account_fund(&session, wal).await
        }
        Command::BlobId { file, shards } => commands::blob_id(&session, &file, shards).await,
        Command::Store {
            file,
            epochs,
            deletable,
            json,
        } => commands::store(&session, &file, epochs, deletable, json).await,
        Command::Read {
            blob_id,
            out,
            license,
            json,
        } => commands::read(&session, &blob_id, &out, license, json).await,
        Command::Delete { blob_object_id } => commands::delete(&session, blob_object_id).await,
        Command::Extend {
            blob_object_id,
            epochs,
            shared: false,
        } => commands::extend(&session, blob_object_id, epochs).await,
        Command::Extend {
            blob_object_id,
            epochs,
            shared: true,
        } => shared_blob::extend(&session, blob_object_id, epochs).await,
        Command::Share {
            blob_object_id,
            amount,
        } => shared_blob::share(&session, blob_object_id, amount).await,
        Command::FundSharedBlob {
            shared_blob_id,
            amount,
        } => shared_blob::fund(&session, shared_blob_id, amount).await,
        Command::ListBlobs { json } => commands::list_blobs(&session, json).await,
        Command::BlobStatus { blob_id, json } => {
            commands::blob_status(&session, &blob_id, json).await
        }
        Command::SetAttribute(args) => attributes::set(&session, args).await,
        Command::GetAttribute(args) => attributes::get(&session, args).await,
        Command::RemoveAttribute(args) => attributes::remove(&session, args).await,
        Command::StoreQuilt(args) => quilt::store(&session, args).await,
        Command::ReadQuilt(args) => quilt::read(&session, args).await,
        Command::ListQuilt(args) => quilt::list(&session, args).await,
        Command::Stake { node_id, amount } => commands::stake(&session, node_id, amount).await,
        Command::Unstake { staked_wal } => commands::unstake(&session, staked_wal).await,
        Command::Withdraw { staked_wal } => commands::withdraw(&session, staked_wal).await,
        Command::Stakes => commands::stakes(&session).await,
        Command::Model(ModelCommand::Withdraw { model_id }) => {
            commands::model_withdraw(&session, model_id).await
        }
        Command::Model(ModelCommand::Show { model_id }) => tuning::show(&session, model_id).await,
        Command::Model(ModelCommand::Tuning(command)) => tuning::dispatch(&session, command).await,
        Command::Model(ModelCommand::Create { name, description }) => {
            commands::model_create(&session, &name, &description).await
        }
        Command::Model(ModelCommand::Publish {
            model_id,
            file,
            architecture,
            dataset_hash,
            metrics,
            epochs,
            encrypt,
            threshold,
        }) => {
            commands::model_publish(
                &session,
                commands::Publish {
                    model_id,
                    file,
                    architecture,
                    dataset_hash,
                    metrics,
                    epochs,
                    encrypt: encrypt.then_some(threshold),
                },
            )
            .await
        }
        Command::License(LicenseCommand::Offer {
            model_id,
            price,
            window_secs,
            max_windows,
            uses,
        }) => {
            commands::license_offer(&session, model_id, price, window_secs, max_windows, uses).await
        }
        Command::License(LicenseCommand::Buy {
            offer_id,
            windows,
            max_price,
        }) => commands::license_buy(&session, offer_id, windows, max_price).await,
        Command::License(LicenseCommand::Extend {
            license_id,
            windows,
            max_price,
        }) => commands::license_extend(&session, license_id, windows, max_price).await,
        Command::License(LicenseCommand::Reprice { offer_id, price }) => {
            commands::offer_manage(&session, offer_id, commands::OfferChange::Reprice(price)).await
        }
        Command::License(LicenseCommand::Pause { offer_id }) => {
            commands::offer_manage(&session, offer_id, commands::OfferChange::Pause).await
        }
        Command::License(LicenseCommand::Resume { offer_id }) => {
            commands::offer_manage(&session, offer_id, commands::OfferChange::Resume).await
        }
        Command::License(LicenseCommand::Show { license_id }) => {
            commands::license_show(&session, license_id).await
        }
        Command::Compute(command) => compute::dispatch(&session, command).await,
        Command::Service(command) => service::dispatch(&session, command).await,
        Command::Dataset(command) => dataset::dispatch(&session, command).await,
        Command::Memory(command) => memory::dispatch(&session, command).await,
        Command::Challenge(command) => challenge::run(&session, command).await,
        Command::Aggregator { bind, connections } => {
            connections.apply()?;
            let options = floe_gateway::PublisherOptions::default();
            let role = floe_gateway::Role::Aggregator;
            let limits = floe_gateway::PublisherLimits::default();
            commands::gateway(&session, role, bind, None, options, limits).await
        }
        Command::Publisher(args) => {
            let bind = args
                .bind
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 31416)));
            publisher_or_daemon(&session, floe_gateway::Role::Publisher, bind, args).await
        }
        Command::Daemon(args) => {
            let bind = args
                .bind
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 31415)));
            publisher_or_daemon(&session, floe_gateway::Role::Daemon, bind, args).await
        }
    }
}

/// `floe publisher` or `floe daemon` on `bind`, its limits checked before anything starts.
async fn publisher_or_daemon(
    session: &Session,
    role: floe_gateway::Role,
    bind: SocketAddr,
    args: PublisherArgs,
) -> anyhow::Result<()> {
    let limits = args.uploads.limits()?;
    args.connections.apply()?;
    let options = floe_gateway::PublisherOptions {
        max_body: args.max_body_size,
        jwt_secret: args.jwt_secret,
    };
    commands::gateway(session, role, bind, Some(args.wallet), options, limits).await
}
