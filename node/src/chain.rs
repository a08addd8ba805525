//! What the node reads from the chain: `License` objects (or the model owner's `ModelCap`) for
//! the license gate, and its own epoch and shards from the `System` object.

use floe_sdk::FloeClient;
use floe_sdk::committee::Committee;
use floe_sdk::move_types::{self, license::License, model::ModelCap, system::System};
use futures::future::BoxFuture;
use sui_sdk_types::{Address, Object, Owner};

use crate::license_gate::{LicenseLookup, LicenseRecord};

/// Why a chain read failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Client(#[from] floe_sdk::ClientError),
    #[error("object {id} is not a {expected}: {reason}")]
    WrongObject {
        id: Address,
        expected: &'static str,
        reason: String,
    },
}

/// The contents of `object` as `T`, after checking its type is `package::module::name` (so a
/// look-alike object of another package cannot pass for a `License`).
fn decode<T: serde::de::DeserializeOwned>(
    object: &Object,
    package: Address,
    module: &str,
    name: &'static str,
) -> Result<T, ChainError> {
    let id = object.object_id();
    let wrong = |reason: String| ChainError::WrongObject {
        id,
        expected: name,
        reason,
    };
    let data = object
        .as_struct()
        .ok_or_else(|| wrong("it is a package".to_owned()))?;
    let tag = data.object_type();
    if *tag.address() != package || tag.module().as_str() != module || tag.name().as_str() != name {
        return Err(wrong(format!("its type is {tag}")));
    }
    bcs::from_bytes(data.contents()).map_err(|e| wrong(e.to_string()))
}

/// A `License` object as the gate sees it; or a `ModelCap`, which lets the model's owner read
/// their own model for as long as they hold the cap, without buying a license from themselves.
pub fn license_record(object: &Object, package: Address) -> Result<LicenseRecord, ChainError> {
    let owner = match object.owner() {
        Owner::Address(address) => Some(*address),
        _ => None,
    };
    let is_cap = object.as_struct().is_some_and(|data| {
        let tag = data.object_type();
        *tag.address() == package
            && tag.module().as_str() == "model"
            && tag.name().as_str() == "ModelCap"
    });
    if is_cap {
        let cap: ModelCap = decode(object, package, "model", "ModelCap")?;
        return Ok(LicenseRecord {
            owner,
            model_id: move_types::address_of(&cap.model_id),
            expires_at_ms: u64::MAX,
            use_limited: false,
            uses_left: 0,
        });
    }
    let license: License = decode(object, package, "license", "License")?;
    Ok(LicenseRecord {
        owner,
        model_id: move_types::address_of(&license.model_id),
        expires_at_ms: license.expires_at_ms,
        use_limited: license.use_limited,
        uses_left: license.uses_left,
    })
}

/// Reads licenses through a `sui.rpc.v2` endpoint.
#[derive(Clone)]
pub struct ChainLicenses {
    pub client: FloeClient,
    /// The floe package's original ID, which its types carry.
    pub package: Address,
}

impl LicenseLookup for ChainLicenses {
    fn license(&self, id: Address) -> BoxFuture<'_, Result<LicenseRecord, String>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let object = client.object(id).await.map_err(|e| e.to_string())?;
            license_record(&object, self.package).map_err(|e| e.to_string())
        })
    }
}

/// The current epoch and the shards `node_id` holds in it.
pub async fn epoch_and_shards(
    client: &mut FloeClient,
    system_id: Address,
    package: Address,
    node_id: Address,
) -> Result<(u64, Vec<u16>), ChainError> {
    let object = client.object(system_id).await?;
    let system: System = decode(&object, package, "system", "System")?;
    let committee = Committee::from_system(&system);
    let shards = committee
        .members
        .iter()
        .find(|m| m.node_id == node_id)
        .map(|m| m.shards.clone())
        .unwrap_or_default();
    Ok((committee.epoch, shards))
}
