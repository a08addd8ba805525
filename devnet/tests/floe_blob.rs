//! `floe::blob` and `floe::challenge` on the devnet: the scenarios of
//! `move/floe/tests/blob_tests.move`, `challenge_tests.move` and `scenario_slash_tests.move`,
//! step by step.
//!
//! The Move tests build their committee with test-only helpers; here it is built the real
//! way: four nodes register with the BLS keys of `move/floe/tests/vectors/README.md` (proofs
//! of possession signed for their operators' addresses), stake, and an epoch change makes
//! them the committee of epoch 1 (the Move tests' `START_EPOCH`). Certification signatures are
//! made with the same secret keys over the real certification message, so they match whatever
//! committee order and shard assignment the epoch change produced. `set_epoch_for_testing`
//! becomes "advance the clock one epoch and call `challenge::advance_epoch`", once per epoch
//! (which slashes whatever challenge of the epoch was left unanswered).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::result_large_err,
    clippy::too_many_arguments
)]

mod support;

use floe_devnet::floe::{blob as blob_rs, challenge as challenge_rs, system as system_rs};
use floe_devnet::runtime::dynamic_field_id;
use floe_sdk::move_aborts;
use floe_sdk::move_types::{
    self, ID, U256, UID,
    blob::{Blob, BlobRegistry, CertifiedEntry, Storage},
    challenge::Challenge,
    events::{
        BlobAttributeRemoved, BlobAttributeSet, BlobCertified, BlobDeleted, BlobExpired,
        BlobExtended, BlobRegistered, CapacityReleased, CapacityReserved, ChallengeAnswered,
        ChallengeIssued, ChallengeSlashed, ChallengesIssued, EpochSyncDone, PoolRewarded,
        RegistryPruned, ShardsGained, StorageDestroyed, StorageReserved,
    },
    staking::{NodeCap, StakedWal},
    staking_pool::StakingPool,
    system::System,
    wal::Treasury,
};
use sui_sdk_types::{Address, TypeTag};
use support::{Arg, Chain, Cmd, Failure, Outcome, Pure, call};

const N: u16 = 7;
const EPOCH_MS: u64 = 3_600_000;
/// 1 000 WAL staked with every node.
const NODE_STAKE: u64 = 1_000_000_000_000;
const ENCODED_A: u64 = 3_584;
const BIG: u64 = 1_000_000_000_000;
const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// Secret keys of `bls_test_vectors.move` (README of `move/floe/tests/vectors`).
const SECRET_KEYS: [&str; 4] = [
    "4ceb6c75377895f803deaf82698030ba4b4a3a48bf4344c2f78a27f66fffe6ba",
    "58e07db55b84894550a43feb971fededcd0539c188938d7993022ea38ecb0008",
    "33ae55b223af2c3d765b3de3acfe795a0ed9cb2a66fc67455909013f498a5e20",
    "1a5b69cc3ffd2d207397610a7c92d2e36923a9d40cada37538b6a6e32cbd4383",
];

// Blob A and B of `floe_test_utils.move`.
const SEED_A: u64 = 5;
const SIZE_A: u64 = 100;
const ROOT_A: &str =
    "86370485787158523631619776134765588634542563736392788787732974783505037689303";
const BLOB_ID_A: &str =
    "98875015896608290534907558673555593184351713564713250340073600695944976414878";
const SIZE_B: u64 = 200;
const ROOT_B: &str =
    "10470772083897707183207917599319354959258589027011427351833790852193170352371";
const BLOB_ID_B: &str =
    "34823532552827522200902251409063504672258361783837487058519587406321376838775";

fn u256(decimal: &str) -> U256 {
    U256::from_str_radix(decimal, 10).unwrap()
}

fn root_a() -> U256 {
    u256(ROOT_A)
}
fn blob_id_a() -> U256 {
    u256(BLOB_ID_A)
}
fn root_b() -> U256 {
    u256(ROOT_B)
}
fn blob_id_b() -> U256 {
    u256(BLOB_ID_B)
}

fn secret_key(k: usize) -> blst::min_pk::SecretKey {
    let bytes = hex::decode(SECRET_KEYS[k]).unwrap();
    blst::min_pk::SecretKey::from_bytes(&bytes).unwrap()
}

fn move_id(address: Address) -> ID {
    move_types::id(address)
}

/// A registered, staked committee node.
struct Node {
    operator: Address,
    cap: Address,
    node_id: Address,
    key: usize,
}

/// The chain with the system, a 4-node committee in epoch 1 and a user.
struct Env {
    chain: Chain,
    admin: Address,
    admin_cap: Address,
    user: Address,
    system: Address,
    registry: Address,
    board: Address,
    treasury: Address,
    nodes: Vec<Node>,
}

/// `floe_test_utils::setup` through the real flow.
fn setup() -> Env {
    let mut chain = Chain::new();
    let admin = chain.publisher;
    let admin_cap = chain.genesis.admin_cap;
    let created = chain
        .call(admin, call::system::create_system(admin_cap, N, EPOCH_MS))
        .unwrap();
    let system = created.created("system", "System")[0];
    let mut nodes = Vec::new();
    for key in 0..4 {
        let operator = chain.new_account();
        let sk = secret_key(key);
        let pk = sk.sk_to_pk().compress().to_vec();
        let mut message = operator.as_bytes().to_vec();
        message.extend_from_slice(&pk);
        let pop = sk.sign(&message, DST, &[]).compress().to_vec();
        let registered = chain
            .call_keep(
                operator,
                call::staking::register_node(
                    system,
                    format!("node-{key}"),
                    "127.0.0.1:0".to_owned(),
                    &pk,
                    &pop,
                    0u64,
                ),
            )
            .unwrap();
        let cap = registered.created("staking", "NodeCap")[0];
        let node_id = move_types::address_of(&chain.object::<NodeCap>(cap).node_id);
        let coin = chain.give_wal(operator, NODE_STAKE);
        chain
            .call_keep(
                operator,
                call::staking::stake(system, move_id(node_id), coin),
            )
            .unwrap();
        nodes.push(Node {
            operator,
            cap,
            node_id,
            key,
        });
    }
    let user = chain.new_account();
    let mut env = Env {
        admin,
        admin_cap,
        user,
        system,
        registry: chain.genesis.blob_registry,
        board: chain.genesis.challenge_board,
        treasury: chain.genesis.treasury,
        nodes,
        chain,
    };
    next_epoch(&mut env);
    let system = env.system();
    assert_eq!(system.epoch, 1);
    assert_eq!(system.committee.len(), 4);
    let shards: usize = system.committee_shards.iter().map(Vec::len).sum();
    assert_eq!(shards, usize::from(N));
    env
}

/// One epoch later: the clock moves one epoch and anyone calls `challenge::advance_epoch`.
fn next_epoch(env: &mut Env) {
    env.chain.advance_clock(EPOCH_MS);
    let admin = env.admin;
    advance(env, admin).unwrap();
}

/// `challenge::advance_epoch` as `caller`, at the chain's current time.
fn advance(env: &mut Env, caller: Address) -> Result<Outcome, Failure> {
    env.chain.call(
        caller,
        call::challenge::advance_epoch(env.board, env.system, env.treasury),
    )
}

impl Env {
    fn system(&self) -> System {
        self.chain.object(self.system)
    }

    fn blob(&self, id: Address) -> Blob {
        self.chain.object(id)
    }

    fn storage(&self, id: Address) -> Storage {
        self.chain.object(id)
    }

    fn epoch(&self) -> u64 {
        self.system().epoch
    }

    /// `system::used_capacity_at(epoch)`.
    fn used_at(&self, epoch: u64) -> u64 {
        system_rs::capacity_used_at(&self.system(), epoch)
    }

    fn coin(&mut self, amount: u64) -> Address {
        let user = self.user;
        self.chain.give_wal(user, amount)
    }

    fn call(&mut self, command: Cmd) -> Result<Outcome, Failure> {
        let user = self.user;
        self.chain.call(user, command)
    }

    fn call_keep(&mut self, command: Cmd) -> Result<Outcome, Failure> {
        let user = self.user;
        self.chain.call_keep(user, command)
    }

    /// A read-only call returning one pure value.
    fn read<T: serde::de::DeserializeOwned>(&mut self, command: Cmd) -> T {
        self.call(command).unwrap().ret(0, 0)
    }

    /// `blob::reserve_space` paid from a fresh coin of `paid` WAL; the Storage is the user's.
    fn reserve_paid(
        &mut self,
        size: u64,
        epochs: u64,
        paid: u64,
    ) -> Result<(Address, Address), Failure> {
        let coin = self.coin(paid);
        let outcome = self.call_keep(call::blob::reserve_space(self.system, size, epochs, coin))?;
        Ok((outcome.created("blob", "Storage")[0], coin))
    }

    /// `floe_test_utils::reserve`.
    fn reserve(&mut self, size: u64, epochs: u64) -> Address {
        self.reserve_paid(size, epochs, BIG).unwrap().0
    }

    #[allow(clippy::too_many_arguments)]
    fn register_blob(
        &self,
        storage: Arg,
        blob_id: U256,
        root: U256,
        size: u64,
        encoding: u8,
        deletable: bool,
        coin: Address,
    ) -> Cmd {
        call::blob::register_blob(
            self.system,
            self.registry,
            storage,
            blob_id,
            root,
            size,
            encoding,
            deletable,
            coin,
        )
    }

    /// `register_blob` on an existing storage, write fee from a fresh coin of `paid`.
    #[allow(clippy::too_many_arguments)]
    fn register_on(
        &mut self,
        storage: Address,
        blob_id: U256,
        root: U256,
        size: u64,
        encoding: u8,
        deletable: bool,
        paid: u64,
    ) -> Result<Outcome, Failure> {
        let coin = self.coin(paid);
        let register = self.register_blob(
            Arg::obj(storage),
            blob_id,
            root,
            size,
            encoding,
            deletable,
            coin,
        );
        self.call_keep(register)
    }

    /// `floe_test_utils::register`: reserve and register in one transaction.
    fn register(
        &mut self,
        blob_id: U256,
        root: U256,
        size: u64,
        epochs: u64,
        deletable: bool,
    ) -> Address {
        let coin = self.coin(BIG);
        let reserve = call::blob::reserve_space(self.system, size, epochs, coin);
        let register = self.register_blob(Arg::Result(0), blob_id, root, size, 1, deletable, coin);
        let user = self.user;
        let outcome = self
            .chain
            .ptb(
                user,
                vec![reserve, register, Cmd::Transfer(vec![Arg::Result(1)], user)],
            )
            .unwrap();
        outcome.created("blob", "Blob")[0]
    }

    fn register_a(&mut self, epochs: u64, deletable: bool) -> Address {
        self.register(blob_id_a(), root_a(), SIZE_A, epochs, deletable)
    }

    fn register_b(&mut self, epochs: u64, deletable: bool) -> Address {
        self.register(blob_id_b(), root_b(), SIZE_B, epochs, deletable)
    }

    /// Committee indices and the key each member signs with.
    fn member_keys(&self) -> Vec<usize> {
        self.system()
            .committee
            .iter()
            .map(|id| {
                let id = move_types::address_of(id);
                self.nodes.iter().find(|n| n.node_id == id).unwrap().key
            })
            .collect()
    }

    /// Aggregate signature of committee members `signers` over `message`.
    fn sign(&self, signers: &[u16], message: &[u8]) -> Vec<u8> {
        let keys = self.member_keys();
        let sigs: Vec<blst::min_pk::Signature> = signers
            .iter()
            .map(|s| secret_key(keys[usize::from(*s)]).sign(message, DST, &[]))
            .collect();
        let refs: Vec<&blst::min_pk::Signature> = sigs.iter().collect();
        blst::min_pk::AggregateSignature::aggregate(&refs, true)
            .unwrap()
            .to_signature()
            .compress()
            .to_vec()
    }

    /// Committee indices (in order) holding at least 2f + 1 shards: the largest members first.
    fn quorum(&self) -> Vec<u16> {
        let system = self.system();
        let mut order: Vec<usize> = (0..system.committee.len()).collect();
        order.sort_by_key(|k| std::cmp::Reverse(system.committee_shards[*k].len()));
        let mut chosen = Vec::new();
        let mut shards = 0;
        for k in order {
            if shards >= 5 {
                break;
            }
            shards += system.committee_shards[k].len();
            chosen.push(k as u16);
        }
        chosen.sort();
        chosen
    }

    fn certify_with(
        &mut self,
        blob: Address,
        signers: &[u16],
        signature: Vec<u8>,
    ) -> Result<Outcome, Failure> {
        self.call(call::blob::certify_blob(
            Arg::ObjRead(self.system),
            self.registry,
            blob,
            signers.to_vec(),
            &signature,
        ))
    }

    /// `floe_test_utils::certify_a` for any blob: a quorum signs in the current epoch.
    fn certify(&mut self, blob: Address) -> Result<Outcome, Failure> {
        let blob_id = self.blob(blob).blob_id;
        let message = blob_rs::rs2::certification_message(self.epoch(), &blob_id);
        let signers = self.quorum();
        let signature = self.sign(&signers, &message);
        self.certify_with(blob, &signers, signature)
    }

    fn destroy_storage(&mut self, storage: Address) -> Outcome {
        self.call(call::blob::destroy_storage(self.system, storage))
            .unwrap()
    }

