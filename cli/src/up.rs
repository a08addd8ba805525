//! `floe up`: a whole Floe network on this machine, in one process — the devnet with the
//! `floe` package and its storage nodes registered at genesis, the nodes' services, the
//! indexer with its REST API, and a keeper that advances epochs and issues challenges.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use floe_devnet::floe::genesis::{GenesisNode, NetworkGenesis};
use floe_devnet::{Devnet, DevnetConfig};
use floe_indexer::service::{IndexerOptions, RunningIndexer};
use floe_node::config::NodeConfig;
use floe_node::service::RunningNode;
use floe_sdk::bls::BlsKeyPair;
use floe_sdk::move_types::staking::NodeCap;
use floe_sdk::{FloeClient, FloeObjects, Keystore, NetworkConfig};
use rand::RngCore as _;
use sui_sdk_types::Address;

use crate::home::{GenesisShape, Home, KeyServerEntry, UpFile};
use crate::keeper;

const WAL: u64 = 1_000_000_000;
/// WAL the publisher stakes with each genesis node.
const GENESIS_STAKE: u64 = 1_000_000 * WAL;

/// What `floe up` runs, from its flags.
#[derive(Debug, Clone)]
pub struct UpOptions {
    pub nodes: usize,
    pub shards: u16,
    pub epoch_ms: u64,
    pub grpc: SocketAddr,
    pub faucet: SocketAddr,
    /// The REST API's address; `None` runs no indexer (no PostgreSQL needed).
    pub api: Option<SocketAddr>,
    pub database_url: String,
    /// First node port; node `i` listens on `node_port + i` (0: any free port).
    pub node_port: u16,
    pub checkpoint_interval_ms: u64,
    /// The aggregator's address; `None`: 127.0.0.1:31415, or any free port if taken.
    pub aggregator: Option<SocketAddr>,
    /// The publisher's address; `None`: 127.0.0.1:31416, or any free port if taken.
    pub publisher: Option<SocketAddr>,
    /// Nodes (by index) run as a dishonest operator's: `answer_challenges = false`, so the
    /// challenges issued to them go unanswered and can be slashed.
    pub dishonest_nodes: Vec<usize>,
    /// Whether the keeper slashes missed challenges (else it leaves them to anyone who calls
    /// `floe challenge slash`).
    pub keeper_slashes: bool,
    /// The publisher's upload queue and body pace; the pace is the storage nodes' too (written
    /// to their `node.toml` when it is not the default).
    pub publisher_limits: floe_gateway::PublisherLimits,
}

/// A storage node's identity, kept in its directory so restarts keep it.
struct NodeIdentity {
    bls: BlsKeyPair,
    operator: Address,
    listen: SocketAddr,
}

/// Loads node `index`'s keys and address, creating them on first use.
fn node_identity(home: &Home, index: usize, options: &UpOptions) -> anyhow::Result<NodeIdentity> {
    let dir = home.node_dir(index);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let bls_file = dir.join("bls.key");
    if !bls_file.exists() {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        std::fs::write(&bls_file, hex::encode(seed))
            .with_context(|| format!("writing {}", bls_file.display()))?;
    }
    let bls = floe_node::config::load_bls_key(&bls_file)?;
    let operator = Keystore::load_or_create(dir.join("operator.keystore"), 1)?.addresses()[0];
    let listen_file = dir.join("listen");
    let listen = match std::fs::read_to_string(&listen_file) {
        Ok(text) => text
            .trim()
            .parse()
            .with_context(|| format!("{} holds no socket address", listen_file.display()))?,
        Err(_) => {
            // The address is registered on-chain at genesis, so it is chosen once and kept.
            let port = match options.node_port {
                0 => 0,
                base => base
                    .checked_add(u16::try_from(index)?)
                    .context("node ports run past 65535; pick a lower --node-port")?,
            };
            let probe = std::net::TcpListener::bind(("127.0.0.1", port)).with_context(|| {
                format!("port {port} for node {index} is taken; pick another --node-port")
            })?;
            let addr = probe.local_addr()?;
            std::fs::write(&listen_file, addr.to_string())
                .with_context(|| format!("writing {}", listen_file.display()))?;
            addr
        }
    };
    Ok(NodeIdentity {
        bls,
        operator,
        listen,
    })
}

