//! Publishing the `floe` package at genesis: the objects its modules' `init` functions create
//! (the shared `Treasury`, `BlobRegistry` and `ChallengeBoard`; the whole WAL supply and the
//! `AdminCap` for the publisher), produced by running the same Rust `init`s the handlers use.

use std::collections::HashMap;

use floe_sdk::move_types::{self, staking::NodeCap};
use serde::{Deserialize, Serialize};
use sui_sdk_types::{Address, Digest, ExecutionError, Identifier, Object, Owner, Version};

use super::{PACKAGE_ID, blob, challenge, system, wal};
use crate::handlers::HandlerRegistry;
use crate::objects;
use crate::runtime::{CallContext, Runtime, Value};

/// What genesis published, for configuration files and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloeGenesis {
    pub package_id: Address,
    pub publisher: Address,
    pub treasury: Address,
    pub admin_cap: Address,
    pub blob_registry: Address,
    pub challenge_board: Address,
    /// The publisher's `Coin<WAL>` holding the whole supply.
    pub supply_coin: Address,
}

/// Runs every module's `init` as the publisher and returns the objects they created (at
/// `version`, shared ones shared at `version`) and their IDs. `digest` seeds the object IDs
/// the way a publish transaction's digest does.
pub fn genesis_objects(
    publisher: Address,
    timestamp_ms: u64,
    digest: Digest,
    version: Version,
) -> Result<(Vec<Object>, FloeGenesis), ExecutionError> {
    let (objects, genesis, _, _) = build(publisher, timestamp_ms, digest, version, None)?;
    Ok((objects, genesis))
}

/// A storage network to start with: the `System` and, optionally, a first committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkGenesis {
    /// Shards of the `System` (`create_system`'s `n_shards`).
    pub n_shards: u16,
    /// Epoch length in milliseconds.
    pub epoch_duration_ms: u64,
    /// Storage nodes registered and staked at genesis; with any, the chain starts in epoch 1
    /// with them as the committee.
    #[serde(default)]
    pub nodes: Vec<GenesisNode>,
}

/// A storage node registered at genesis, as `staking::register_node` and `staking::stake`
/// by the publisher would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisNode {
    pub name: String,
    pub network_address: String,
    /// 48-byte compressed BLS12-381 G1 public key (min_pk), hex.
    #[serde(with = "hex_bytes")]
    pub bls_public_key: Vec<u8>,
    /// Proof of possession: the key's min_pk signature over `bcs(publisher) ‖ key`, hex.
    #[serde(with = "hex_bytes")]
    pub proof_of_possession: Vec<u8>,
    pub commission_bps: u64,
    /// WAL (base units) the publisher stakes with the node.
    pub stake: u64,
    /// Receives the `NodeCap` and the `StakedWal`.
    pub operator: Address,
}

/// What genesis built beyond the package: the `System` and the nodes' objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkObjects {
    pub system: Address,
    /// `(node ID, NodeCap ID, StakedWal ID)` per genesis node, in order.
    pub nodes: Vec<(Address, Address, Address)>,
}

/// Publishes the package like [`genesis_objects`], then creates the `System` and registers,
/// stakes and seats `network`'s nodes, all through the same handlers transactions run. With
/// nodes, the system is created one epoch before `timestamp_ms` and advanced at it, so the
/// chain starts in epoch 1 with the nodes as its committee.
pub fn genesis_with_network(
    publisher: Address,
    timestamp_ms: u64,
    digest: Digest,
    version: Version,
    network: &NetworkGenesis,
) -> Result<(Vec<Object>, FloeGenesis, NetworkObjects), ExecutionError> {
    let (objects, genesis, network_objects, _) =
        build(publisher, timestamp_ms, digest, version, Some(network))?;
    let network_objects = network_objects.ok_or(ExecutionError::InvariantViolation)?;
    Ok((objects, genesis, network_objects))
}

/// The objects genesis left, what they are, and the events their `init`s and calls emitted.
type Built = (
    Vec<Object>,
    FloeGenesis,
    Option<NetworkObjects>,
    Vec<sui_sdk_types::Event>,
);