    /// `delete_blob`; the storage goes back to the user.
    fn delete_blob(&mut self, blob: Address) -> Result<Outcome, Failure> {
        self.call_keep(call::blob::delete_blob(
            Arg::ObjRead(self.system),
            self.registry,
            blob,
        ))
    }

    fn destroy_expired(&mut self, blob: Address) -> Result<Outcome, Failure> {
        self.call(call::blob::destroy_expired(
            self.system,
            self.registry,
            blob,
        ))
    }

    fn prune(&mut self, blob_id: U256) -> Result<Outcome, Failure> {
        self.call(call::blob::prune_expired(
            Arg::ObjRead(self.system),
            self.registry,
            blob_id,
        ))
    }

    /// A `blob::<read>(registry, blob_id)` call's value.
    fn registry_read<T: serde::de::DeserializeOwned>(
        &mut self,
        read: fn(Arg, Pure<U256>) -> Cmd,
        blob_id: U256,
    ) -> T {
        let command = read(Arg::ObjRead(self.registry), blob_id.into());
        self.read(command)
    }

    fn is_certified(&mut self, blob_id: U256) -> bool {
        self.registry_read(call::blob::is_certified, blob_id)
    }

    fn reference_count(&mut self, blob_id: U256) -> u64 {
        self.registry_read(call::blob::reference_count, blob_id)
    }

    fn end_epoch_of(&mut self, blob_id: U256) -> u64 {
        self.registry_read(call::blob::end_epoch_of, blob_id)
    }

    fn certified_count(&mut self) -> u64 {
        self.read(call::blob::certified_count(Arg::ObjRead(self.registry)))
    }

    fn certified_at(&mut self, i: u64) -> Result<(U256, U256, u64), Failure> {
        let outcome = self.call(call::blob::certified_at(Arg::ObjRead(self.registry), i))?;
        Ok((outcome.ret(0, 0), outcome.ret(0, 1), outcome.ret(0, 2)))
    }

    fn wal_value(&self, coin: Address) -> u64 {
        self.chain
            .wal_coins(self.user)
            .into_iter()
            .find(|(id, _)| *id == coin)
            .map(|(_, v)| v)
            .unwrap()
    }
}

