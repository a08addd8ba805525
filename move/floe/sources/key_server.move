/// Seal key servers on chain, in the object layout of Seal's own `key_server` module (V1), so
/// that Seal's clients (`@mysten/seal`'s `SealClient`, Seal's Rust CLI) find a Floe key
/// server by its object ID and read its URL and public key unchanged.
///
/// Layout (what Seal's clients parse, field for field): the object `KeyServer { id,
/// first_version, last_version }` with `first_version = last_version = 1`, and under it the
/// dynamic field keyed by the `u64` 1 holding `KeyServerV1 { name, url, key_type, pk }`
/// (`key_type` 0: Boneh–Franklin over BLS12-381; `pk`: the 96-byte compressed G2 public key
/// of the server's IBE master secret). The object's ID is the server's *service ID*: it names
/// the server in encrypted objects, and `GET /v1/service?service_id=<object ID>` answers with
/// a proof of possession over `pk ‖ object ID`, which is how a client checks that the server
/// at the URL holds the key this object names.
///
/// Who may register: anyone (`create_and_transfer_v1`), as in Seal. A key server is trusted
/// only by the clients that choose it, and registering one grants nothing: no identity, no
/// policy and no other object is touched. A storage node's operator may additionally attach
/// a key server to the node (`create_for_node`, proven by the node's `NodeCap`): the claim
/// "this key server is node N's" is what default key-server lists (`floe up`'s, one per
/// committee node) are built from, so only the holder of the node's cap may make it. It is
/// recorded under the `NodeKey` dynamic field of the key server (a key type Seal's clients
/// never ask for) and in the `KeyServerRegistered` event.
///
/// The `KeyServer` is owned by whoever registered it and has only `key`: moving it needs this
/// module, so only its owner can change its URL (`update`), and no market can trade it away
/// from the operator who runs the server. Name, key type and public key never change; a new
/// master key is a new key server object (objects encrypted to the old one stay encrypted to
/// it).
module floe::key_server;

use floe::events;
use floe::staking::NodeCap;
use std::string::String;
use sui::bls12381;
use sui::dynamic_field as df;

// === Errors ===

/// The key type is not 0 (Boneh–Franklin over BLS12-381, the only one Seal defines).
/// Pass key type 0.
const EInvalidKeyType: u64 = 0;
/// The public key is not 96 bytes (a compressed BLS12-381 G2 point).
/// Pass the key server's 96-byte G2 public key (`floe-keyserver` prints it).
const EInvalidPublicKey: u64 = 1;
/// The name is empty or longer than 128 bytes.
/// Give a key server name of 1 to 128 bytes.
const EInvalidName: u64 = 2;
/// The URL is empty or longer than 256 bytes.
/// Give a key server URL of 1 to 256 bytes.
const EInvalidUrl: u64 = 3;

// === Constants ===

/// Boneh–Franklin IBE over BLS12-381 (Seal's `KeyTypeBonehFranklinBLS12381`).
const KEY_TYPE_BONEH_FRANKLIN_BLS12381: u8 = 0;
/// The one record version this package writes (Seal's V1: an independent server with a URL).
const VERSION_V1: u64 = 1;
/// Bytes of a compressed BLS12-381 G2 point.
const G2_LENGTH: u64 = 96;
const MAX_NAME_LENGTH: u64 = 128;
const MAX_URL_LENGTH: u64 = 256;

// === Objects ===

/// A key server, as Seal lays it out: its versioned record is the dynamic field `1u64`.
/// Owned by its registrant.
public struct KeyServer has key {
    id: UID,
    /// Oldest record version present (always 1 here).
    first_version: u64,
    /// Newest record version present (always 1 here).
    last_version: u64,
}

/// Seal's version-1 record of a key server: an independent server reachable at `url`.
public struct KeyServerV1 has store {
    name: String,
    url: String,
    /// 0: Boneh–Franklin over BLS12-381.
    key_type: u8,
    /// The IBE master public key: a compressed G2 point (96 bytes).
    pk: vector<u8>,
}

/// Dynamic-field key of the storage node a key server belongs to (value: the node's ID).
public struct NodeKey has copy, drop, store {}

// === Registering ===

/// Registers a key server anyone may then choose, and transfers its `KeyServer` object to the
/// sender (Seal's `create_and_transfer_v1`, same arguments; a private `entry`, as in Seal, so
/// the object is always placed with its registrant). The object's ID is the server's
/// service ID. Emits `KeyServerRegistered` (no node).
/// Aborts `EInvalidKeyType`, `EInvalidPublicKey` (then `sui::group_ops::EInvalidInput` if the
/// 96 bytes are not a G2 point of the prime-order subgroup), `EInvalidName`, `EInvalidUrl`.
entry fun create_and_transfer_v1(
    name: String,
    url: String,
    key_type: u8,
    pk: vector<u8>,
    ctx: &mut TxContext,
) {
    let key_server = new_v1(name, url, key_type, pk, ctx);
    events::emit_key_server_registered(
        object::id(&key_server),
        ctx.sender(),
        option::none(),
        name,
        url,
        pk,
    );
    transfer::transfer(key_server, ctx.sender());
}