fn build(
    publisher: Address,
    timestamp_ms: u64,
    digest: Digest,
    version: Version,
    network: Option<&NetworkGenesis>,
) -> Result<Built, ExecutionError> {
    let start_ms = match network {
        Some(n) if !n.nodes.is_empty() => timestamp_ms.saturating_sub(n.epoch_duration_ms),
        _ => timestamp_ms,
    };
    let mut runtime = Runtime::new(digest, publisher, start_ms);
    let empty: HashMap<Address, Object> = HashMap::new();
    let mut ctx = CallContext {
        runtime: &mut runtime,
        source: &empty,
        package: PACKAGE_ID,
        module: Identifier::from_static("wal"),
        function: Identifier::from_static("init"),
    };
    let (treasury, supply_coin) = wal::init(&mut ctx)?;
    // Each module's `init`, in dependency order.
    let admin_cap = system::init(&mut ctx)?;
    let blob_registry = blob::init(&mut ctx)?;
    let challenge_board = challenge::init(&mut ctx)?;
    drop(ctx);
    let network_objects = match network {
        Some(network) => Some(start_network(
            &mut runtime,
            &empty,
            network,
            admin_cap,
            treasury,
            challenge_board,
            supply_coin,
            timestamp_ms,
        )?),
        None => None,
    };

    let mut objects_out = Vec::new();
    for (id, working) in &runtime.objects {
        if runtime.deleted.contains(id) {
            continue;
        }
        let owner = match working.owner {
            Some(Owner::Shared(_)) => Owner::Shared(version),
            Some(owner) => owner,
            None => {
                tracing::error!(%id, "a genesis init left an object unstored");
                return Err(ExecutionError::InvariantViolation);
            }
        };
        objects_out.push(objects::move_object(
            working.type_.clone(),
            working.has_public_transfer,
            version,
            working.contents.clone(),
            owner,
            digest,
        ));
    }
    Ok((
        objects_out,
        FloeGenesis {
            package_id: PACKAGE_ID,
            publisher,
            treasury,
            admin_cap,
            blob_registry,
            challenge_board,
            supply_coin,
        },
        network_objects,
        runtime.events,
    ))
}

/// Calls the package's own handler `module::function` inside the genesis runtime.
fn call(
    runtime: &mut Runtime,
    source: &HashMap<Address, Object>,
    registry: &HandlerRegistry,
    module: &'static str,
    function: &'static str,
    args: Vec<Value>,
) -> Result<Vec<Value>, ExecutionError> {
    let handler = registry
        .get(&PACKAGE_ID, module, function)
        .ok_or(ExecutionError::InvariantViolation)?;
    let mut ctx = CallContext {
        runtime,
        source,
        package: PACKAGE_ID,
        module: Identifier::from_static(module),
        function: Identifier::from_static(function),
    };
    handler(&mut ctx, &[], args).inspect_err(|error| {
        tracing::error!(module, function, ?error, "a genesis call failed");
    })
}

fn pure<T: Serialize>(value: &T) -> Result<Value, ExecutionError> {
    bcs::to_bytes(value)
        .map(Value::Pure)
        .map_err(|_| ExecutionError::InvariantViolation)
}

fn single_object(values: Vec<Value>) -> Result<Address, ExecutionError> {
    match values.as_slice() {
        [Value::Object(id)] => Ok(*id),
        _ => Err(ExecutionError::InvariantViolation),
    }
}