fn assert_abort(result: Result<Outcome, Failure>, module: &str, code: u64) {
    match result {
        Ok(_) => panic!("expected abort {module}::{code}, the call succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code)),
    }
}

// === Pure functions ===

#[test]
fn sizes_follow_rs2_rules() {
    let mut env = setup();
    let mut symbol = |size: u64, n: u16| -> Result<Outcome, Failure> {
        env.call(call::blob::symbol_size(size, n))
    };
    for (size, n, expected) in [
        (0u64, 7u16, 2u64),
        (100, 7, 8),
        (200, 7, 14),
        (1_048_576, 1000, 6),
        (983_010, 7, 65_534),
    ] {
        assert_eq!(symbol(size, n).unwrap().ret::<u64>(0, 0), expected);
    }
    assert_abort(
        symbol(983_011, 7),
        "blob",
        move_aborts::blob::E_BLOB_TOO_LARGE,
    );
    for (size, n, expected) in [
        (0u64, 7u16, 3_248u64),
        (100, 7, ENCODED_A),
        (1, 1, 68),
        (100, 4, 1_384),
        (1_048_576, 1000, 70_006_000),
    ] {
        let got: u64 = env.read(call::blob::encoded_size(size, n));
        assert_eq!(got, expected);
    }
    let zero = env.call(call::blob::encoded_size(1u64, 0u16));
    assert_abort(zero, "blob", move_aborts::blob::E_INVALID_SHARD_COUNT);
}

#[test]
fn blob_ids_and_certification_message() {
    let mut env = setup();
    for (size, root, id) in [
        (SIZE_A, root_a(), blob_id_a()),
        (SIZE_B, root_b(), blob_id_b()),
    ] {
        let got: U256 = env.read(call::blob::compute_blob_id(1u8, size, root));
        assert_eq!(got, id);
    }
    // The synthetic trees rebuilt here give the generator's roots.
    assert_eq!(synthetic_root(SEED_A, 8), root_a().to_le_bytes());
    let message: Vec<u8> = env.read(call::blob::certification_message(1u64, blob_id_a()));
    let mut expected = vec![1u8, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0];
    expected.extend_from_slice(&blob_id_a().to_le_bytes());
    assert_eq!(message, expected);
}

// === Storage ===

/// Every committee node votes `capacity`; it is the total capacity from the next epoch on.
fn vote_capacity(env: &mut Env, capacity: u64) {
    for k in 0..env.nodes.len() {
        let (operator, cap) = (env.nodes[k].operator, env.nodes[k].cap);
        env.chain
            .call(
                operator,
                call::staking::set_capacity_vote(env.system, cap, capacity),
            )
            .unwrap();
    }
}

/// Issue 12, hole 2: an attacker buys all of the network's capacity for one epoch and never
/// destroys the `Storage`. When that epoch ends the capacity is free again by itself.
#[test]
fn capacity_of_expired_storage_frees_itself() {
    let mut env = setup();
    vote_capacity(&mut env, 2 * ENCODED_A);
    next_epoch(&mut env);
    assert_eq!(env.system().total_capacity, 2 * ENCODED_A);
    // The attacker (the user) takes everything for one epoch and keeps the objects.
    let first = env.reserve(SIZE_A, 1);
    let second = env.reserve(SIZE_A, 1);
    assert_eq!(env.system().used_capacity, 2 * ENCODED_A);
    assert_abort(
        env.reserve_paid(SIZE_A, 1, BIG).map(|_| unreachable!()),
        "system",
        move_aborts::system::E_CAPACITY_EXCEEDED,
    );
    // Nobody destroys anything; the epoch ends.
    next_epoch(&mut env);
    assert!(env.chain.exists(first) && env.chain.exists(second));
    assert_eq!(env.system().used_capacity, 0);
    // The whole capacity can be bought again, for the longest time allowed.
    let max = env.system().max_epochs_ahead;
    env.reserve(SIZE_A, max);
    env.reserve(SIZE_A, max);
    assert_abort(
        env.reserve_paid(SIZE_A, 1, BIG).map(|_| unreachable!()),
        "system",
        move_aborts::system::E_CAPACITY_EXCEEDED,
    );
    // Destroying the expired storage now releases nothing: no double free.
    env.destroy_storage(first);
    env.destroy_storage(second);
    assert_eq!(env.system().used_capacity, 2 * ENCODED_A);
}

/// A reservation is checked in every epoch it covers, not only the current one.
#[test]
fn reserving_over_a_full_later_epoch_aborts() {
    let mut env = setup();
    vote_capacity(&mut env, ENCODED_A);
    next_epoch(&mut env);
    let s = env.epoch();
    // Epochs s + 3.. are held by the later half of a split reservation.
    let head = env.reserve(SIZE_A, 6);
    let _tail = split_epoch(&mut env, head, s + 3)
        .unwrap()
        .created("blob", "Storage")[0];
    env.destroy_storage(head);
    assert_eq!(env.system().used_capacity, 0);
    assert_eq!(env.used_at(s + 3), ENCODED_A);
    assert_abort(
        env.reserve_paid(SIZE_A, 4, BIG).map(|_| unreachable!()),
        "system",
        move_aborts::system::E_CAPACITY_EXCEEDED,
    );
    // Up to the full epoch is fine.
    env.reserve(SIZE_A, 3);
}

/// Destroying storage early gives back exactly the epochs it still covers.
#[test]
fn destroy_unended_storage_releases_remaining_epochs() {
    let mut env = setup();
    let s = env.epoch();
    let storage = env.reserve(SIZE_A, 5);
    next_epoch(&mut env);
    next_epoch(&mut env);
    assert_eq!(env.system().used_capacity, ENCODED_A);
    let outcome = env.destroy_storage(storage);
    let destroyed: StorageDestroyed = outcome.event("StorageDestroyed");
    assert_eq!(destroyed.capacity_released, ENCODED_A);
    let released: CapacityReleased = outcome.event("CapacityReleased");
    assert_eq!(
        (
            released.start_epoch,
            released.end_epoch,
            released.encoded_bytes
        ),
        (s + 2, s + 5, ENCODED_A)
    );
    assert_eq!(env.system().used_capacity, 0);
    assert_eq!(env.used_at(s + 4), 0);
    assert!(env.system().future_used_capacity.is_empty());
    // Ended storage gives back nothing and says so.
    let ended = env.reserve(SIZE_A, 1);
    next_epoch(&mut env);
    let outcome = env.destroy_storage(ended);
    let destroyed: StorageDestroyed = outcome.event("StorageDestroyed");
    assert_eq!(destroyed.capacity_released, 0);
    assert!(
        outcome
            .events_named::<CapacityReleased>("CapacityReleased")
            .is_empty()
    );
}

/// Splitting, fusing and destroying every piece frees each byte-epoch once: another user's
/// reservation over the same epochs is untouched (a double free would eat into it).
#[test]
fn pieces_free_capacity_exactly_once() {
    let mut env = setup();
    let s = env.epoch();
    let victim = env.reserve(SIZE_A, 10);
    let storage = env.reserve(SIZE_A, 10);
    let later = split_epoch(&mut env, storage, s + 5)
        .unwrap()
        .created("blob", "Storage")[0];
    let part = split_size(&mut env, later, 1_000)
        .unwrap()
        .created("blob", "Storage")[0];
    // The early piece gives back epochs s..s + 5 only.
    env.destroy_storage(storage);
    assert_eq!(env.used_at(s + 4), ENCODED_A);
    assert_eq!(env.used_at(s + 5), 2 * ENCODED_A);
    // Epochs later, the two later pieces are fused back and destroyed: the epochs left are
    // given back once.
    for _ in 0..6 {
        next_epoch(&mut env);
    }
    fuse(&mut env, later, part).unwrap();
    assert_eq!(env.storage(later).storage_size, ENCODED_A);
    env.destroy_storage(later);
    for e in s + 6..s + 10 {
        assert_eq!(env.used_at(e), ENCODED_A, "epoch {e}");
    }
    assert_eq!(env.used_at(s + 5), 0);
    env.destroy_storage(victim);
    assert_eq!(env.system().used_capacity, 0);
    assert!(env.system().future_used_capacity.is_empty());
}

/// Extending a blob with payment reserves the added epochs.
#[test]
fn extend_with_payment_reserves_added_epochs() {
    let mut env = setup();
    let s = env.epoch();
    let blob = env.register_a(5, true);
    assert_eq!(env.used_at(s + 5), 0);
    let coin = env.coin(BIG);
    let outcome = extend_paid(&mut env, blob, 3, coin).unwrap();
    let reserved: CapacityReserved = outcome.event("CapacityReserved");
    assert_eq!(
        (
            reserved.start_epoch,
            reserved.end_epoch,
            reserved.encoded_bytes
        ),
        (s + 5, s + 8, ENCODED_A)
    );
    assert_eq!(env.used_at(s + 7), ENCODED_A);
    assert_eq!(env.used_at(s + 8), 0);
    // Deleting it and destroying its storage gives all of it back.
    let storage = env.delete_blob(blob).unwrap().created("blob", "Storage")[0];
    env.destroy_storage(storage);
    assert_eq!(env.system().used_capacity, 0);
    assert!(env.system().future_used_capacity.is_empty());
}

#[test]
fn extend_with_payment_into_full_epochs_aborts() {
    let mut env = setup();
    let s = env.epoch();
    let blob = env.register_a(5, true);
    let _other = env.reserve(SIZE_A, 10);
    // From the next epoch on one encoded size is all there is; epoch s + 5 holds `other`.
    vote_capacity(&mut env, ENCODED_A);
    next_epoch(&mut env);
    assert_eq!(env.system().total_capacity, ENCODED_A);
    assert_eq!(env.used_at(s + 5), ENCODED_A);
    let coin = env.coin(BIG);
    assert_abort(
        extend_paid(&mut env, blob, 1, coin),
        "system",
        move_aborts::system::E_CAPACITY_EXCEEDED,
    );
}

#[test]
fn reserve_space_charges_and_reserves_capacity() {
    let mut env = setup();
    let price = env.system().storage_price_per_mib_epoch;
    let used_before = env.system().used_capacity;
    let (storage, coin) = env.reserve_paid(SIZE_A, 5, 10 * price).unwrap();
    // 3 584 encoded bytes round up to 1 MiB, for 5 epochs; the change stays in the coin.
    assert_eq!(env.wal_value(coin), 5 * price);
    let s = env.storage(storage);
    assert_eq!((s.start_epoch, s.end_epoch), (1, 6));
    assert_eq!(s.storage_size, ENCODED_A);
    assert_eq!(env.system().used_capacity, used_before + ENCODED_A);
    // Each of the 5 epochs holds the encoded size, the one after none.
    let system = env.system();
    assert_eq!(system_rs::capacity_used_at(&system, 5), ENCODED_A);
    assert_eq!(system_rs::capacity_used_at(&system, 6), 0);
    assert_eq!(system.future_used_capacity.len(), 4);
    env.destroy_storage(storage);
    assert!(!env.chain.exists(storage));
    assert_eq!(env.system().used_capacity, used_before);
    assert!(env.system().future_used_capacity.is_empty());
}

#[test]
fn reserve_space_emits_storage_reserved() {
    let mut env = setup();
    let price = env.system().storage_price_per_mib_epoch;
    let coin = env.coin(BIG);
    let outcome = env
        .call_keep(call::blob::reserve_space(env.system, SIZE_A, 2u64, coin))
        .unwrap();
    let event: StorageReserved = outcome.event("StorageReserved");
    let storage = outcome.created("blob", "Storage")[0];
    assert_eq!(move_types::address_of(&event.storage_id), storage);
    assert_eq!((event.epoch, event.start_epoch, event.end_epoch), (1, 1, 3));
    assert_eq!(
        (event.unencoded_size, event.storage_size),
        (SIZE_A, ENCODED_A)
    );
    assert_eq!(event.price, 2 * price);
}

#[test]
fn reserve_space_aborts() {
    let mut env = setup();
    assert_abort(
        env.reserve_paid(SIZE_A, 0, BIG).map(|_| unreachable!()),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
    let too_far = env.system().max_epochs_ahead + 1;
    let price = env.system().storage_price_per_mib_epoch;
    assert_abort(
        env.reserve_paid(SIZE_A, too_far, BIG)
            .map(|_| unreachable!()),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
    assert_abort(
        env.reserve_paid(SIZE_A, 1, price - 1)
            .map(|_| unreachable!()),
        "blob",
        move_aborts::blob::E_INSUFFICIENT_PAYMENT,
    );
    assert_abort(
        env.reserve_paid(983_011, 1, BIG).map(|_| unreachable!()),
        "blob",
        move_aborts::blob::E_BLOB_TOO_LARGE,
    );
}

fn split_epoch(env: &mut Env, storage: Address, epoch: u64) -> Result<Outcome, Failure> {
    env.call_keep(call::blob::split_by_epoch(storage, epoch))
}

fn split_size(env: &mut Env, storage: Address, size: u64) -> Result<Outcome, Failure> {
    env.call_keep(call::blob::split_by_size(storage, size))
}

fn fuse(env: &mut Env, first: Address, second: Address) -> Result<Outcome, Failure> {
    env.call(call::blob::fuse(first, second))
}

#[test]
fn split_and_fuse_storage() {
    let mut env = setup();
    let used_before = env.system().used_capacity;
    let s = env.epoch();
    let storage = env.reserve(SIZE_A, 10);
    let later = split_epoch(&mut env, storage, s + 5)
        .unwrap()
        .created("blob", "Storage")[0];
    let (a, b) = (env.storage(storage), env.storage(later));
    assert_eq!(a.end_epoch, s + 5);
    assert_eq!(
        (b.start_epoch, b.end_epoch, b.storage_size),
        (s + 5, s + 10, ENCODED_A)
    );
    // Reshaping moves no capacity: every epoch still holds one encoded size.
    assert_eq!(env.used_at(s + 4), used_before + ENCODED_A);
    assert_eq!(env.used_at(s + 5), ENCODED_A);
    let part = split_size(&mut env, later, 1_000)
        .unwrap()
        .created("blob", "Storage")[0];
    assert_eq!(env.storage(later).storage_size, 1_000);
    assert_eq!(env.storage(part).storage_size, ENCODED_A - 1_000);
    assert_eq!(env.storage(part).start_epoch, s + 5);
    // Same epochs: sizes add.
    fuse(&mut env, later, part).unwrap();
    assert!(!env.chain.exists(part));
    assert_eq!(env.storage(later).storage_size, ENCODED_A);
    // Same size, `later` starts where `storage` ends.
    fuse(&mut env, storage, later).unwrap();
    let joined = env.storage(storage);
    assert_eq!((joined.start_epoch, joined.end_epoch), (s, s + 10));
    // Same size, the second ends where the first starts.
    let tail = split_epoch(&mut env, storage, s + 3)
        .unwrap()
        .created("blob", "Storage")[0];
    fuse(&mut env, tail, storage).unwrap();
    let t = env.storage(tail);
    assert_eq!((t.start_epoch, t.end_epoch), (s, s + 10));
    assert_eq!(env.used_at(s + 9), ENCODED_A);
    env.destroy_storage(tail);
    assert_eq!(env.system().used_capacity, used_before);
    assert_eq!(env.used_at(s + 9), 0);
}

#[test]
fn split_and_fuse_aborts() {
    let mut env = setup();
    let s = env.epoch();
    let storage = env.reserve(SIZE_A, 10);
    assert_abort(
        split_epoch(&mut env, storage, s),
        "blob",
        move_aborts::blob::E_INVALID_SPLIT_EPOCH,
    );
    assert_abort(
        split_epoch(&mut env, storage, s + 10),
        "blob",
        move_aborts::blob::E_INVALID_SPLIT_EPOCH,
    );
    assert_abort(
        split_size(&mut env, storage, 0),
        "blob",
        move_aborts::blob::E_INVALID_SPLIT_SIZE,
    );
    assert_abort(
        split_size(&mut env, storage, ENCODED_A),
        "blob",
        move_aborts::blob::E_INVALID_SPLIT_SIZE,
    );
    let second = env.reserve(0, 5);
    assert_abort(
        fuse(&mut env, storage, second),
        "blob",
        move_aborts::blob::E_INCOMPATIBLE_STORAGE,
    );
}

// === Registration ===

#[test]
fn register_blob_records_the_blob() {
    let mut env = setup();
    let write_price = env.system().write_price_per_mib;
    let storage = env.reserve(SIZE_A, 5);
    let coin = env.coin(10 * write_price);
    let register = env.register_blob(
        Arg::obj(storage),
        blob_id_a(),
        root_a(),
        SIZE_A,
        1,
        true,
        coin,
    );
    let outcome = env.call_keep(register).unwrap();
    assert_eq!(env.wal_value(coin), 9 * write_price);
    let id = outcome.created("blob", "Blob")[0];
    // The storage is wrapped in the blob.
    assert!(!env.chain.exists(storage));
    let blob = env.blob(id);
    assert_eq!((blob.blob_id, blob.root_hash), (blob_id_a(), root_a()));
    assert_eq!(
        (blob.size, blob.encoding_type, blob.registered_epoch),
        (SIZE_A, 1, 1)
    );
    assert_eq!(blob.certified_epoch, None);
    assert!(blob.deletable);
    assert_eq!(move_types::address_of(&blob.storage.id.id), storage);
    assert_eq!(blob.storage.end_epoch, 6);
    let event: BlobRegistered = outcome.event("BlobRegistered");
    assert_eq!(event.write_fee, write_price);
    assert_eq!(event.storage_size, ENCODED_A);
    let reads = env
        .chain
        .ptb(
            env.user,
            vec![
                call::blob::is_blob_certified(id),
                call::blob::is_deletable(id),
                call::blob::certified_epoch(id),
                call::blob::total_registered(Arg::ObjRead(env.registry)),
                call::blob::is_certified(Arg::ObjRead(env.registry), blob_id_a()),
            ],
        )
        .unwrap();
    assert!(!reads.ret::<bool>(0, 0));
    assert!(reads.ret::<bool>(1, 0));
    assert_eq!(reads.ret::<Option<u64>>(2, 0), None);
    assert_eq!(reads.ret::<u64>(3, 0), 1);
    assert!(!reads.ret::<bool>(4, 0));
}

#[test]
fn register_blob_aborts() {
    let mut env = setup();
    let storage = env.reserve(SIZE_A, 5);
    let r = env.register_on(storage, blob_id_a(), root_a(), SIZE_A, 2, true, BIG);
    assert_abort(r, "blob", move_aborts::blob::E_INVALID_ENCODING_TYPE);
    let r = env.register_on(storage, blob_id_b(), root_a(), SIZE_A, 1, true, BIG);
    assert_abort(r, "blob", move_aborts::blob::E_INVALID_BLOB_ID);
    let small = env.reserve(0, 5);
    let r = env.register_on(small, blob_id_a(), root_a(), SIZE_A, 1, true, BIG);
    assert_abort(r, "blob", move_aborts::blob::E_STORAGE_TOO_SMALL);
    let r = env.register_on(storage, blob_id_a(), root_a(), SIZE_A, 1, true, 0);
    assert_abort(r, "blob", move_aborts::blob::E_INSUFFICIENT_PAYMENT);
    let huge_id = blob_rs::rs2::compute_blob_id(1, 983_011, &root_a());
    let r = env.register_on(storage, huge_id, root_a(), 983_011, 1, true, BIG);
    assert_abort(r, "blob", move_aborts::blob::E_BLOB_TOO_LARGE);
    // Storage for epochs [1, 3) is no longer current in epoch 3.
    let short = env.reserve(SIZE_A, 2);
    next_epoch(&mut env);
    next_epoch(&mut env);
    let r = env.register_on(short, blob_id_a(), root_a(), SIZE_A, 1, true, BIG);
    assert_abort(r, "blob", move_aborts::blob::E_STORAGE_NOT_CURRENT);
}

// === Certification and the registry ===

#[test]
fn certify_blob_makes_it_live() {
    let mut env = setup();
    let s = env.epoch();
    let blob = env.register_a(5, true);
    let outcome = env.certify(blob).unwrap();
    let event: BlobCertified = outcome.event("BlobCertified");
    assert_eq!(
        (event.epoch, event.end_epoch, event.live_references),
        (s, s + 5, 1)
    );
    assert_eq!(env.blob(blob).certified_epoch, Some(s));
    assert!(env.is_certified(blob_id_a()));
    assert_eq!(env.certified_count(), 1);
    assert_eq!(env.certified_at(0).unwrap(), (blob_id_a(), root_a(), s + 5));
    let root: U256 = env.registry_read(call::blob::root_hash_of, blob_id_a());
    assert_eq!(root, root_a());
    let size: u64 = env.registry_read(call::blob::size_of, blob_id_a());
    assert_eq!(size, SIZE_A);
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 5);
    assert_eq!(env.reference_count(blob_id_a()), 1);
    assert_abort(
        env.certify(blob),
        "blob",
        move_aborts::blob::E_ALREADY_CERTIFIED,
    );
}

#[test]
fn certify_aborts() {
    let mut env = setup();
    let blob = env.register_a(5, true);
    let message = blob_rs::rs2::certification_message(env.epoch(), &blob_id_a());
    // Signed by members 0, 1, 3 but claimed for 0, 1, 2.
    let signature = env.sign(&[0, 1, 3], &message);
    let r = env.certify_with(blob, &[0, 1, 2], signature.clone());
    assert_abort(r, "system", move_aborts::system::E_INVALID_SIGNATURE);
    // A signature over another epoch's message.
    let old = blob_rs::rs2::certification_message(0, &blob_id_a());
    let all = [0, 1, 2, 3];
    let r = env.certify_with(blob, &all, env.sign(&all, &old));
    assert_abort(r, "system", move_aborts::system::E_INVALID_SIGNATURE);
    // One member alone holds too few shards.
    let r = env.certify_with(blob, &[0], env.sign(&[0], &message));
    assert_abort(r, "system", move_aborts::system::E_NOT_ENOUGH_SHARDS);
    // The whole committee is a quorum too.
    env.certify_with(blob, &all, env.sign(&all, &message))
        .unwrap();
    // Expired before certification.
    let short = env.register_a(2, true);
    next_epoch(&mut env);
    next_epoch(&mut env);
    assert_abort(
        env.certify(short),
        "blob",
        move_aborts::blob::E_BLOB_EXPIRED,
    );
}

#[test]
fn same_blob_id_stays_live_until_last_reference() {
    let mut env = setup();
    let s = env.epoch();
    let first = env.register_a(5, true);
    env.certify(first).unwrap();
    let second = env.register_a(8, true);
    env.certify(second).unwrap();
    assert_eq!(env.certified_count(), 1);
    assert_eq!(env.reference_count(blob_id_a()), 2);
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 8);
    let outcome = env.delete_blob(second).unwrap();
    let event: BlobDeleted = outcome.event("BlobDeleted");
    assert!(event.was_certified);
    assert_eq!(event.live_references, 1);
    let storage = outcome.created("blob", "Storage")[0];
    assert_eq!(env.storage(storage).end_epoch, s + 8);
    assert!(env.is_certified(blob_id_a()));
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 5);
    env.destroy_storage(storage);
    let storage = env.delete_blob(first).unwrap().created("blob", "Storage")[0];
    assert!(!env.is_certified(blob_id_a()));
    assert_eq!(env.certified_count(), 0);
    assert_eq!(env.reference_count(blob_id_a()), 0);
    env.destroy_storage(storage);
}

/// The registry entry of a live certified blob ID, read from the ledger.
fn registry_entry(env: &Env, blob_id: U256) -> CertifiedEntry {
    #[derive(serde::Deserialize)]
    struct Field<K, V> {
        _id: UID,
        _name: K,
        value: V,
    }
    let registry: BlobRegistry = env.chain.object(env.registry);
    let index = Address::new(registry.index.id.id.bytes.into_inner());
    let slot = dynamic_field_id(index, &TypeTag::U256, &blob_id).unwrap();
    let i = env.chain.object::<Field<U256, u64>>(slot).value;
    let contents = Address::new(registry.entries.contents.id.id.bytes.into_inner());
    let slot = dynamic_field_id(contents, &TypeTag::U64, &i).unwrap();
    env.chain.object::<Field<u64, CertifiedEntry>>(slot).value
}

