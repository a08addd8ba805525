//! A key server's on-chain object: the `floe::key_server::KeyServer` that names it.
//!
//! Seal's clients find a key server by its object ID: they read the object (`KeyServer { id,
//! first_version, last_version }`), then its record, the dynamic field keyed by the `u64`
//! version (`KeyServerV1 { name, url, key_type, pk }`), and check the server's proof of
//! possession for that object ID at `url/v1/service`. This module registers such an object for
//! a key server, updates its URL, and reads it back the same way Seal's clients do (the field's
//! ID derived from its key, no listing).

use floe_sdk::move_types::{self, events::KeyServerRegistered, key_server::KeyServerV1};
use floe_sdk::sui_transaction_builder::{ObjectInput, TransactionBuilder};
use floe_sdk::{ClientError, Floe, FloeClient, FlowError, calls};
use sui_sdk_types::{Address, Object, Owner, StructTag, TypeTag};

/// Seal's key type for Boneh–Franklin IBE over BLS12-381.
pub const KEY_TYPE_BONEH_FRANKLIN_BLS12381: u8 = 0;
/// The record version the floe package writes (Seal's V1).
pub const VERSION_V1: u64 = 1;

/// A key server as the chain describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnChainKeyServer {
    /// The object's ID: the server's service ID.
    pub id: Address,
    pub owner: Owner,
    pub first_version: u64,
    pub last_version: u64,
    pub name: String,
    pub url: String,
    pub key_type: u8,
    /// The IBE public key, 96 bytes (compressed G2).
    pub pk: Vec<u8>,
    /// The storage node it was attached to (`key_server::create_for_node`), if any.
    pub node_id: Option<Address>,
}

/// Why a key-server object could not be registered, updated or read.
#[derive(Debug, thiserror::Error)]
pub enum OnChainError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error("object {id} is not a floe key server: {why}")]
    NotAKeyServer { id: Address, why: String },
    #[error("transaction {0} registered no key server (no KeyServerRegistered event)")]
    NoEvent(String),
}

/// `floe::key_server::KeyServer` of the package whose original ID is `package`.
pub fn key_server_type(package: Address) -> StructTag {
    move_types::struct_tag(package, "key_server", "KeyServer", vec![])
}

/// Registers a key server reached at `url` with public key `pk` as storage node
/// `node_cap`'s (`key_server::create_for_node`, signed by `floe`'s key, which must own the
/// node's `NodeCap`); returns the new object's ID, which the server must then answer
/// `/v1/service` for.
pub async fn register_for_node(
    floe: &mut Floe,
    node_cap: Address,
    name: &str,
    url: &str,
    pk: &[u8],
) -> Result<Address, OnChainError> {
    let cap = floe.client.object(node_cap).await?;
    let mut builder = TransactionBuilder::new();
    let cap = builder.object(ObjectInput::owned(node_cap, cap.version(), cap.digest()));
    calls::key_server::create_for_node(
        &mut builder,
        &floe.objects,
        cap,
        name,
        url,
        KEY_TYPE_BONEH_FRANKLIN_BLS12381,
        pk,
    );
    let executed = floe.execute(builder).await?;
    registered_id(&executed)
}

/// Registers a key server that belongs to no storage node (`key_server::create_and_transfer_v1`,
/// which anyone may call); returns the new object's ID.
pub async fn register(
    floe: &mut Floe,
    name: &str,
    url: &str,
    pk: &[u8],
) -> Result<Address, OnChainError> {
    let mut builder = TransactionBuilder::new();
    calls::key_server::create_and_transfer_v1(
        &mut builder,
        &floe.objects,
        name,
        url,
        KEY_TYPE_BONEH_FRANKLIN_BLS12381,
        pk,
    );
    let executed = floe.execute(builder).await?;
    registered_id(&executed)
}

fn registered_id(executed: &floe_sdk::ExecutedTransaction) -> Result<Address, OnChainError> {
    executed
        .events
        .iter()
        .filter(|e| {
            e.type_.module().as_str() == "events"
                && e.type_.name().as_str() == "KeyServerRegistered"
        })
        .find_map(|e| bcs::from_bytes::<KeyServerRegistered>(&e.contents).ok())
        .map(|event| move_types::address_of(&event.key_server_id))
        .ok_or_else(|| OnChainError::NoEvent(executed.digest.to_string()))
}

