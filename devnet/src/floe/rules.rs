//! Floe plugged into the chain core: the `floe` handlers, the genesis hook that publishes the
//! package, the package and shared objects named in the network config, and WAL as the
//! faucet's token.

use floe_sdk::move_types::{
    blob::BlobRegistry, challenge::ChallengeBoard, system::System, wal::Treasury,
};
use sui_sdk_types::{Address, Object, StructTag};

use super::{PACKAGE_ID, genesis, register, tag_of, wal_type};
use crate::config::DevnetConfig;
use crate::devnet::{Devnet, DevnetError, NetworkHook, Rules};
use crate::handlers::HandlerRegistry;
use crate::objects;

impl Devnet {
    /// Starts a devnet running Floe: the framework and `floe` handlers, and, when the data
    /// directory has no chain yet and `config.floe` is set, genesis publishes the `floe`
    /// package with that storage network (the faucet account is the publisher, so it holds
    /// the WAL supply and the `AdminCap`). With `config.floe` unset only the framework's
    /// handlers run (a chain published earlier is still named in the network config).
    pub async fn start_floe(config: DevnetConfig) -> Result<Self, DevnetError> {
        let mut registry = HandlerRegistry::with_framework();
        let mut hooks = Vec::new();
        if let Some(network) = config.floe.clone() {
            register(&mut registry);
            hooks.push(genesis::hook(network));
        }
        let rules = Rules {
            genesis: hooks,
            network: Some(network_hook()),
            faucet_token: Some(wal_type()),
        };
        Self::start_with_rules(config, registry, rules).await
    }
}

/// The package and the shared objects, found among the genesis objects by their types and
/// checked against the ledger, so an ID that no longer exists is left out rather than handed
/// out.
pub fn network_hook() -> NetworkHook {
    Box::new(
        |genesis: &[Object], live: &dyn Fn(Address) -> bool, network| {
            let find = |wanted: StructTag| {
                genesis
                    .iter()
                    .find(|o| objects::struct_parts(o).is_some_and(|(t, _, _)| *t == wanted))
                    .map(Object::object_id)
                    .filter(|id| live(*id))
            };
            let package = live(PACKAGE_ID).then_some(PACKAGE_ID);
            network.package_id = package;
            network.original_package_id = package;
            network.system_object_id = find(tag_of::<System>());
            network.treasury_object_id = find(tag_of::<Treasury>());
            network.blob_registry_object_id = find(tag_of::<BlobRegistry>());
            network.challenge_board_object_id = find(tag_of::<ChallengeBoard>());
        },
    )
}