/// `blob_tests::copies_are_counted_per_end_epoch`: copies of one blob ID are counted per end
/// epoch (the entry used to grow by one end epoch per copy and be scanned linearly), and
/// references that ended are dropped when another copy is certified.
#[test]
fn copies_are_counted_per_end_epoch() {
    let mut env = setup();
    let s = env.epoch();
    let copies: Vec<Address> = (0..5)
        .map(|_| {
            let copy = env.register_a(5, true);
            env.certify(copy).unwrap();
            copy
        })
        .collect();
    let short = env.register_a(1, true);
    let refs = env
        .certify(short)
        .unwrap()
        .event::<BlobCertified>("BlobCertified");
    assert_eq!(refs.live_references, 6);
    assert_eq!(env.reference_count(blob_id_a()), 6);
    let entry = registry_entry(&env, blob_id_a());
    assert_eq!((entry.ends, entry.counts), (vec![s + 1, s + 5], vec![1, 5]));
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 5);
    // `short` has ended: certifying another copy drops its reference.
    next_epoch(&mut env);
    let late = env.register_a(2, true);
    env.certify(late).unwrap();
    assert_eq!(env.reference_count(blob_id_a()), 6);
    let entry = registry_entry(&env, blob_id_a());
    assert_eq!((entry.ends, entry.counts), (vec![s + 3, s + 5], vec![1, 5]));
    // Deleting one of the five copies ending at s + 5 counts it down.
    env.delete_blob(copies[4]).unwrap();
    assert_eq!(env.reference_count(blob_id_a()), 5);
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 5);
    let entry = registry_entry(&env, blob_id_a());
    assert_eq!(entry.counts, vec![1, 4]);
}

#[test]
fn registry_swap_removes() {
    let mut env = setup();
    let a = env.register_a(5, true);
    env.certify(a).unwrap();
    let b = env.register_b(5, true);
    env.certify(b).unwrap();
    // An uncertified blob with A's ID does not touch the registry.
    let c = env.register_a(5, true);
    assert_eq!(env.certified_count(), 2);
    assert_eq!(env.certified_at(0).unwrap().0, blob_id_a());
    assert_eq!(env.certified_at(1).unwrap().0, blob_id_b());
    env.delete_blob(c).unwrap();
    assert_eq!(env.reference_count(blob_id_a()), 1);
    env.delete_blob(a).unwrap();
    assert_eq!(env.certified_count(), 1);
    let (moved, root, _) = env.certified_at(0).unwrap();
    assert_eq!((moved, root), (blob_id_b(), root_b()));
    let root: U256 = env.registry_read(call::blob::root_hash_of, blob_id_b());
    assert_eq!(root, root_b());
    let size: u64 = env.registry_read(call::blob::size_of, blob_id_b());
    assert_eq!(size, SIZE_B);
    env.delete_blob(b).unwrap();
    assert_eq!(env.certified_count(), 0);
    let total: u64 = env.read(call::blob::total_registered(Arg::ObjRead(env.registry)));
    assert_eq!(total, 3);
}

#[test]
fn registry_read_aborts() {
    let mut env = setup();
    assert_abort(
        env.certified_at(0).map(|_| unreachable!()),
        "blob",
        move_aborts::blob::E_INDEX_OUT_OF_RANGE,
    );
    assert_abort(
        env.call(call::blob::root_hash_of(
            Arg::ObjRead(env.registry),
            blob_id_a(),
        )),
        "blob",
        move_aborts::blob::E_NOT_CERTIFIED,
    );
}

// === Extension ===

fn extend(env: &mut Env, blob: Address, extension: Address) -> Result<Outcome, Failure> {
    env.call(call::blob::extend_blob(
        Arg::ObjRead(env.system),
        env.registry,
        blob,
        extension,
    ))
}

fn extend_paid(
    env: &mut Env,
    blob: Address,
    epochs: u64,
    coin: Address,
) -> Result<Outcome, Failure> {
    env.call(call::blob::extend_blob_with_payment(
        env.system,
        env.registry,
        blob,
        epochs,
        coin,
    ))
}

#[test]
fn extend_blob_with_storage() {
    let mut env = setup();
    let s = env.epoch();
    let blob = env.register_a(5, true);
    env.certify(blob).unwrap();
    let head = env.reserve(SIZE_A, 10);
    let tail = split_epoch(&mut env, head, s + 5)
        .unwrap()
        .created("blob", "Storage")[0];
    let outcome = extend(&mut env, blob, tail).unwrap();
    let event: BlobExtended = outcome.event("BlobExtended");
    assert_eq!(
        (event.old_end_epoch, event.new_end_epoch, event.price),
        (s + 5, s + 10, 0)
    );
    assert!(!env.chain.exists(tail));
    let b = env.blob(blob);
    assert_eq!((b.storage.start_epoch, b.storage.end_epoch), (s, s + 10));
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 10);
    env.destroy_storage(head);
}

#[test]
fn extend_blob_aborts() {
    let mut env = setup();
    let s = env.epoch();
    let blob = env.register_a(5, true);
    let overlapping = env.reserve(SIZE_A, 10);
    assert_abort(
        extend(&mut env, blob, overlapping),
        "blob",
        move_aborts::blob::E_EXTENSION_NOT_CONTIGUOUS,
    );
    let small = env.reserve(0, 10);
    let small_tail = split_epoch(&mut env, small, s + 5)
        .unwrap()
        .created("blob", "Storage")[0];
    assert_abort(
        extend(&mut env, blob, small_tail),
        "blob",
        move_aborts::blob::E_EXTENSION_SIZE_MISMATCH,
    );
    let head = env.reserve(SIZE_A, 10);
    let tail = split_epoch(&mut env, head, s + 5)
        .unwrap()
        .created("blob", "Storage")[0];
    // max_epochs_ahead = 5: the new end s + 10 is 10 epochs ahead.
    env.chain
        .call(
            env.admin,
            call::system::set_max_epochs_ahead(env.system, env.admin_cap, 5u64),
        )
        .unwrap();
    assert_abort(
        extend(&mut env, blob, tail),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
    env.chain
        .call(
            env.admin,
            call::system::set_max_epochs_ahead(env.system, env.admin_cap, 52u64),
        )
        .unwrap();
    for _ in 0..5 {
        next_epoch(&mut env);
    }
    assert_abort(
        extend(&mut env, blob, tail),
        "blob",
        move_aborts::blob::E_BLOB_EXPIRED,
    );
}

#[test]
fn extend_blob_with_payment_charges() {
    let mut env = setup();
    let s = env.epoch();
    let price = env.system().storage_price_per_mib_epoch;
    let blob = env.register_a(5, true);
    env.certify(blob).unwrap();
    let coin = env.coin(10 * price);
    let outcome = extend_paid(&mut env, blob, 3, coin).unwrap();
    assert_eq!(
        outcome.event::<BlobExtended>("BlobExtended").price,
        3 * price
    );
    assert_eq!(env.wal_value(coin), 7 * price);
    assert_eq!(env.blob(blob).storage.end_epoch, s + 8);
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 8);
}

#[test]
fn extend_blob_with_payment_aborts() {
    let mut env = setup();
    let blob = env.register_a(5, true);
    let coin = env.coin(BIG);
    assert_abort(
        extend_paid(&mut env, blob, 0, coin),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
    // 5 + 48 - 1 = 52 epochs ahead is the limit.
    assert_abort(
        extend_paid(&mut env, blob, 49, coin),
        "blob",
        move_aborts::blob::E_INVALID_EPOCHS_AHEAD,
    );
    let empty = env.coin(0);
    assert_abort(
        extend_paid(&mut env, blob, 1, empty),
        "blob",
        move_aborts::blob::E_INSUFFICIENT_PAYMENT,
    );
    for _ in 0..5 {
        next_epoch(&mut env);
    }
    assert_abort(
        extend_paid(&mut env, blob, 1, coin),
        "blob",
        move_aborts::blob::E_BLOB_EXPIRED,
    );
}

// === Deletion and expiry ===

#[test]
fn delete_blob_returns_storage() {
    let mut env = setup();
    let used_before = env.system().used_capacity;
    let blob = env.register_a(5, true);
    let storage_id = move_types::address_of(&env.blob(blob).storage.id.id);
    let outcome = env.delete_blob(blob).unwrap();
    assert!(!env.chain.exists(blob));
    // The storage is an object again, under its own ID.
    assert_eq!(outcome.created("blob", "Storage"), vec![storage_id]);
    // ...unwrapped, not created: Sui's effects show no new ID for it.
    let sui_sdk_types::TransactionEffects::V2(effects) = &outcome.record.effects else {
        panic!("V2 effects");
    };
    let change = effects
        .changed_objects
        .iter()
        .find(|c| c.object_id == storage_id)
        .unwrap();
    assert_eq!(change.id_operation, sui_sdk_types::IdOperation::None);
    let storage = env.storage(storage_id);
    assert_eq!((storage.storage_size, storage.end_epoch), (ENCODED_A, 6));
    // The storage can carry the blob again, and come back again.
    let again = env
        .register_on(storage_id, blob_id_a(), root_a(), SIZE_A, 1, true, BIG)
        .unwrap()
        .created("blob", "Blob")[0];
    env.delete_blob(again).unwrap();
    env.destroy_storage(storage_id);
    assert_eq!(env.system().used_capacity, used_before);
}

#[test]
fn wrap_and_unwrap_in_one_transaction() {
    let mut env = setup();
    let storage = env.reserve(SIZE_A, 5);
    let coin = env.coin(BIG);
    let register = env.register_blob(
        Arg::obj(storage),
        blob_id_a(),
        root_a(),
        SIZE_A,
        1,
        true,
        coin,
    );
    let delete = call::blob::delete_blob(Arg::ObjRead(env.system), env.registry, Arg::Result(0));
    let user = env.user;
    env.chain
        .ptb(
            user,
            vec![register, delete, Cmd::Transfer(vec![Arg::Result(1)], user)],
        )
        .unwrap();
    assert_eq!(env.storage(storage).storage_size, ENCODED_A);
    let total: u64 = env.read(call::blob::total_registered(Arg::ObjRead(env.registry)));
    assert_eq!(total, 1);
}

#[test]
fn delete_blob_aborts() {
    let mut env = setup();
    let permanent = env.register_a(5, false);
    assert_abort(
        env.delete_blob(permanent),
        "blob",
        move_aborts::blob::E_NOT_DELETABLE,
    );
    let deletable = env.register_a(5, true);
    for _ in 0..5 {
        next_epoch(&mut env);
    }
    assert_abort(
        env.delete_blob(deletable),
        "blob",
        move_aborts::blob::E_BLOB_EXPIRED,
    );
}

#[test]
fn destroy_expired_releases_everything() {
    let mut env = setup();
    let used_before = env.system().used_capacity;
    let blob = env.register_a(5, false);
    env.certify(blob).unwrap();
    assert_eq!(env.system().used_capacity, used_before + ENCODED_A);
    for _ in 0..4 {
        next_epoch(&mut env);
    }
    // Epoch s + 4: still live.
    assert_abort(
        env.destroy_expired(blob),
        "blob",
        move_aborts::blob::E_BLOB_NOT_EXPIRED,
    );
    next_epoch(&mut env);
    let outcome = env.destroy_expired(blob).unwrap();
    let event: BlobExpired = outcome.event("BlobExpired");
    assert!(event.was_certified);
    assert_eq!(event.live_references, 0);
    assert!(!env.chain.exists(blob));
    assert!(!env.is_certified(blob_id_a()));
    assert_eq!(env.system().used_capacity, used_before);
}

#[test]
fn prune_expired_then_destroy() {
    let mut env = setup();
    let s = env.epoch();
    let short = env.register_a(2, false);
    env.certify(short).unwrap();
    let long = env.register_a(6, false);
    env.certify(long).unwrap();
    // Nothing has ended yet.
    assert_abort(
        env.prune(blob_id_a()),
        "blob",
        move_aborts::blob::E_NOTHING_TO_PRUNE,
    );
    next_epoch(&mut env);
    next_epoch(&mut env);
    // Only the reference of `short` has ended.
    let outcome = env.prune(blob_id_a()).unwrap();
    let event: RegistryPruned = outcome.event("RegistryPruned");
    assert_eq!((event.removed, event.live_references), (1, 1));
    assert_eq!(env.reference_count(blob_id_a()), 1);
    assert_eq!(env.end_epoch_of(blob_id_a()), s + 6);
    // Destroying the pruned blob later leaves the live reference alone.
    env.destroy_expired(short).unwrap();
    assert_eq!(env.reference_count(blob_id_a()), 1);
    for _ in 0..4 {
        next_epoch(&mut env);
    }
    env.prune(blob_id_a()).unwrap();
    assert!(!env.is_certified(blob_id_a()));
    env.destroy_expired(long).unwrap();
    assert_abort(
        env.prune(blob_id_a()),
        "blob",
        move_aborts::blob::E_NOT_CERTIFIED,
    );
}

// === Synthetic Red Stuff trees (floe_test_utils.move) ===

fn blake(data: &[u8]) -> [u8; 32] {
    blob_rs::blake2b256(data)
}

fn synthetic_symbol(seed: u64, i: u64, j: u64, symbol_size: u64) -> Vec<u8> {
    (0..symbol_size)
        .map(|k| ((i * 31 + j * 7 + k * 3 + seed) % 256) as u8)
        .collect()
}

fn synthetic_secondary(seed: u64, i: u64) -> [u8; 32] {
    blake(&[0x53, seed as u8, i as u8])
}

/// Root and the sibling path of leaf `index`.
fn merkle_root_and_path(leaves: &[Vec<u8>], index: usize) -> ([u8; 32], Vec<Vec<u8>>) {
    let mut level: Vec<[u8; 32]> = leaves
        .iter()
        .map(|d| blake(&[&[0u8][..], d].concat()))
        .collect();
    let mut position = index;
    let mut path = Vec::new();
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push([0; 32]);
        }
        path.push(level[position ^ 1].to_vec());
        level = level
            .chunks(2)
            .map(|p| blake(&[&[1u8][..], &p[0], &p[1]].concat()))
            .collect();
        position /= 2;
    }
    (level[0], path)
}

