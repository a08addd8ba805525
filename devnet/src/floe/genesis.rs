//! Publishing the `floe` package at genesis: the objects its modules' `init` functions create
//! (the shared `Treasury`, `BlobRegistry` and `ChallengeBoard`; the whole WAL supply and the
//! `AdminCap` for the publisher), produced by running the same Rust `init`s the handlers use.

use std::collections::HashMap;

use sui_sdk_types::{Address, Digest, ExecutionError, Identifier, Object, Owner, Version};

use super::{PACKAGE_ID, blob, challenge, system, wal};
use crate::objects;
use crate::runtime::{CallContext, Runtime};

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
    let mut runtime = Runtime::new(digest, publisher, timestamp_ms);
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
    ))
}