/// `create_system`, then per node `register_node` and `stake` (a coin split off the
/// publisher's supply), then `challenge::advance_epoch` once the first epoch is over.
#[allow(clippy::too_many_arguments)]
fn start_network(
    runtime: &mut Runtime,
    source: &HashMap<Address, Object>,
    network: &NetworkGenesis,
    admin_cap: Address,
    treasury: Address,
    challenge_board: Address,
    supply_coin: Address,
    timestamp_ms: u64,
) -> Result<NetworkObjects, ExecutionError> {
    let mut registry = HandlerRegistry::default();
    super::register(&mut registry);
    runtime.load(&objects::clock(runtime.timestamp_ms), false);
    let clock = Value::Object(objects::CLOCK_ID);

    let before: Vec<Address> = runtime.objects.keys().copied().collect();
    call(
        runtime,
        source,
        &registry,
        "system",
        "create_system",
        vec![
            Value::Object(admin_cap),
            pure(&network.n_shards)?,
            pure(&network.epoch_duration_ms)?,
            clock.clone(),
        ],
    )?;
    let system_tag = super::tag_of::<move_types::system::System>();
    let system = runtime
        .objects
        .iter()
        .find(|(id, w)| w.type_ == system_tag && !before.contains(id))
        .map(|(id, _)| *id)
        .ok_or(ExecutionError::InvariantViolation)?;

    let mut nodes = Vec::with_capacity(network.nodes.len());
    for node in &network.nodes {
        let cap = single_object(call(
            runtime,
            source,
            &registry,
            "staking",
            "register_node",
            vec![
                Value::Object(system),
                pure(&node.name)?,
                pure(&node.network_address)?,
                pure(&node.bls_public_key)?,
                pure(&node.proof_of_possession)?,
                pure(&node.commission_bps)?,
            ],
        )?)?;
        let node_cap: NodeCap = runtime_read(runtime, cap)?;
        let node_id = move_types::address_of(&node_cap.node_id);
        // `coin::split` of the publisher's supply, then `staking::stake`.
        let value = {
            let coin = runtime.get_mut(&supply_coin)?;
            let value =
                objects::coin_value(&coin.contents).ok_or(ExecutionError::InvariantViolation)?;
            let rest = value
                .checked_sub(node.stake)
                .ok_or(ExecutionError::InsufficientCoinBalance)?;
            objects::set_coin_value(&mut coin.contents, rest);
            node.stake
        };
        let stake_coin = runtime.fresh_id();
        runtime.create(
            stake_coin,
            super::wal_coin_tag(),
            true,
            objects::coin_contents(stake_coin, value),
        );
        let staked = single_object(call(
            runtime,
            source,
            &registry,
            "staking",
            "stake",
            vec![
                Value::Object(system),
                pure(&node_id)?,
                Value::Object(stake_coin),
            ],
        )?)?;
        for id in [cap, staked] {
            runtime.get_mut(&id)?.owner = Some(Owner::Address(node.operator));
        }
        nodes.push((node_id, cap, staked));
    }

    if !network.nodes.is_empty() {
        runtime.timestamp_ms = timestamp_ms;
        call(
            runtime,
            source,
            &registry,
            "challenge",
            "advance_epoch",
            vec![
                Value::Object(challenge_board),
                Value::Object(system),
                Value::Object(treasury),
                clock,
            ],
        )?;
    }
    // The Clock is the devnet's own genesis object, not the package's.
    runtime.objects.remove(&objects::CLOCK_ID);
    Ok(NetworkObjects { system, nodes })
}

fn runtime_read<T: serde::de::DeserializeOwned>(
    runtime: &Runtime,
    id: Address,
) -> Result<T, ExecutionError> {
    bcs::from_bytes(&runtime.get(&id)?.contents).map_err(|_| ExecutionError::InvariantViolation)
}

/// Hex (de)serialization of byte strings in TOML configs.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(text.trim_start_matches("0x")).map_err(serde::de::Error::custom)
    }
}

/// The devnet's genesis hook for Floe: publishes an (empty-module) package object at
/// [`PACKAGE_ID`] and adds [`genesis_with_network`]'s objects with the faucet as publisher,
/// so the faucet account holds the whole WAL supply and the `AdminCap` and can hand WAL out
/// with ordinary transactions. The events genesis emitted (`WalTreasuryCreated`,
/// `SystemCreated`, each node's `NodeRegistered` and `Staked`, the first `EpochAdvanced`…)
/// go into checkpoint 0's genesis transaction: they are the only record of the supply, the
/// parameters and the nodes' registrations, so an indexer must see them.
pub fn hook(network: NetworkGenesis) -> crate::genesis::GenesisHook {
    /// Seeds the package's object IDs as a publish transaction's digest would; distinct from
    /// `Digest::ZERO`, which seeds the devnet's own genesis IDs, so the two never collide.
    const PUBLISH_DIGEST: Digest = Digest::new([0xf1; 32]);
    Box::new(move |ctx| {
        let (objects, _, network_objects, events) = build(
            ctx.faucet,
            ctx.timestamp_ms,
            PUBLISH_DIGEST,
            1,
            Some(&network),
        )
        .map_err(|e| crate::genesis::GenesisError(format!("publishing the floe package: {e:?}")))?;
        if network_objects.is_none() {
            return Err(crate::genesis::GenesisError(
                "publishing the floe package: no System was created".to_owned(),
            ));
        }
        ctx.emit(events);
        let mut all = vec![ctx.package(PACKAGE_ID, std::collections::BTreeMap::new())];
        all.extend(objects);
        Ok(all)
    })
}