fn pair_data(seed: u64, symbol_size: u64, i: u64) -> Vec<u8> {
    let symbols: Vec<Vec<u8>> = (0..7)
        .map(|j| synthetic_symbol(seed, i, j, symbol_size))
        .collect();
    let (root, _) = merkle_root_and_path(&symbols, 0);
    [&root[..], &synthetic_secondary(seed, i)[..]].concat()
}

fn synthetic_root(seed: u64, symbol_size: u64) -> [u8; 32] {
    let pairs: Vec<Vec<u8>> = (0..7).map(|i| pair_data(seed, symbol_size, i)).collect();
    merkle_root_and_path(&pairs, 0).0
}

/// (symbol, sliver path, secondary hash, pair path) for pair `i`, symbol `j`.
fn synthetic_answer(seed: u64, symbol_size: u64, i: u64, j: u64) -> Answer {
    let symbols: Vec<Vec<u8>> = (0..7)
        .map(|jj| synthetic_symbol(seed, i, jj, symbol_size))
        .collect();
    let (_, sliver_path) = merkle_root_and_path(&symbols, j as usize);
    let pairs: Vec<Vec<u8>> = (0..7).map(|ii| pair_data(seed, symbol_size, ii)).collect();
    let (_, pair_path) = merkle_root_and_path(&pairs, i as usize);
    Answer {
        symbol: symbols[j as usize].clone(),
        sliver_path,
        secondary: synthetic_secondary(seed, i).to_vec(),
        pair_path,
    }
}

#[derive(Debug, Clone)]
struct Answer {
    symbol: Vec<u8>,
    sliver_path: Vec<Vec<u8>>,
    secondary: Vec<u8>,
    pair_path: Vec<Vec<u8>>,
}

/// The fixed answer of `floe_test_utils::fixed_answer` (blob A, pair 6, symbol 6).
fn fixed_answer() -> Answer {
    let h = |s: &str| hex::decode(s).unwrap();
    Answer {
        symbol: h("e9eceff2f5f8fbfe"),
        sliver_path: vec![
            vec![0; 32],
            h("1b490fa8cab51d73bd858e048d5d55f97db51ddb5dd9514918fcbaaa94f8cceb"),
            h("b81da41ff271373a659c5a587d1238d57ca28d0d0b4fd6dfe1c21e4281e3c02b"),
        ],
        secondary: h("4c5a97cadc83a2b66246783ee00ca8d534fc3d06ebecec84abb215446272cd3e"),
        pair_path: vec![
            vec![0; 32],
            h("84a7374230aaedadb79301a1e609f36163ea04a95ffbcbdb4cd2ade26a5f0533"),
            h("a430e58eab3933d0f1cfb01524a0c63388b2e2c1ae71815ecc1d6ae83201715c"),
        ],
    }
}

// === Challenges: pure verification ===

fn verify(
    env: &mut Env,
    root: U256,
    n: u16,
    pair: u16,
    symbol: u16,
    symbol_size: u64,
    a: &Answer,
) -> Result<Outcome, Failure> {
    env.call(call::challenge::verify_answer(
        root,
        n,
        pair,
        symbol,
        symbol_size,
        &a.symbol,
        &a.sliver_path,
        &a.secondary,
        &a.pair_path,
    ))
}

#[test]
fn fixed_and_synthetic_answers_verify() {
    let mut env = setup();
    let a = fixed_answer();
    let ok = |r: Result<Outcome, Failure>| r.unwrap().ret::<bool>(0, 0);
    assert!(ok(verify(&mut env, root_a(), 7, 6, 6, 8, &a)));
    let mut bad = a.clone();
    bad.symbol[0] ^= 1;
    assert!(!ok(verify(&mut env, root_a(), 7, 6, 6, 8, &bad)));
    assert!(!ok(verify(&mut env, root_a(), 7, 5, 6, 8, &a)));
    assert!(!ok(verify(&mut env, root_a(), 7, 6, 5, 8, &a)));
    assert!(!ok(verify(&mut env, root_b(), 7, 6, 6, 8, &a)));
    let mut bad = a.clone();
    bad.secondary[31] ^= 0x80;
    assert!(!ok(verify(&mut env, root_a(), 7, 6, 6, 8, &bad)));
    for (i, j) in [(0u16, 0u16), (3, 5), (6, 6), (5, 2)] {
        let s = synthetic_answer(SEED_A, 8, u64::from(i), u64::from(j));
        assert!(ok(verify(&mut env, root_a(), 7, i, j, 8, &s)));
    }
    assert_eq!(synthetic_answer(SEED_A, 8, 6, 6).symbol, a.symbol);
}

#[test]
fn verify_answer_aborts() {
    let mut env = setup();
    let a = fixed_answer();
    let r = verify(&mut env, root_a(), 7, 6, 6, 9, &a);
    assert_abort(
        r,
        "challenge",
        move_aborts::challenge::E_WRONG_SYMBOL_LENGTH,
    );
    // depth(9) = 4, the paths have 3 entries.
    let r = verify(&mut env, root_a(), 9, 6, 6, 8, &a);
    assert_abort(r, "challenge", move_aborts::challenge::E_WRONG_PATH_LENGTH);
    let mut short = a.clone();
    short.secondary.pop();
    let r = verify(&mut env, root_a(), 7, 6, 6, 8, &short);
    assert_abort(r, "challenge", move_aborts::challenge::E_WRONG_HASH_LENGTH);
    let mut short = a.clone();
    short.sliver_path[1].pop();
    let r = verify(&mut env, root_a(), 7, 6, 6, 8, &short);
    assert_abort(r, "challenge", move_aborts::challenge::E_WRONG_HASH_LENGTH);
}

#[test]
fn shard_and_depth_arithmetic() {
    let mut env = setup();
    for (n, depth) in [(1u16, 0u64), (2, 1), (4, 2), (7, 3), (8, 3), (1000, 10)] {
        let got: u64 = env.read(call::challenge::tree_depth(n));
        assert_eq!(got, depth);
    }
    let r: u64 = env.read(call::challenge::blob_rotation(blob_id_a(), 7u16));
    assert_eq!(r, 6);
    for (shard, pair) in [(6u16, 0u16), (0, 1), (5, 6)] {
        let got: u16 = env.read(call::challenge::pair_index_of(blob_id_a(), shard, 7u16));
        assert_eq!(got, pair);
    }
}

// === Challenges: issuing, answering, slashing ===

fn issue(env: &mut Env) -> Result<Outcome, Failure> {
    env.call(call::challenge::issue_challenges(
        env.board,
        Arg::ObjRead(env.system),
        Arg::ObjRead(env.registry),
    ))
}

fn challenge(env: &mut Env, id: u64) -> Result<Challenge, Failure> {
    Ok(env
        .call(call::challenge::challenge(Arg::ObjRead(env.board), id))?
        .ret(0, 0))
}

fn is_open(env: &mut Env, id: u64) -> bool {
    env.read(call::challenge::is_open(Arg::ObjRead(env.board), id))
}

fn respond(env: &mut Env, node: usize, id: u64, a: &Answer) -> Result<Outcome, Failure> {
    let (operator, cap) = (env.nodes[node].operator, env.nodes[node].cap);
    env.chain.call(
        operator,
        call::challenge::respond(
            env.board,
            cap,
            id,
            &a.symbol,
            &a.sliver_path,
            &a.secondary,
            &a.pair_path,
        ),
    )
}

/// The correct synthetic answer to challenge `id` (blob A).
fn synthetic_for(env: &mut Env, id: u64) -> Answer {
    let c = challenge(env, id).unwrap();
    synthetic_answer(
        SEED_A,
        c.symbol_size,
        u64::from(c.pair_index),
        u64::from(c.symbol_index),
    )
}

/// The `Node` index of the node challenge `id` is about.
fn node_of(env: &mut Env, id: u64) -> usize {
    let c = challenge(env, id).unwrap();
    let node_id = move_types::address_of(&c.node_id);
    env.nodes.iter().position(|n| n.node_id == node_id).unwrap()
}

fn slash(env: &mut Env, caller: Address, id: u64) -> Result<Outcome, Failure> {
    env.chain.ptb(
        caller,
        vec![
            call::challenge::slash_missed(env.board, env.system, env.treasury, id),
            Cmd::Transfer(vec![Arg::Result(0)], caller),
        ],
    )
}

/// `challenge_tests::issued`: blob A certified for 10 epochs, this epoch's challenges issued.
fn issued() -> (Env, Address) {
    let mut env = setup();
    let blob = env.register_a(10, false);
    env.certify(blob).unwrap();
    issue(&mut env).unwrap();
    (env, blob)
}

#[test]
fn issue_challenges_one_per_node() {
    let mut env = setup();
    let blob = env.register_a(10, false);
    env.certify(blob).unwrap();
    let start_ms = env.chain.now_ms;
    let outcome = issue(&mut env).unwrap();
    let summary: ChallengesIssued = outcome.event("ChallengesIssued");
    assert_eq!((summary.epoch, summary.count), (1, 4));
    assert_eq!(
        outcome
            .events_named::<ChallengeIssued>("ChallengeIssued")
            .len(),
        4
    );
    let system = env.system();
    let board: move_types::challenge::ChallengeBoard = env.chain.object(env.board);
    assert_eq!(board.last_issued_epoch, Some(1));
    assert_eq!(board.next_challenge_id, 4);
    for k in 0..4u64 {
        assert!(is_open(&mut env, k));
        let c = challenge(&mut env, k).unwrap();
        assert_eq!(c.node_id, system.committee[k as usize]);
        assert!(system.committee_shards[k as usize].contains(&c.shard));
        assert_eq!(
            (c.blob_id, c.root_hash, c.n_shards),
            (blob_id_a(), root_a(), 7)
        );
        assert_eq!(
            c.pair_index,
            challenge_rs::pair_index_for(&blob_id_a(), c.shard, 7).unwrap()
        );
        assert!(c.symbol_index < 7);
        assert_eq!((c.symbol_size, c.epoch), (8, 1));
        assert_eq!(c.deadline_ms, start_ms + system.challenge_window_ms);
    }
    assert!(!is_open(&mut env, 4));
    // Twice in an epoch aborts; the next epoch issues again.
    assert_abort(
        issue(&mut env),
        "challenge",
        move_aborts::challenge::E_ALREADY_ISSUED,
    );
    next_epoch(&mut env);
    issue(&mut env).unwrap();
    let board: move_types::challenge::ChallengeBoard = env.chain.object(env.board);
    assert_eq!(
        (board.next_challenge_id, board.last_issued_epoch),
        (8, Some(2))
    );
    assert_eq!(challenge(&mut env, 7).unwrap().epoch, 2);
}

#[test]
fn issue_without_blobs_aborts_and_expired_blobs_are_not_challenged() {
    let mut env = setup();
    assert_abort(
        issue(&mut env),
        "challenge",
        move_aborts::challenge::E_NO_CERTIFIED_BLOB,
    );
    let blob = env.register_a(2, false);
    env.certify(blob).unwrap();
    // Ended but not yet destroyed or pruned: still in the registry.
    next_epoch(&mut env);
    next_epoch(&mut env);
    let outcome = issue(&mut env).unwrap();
    assert_eq!(
        outcome.event::<ChallengesIssued>("ChallengesIssued").count,
        0
    );
    let board: move_types::challenge::ChallengeBoard = env.chain.object(env.board);
    assert_eq!(
        (board.next_challenge_id, board.last_issued_epoch),
        (0, Some(3))
    );
}

#[test]
fn correct_answer_closes_the_challenge() {
    let (mut env, _) = issued();
    let deadline = challenge(&mut env, 2).unwrap().deadline_ms;
    // Accepted up to and including the deadline.
    env.chain.now_ms = deadline;
    let answer = synthetic_for(&mut env, 2);
    let node = node_of(&mut env, 2);
    let outcome = respond(&mut env, node, 2, &answer).unwrap();
    let event: ChallengeAnswered = outcome.event("ChallengeAnswered");
    assert_eq!((event.challenge_id, event.answered_at_ms), (2, deadline));
    assert!(!is_open(&mut env, 2));
    assert!(is_open(&mut env, 0));
    // Resolved once.
    assert_abort(
        respond(&mut env, node, 2, &answer),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_RESOLVED,
    );
}

#[test]
fn respond_aborts() {
    let (mut env, _) = issued();
    let node = node_of(&mut env, 0);
    let answer = synthetic_for(&mut env, 0);
    assert_abort(
        respond(&mut env, node, 99, &answer),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_NOT_FOUND,
    );
    let other = (node + 1) % 4;
    assert_abort(
        respond(&mut env, other, 0, &answer),
        "challenge",
        move_aborts::challenge::E_NOT_CHALLENGED_NODE,
    );
    let mut wrong = answer.clone();
    wrong.symbol[3] ^= 0xff;
    assert_abort(
        respond(&mut env, node, 0, &wrong),
        "challenge",
        move_aborts::challenge::E_INVALID_PROOF,
    );
    // A wrong answer may be retried; after the deadline it is too late.
    let deadline = challenge(&mut env, 0).unwrap().deadline_ms;
    env.chain.now_ms = deadline + 1;
    assert_abort(
        respond(&mut env, node, 0, &answer),
        "challenge",
        move_aborts::challenge::E_DEADLINE_PASSED,
    );
}