/// Takes the home's `up.lock` (an exclusive lock the OS drops when the process ends, even on
/// a crash) and writes this process's ID in it; refuses, naming the running one, when another
/// `floe up` holds it.
fn lock_home(home: &Home) -> anyhow::Result<std::fs::File> {
    use std::io::{Read as _, Seek as _, Write as _};
    let path = home.root().join("up.lock");
    let mut file = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = match pid.trim() {
                "" => String::new(),
                pid => format!(" (process {pid})"),
            };
            bail!(
                "another `floe up`{pid} is already running on {}\n\
                 use that network (its URLs are in {}), stop it with Ctrl-C first, or pass --home DIR for a second network",
                home.root().display(),
                home.up_file().display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(file)
}

/// Why the devnet did not start, with what to do: a port another process holds, or a chain
/// this `floe` cannot read back (written by another version of it, or damaged).
fn devnet_failure(home: &Home, error: floe_devnet::DevnetError) -> anyhow::Error {
    use floe_devnet::DevnetError;
    let todo = match &error {
        DevnetError::Bind { addr, .. } => format!(
            "another program (another `floe up`?) holds {addr}: stop it, or pick free ports with --grpc and --faucet"
        ),
        DevnetError::Replay(_)
        | DevnetError::Journal(floe_devnet::journal::JournalError::Corrupt { .. }) => format!(
            "the chain in {} was written by another version of floe, or is damaged: \
             delete {} to start a new network (or run the floe that made it)",
            home.devnet_dir().display(),
            home.root().display()
        ),
        _ => return anyhow::Error::new(error).context("starting the devnet"),
    };
    anyhow::anyhow!("cannot start the devnet: {error}\n{todo}")
}

/// Checks that an existing home was created with the network shape asked for now.
fn check_shape(home: &Home, shape: &GenesisShape) -> anyhow::Result<()> {
    if let Some(previous) = UpFile::load(&home.up_file())?
        && previous.genesis != *shape
        && home.devnet_dir().exists()
    {
        bail!(
            "{} holds a network started with {} nodes, {} shards and {} s epochs\n\
             run `floe up` with those, or delete the directory to start a new network",
            home.root().display(),
            previous.genesis.nodes,
            previous.genesis.shards,
            previous.genesis.epoch_ms / 1000
        );
    }
    Ok(())
}

/// Finds node `operator`'s node ID and `NodeCap`, funding the operator with gas for answers.
async fn node_on_chain(
    client: &mut FloeClient,
    network: &NetworkConfig,
    operator: Address,
) -> anyhow::Result<(Address, Address)> {
    if client.sui_coins(operator).await?.is_empty() {
        let faucet = network
            .faucet_url
            .as_deref()
            .context("the devnet runs no faucet")?;
        floe_sdk::faucet::request_gas(faucet, operator).await?;
    }
    let cap_type = floe_devnet::floe::tag("staking", "NodeCap");
    let caps = client.owned_objects(operator, Some(&cap_type)).await?;
    let cap = caps.first().with_context(|| {
        format!("operator {operator} owns no NodeCap: was it registered at genesis?")
    })?;
    let contents: NodeCap = bcs::from_bytes(
        cap.as_struct()
            .context("a NodeCap is a Move object")?
            .contents(),
    )
    .context("decoding the NodeCap")?;
    Ok((
        floe_sdk::move_types::address_of(&contents.node_id),
        cap.object_id(),
    ))
}

/// What `floe up`'s flags set in a node's `node.toml`.
struct NodeSettings {
    poll_ms: u64,
    answer_challenges: bool,
    pace: floe_gateway::BodyPace,
}

fn write_node_config(
    dir: &Path,
    identity: &NodeIdentity,
    network_file: &Path,
    node_id: Address,
    node_cap: Address,
    settings: &NodeSettings,
) -> anyhow::Result<NodeConfig> {
    let NodeSettings {
        poll_ms,
        answer_challenges,
        pace,
    } = settings;
    let path = dir.join("node.toml");
    let mut text = format!(
        "# Written by `floe up`; `floe-node run --config {}` runs this node on its own.\n\
         listen = \"{}\"\n\
         data_dir = \"store\"\n\
         bls_key_file = \"bls.key\"\n\
         network_config = {}\n\
         node_id = \"{node_id}\"\n\
         node_cap_id = \"{node_cap}\"\n\
         operator_keystore = \"operator.keystore\"\n\
         committee_poll_ms = {poll_ms}\n",
        path.display(),
        identity.listen,
        toml::Value::String(network_file.display().to_string()),
    );
    if !*answer_challenges {
        text.push_str(
            "# `floe up --dishonest-node`: this node leaves its challenges unanswered.\n\
             answer_challenges = false\n",
        );
    }
    if *pace != floe_gateway::BodyPace::default() {
        text.push_str(&format!(
            "# `floe up --upload-grace-secs/--upload-min-rate`: how slowly an upload body may come.\n\
             upload_grace_ms = {}\n\
             upload_min_rate = {}\n",
            pace.grace.as_millis(),
            pace.min_rate
        ));
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(NodeConfig::load(&path)?)
}

/// Runs the network until Ctrl-C or SIGTERM (or until a part of it fails).
/// A key server `floe up` runs beside a storage node.
struct RunningKeyServer {
    entry: KeyServerEntry,
    stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts the key server of storage node `index`, whose files are in `dir`: its master key in
/// `keyserver.key` (created once, kept across restarts), its address in `keyserver.listen`
/// (chosen once). It is named by its on-chain `KeyServer` object (Seal's layout, so Seal's
/// clients find it by that ID): registered once by the node's operator as the node's
/// (`key_server::create_for_node`, with its `NodeCap`), its ID kept in `keyserver.object`; a
/// later start checks that the object still names this master key and moves its URL if the
/// address changed.
async fn start_key_server(
    dir: &Path,
    index: usize,
    node_id: Address,
    node_cap: Address,
    objects: &FloeObjects,
    client: &FloeClient,
) -> anyhow::Result<RunningKeyServer> {
    let master = floe_keyserver::master_key::load_or_create(&dir.join("keyserver.key"))?;
    let listen_file = dir.join("keyserver.listen");
    let wanted: SocketAddr = match std::fs::read_to_string(&listen_file) {
        Ok(text) => text
            .trim()
            .parse()
            .with_context(|| format!("{} holds no socket address", listen_file.display()))?,
        Err(_) => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let listener = tokio::net::TcpListener::bind(wanted)
        .await
        .with_context(|| format!("key server address {wanted} is taken"))?;
    let addr = listener.local_addr()?;
    std::fs::write(&listen_file, addr.to_string())
        .with_context(|| format!("writing {}", listen_file.display()))?;
    let url = format!("http://{addr}");
    let public_key = master.public_key().to_bytes();
    let service_id =
        key_server_object(dir, index, node_cap, &url, &public_key, objects, client).await?;
    let server = floe_keyserver::KeyServer::new(
        master,
        service_id,
        objects.original_package,
        floe_keyserver::policy::PolicyChecker::new(client.clone()),
        floe_keyserver::rate_limit::RateLimit::default(),
    )
    .with_package_versions([objects.package]);
    let entry = KeyServerEntry {
        service_id: service_id.to_string(),
        url,
        public_key: hex::encode(public_key),
        node_id: Some(node_id.to_string()),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) =
            floe_keyserver::server::serve(listener, std::sync::Arc::new(server), shutdown).await
        {
            tracing::error!(error = %e, "key server stopped");
        }
    });
    Ok(RunningKeyServer { entry, stop })
}

/// The ID of node `index`'s `KeyServer` object for `public_key` at `url`: the one recorded in
/// `keyserver.object` if the chain still holds it for this key (its URL moved to `url` if it
/// changed), else a new one its operator registers for the node.
async fn key_server_object(
    dir: &Path,
    index: usize,
    node_cap: Address,
    url: &str,
    public_key: &[u8],
    objects: &FloeObjects,
    client: &FloeClient,
) -> anyhow::Result<Address> {
    use floe_keyserver::onchain;
    let operator = Keystore::load_or_create(dir.join("operator.keystore"), 1)?
        .first()?
        .clone();
    let mut floe = floe_sdk::Floe::new(client.clone(), *objects, operator);
    let object_file = dir.join("keyserver.object");
    let recorded: Option<Address> = std::fs::read_to_string(&object_file)
        .ok()
        .and_then(|text| text.trim().parse().ok());
    if let Some(id) = recorded {
        match onchain::read(&mut floe.client, objects.original_package, id).await {
            Ok(found) if found.pk == public_key => {
                if found.url != url {
                    onchain::update_url(&mut floe, id, url)
                        .await
                        .with_context(|| format!("moving key server {id} to {url}"))?;
                }
                return Ok(id);
            }
            Ok(_) => tracing::warn!(
                %id,
                "the recorded key-server object names another public key; registering a new one"
            ),
            Err(e) => {
                tracing::warn!(%id, error = %e, "the recorded key-server object is gone; registering a new one")
            }
        }
    }
    let id = onchain::register_for_node(
        &mut floe,
        node_cap,
        &format!("floe node-{index} key server"),
        url,
        public_key,
    )
    .await
    .with_context(|| format!("registering key server {index} on chain"))?;
    std::fs::write(&object_file, id.to_string())
        .with_context(|| format!("writing {}", object_file.display()))?;
    Ok(id)
}

pub async fn run(home: &Home, options: UpOptions) -> anyhow::Result<()> {
    if options.epoch_ms == 0 {
        bail!(
            "--epoch-secs 0 is too short for an epoch\npass --epoch-secs 1 or more (the default is 300)"
        );
    }
    if options.shards < 4 {
        bail!(
            "--shards {} is too few: Red Stuff needs at least 4 shards\npass --shards 4 or more (the default is 100)",
            options.shards
        );
    }
    if options.nodes == 0 || options.nodes > usize::from(options.shards) {
        bail!(
            "--nodes {} is out of range for {} shards\npass --nodes between 1 and --shards ({})",
            options.nodes,
            options.shards,
            options.shards
        );
    }
    if let Some(index) = options
        .dishonest_nodes
        .iter()
        .find(|&&i| i >= options.nodes)
    {
        bail!(
            "--dishonest-node {index} names no node: there are {} nodes\npass a node index from 0 to {}",
            options.nodes,
            options.nodes - 1
        );
    }

    std::fs::create_dir_all(home.root())
        .with_context(|| format!("creating {}", home.root().display()))?;
    // Held until this function returns: a second `floe up` on the same home must not open the
    // chain's write-ahead log (opening cuts off what looks like a torn tail, which may be a
    // frame the running one is writing) nor rewrite the nodes' files.
    let _lock = lock_home(home)?;
    let shape = GenesisShape {
        nodes: options.nodes,
        shards: options.shards,
        epoch_ms: options.epoch_ms,
    };
    check_shape(home, &shape)?;
    let identities = (0..options.nodes)
        .map(|i| node_identity(home, i, &options))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut config = DevnetConfig {
        grpc_addr: options.grpc,
        faucet_addr: Some(options.faucet),
        data_dir: home.devnet_dir(),
        checkpoint_interval_ms: options.checkpoint_interval_ms,
        ..DevnetConfig::default()
    };
    std::fs::create_dir_all(&config.data_dir)?;
    let publisher = Keystore::load_or_create(config.faucet_keystore_path(), 1)?.addresses()[0];
    config.floe = Some(NetworkGenesis {
        n_shards: options.shards,
        epoch_duration_ms: options.epoch_ms,
        nodes: identities
            .iter()
            .enumerate()
            .map(|(i, id)| GenesisNode {
                name: format!("node-{i}"),
                network_address: id.listen.to_string(),
                bls_public_key: id.bls.public_key().to_vec(),
                proof_of_possession: id.bls.proof_of_possession(publisher).to_vec(),
                commission_bps: 500,
                stake: GENESIS_STAKE,
                operator: id.operator,
            })
            .collect(),
    });
    let devnet = Devnet::start_floe(config)
        .await
        .map_err(|e| devnet_failure(home, e))?;
    let network = NetworkConfig::from_file(devnet.network_config_path())?;
    let mut client = FloeClient::connect(&network.rpc_url)?;
    let objects = FloeObjects::resolve(&mut client, &network)
        .await
        .context("resolving Floe's shared objects")?;

    let poll_ms = (options.epoch_ms / 10).clamp(500, 60_000);
    let mut nodes: Vec<RunningNode> = Vec::new();
    let mut key_servers: Vec<RunningKeyServer> = Vec::new();
    for (i, identity) in identities.iter().enumerate() {
        let (node_id, node_cap) = node_on_chain(&mut client, &network, identity.operator).await?;
        key_servers.push(
            start_key_server(&home.node_dir(i), i, node_id, node_cap, &objects, &client)
                .await
                .with_context(|| format!("starting key server {i}"))?,
        );
        let config = write_node_config(
            &home.node_dir(i),
            identity,
            &home.network_file(),
            node_id,
            node_cap,
            &NodeSettings {
                poll_ms,
                answer_challenges: !options.dishonest_nodes.contains(&i),
                pace: options.publisher_limits.pace,
            },
        )?;
        if !config.answer_challenges {
            tracing::warn!(
                node = i,
                "node-{i} runs dishonest: it leaves its challenges unanswered"
            );
        }
        let node = floe_node::service::start(config)
            .await
            .with_context(|| format!("starting storage node {i}"))?;
        nodes.push(node);
    }

    let indexer: Option<RunningIndexer> = match options.api {
        Some(listen) => Some(
            floe_indexer::service::start(IndexerOptions {
                database_url: options.database_url.clone(),
                rpc_url: network.rpc_url.clone(),
                package: objects.original_package,
                listen,
                batch: 200,
                connections: 8,
                ready_max_lag: 20,
            })
            .await
            .with_context(|| {
                format!(
                    "starting the indexer on {} (is PostgreSQL running? `--no-indexer` runs without it)",
                    floe_indexer::db::redact(&options.database_url)
                )
            })?,
        ),
        None => None,
    };

    let keeper_key = Keystore::load_or_create(home.keeper_keystore(), 1)?
        .first()?
        .clone();
    let keeper = tokio::spawn(keeper::run(
        network.clone(),
        keeper_key,
        Duration::from_millis((options.epoch_ms / 20).clamp(200, 5_000)),
        options.keeper_slashes,
    ));

    let gateways = start_gateways(home, &network, &options)
        .await
        .context("starting the aggregator and the publisher")?;

    let up = UpFile {
        genesis: shape,
        grpc: devnet.rpc_url(),
        faucet: devnet.faucet_url(),
        api: indexer.as_ref().map(|i| format!("http://{}", i.addr)),
        nodes: nodes.iter().map(|n| format!("http://{}", n.addr)).collect(),
        key_servers: key_servers.iter().map(|k| k.entry.clone()).collect(),
    };
    up.save(&home.up_file())?;
    print_ready(home, &up, &gateways);

    let outcome = wait(&mut nodes, indexer.as_ref()).await;
    keeper.abort();
    for gateway in gateways {
        let _ = gateway.stop.send(());
    }
    for key_server in key_servers {
        let _ = key_server.stop.send(());
    }
    if let Some(indexer) = indexer {
        indexer.stop();
    }
    for node in nodes {
        node.stop();
    }
    devnet.shutdown().await;
    outcome
}

/// An aggregator or publisher `floe up` runs.
struct RunningGateway {
    /// `aggregator` or `publisher`.
    role: &'static str,
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
}

/// Listens on `wanted`, or on `default` and, if that is taken, any free port.
async fn listen(
    wanted: Option<SocketAddr>,
    default: u16,
    what: &str,
) -> anyhow::Result<tokio::net::TcpListener> {
    match wanted {
        Some(addr) => tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("{what} address {addr} is taken; pick another with --{what}")),
        None => match tokio::net::TcpListener::bind(("127.0.0.1", default)).await {
            Ok(listener) => Ok(listener),
            Err(_) => {
                tracing::warn!(port = default, "{what} port taken; using a free port");
                Ok(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?)
            }
        },
    }
}

/// Starts one aggregator and one publisher; the publisher pays from its own account (the
/// home's `publisher.keystore`), funded from the faucet, and takes uploads within
/// `options.publisher_limits`.
async fn start_gateways(
    home: &Home,
    network: &NetworkConfig,
    options: &UpOptions,
) -> anyhow::Result<Vec<RunningGateway>> {
    use floe_gateway::{PublisherOptions, Role};
    let wallet = Keystore::load_or_create(home.root().join("publisher.keystore"), 1)?
        .first()?
        .clone();
    let address = floe_sdk::keystore::address_of(&wallet);
    if let Some(faucet) = network.faucet_url.as_deref() {
        floe_sdk::faucet::request_gas(faucet, address)
            .await
            .context("funding the publisher with gas")?;
        floe_sdk::faucet::request_wal(faucet, address, None)
            .await
            .context("funding the publisher with WAL")?;
    }
    let mut running = Vec::new();
    for (role, wanted, port, key) in [
        (Role::Aggregator, options.aggregator, 31415, None),
        (Role::Publisher, options.publisher, 31416, Some(wallet)),
    ] {
        let name = if role == Role::Aggregator {
            "aggregator"
        } else {
            "publisher"
        };
        let app = floe_gateway::connect_with(
            role,
            network,
            key,
            &PublisherOptions::default(),
            options.publisher_limits.clone(),
        )
        .await?;
        let listener = listen(wanted, port, name).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = floe_gateway::serve(listener, app, shutdown).await {
                tracing::error!(error = %e, "{name} stopped");
            }
        });
        running.push(RunningGateway {
            role: name,
            url,
            stop,
        });
    }
    Ok(running)
}