/// Registers a key server as storage node `cap.node_id()`'s, which only the node's operator
/// (the holder of its `NodeCap`) can do, and transfers the `KeyServer` to the sender. The
/// node is recorded under the `NodeKey` dynamic field (`node_id`). A node may attach more
/// than one key server (a new master key is a new key server). Emits `KeyServerRegistered`
/// with the node.
/// Aborts like `create_and_transfer_v1`.
entry fun create_for_node(
    cap: &NodeCap,
    name: String,
    url: String,
    key_type: u8,
    pk: vector<u8>,
    ctx: &mut TxContext,
) {
    let mut key_server = new_v1(name, url, key_type, pk, ctx);
    let node_id = cap.node_id();
    df::add(&mut key_server.id, NodeKey {}, node_id);
    events::emit_key_server_registered(
        object::id(&key_server),
        ctx.sender(),
        option::some(node_id),
        name,
        url,
        pk,
    );
    transfer::transfer(key_server, ctx.sender());
}

/// Changes where the key server is reached (Seal's `update`); only its owner can pass it.
/// Emits `KeyServerUrlUpdated`. Aborts `EInvalidUrl`.
public fun update(self: &mut KeyServer, url: String) {
    assert_url(&url);
    let v1: &mut KeyServerV1 = df::borrow_mut(&mut self.id, VERSION_V1);
    v1.url = url;
    events::emit_key_server_url_updated(object::id(self), url);
}

// === Reads ===

/// The version-1 record (every key server of this package has one, from registration on).
public fun v1(self: &KeyServer): &KeyServerV1 {
    df::borrow(&self.id, VERSION_V1)
}

/// The server's name.
public fun name(self: &KeyServer): String { self.v1().name }

/// Where the server is reached.
public fun url(self: &KeyServer): String { self.v1().url }

/// The key type (0).
public fun key_type(self: &KeyServer): u8 { self.v1().key_type }

/// The IBE public key (96 bytes).
public fun pk(self: &KeyServer): vector<u8> { self.v1().pk }

/// Oldest record version present.
public fun first_version(self: &KeyServer): u64 { self.first_version }

/// Newest record version present.
public fun last_version(self: &KeyServer): u64 { self.last_version }

/// Whether the key server was attached to a storage node (`create_for_node`).
public fun has_node(self: &KeyServer): bool {
    df::exists(&self.id, NodeKey {})
}

/// The storage node the key server belongs to, if any.
public fun node_id(self: &KeyServer): Option<ID> {
    if (df::exists(&self.id, NodeKey {})) {
        option::some(*df::borrow<NodeKey, ID>(&self.id, NodeKey {}))
    } else {
        option::none()
    }
}

// === Internal ===

fun assert_url(url: &String) {
    assert!(!url.is_empty() && url.length() <= MAX_URL_LENGTH, EInvalidUrl);
}

/// A new `KeyServer` with its version-1 record, every argument checked.
fun new_v1(
    name: String,
    url: String,
    key_type: u8,
    pk: vector<u8>,
    ctx: &mut TxContext,
): KeyServer {
    assert!(key_type == KEY_TYPE_BONEH_FRANKLIN_BLS12381, EInvalidKeyType);
    assert!(pk.length() == G2_LENGTH, EInvalidPublicKey);
    // Aborts (`group_ops::EInvalidInput`) unless the bytes are a G2 point of the subgroup.
    let _ = bls12381::g2_from_bytes(&pk);
    assert!(!name.is_empty() && name.length() <= MAX_NAME_LENGTH, EInvalidName);
    assert_url(&url);
    let mut key_server = KeyServer {
        id: object::new(ctx),
        first_version: VERSION_V1,
        last_version: VERSION_V1,
    };
    df::add(&mut key_server.id, VERSION_V1, KeyServerV1 { name, url, key_type, pk });
    key_server
}

// === Test-only ===

/// `create_and_transfer_v1` is a private `entry` (as in Seal); tests reach it through this.
#[test_only]
public fun create_and_transfer_v1_for_testing(
    name: String,
    url: String,
    key_type: u8,
    pk: vector<u8>,
    ctx: &mut TxContext,
) {
    create_and_transfer_v1(name, url, key_type, pk, ctx);
}

/// `create_for_node` for tests in other modules.
#[test_only]
public fun create_for_node_for_testing(
    cap: &NodeCap,
    name: String,
    url: String,
    key_type: u8,
    pk: vector<u8>,
    ctx: &mut TxContext,
) {
    create_for_node(cap, name, url, key_type, pk, ctx);
}

/// Deletes a key server and its records (tests only: key servers are never deleted).
#[test_only]
public fun destroy_for_testing(self: KeyServer) {
    let KeyServer { mut id, first_version: _, last_version: _ } = self;
    let KeyServerV1 { name: _, url: _, key_type: _, pk: _ } = df::remove(&mut id, VERSION_V1);
    if (df::exists(&id, NodeKey {})) {
        let _: ID = df::remove(&mut id, NodeKey {});
    };
    id.delete();
}