/// The keeper's slash transaction (`floe_sdk::keeper`): `slash_missed` pays the caller nothing
/// and its empty coin is destroyed with `0x2::coin::destroy_zero<WAL>` in the same transaction.
#[test]
fn slash_then_destroy_the_empty_coin() {
    let (mut env, _) = issued();
    let caller = env.user;
    env.chain.now_ms = challenge(&mut env, 1).unwrap().deadline_ms + 1;
    let coins_before = env.chain.wal_coins(caller).len();
    let slash = call::challenge::slash_missed(env.board, env.system, env.treasury, 1u64);
    let destroy_zero = Cmd::CallAt {
        package: Address::TWO,
        module: "coin".to_owned(),
        function: "destroy_zero".to_owned(),
        type_args: vec![floe_devnet::floe::wal_type()],
        args: vec![Arg::Result(0)],
    };
    let outcome = env.chain.ptb(caller, vec![slash, destroy_zero]).unwrap();
    let slashed: ChallengeSlashed = outcome.event("ChallengeSlashed");
    assert_eq!(slashed.reward, 0);
    assert_eq!(env.chain.wal_coins(caller).len(), coins_before);
}

#[test]
fn slash_aborts() {
    let (mut env, _) = issued();
    let caller = env.user;
    let deadline = challenge(&mut env, 1).unwrap().deadline_ms;
    env.chain.now_ms = deadline;
    assert_abort(
        slash(&mut env, caller, 1),
        "challenge",
        move_aborts::challenge::E_DEADLINE_NOT_PASSED,
    );
    assert_abort(
        slash(&mut env, caller, 4),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_NOT_FOUND,
    );
    // Answered, then past the deadline: cannot be slashed.
    let answer = synthetic_for(&mut env, 1);
    let node = node_of(&mut env, 1);
    respond(&mut env, node, 1, &answer).unwrap();
    env.chain.now_ms = deadline + 1;
    assert_abort(
        slash(&mut env, caller, 1),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_RESOLVED,
    );
    // Slashed once only, and then it cannot be answered.
    slash(&mut env, caller, 2).unwrap();
    assert_abort(
        slash(&mut env, caller, 2),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_RESOLVED,
    );
    // Any answer: the challenge is checked first.
    let r = respond(&mut env, 0, 2, &fixed_answer());
    assert_abort(r, "challenge", move_aborts::challenge::E_CHALLENGE_RESOLVED);
}

/// `system::node_stake` of `env.nodes[node]`.
fn node_stake(env: &mut Env, node: usize) -> u64 {
    let id = move_id(env.nodes[node].node_id);
    env.read(call::system::node_stake(Arg::ObjRead(env.system), &id))
}

/// `scenario_slash_tests::missed_challenge_is_slashed_and_answered_one_is_not`.
#[test]
fn missed_challenge_is_slashed_and_answered_one_is_not() {
    let (mut env, _) = issued();
    // Half burned, half to the other pools, so the split by shards is checked (the default
    // burns all of it: `an_operator_of_two_nodes_gains_nothing_from_one_nodes_slash`).
    set_slash_burn_bps(&mut env, 5_000);
    let slasher = env.chain.new_account();
    // Node of challenge 0 answers; node of challenge 1 stays silent.
    let answer = synthetic_for(&mut env, 0);
    let answering = node_of(&mut env, 0);
    respond(&mut env, answering, 0, &answer).unwrap();
    assert!(!is_open(&mut env, 0));
    assert!(is_open(&mut env, 1));
    let silent = node_of(&mut env, 1);
    env.chain.now_ms = challenge(&mut env, 1).unwrap().deadline_ms + 1;

    let stakes: Vec<u64> = (0..4).map(|k| node_stake(&mut env, k)).collect();
    let system = env.system();
    let treasury_before: Treasury = env.chain.object(env.treasury);
    let slashed = stakes[silent] * system.slash_bps / 10_000;
    let burn_share = slashed * system.slash_burn_bps / 10_000;
    assert!(burn_share > 0);
    let to_pay = slashed - burn_share;
    // The other members' shards, by `Node` index.
    let shards_of = |node: usize| -> u64 {
        let id = move_id(env.nodes[node].node_id);
        let k = system.committee.iter().position(|c| *c == id).unwrap();
        system.committee_shards[k].len() as u64
    };
    let other_shards: u64 = (0..4).filter(|k| *k != silent).map(shards_of).sum();
    let shares: Vec<u64> = (0..4)
        .map(|k| {
            if k == silent {
                0
            } else {
                to_pay * shards_of(k) / other_shards
            }
        })
        .collect();
    let dust = to_pay - shares.iter().sum::<u64>();

    let outcome = slash(&mut env, slasher, 1).unwrap();
    let event: ChallengeSlashed = outcome.event("ChallengeSlashed");
    assert_eq!(
        (event.slashed, event.burned, event.reward),
        (slashed, burn_share + dust, 0)
    );
    assert_eq!(event.caller, move_types::id(slasher).bytes);
    let rewarded: Vec<PoolRewarded> = outcome.events_named("PoolRewarded");
    assert_eq!(rewarded.len(), 3);
    for k in 0..4 {
        let expected = if k == silent {
            stakes[k] - slashed
        } else {
            stakes[k] + shares[k]
        };
        assert_eq!(node_stake(&mut env, k), expected, "node {k}");
    }
    let treasury: Treasury = env.chain.object(env.treasury);
    assert_eq!(
        treasury.cap.total_supply.value,
        treasury_before.cap.total_supply.value - burn_share - dust
    );
    assert_eq!(
        treasury.total_burned,
        treasury_before.total_burned + burn_share + dust
    );
    assert!(!is_open(&mut env, 1));
    assert!(is_open(&mut env, 2));
    assert!(is_open(&mut env, 3));
    // The caller got an empty coin.
    assert_eq!(env.chain.wal_balance(slasher), 0);
}

/// `system::set_slash_burn_bps` with the admin's cap.
fn set_slash_burn_bps(env: &mut Env, value: u64) {
    env.chain
        .call(
            env.admin,
            call::system::set_slash_burn_bps(env.system, env.admin_cap, value),
        )
        .unwrap();
}

/// The attack of issue 12, item 1: node 0's pool is mostly delegated (9 000 WAL of a
/// delegator, 1 000 of its operator); the operator skips its challenge and slashes its own
/// node. Before the fix it collected half of the 1 000 WAL slashed (500 WAL) against the
/// 100 WAL its own stake lost. Now it collects nothing, and its pool gets no part of the
/// slash either: with the defaults all of it is burned.
#[test]
fn operator_slashing_its_own_node_gains_nothing() {
    let mut env = setup();
    let delegator = env.chain.new_account();
    let coin = env.chain.give_wal(delegator, 9 * NODE_STAKE);
    let target = env.nodes[0].node_id;
    env.chain
        .call_keep(
            delegator,
            call::staking::stake(env.system, move_id(target), coin),
        )
        .unwrap();
    next_epoch(&mut env);
    let blob = env.register_a(10, false);
    env.certify(blob).unwrap();
    issue(&mut env).unwrap();
    let id = (0..4).find(|id| node_of(&mut env, *id) == 0).unwrap();
    let stake_before = node_stake(&mut env, 0);
    assert_eq!(stake_before, 10 * NODE_STAKE);
    env.chain.now_ms = challenge(&mut env, id).unwrap().deadline_ms + 1;

    let operator = env.nodes[0].operator;
    let balance_before = env.chain.wal_balance(operator);
    let outcome = slash(&mut env, operator, id).unwrap();
    let event: ChallengeSlashed = outcome.event("ChallengeSlashed");
    let system = env.system();
    assert_eq!(event.slashed, stake_before * system.slash_bps / 10_000);
    assert_eq!(event.reward, 0);
    assert_eq!(env.chain.wal_balance(operator), balance_before);
    assert_eq!(node_stake(&mut env, 0), stake_before - event.slashed);
    assert_eq!(event.burned, event.slashed);
    assert!(
        outcome
            .events_named::<PoolRewarded>("PoolRewarded")
            .is_empty()
    );
}

/// The two-node Sybil: one operator runs nodes 0 and 1 and lets node 1 miss its challenge,
/// hoping node 0's pool (its own stake, its commission) collects part of what node 1's
/// delegators lose. With the default `slash_burn_bps` (10 000) all of the slash is burned:
/// node 0's pool — and every other — gains nothing. Lowered, the split comes back (what the
/// setter's doc warns of).
#[test]
fn an_operator_of_two_nodes_gains_nothing_from_one_nodes_slash() {
    let (mut env, _) = issued();
    assert_eq!(env.system().slash_burn_bps, 10_000);
    let id = (0..4).find(|id| node_of(&mut env, *id) == 1).unwrap();
    env.chain.now_ms = challenge(&mut env, id).unwrap().deadline_ms + 1;
    let stakes: Vec<u64> = (0..4).map(|k| node_stake(&mut env, k)).collect();
    let treasury_before: Treasury = env.chain.object(env.treasury);
    let caller = env.user;
    let outcome = slash(&mut env, caller, id).unwrap();
    let event: ChallengeSlashed = outcome.event("ChallengeSlashed");
    assert_eq!(event.slashed, NODE_STAKE / 10);
    assert_eq!(event.burned, event.slashed);
    assert!(
        outcome
            .events_named::<PoolRewarded>("PoolRewarded")
            .is_empty()
    );
    for k in [0, 2, 3] {
        assert_eq!(node_stake(&mut env, k), stakes[k], "node {k} gained");
    }
    assert_eq!(node_stake(&mut env, 1), stakes[1] - event.slashed);
    let treasury: Treasury = env.chain.object(env.treasury);
    assert_eq!(
        treasury.cap.total_supply.value,
        treasury_before.cap.total_supply.value - event.slashed
    );

    // With half burned, node 0's pool does gain from node 1's next slash.
    set_slash_burn_bps(&mut env, 5_000);
    let other = (0..4).find(|id| node_of(&mut env, *id) == 2).unwrap();
    let before = node_stake(&mut env, 0);
    let outcome = slash(&mut env, caller, other).unwrap();
    let event: ChallengeSlashed = outcome.event("ChallengeSlashed");
    assert!(event.burned < event.slashed);
    assert!(node_stake(&mut env, 0) > before);
}

/// The `Pool`'s exchange rate of `epoch` (`StakingPool.rates`), as (stake, shares).
fn pool_rate(env: &Env, pool: &StakingPool, epoch: u64) -> (u64, u128) {
    let rates = Address::new(pool.rates.id.id.bytes.into_inner());
    let field = dynamic_field_id(rates, &TypeTag::U64, &epoch).unwrap();
    let object = env.chain.object_raw(field);
    let (_, contents, _) = floe_devnet::objects::struct_parts(object).unwrap();
    // Field<u64, Rate>: UID (32 bytes), name (8 bytes), then the Rate.
    bcs::from_bytes(&contents[40..]).unwrap()
}

/// `env.nodes[node]`'s `StakingPool`, from its `System.pools` dynamic field.
fn pool_of(env: &Env, node: usize) -> StakingPool {
    let system = env.system();
    let pools = Address::new(system.pools.id.id.bytes.into_inner());
    let key = move_id(env.nodes[node].node_id);
    let field = dynamic_field_id(pools, &floe_devnet::floe::id_type(), &key).unwrap();
    let object = env.chain.object_raw(field);
    let (_, contents, _) = floe_devnet::objects::struct_parts(object).unwrap();
    // Field<ID, StakingPool>: UID (32 bytes), name (32 bytes), then the pool.
    bcs::from_bytes(&contents[64..]).unwrap()
}

/// A late slash must not reach stake that joined after the miss. Node `silent` misses its
/// challenge; after the miss, in the same epoch, a delegator stakes 9 000 WAL with it. Nobody
/// calls `slash_missed`: the epoch change slashes the node itself (the advancer gets nothing)
/// before the late stake joins, so the late stake is worth what was staked. Before this rule
/// the slash landed after the change and the late 9 000 WAL shared it pro rata (~89 WAL).
#[test]
fn slash_takes_only_the_stake_at_risk() {
    let (mut env, _) = issued();
    let missed = (0..4).find(|id| node_of(&mut env, *id) == 1).unwrap();
    for id in (0..4).filter(|id| *id != missed) {
        let answer = synthetic_for(&mut env, id);
        let node = node_of(&mut env, id);
        respond(&mut env, node, id, &answer).unwrap();
    }
    let silent = 1;
    let at_risk = challenge(&mut env, missed).unwrap().stake_at_risk;
    assert_eq!(at_risk, NODE_STAKE);
    env.chain.now_ms = challenge(&mut env, missed).unwrap().deadline_ms + 1;
    // Nine times as much joins the silent node after the miss, active from the next epoch.
    let delegator = env.chain.new_account();
    let late = 9 * NODE_STAKE;
    let coin = env.chain.give_wal(delegator, late);
    let staked = env
        .chain
        .call_keep(
            delegator,
            call::staking::stake(env.system, move_id(env.nodes[silent].node_id), coin),
        )
        .unwrap()
        .created("staking", "StakedWal")[0];
    let staked: StakedWal = env.chain.object(staked);
    assert_eq!(staked.activation_epoch, 2);

    let advancer = env.chain.new_account();
    env.chain.advance_clock(EPOCH_MS);
    let outcome = advance(&mut env, advancer).unwrap();
    let slashes: Vec<ChallengeSlashed> = outcome.events_named("ChallengeSlashed");
    assert_eq!(slashes.len(), 1);
    let event = &slashes[0];
    assert_eq!(event.challenge_id, missed);
    assert_eq!(event.caller, move_types::id(advancer).bytes);
    assert_eq!(event.reward, 0);
    let slash_bps = env.system().slash_bps;
    assert_eq!(event.slashed, at_risk * slash_bps / 10_000);
    assert_eq!(event.burned, event.slashed);
    assert_eq!(env.chain.wal_balance(advancer), 0);
    assert!(!is_open(&mut env, missed));
    assert_eq!(env.epoch(), 2);

    // The late stake joined at the rate taken after the slash, and is worth what was staked
    // (less under one base unit of share rounding).
    let pool = pool_of(&env, silent);
    let (rate_stake, rate_shares) = pool_rate(&env, &pool, 2);
    assert!(rate_stake < NODE_STAKE && rate_stake >= NODE_STAKE - event.slashed);
    let shares = u128::from(late) * rate_shares / u128::from(rate_stake);
    let worth = (shares * u128::from(pool.active.value) / pool.total_shares) as u64;
    assert!(worth <= late && worth + 1 >= late, "{worth} of {late}");
}