/// Machine-readable lines first (tests and scripts read them), then a word for people.
fn print_ready(home: &Home, up: &UpFile, gateways: &[RunningGateway]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "grpc {}", up.grpc);
    if let Some(faucet) = &up.faucet {
        let _ = writeln!(out, "faucet {faucet}");
    }
    if let Some(api) = &up.api {
        let _ = writeln!(out, "api {api}");
    }
    for (i, node) in up.nodes.iter().enumerate() {
        let _ = writeln!(out, "node-{i} {node}");
    }
    for (i, key_server) in up.key_servers.iter().enumerate() {
        let _ = writeln!(out, "keyserver-{i} {}", key_server.url);
    }
    for gateway in gateways {
        let _ = writeln!(out, "{} {}", gateway.role, gateway.url);
    }
    let _ = writeln!(out, "network {}", home.network_file().display());
    let _ = writeln!(out, "ready");
    let _ = writeln!(
        out,
        "\nFloe is up ({} storage nodes, {} shards, {} s epochs); state in {}.\n\
         Try: floe account new && floe store FILE && floe read BLOB_ID --out COPY\n\
         Stop with Ctrl-C; `floe up` again resumes where it stopped.",
        up.genesis.nodes,
        up.genesis.shards,
        up.genesis.epoch_ms / 1000,
        home.root().display()
    );
    let _ = out.flush();
}

/// Waits for a stop signal, or for a part to fail (then reports it).
async fn wait(nodes: &mut [RunningNode], indexer: Option<&RunningIndexer>) -> anyhow::Result<()> {
    let signal = async {
        let ctrl_c = tokio::signal::ctrl_c();
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    };
    let node_failed = futures::future::select_all(nodes.iter_mut().map(|n| &mut n.server));
    let indexer_failed = async {
        match indexer {
            Some(indexer) => loop {
                if indexer.ingest.is_finished() || indexer.server.is_finished() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            },
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = signal => {
            tracing::info!("stopping");
            Ok(())
        }
        (result, index, _) = node_failed => {
            let why = match result {
                Ok(Ok(())) => "its server ended".to_owned(),
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            bail!(
                "storage node {index} stopped: {why}\n\
                 see the log above, then run `floe up` again: it resumes the network, nothing acknowledged is lost"
            )
        }
        () = indexer_failed => bail!(
            "the indexer stopped\n\
             see the log above, then run `floe up` again: it resumes the network, nothing acknowledged is lost"
        ),
    }
}