/// Points key server `id` (owned by `floe`'s key) at `url` (`key_server::update`).
pub async fn update_url(floe: &mut Floe, id: Address, url: &str) -> Result<(), OnChainError> {
    let object = floe.client.object(id).await?;
    let mut builder = TransactionBuilder::new();
    let key_server = builder.object(ObjectInput::owned(id, object.version(), object.digest()));
    calls::key_server::update(&mut builder, &floe.objects, key_server, url);
    floe.execute(builder).await?;
    Ok(())
}

/// Reads key server `id` of the package whose original ID is `package` as Seal's clients do:
/// the object, then its version record by the dynamic-field ID derived from the `u64`
/// version (and the node it belongs to, under `NodeKey`).
pub async fn read(
    client: &mut FloeClient,
    package: Address,
    id: Address,
) -> Result<OnChainKeyServer, OnChainError> {
    let not = |why: String| OnChainError::NotAKeyServer { id, why };
    let object = client.object(id).await?;
    let (first_version, last_version) = {
        let contents = struct_contents(&object, &key_server_type(package)).map_err(not)?;
        let parsed: move_types::key_server::KeyServer =
            bcs::from_bytes(contents).map_err(|e| not(format!("its contents: {e}")))?;
        (parsed.first_version, parsed.last_version)
    };
    if !(first_version..=last_version).contains(&VERSION_V1) {
        return Err(not(format!(
            "it has record versions {first_version}..={last_version}, not {VERSION_V1}"
        )));
    }
    let key = bcs::to_bytes(&VERSION_V1).expect("a u64 serializes");
    let field_id = id.derive_dynamic_child_id(&TypeTag::U64, &key);
    let field = client
        .object(field_id)
        .await
        .map_err(|e| not(format!("its version-{VERSION_V1} record {field_id}: {e}")))?;
    let record: KeyServerV1 = field_value(&field, key.len())
        .and_then(|bytes| bcs::from_bytes(bytes).map_err(|e| e.to_string()))
        .map_err(|e| not(format!("its version-{VERSION_V1} record: {e}")))?;

    let node_key_type = TypeTag::Struct(Box::new(move_types::struct_tag(
        package,
        "key_server",
        "NodeKey",
        vec![],
    )));
    // `NodeKey {}` is a struct without fields: Move gives it one `dummy_field: bool`.
    let node_key = bcs::to_bytes(&false).expect("a bool serializes");
    let node_field = id.derive_dynamic_child_id(&node_key_type, &node_key);
    let node_id = match client.object(node_field).await {
        Ok(field) => Some(
            field_value(&field, node_key.len())
                .and_then(|bytes| bcs::from_bytes::<Address>(bytes).map_err(|e| e.to_string()))
                .map_err(|e| not(format!("its node record: {e}")))?,
        ),
        Err(ClientError::ObjectNotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(OnChainKeyServer {
        id,
        owner: *object.owner(),
        first_version,
        last_version,
        name: String::from_utf8_lossy(&record.name.bytes).into_owned(),
        url: String::from_utf8_lossy(&record.url.bytes).into_owned(),
        key_type: record.key_type,
        pk: record.pk,
        node_id,
    })
}

/// The BCS contents of a Move object of type `expected`.
fn struct_contents<'a>(object: &'a Object, expected: &StructTag) -> Result<&'a [u8], String> {
    let data = object
        .as_struct()
        .ok_or_else(|| "it is a package, not a Move object".to_owned())?;
    if data.object_type() != expected {
        return Err(format!("its type is {}", data.object_type()));
    }
    Ok(data.contents())
}

/// The value bytes of a dynamic field object `Field<K, V> { id, name, value }` whose key
/// serializes to `key_len` bytes.
fn field_value(field: &Object, key_len: usize) -> Result<&[u8], String> {
    let data = field
        .as_struct()
        .ok_or_else(|| "a package, not a dynamic field".to_owned())?;
    data.contents()
        .get(32 + key_len..)
        .ok_or_else(|| "a dynamic field too short for its key".to_owned())
}