/// The epoch may not end while a challenge of the ending epoch can still be answered: issued
/// late in the epoch, the challenges hold the change until their deadline
/// (`EChallengeWindowOpen`); answered ones hold nothing; once the deadline has passed the
/// change slashes the one left open.
#[test]
fn the_epoch_waits_for_the_challenge_window() {
    let mut env = setup();
    let blob = env.register_a(10, false);
    env.certify(blob).unwrap();
    let epoch_end = env.system().epoch_start_ms + EPOCH_MS;
    env.chain.now_ms = epoch_end - 1_000;
    issue(&mut env).unwrap();
    env.chain.now_ms = epoch_end;
    let caller = env.user;
    assert_abort(
        advance(&mut env, caller),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_WINDOW_OPEN,
    );
    for id in 0..3 {
        let answer = synthetic_for(&mut env, id);
        let node = node_of(&mut env, id);
        respond(&mut env, node, id, &answer).unwrap();
    }
    // One left in its window: still refused.
    assert_abort(
        advance(&mut env, caller),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_WINDOW_OPEN,
    );
    let deadline = challenge(&mut env, 3).unwrap().deadline_ms;
    env.chain.now_ms = deadline;
    assert_abort(
        advance(&mut env, caller),
        "challenge",
        move_aborts::challenge::E_CHALLENGE_WINDOW_OPEN,
    );
    env.chain.now_ms = deadline + 1;
    let outcome = advance(&mut env, caller).unwrap();
    let slashed: Vec<ChallengeSlashed> = outcome.events_named("ChallengeSlashed");
    assert_eq!(slashed.len(), 1);
    assert_eq!(slashed[0].challenge_id, 3);
    assert_eq!(env.epoch(), 2);
    let first: u64 = env.read(call::challenge::first_id_of_last_issue(Arg::ObjRead(
        env.board,
    )));
    assert_eq!(first, 0);
    // The next epoch's issue starts at 4.
    issue(&mut env).unwrap();
    let first: u64 = env.read(call::challenge::first_id_of_last_issue(Arg::ObjRead(
        env.board,
    )));
    assert_eq!(first, 4);
}

/// `challenge_epoch_tests::challenges_are_settled_across_two_consecutive_epoch_changes`:
/// epoch 1's missed challenge is slashed at the change to 2, once; epoch 2 issues again
/// (IDs 4..8), another node misses, and the change to 3 slashes that one only (the first
/// miss is not slashed again, the node that answered this time loses nothing); epoch 3
/// issues nothing and its end settles nothing of epoch 2.
#[test]
fn challenges_are_settled_across_two_consecutive_epoch_changes() {
    let (mut env, _) = issued();
    let caller = env.user;
    // Epoch 1: the node of challenge 1 misses it, the others answer.
    let first_silent = node_of(&mut env, 1);
    for id in [0, 2, 3] {
        let answer = synthetic_for(&mut env, id);
        let node = node_of(&mut env, id);
        respond(&mut env, node, id, &answer).unwrap();
    }
    let risk_1 = challenge(&mut env, 1).unwrap().stake_at_risk;
    env.chain.now_ms = env.system().epoch_start_ms + EPOCH_MS;
    let outcome = advance(&mut env, caller).unwrap();
    let slashed: Vec<ChallengeSlashed> = outcome.events_named("ChallengeSlashed");
    assert_eq!(slashed.len(), 1);
    assert_eq!((slashed[0].challenge_id, slashed[0].epoch), (1, 1));
    assert_eq!(slashed[0].slashed, risk_1 * env.system().slash_bps / 10_000);
    assert_eq!(env.epoch(), 2);
    for id in 0..4 {
        assert!(!is_open(&mut env, id));
    }
    let first_slashed_stake = node_stake(&mut env, first_silent);
    assert!(first_slashed_stake < risk_1);

    // Epoch 2: every member holds its shards in sync, the challenges are issued again.
    for node in 0..4 {
        let id = move_id(env.nodes[node].node_id);
        let pending: Vec<u16> = env.read(call::system::node_pending_shards(
            Arg::ObjRead(env.system),
            &id,
        ));
        if !pending.is_empty() {
            sync(&mut env, node, 2).unwrap();
        }
    }
    issue(&mut env).unwrap();
    let first: u64 = env.read(call::challenge::first_id_of_last_issue(Arg::ObjRead(
        env.board,
    )));
    assert_eq!(first, 4);
    let next: u64 = env.read(call::challenge::next_challenge_id(Arg::ObjRead(env.board)));
    assert_eq!(next, 8);
    let second_silent = (0..4).find(|n| *n != first_silent).unwrap();
    let mut missed = None;
    for id in 4..8 {
        let c = challenge(&mut env, id).unwrap();
        assert_eq!(c.epoch, 2);
        let node = node_of(&mut env, id);
        if node == first_silent {
            assert_eq!(c.stake_at_risk, first_slashed_stake);
        }
        if node == second_silent {
            missed = Some((id, c.stake_at_risk, c.deadline_ms));
        } else {
            let answer = synthetic_for(&mut env, id);
            respond(&mut env, node, id, &answer).unwrap();
        }
    }
    let (missed, risk_2, deadline) = missed.unwrap();
    // Not before the missed challenge's deadline, even with the epoch over.
    env.chain.now_ms = env.system().epoch_start_ms + EPOCH_MS;
    if env.chain.now_ms <= deadline {
        env.chain.now_ms = deadline;
        assert_abort(
            advance(&mut env, caller),
            "challenge",
            move_aborts::challenge::E_CHALLENGE_WINDOW_OPEN,
        );
        env.chain.now_ms = deadline + 1;
    }
    let outcome = advance(&mut env, caller).unwrap();
    let slashed: Vec<ChallengeSlashed> = outcome.events_named("ChallengeSlashed");
    assert_eq!(slashed.len(), 1);
    assert_eq!((slashed[0].challenge_id, slashed[0].epoch), (missed, 2));
    assert_eq!(slashed[0].slashed, risk_2 * env.system().slash_bps / 10_000);
    assert_eq!(env.epoch(), 3);
    for id in 0..8 {
        assert!(!is_open(&mut env, id));
    }
    // The first node answered in epoch 2: its old miss is not slashed again.
    assert!(node_stake(&mut env, first_silent) >= first_slashed_stake);
    assert!(node_stake(&mut env, second_silent) < risk_2);

    // Epoch 3 issues nothing: its end slashes and settles nothing of epoch 2.
    env.chain.now_ms = env.system().epoch_start_ms + EPOCH_MS;
    let outcome = advance(&mut env, caller).unwrap();
    assert!(
        outcome
            .events_named::<ChallengeSlashed>("ChallengeSlashed")
            .is_empty()
    );
    assert_eq!(env.epoch(), 4);
    let first: u64 = env.read(call::challenge::first_id_of_last_issue(Arg::ObjRead(
        env.board,
    )));
    assert_eq!(first, 4);
}

/// Through `challenge::advance_epoch` the epoch's length still counts, in `system`.
#[test]
fn advancing_too_early_aborts_in_system() {
    let mut env = setup();
    let caller = env.user;
    assert_abort(
        advance(&mut env, caller),
        "system",
        move_aborts::system::E_EPOCH_NOT_OVER,
    );
}

/// A challenge on a real blob, answered with a real proof from `floe-encoder`.
#[test]
fn challenge_answered_with_an_encoder_proof() {
    let mut env = setup();
    let data: Vec<u8> = (0..5_000u32).map(|i| (i * 37 % 251) as u8).collect();
    let config = floe_encoder::EncodingConfig::new(usize::from(N)).unwrap();
    let (metadata, pairs) = floe_encoder::encode(&config, &data).unwrap();
    let root = U256::from_le_bytes(&metadata.root());
    let blob_id = U256::from_le_bytes(metadata.blob_id().as_bytes());
    assert_eq!(
        blob_rs::rs2::compute_blob_id(1, data.len() as u64, &root),
        blob_id
    );
    let blob = env.register(blob_id, root, data.len() as u64, 10, false);
    env.certify(blob).unwrap();
    issue(&mut env).unwrap();
    for id in 0..4 {
        let c = challenge(&mut env, id).unwrap();
        let primary = &pairs[usize::from(c.pair_index)].primary;
        let proof = floe_encoder::answer_challenge(&metadata, primary, usize::from(c.symbol_index))
            .unwrap();
        let answer = Answer {
            symbol: proof.symbol,
            sliver_path: proof.sliver_path.iter().map(|d| d.to_vec()).collect(),
            secondary: proof.secondary_hash.to_vec(),
            pair_path: proof.pair_path.iter().map(|d| d.to_vec()).collect(),
        };
        let node = node_of(&mut env, id);
        respond(&mut env, node, id, &answer).unwrap();
        assert!(!is_open(&mut env, id));
    }
}

#[test]
fn challenge_accessors() {
    let (mut env, _) = issued();
    let c = challenge(&mut env, 0).unwrap();
    let value = bcs::to_bytes(&c).unwrap();
    let outcome = env
        .call(call::challenge::deadline_ms(Arg::Pure(value.clone())))
        .unwrap();
    assert_eq!(outcome.ret::<u64>(0, 0), c.deadline_ms);
    let pair: u16 = env.read(call::challenge::pair_index(Arg::Pure(value)));
    assert_eq!(pair, c.pair_index);
    let next: u64 = env.read(call::challenge::next_challenge_id(Arg::ObjRead(env.board)));
    assert_eq!(next, 4);
    let last: Option<u64> = env.read(call::challenge::last_issued_epoch(Arg::ObjRead(env.board)));
    assert_eq!(last, Some(1));
}

#[test]
fn price_rounds_up_to_mib_and_overflow_aborts() {
    assert_eq!(blob_rs::price_of(0, 10, 1).unwrap(), 0);
    assert_eq!(blob_rs::price_of(1, 10, 3).unwrap(), 30);
    assert_eq!(blob_rs::price_of(1_048_576, 10, 1).unwrap(), 10);
    assert_eq!(blob_rs::price_of(1_048_577, 10, 1).unwrap(), 20);
    match blob_rs::price_of(u64::MAX, u64::MAX, 2).unwrap_err() {
        sui_sdk_types::ExecutionError::MoveAbort { location, code } => {
            assert_eq!(location.module.as_str(), "blob");
            assert_eq!(code, move_aborts::blob::E_PRICE_OVERFLOW);
        }
        other => panic!("expected an abort, got {other:?}"),
    }
}

#[test]
fn storage_and_blob_reads() {
    let mut env = setup();
    let storage = env.reserve(SIZE_A, 4);
    let blob = env.register_a(5, false);
    let user = env.user;
    let reads = env
        .chain
        .ptb(
            user,
            vec![
                call::blob::start_epoch(storage),
                call::blob::end_epoch(storage),
                call::blob::storage_size(storage),
                call::blob::size(blob),
                call::blob::registered_epoch(blob),
                call::blob::blob_id(blob),
                call::blob::root_hash(blob),
                call::blob::encoding_type(blob),
                call::blob::is_deletable(blob),
            ],
        )
        .unwrap();
    let u64s: Vec<u64> = (0..5).map(|i| reads.ret(i, 0)).collect();
    assert_eq!(u64s, vec![1, 5, ENCODED_A, SIZE_A, 1]);
    assert_eq!(reads.ret::<U256>(5, 0), blob_id_a());
    assert_eq!(reads.ret::<U256>(6, 0), root_a());
    assert_eq!(reads.ret::<u8>(7, 0), 1);
    assert!(!reads.ret::<bool>(8, 0));
}

#[test]
fn certify_with_other_quorum() {
    let mut env = setup();
    let blob = env.register_a(5, true);
    let system = env.system();
    let members = system.committee.len();
    let usual = env.quorum();
    // Another set of members holding at least 2f + 1 = 5 shards.
    let other: Vec<u16> = (1u32..(1 << members))
        .map(|mask| {
            (0..members as u16)
                .filter(|k| mask & (1 << k) != 0)
                .collect::<Vec<u16>>()
        })
        .filter(|set| set.len() < members && *set != usual)
        .find(|set| {
            set.iter()
                .map(|k| system.committee_shards[usize::from(*k)].len())
                .sum::<usize>()
                >= 5
        })
        .expect("four members over 7 shards have several quorums");
    let message = blob_rs::rs2::certification_message(env.epoch(), &blob_id_a());
    let signature = env.sign(&other, &message);
    // Signers must be listed in increasing order.
    let mut reversed = other.clone();
    reversed.reverse();
    let r = env.certify_with(blob, &reversed, signature.clone());
    assert_abort(r, "system", move_aborts::system::E_INVALID_SIGNERS);
    env.certify_with(blob, &other, signature).unwrap();
    assert!(env.is_certified(blob_id_a()));
}

#[test]
fn challenge_accessors_chain_in_one_transaction() {
    let (mut env, _) = issued();
    let c = challenge(&mut env, 3).unwrap();
    let user = env.user;
    let board = env.board;
    let commands = vec![
        call::challenge::challenge(Arg::ObjRead(board), 3u64),
        call::challenge::node_id(Arg::Result(0)),
        call::challenge::blob_id(Arg::Result(0)),
        call::challenge::root_hash(Arg::Result(0)),
        call::challenge::n_shards(Arg::Result(0)),
        call::challenge::shard(Arg::Result(0)),
        call::challenge::pair_index(Arg::Result(0)),
        call::challenge::symbol_index(Arg::Result(0)),
        call::challenge::symbol_size(Arg::Result(0)),
        call::challenge::epoch(Arg::Result(0)),
        call::challenge::deadline_ms(Arg::Result(0)),
    ];
    let reads = env.chain.ptb(user, commands).unwrap();
    assert_eq!(reads.ret::<ID>(1, 0), c.node_id);
    assert_eq!(reads.ret::<U256>(2, 0), c.blob_id);
    assert_eq!(reads.ret::<U256>(3, 0), c.root_hash);
    assert_eq!(reads.ret::<u16>(4, 0), c.n_shards);
    assert_eq!(reads.ret::<u16>(5, 0), c.shard);
    assert_eq!(reads.ret::<u16>(6, 0), c.pair_index);
    assert_eq!(reads.ret::<u16>(7, 0), c.symbol_index);
    assert_eq!(reads.ret::<u64>(8, 0), c.symbol_size);
    assert_eq!(reads.ret::<u64>(9, 0), c.epoch);
    assert_eq!(reads.ret::<u64>(10, 0), c.deadline_ms);
}

#[test]
fn payments_must_be_wal_coins() {
    let mut env = setup();
    // A Storage where the Coin<WAL> goes: a type mismatch, as on Sui.
    let storage = env.reserve(SIZE_A, 5);
    let failure = env
        .call_keep(call::blob::reserve_space(env.system, SIZE_A, 1u64, storage))
        .unwrap_err();
    assert!(matches!(
        failure.error,
        sui_sdk_types::ExecutionError::CommandArgumentError { .. }
    ));
}

// === Shards moved at an epoch change (shard_sync_tests.move) ===

/// `epoch_sync_done` signed by the operator of `env.nodes[node]`.
fn sync(env: &mut Env, node: usize, epoch: u64) -> Result<Outcome, Failure> {
    let (operator, cap) = (env.nodes[node].operator, env.nodes[node].cap);
    env.chain.call(
        operator,
        call::staking::epoch_sync_done(env.system, cap, epoch),
    )
}

/// The attack this rule answers is a challenge on a shard its new holder had no time to
/// fetch. 9 000 WAL more staked with node 0 moves shards to it at the next epoch change;
/// they are pending (`ShardsGained`), never challenged while pending, and challengeable once
/// the node signals sync; every abort path of the signal on the way.
#[test]
fn moved_shards_are_challenged_only_after_their_holder_signals_sync() {
    let mut env = setup();
    let blob = env.register_a(10, false);
    env.certify(blob).unwrap();
    let before: Vec<Vec<u16>> = env.system().committee_shards.clone();
    let first = env.system();
    assert!(
        first.pending_shards.iter().all(Vec::is_empty),
        "the first committee gains nothing"
    );

    let whale = env.chain.new_account();
    let coin = env.chain.give_wal(whale, 9 * NODE_STAKE);
    let node0 = env.nodes[0].node_id;
    env.chain
        .call_keep(
            whale,
            call::staking::stake(env.system, move_id(node0), coin),
        )
        .unwrap();
    env.chain.advance_clock(EPOCH_MS);
    let admin = env.admin;
    let outcome = advance(&mut env, admin).unwrap();
    let system = env.system();
    let gained_events: Vec<ShardsGained> = outcome.events_named("ShardsGained");
    assert!(!gained_events.is_empty());
    let mut gained_total = 0;
    for (k, member) in system.committee.iter().enumerate() {
        let was = first
            .committee
            .iter()
            .position(|m| m == member)
            .map(|j| before[j].clone())
            .unwrap_or_default();
        let gained: Vec<u16> = system.committee_shards[k]
            .iter()
            .copied()
            .filter(|s| !was.contains(s))
            .collect();
        assert_eq!(system.pending_shards[k], gained);
        let node = move_types::address_of(member);
        assert_eq!(
            system_rs::challengeable_shards_of(&system, node),
            system.committee_shards[k]
                .iter()
                .copied()
                .filter(|s| was.contains(s))
                .collect::<Vec<_>>()
        );
        if !gained.is_empty() {
            let event = gained_events
                .iter()
                .find(|e| e.node_id == *member)
                .expect("a ShardsGained event per member that gained");
            assert_eq!((event.epoch, &event.shards), (2, &gained));
        }
        gained_total += gained.len();
    }
    assert_eq!(
        gained_events.len(),
        system
            .pending_shards
            .iter()
            .filter(|p| !p.is_empty())
            .count()
    );
    let k0 = system
        .committee
        .iter()
        .position(|m| move_types::address_of(m) == node0)
        .unwrap();
    let pending0 = system.pending_shards[k0].clone();
    assert!(!pending0.is_empty() && gained_total > 0);

    // Challenges this epoch never pick a pending shard.
    issue(&mut env).unwrap();
    let board: move_types::challenge::ChallengeBoard = env.chain.object(env.board);
    for id in 0..board.next_challenge_id {
        let c = challenge(&mut env, id).unwrap();
        let k = system
            .committee
            .iter()
            .position(|m| *m == c.node_id)
            .unwrap();
        assert!(
            !system.pending_shards[k].contains(&c.shard),
            "challenge {id} picked pending shard {}",
            c.shard
        );
    }

    // The signal: wrong epoch, then right, then twice; a node outside the committee.
    assert_abort(
        sync(&mut env, 0, 3),
        "system",
        move_aborts::system::E_WRONG_SYNC_EPOCH,
    );
    let outcome = sync(&mut env, 0, 2).unwrap();
    let done: EpochSyncDone = outcome.event("EpochSyncDone");
    assert_eq!((done.epoch, done.shards.clone()), (2, pending0));
    assert_eq!(move_types::address_of(&done.node_id), node0);
    let after = env.system();
    assert!(after.pending_shards[k0].is_empty());
    assert_eq!(
        system_rs::challengeable_shards_of(&after, node0),
        after.committee_shards[k0]
    );
    assert_abort(
        sync(&mut env, 0, 2),
        "system",
        move_aborts::system::E_NO_PENDING_SHARDS,
    );
    let outsider = env.chain.new_account();
    let cap_of_outsider = register_unstaked(&mut env, outsider);
    assert_abort(
        env.chain.call(
            outsider,
            call::staking::epoch_sync_done(env.system, cap_of_outsider, 2u64),
        ),
        "system",
        move_aborts::system::E_NOT_COMMITTEE_MEMBER,
    );
}

/// Registers a node (a fresh BLS key) for `operator` with no stake; returns its `NodeCap`.
fn register_unstaked(env: &mut Env, operator: Address) -> Address {
    let sk = blst::min_pk::SecretKey::key_gen(&[0x5a; 32], &[]).unwrap();
    let pk = sk.sk_to_pk().compress().to_vec();
    let mut message = operator.as_bytes().to_vec();
    message.extend_from_slice(&pk);
    let pop = sk.sign(&message, DST, &[]).compress().to_vec();
    env.chain
        .call_keep(
            operator,
            call::staking::register_node(
                env.system,
                "outsider".to_owned(),
                "127.0.0.1:0".to_owned(),
                &pk,
                &pop,
                0u64,
            ),
        )
        .unwrap()
        .created("staking", "NodeCap")[0]
}

// === Attributes ===

fn set_attribute(env: &mut Env, blob: Address, key: &str, value: &str) -> Result<Outcome, Failure> {
    env.call(call::blob::set_attribute(blob, key, value))
}

fn attribute(env: &mut Env, blob: Address, key: &str) -> Option<String> {
    env.read(call::blob::attribute(blob, key))
}

fn attribute_keys(env: &mut Env, blob: Address) -> Vec<String> {
    env.read(call::blob::attribute_keys(blob))
}

/// Whether blob object `blob` has its attributes field.
fn has_attributes_field(env: &Env, blob: Address) -> bool {
    let key_type = floe_devnet::floe::type_tag("blob", "AttributesKey");
    let slot = dynamic_field_id(blob, &key_type, &move_types::blob::AttributesKey::new()).unwrap();
    env.chain.exists(slot)
}

/// `blob_tests::attributes_set_replace_remove_and_clear` and the attribute abort tests: set,
/// replace (the key moves to the end), read, remove, clear, each with its events; every abort
/// path; deleting a blob that carries attributes removes the field with it.
#[test]
fn attributes_set_replace_remove_clear_and_abort() {
    let mut env = setup();
    let blob = env.register_a(5, true);
    assert_eq!(attribute_keys(&mut env, blob), Vec::<String>::new());
    assert_eq!(attribute(&mut env, blob, "content-type"), None);
    assert!(!has_attributes_field(&env, blob));
    let outcome = set_attribute(&mut env, blob, "content-type", "text/plain").unwrap();
    let set: Vec<BlobAttributeSet> = outcome.events_named("BlobAttributeSet");
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].blob_object_id, move_id(blob));
    assert_eq!(set[0].blob_id, blob_id_a());
    assert_eq!(set[0].key.bytes, b"content-type");
    assert_eq!(set[0].value.bytes, b"text/plain");
    set_attribute(&mut env, blob, "filename", "notes.txt").unwrap();
    set_attribute(&mut env, blob, "content-type", "text/markdown").unwrap();
    assert_eq!(attribute_keys(&mut env, blob), ["filename", "content-type"]);
    assert_eq!(
        attribute(&mut env, blob, "content-type").as_deref(),
        Some("text/markdown")
    );
    // The limits themselves are allowed; one byte more aborts.
    let (key_128, value_1024) = ("k".repeat(128), "v".repeat(1_024));
    set_attribute(&mut env, blob, &key_128, &value_1024).unwrap();
    for (key, value) in [
        (String::new(), "v".to_owned()),
        ("k".repeat(129), "v".to_owned()),
        ("k".to_owned(), "v".repeat(1_025)),
    ] {
        assert_abort(
            set_attribute(&mut env, blob, &key, &value),
            "blob",
            move_aborts::blob::E_ATTRIBUTE_TOO_LARGE,
        );
    }
    let outcome = env
        .call(call::blob::remove_attribute(blob, "filename"))
        .unwrap();
    let removed: Vec<BlobAttributeRemoved> = outcome.events_named("BlobAttributeRemoved");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].key.bytes, b"filename");
    assert_eq!(attribute(&mut env, blob, "filename"), None);
    assert_abort(
        env.call(call::blob::remove_attribute(blob, "filename")),
        "blob",
        move_aborts::blob::E_ATTRIBUTE_NOT_FOUND,
    );
    let outcome = env.call(call::blob::clear_attributes(blob)).unwrap();
    let removed: Vec<BlobAttributeRemoved> = outcome.events_named("BlobAttributeRemoved");
    assert_eq!(removed.len(), 2);
    assert_eq!(attribute_keys(&mut env, blob), Vec::<String>::new());
    assert!(!has_attributes_field(&env, blob));
    // Nothing to clear: no events, no abort; nothing to remove: aborts.
    let outcome = env.call(call::blob::clear_attributes(blob)).unwrap();
    assert!(
        outcome
            .events_named::<BlobAttributeRemoved>("BlobAttributeRemoved")
            .is_empty()
    );
    assert_abort(
        env.call(call::blob::remove_attribute(blob, "k")),
        "blob",
        move_aborts::blob::E_ATTRIBUTE_NOT_FOUND,
    );
    // Removing the last attribute removes the field.
    set_attribute(&mut env, blob, "k", "").unwrap();
    assert!(has_attributes_field(&env, blob));
    env.call(call::blob::remove_attribute(blob, "k")).unwrap();
    assert!(!has_attributes_field(&env, blob));
    // 64 attributes fit, a replacement still does, a 65th aborts.
    for k in 1..=64 {
        set_attribute(&mut env, blob, &format!("key-{k}"), "v").unwrap();
    }
    set_attribute(&mut env, blob, "key-1", "w").unwrap();
    assert_abort(
        set_attribute(&mut env, blob, "key-65", "v"),
        "blob",
        move_aborts::blob::E_TOO_MANY_ATTRIBUTES,
    );
    assert_eq!(attribute_keys(&mut env, blob).len(), 64);
    // Deleting the blob takes its attributes with it.
    env.delete_blob(blob).unwrap();
    assert!(!env.chain.exists(blob));
    assert!(!has_attributes_field(&env, blob));
}
