/// Random availability challenges and slashing, and the epoch change that settles them.
///
/// Once per epoch anyone calls `issue_challenges`: `sui::random` picks, for every committee
/// node, a live certified blob from the `BlobRegistry`, one of the node's shards and a symbol
/// index. Shards a node gained at the epoch change are left out until it signals
/// (`staking::epoch_sync_done`) that it fetched their slivers, so moving shards never
/// slashes an honest node; a node that signals falsely answers for them like any other.
/// The node answers with `respond` before the deadline: the symbol of its primary
/// sliver, the Merkle path up to the primary sliver hash, the secondary sliver hash and the
/// path from the pair leaf up to the blob's root hash (the exact bytes are in MODULES.md,
/// "The challenge answer"). After the deadline anyone may call `slash_missed` on an
/// unanswered challenge: the node's pool loses `slash_bps` of the stake it had at risk when
/// challenged (its active stake in the challenge's epoch, at most what it has now),
/// `slash_burn_bps` of that is burned (all of it by default) and the rest goes to the pools of
/// the other committee members by shards. The caller, who may be the node's own operator or
/// one of its stakers, gets nothing: nobody profits from a slash they can cause. A challenge
/// is resolved once: answered or slashed, never both.
///
/// The epoch changes only through `advance_epoch` here (`system::advance_epoch` is
/// package-internal): it settles every challenge issued in the ending epoch first, refusing
/// (`EChallengeWindowOpen`) while one is still inside its answer window and slashing, as
/// `slash_missed` does, each one whose deadline passed unanswered. So a slash always lands
/// in the epoch of the miss, before the stake requested in that epoch joins the pool: stake
/// that becomes active at the change never shares a loss it was not at risk for, and
/// stake leaving at the change does not escape one it was. The loop is bounded by the
/// committee size: issuing records where its IDs start (a dynamic field of the board, so
/// the board's layout is unchanged across upgrades) and only those IDs are looked at.
module floe::challenge;

use floe::blob::{Self, BlobRegistry};
use floe::events;
use floe::staking::{Self, NodeCap};
use floe::system::System;
use floe::version;
use floe::wal::{Self, Treasury, WAL};
use sui::bcs;
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::hash;
use sui::dynamic_field as df;
use sui::random::{Self, Random, RandomGenerator};
use sui::table::{Self, Table};

// === Constants ===

/// Length of a Blake2b-256 hash.
const HASH_LENGTH: u64 = 32;
/// Basis points in one.
const BPS: u128 = 10_000;
/// Draws per node to find a blob whose storage has not ended.
const MAX_SAMPLE_TRIES: u64 = 16;
/// Merkle leaf and inner node prefixes.
const LEAF_PREFIX: u8 = 0;
const INNER_PREFIX: u8 = 1;

// === Errors ===

/// Challenges were already issued in this epoch.
/// Try again next epoch.
const EAlreadyIssued: u64 = 0;
/// The registry holds no certified blob to challenge.
/// Wait until a blob is certified, then issue challenges.
const ENoCertifiedBlob: u64 = 1;
/// No challenge with this ID was ever issued.
/// Check the ID from the ChallengeIssued event.
const EChallengeNotFound: u64 = 2;
/// The challenge was already answered or slashed.
/// Nothing to do.
const EChallengeResolved: u64 = 3;
/// The `NodeCap` is not the challenged node's.
/// Answer with the NodeCap of the challenged node.
const ENotChallengedNode: u64 = 4;
/// The answer came after the deadline.
/// Answer the node's next challenges before their deadlines: this one can now only be slashed.
const EDeadlinePassed: u64 = 5;
/// The deadline has not passed yet: the node may still answer.
/// Call slash after the deadline.
const EDeadlineNotPassed: u64 = 6;
/// The symbol's length is not the blob's symbol size.
/// Rebuild the answer with floe-encoder.
const EWrongSymbolLength: u64 = 7;
/// A Merkle path does not have depth(n) = ⌈log2 n⌉ entries.
/// Rebuild the answer with floe-encoder.
const EWrongPathLength: u64 = 8;
/// A hash (path entry or secondary hash) is not 32 bytes.
/// Rebuild the answer with floe-encoder.
const EWrongHashLength: u64 = 9;
/// The answer does not hash up to the blob's root hash.
/// Check the stored sliver and retry before the deadline.
const EInvalidProof: u64 = 10;
/// A challenge issued in the ending epoch is still within its answer window.
/// Wait until its deadline has passed, then advance the epoch.
const EChallengeWindowOpen: u64 = 11;

// === Objects ===

/// One open challenge.
public struct Challenge has store, copy, drop {
    node_id: ID,
    blob_id: u256,
    root_hash: u256,
    n_shards: u16,
    shard: u16,
    pair_index: u16,
    symbol_index: u16,
    symbol_size: u64,
    epoch: u64,
    deadline_ms: u64,
    /// The node's active stake when the challenge was issued: stake only joins or leaves at
    /// an epoch change, so this is the stake at risk in the challenge's epoch.
    stake_at_risk: u64,
}

/// Shared board of open challenges. IDs are sequential; resolved challenges are removed.
public struct ChallengeBoard has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    last_issued_epoch: Option<u64>,
    next_challenge_id: u64,
    open: Table<u64, Challenge>,
}

/// Dynamic field of the `ChallengeBoard` holding the first challenge ID of the last issue
/// (`u64`): the IDs `[first, next_challenge_id)` are the challenges of `last_issued_epoch`.
/// A dynamic field rather than a struct field so that boards keep their layout across
/// package upgrades.
public struct LastIssueStartKey has copy, drop, store {}

fun init(ctx: &mut TxContext) {
    transfer::share_object(ChallengeBoard {
        id: object::new(ctx),
        version: version::current(),
        last_issued_epoch: option::none(),
        next_challenge_id: 0,
        open: table::new(ctx),
    });
}

// === Issuing ===

/// Issues this epoch's challenges (callable once per epoch, by anyone): for each committee
/// node holding shards it has synced (a shard gained at this epoch's start counts only once
/// the node signalled `staking::epoch_sync_done`), a random live certified blob, one of those
/// shards `k` and a symbol index `j < n`; the node must answer for sliver pair
/// `(k + n − r) mod n` (r from the blob ID) before now + `challenge_window_ms`. A node for which no unexpired blob was found
/// in `MAX_SAMPLE_TRIES` draws gets no challenge. Private `entry`: it takes `Random`.
entry fun issue_challenges(
    board: &mut ChallengeBoard,
    system: &System,
    registry: &BlobRegistry,
    random: &Random,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    version::assert_current(board.version);
    version::assert_current(system.object_version());
    version::assert_current(registry.object_version());
    let epoch = system.epoch();
    assert!(board.last_issued_epoch != option::some(epoch), EAlreadyIssued);
    let count = registry.certified_count();
    assert!(count > 0, ENoCertifiedBlob);
    board.last_issued_epoch = option::some(epoch);
    let first_id = board.next_challenge_id;
    if (df::exists(&board.id, LastIssueStartKey {})) {
        let start: &mut u64 = df::borrow_mut(&mut board.id, LastIssueStartKey {});
        *start = first_id;
    } else {
        df::add(&mut board.id, LastIssueStartKey {}, first_id);
    };
    let mut generator = random::new_generator(random, ctx);
    let n_shards = system.n_shards();
    let deadline_ms = clock.timestamp_ms() + system.challenge_window_ms();
    let nodes = system.committee_node_ids();
    let mut issued = 0;
    let mut k = 0;
    while (k < nodes.length()) {
        let node_id = *nodes.borrow(k);
        let shards = system.node_challengeable_shards(node_id);
        if (!shards.is_empty()) {
            let picked = pick_live_blob(registry, &mut generator, count, epoch);
            if (picked.is_some()) {
                let (blob_id, root_hash, _) = registry.certified_at(picked.destroy_some());
                let shard_pick = generator.generate_u64_in_range(0, shards.length() - 1);
                let shard = *shards.borrow(shard_pick);
                let symbol_index = generator.generate_u16_in_range(0, n_shards - 1);
                let challenge = Challenge {
                    node_id,
                    blob_id,
                    root_hash,
                    n_shards,
                    shard,
                    pair_index: pair_index_of(blob_id, shard, n_shards),
                    symbol_index,
                    symbol_size: blob::symbol_size(registry.size_of(blob_id), n_shards),
                    epoch,
                    deadline_ms,
                    stake_at_risk: system.node_stake(node_id),
                };
                board.record(challenge);
                issued = issued + 1;
            };
        };
        k = k + 1;
    };
    events::emit_challenges_issued(epoch, issued, ctx.sender());
}

/// Draws up to `MAX_SAMPLE_TRIES` registry positions; the first whose storage has not ended.
fun pick_live_blob(
    registry: &BlobRegistry,
    generator: &mut RandomGenerator,
    count: u64,
    epoch: u64,
): Option<u64> {
    let mut tries = 0;
    while (tries < MAX_SAMPLE_TRIES) {
        let i = generator.generate_u64_in_range(0, count - 1);
        let (_, _, end_epoch) = registry.certified_at(i);
        if (end_epoch > epoch) return option::some(i);
        tries = tries + 1;
    };
    option::none()
}

/// Stores `challenge` under the next ID and announces it.
fun record(board: &mut ChallengeBoard, challenge: Challenge) {
    let challenge_id = board.next_challenge_id;
    board.next_challenge_id = challenge_id + 1;
    board.open.add(challenge_id, challenge);
    events::emit_challenge_issued(
        challenge_id,
        challenge.epoch,
        challenge.node_id,
        challenge.blob_id,
        challenge.root_hash,
        challenge.shard,
        challenge.pair_index,
        challenge.symbol_index,
        challenge.symbol_size,
        challenge.deadline_ms,
    );
}

// === Answering and slashing ===

/// The challenged node (proved by its `NodeCap`) answers challenge `challenge_id` before its
/// deadline with symbol `j` of its expanded primary sliver `i`, the sibling path to the
/// primary sliver hash, the secondary sliver hash and the sibling path from pair leaf `i`
/// to the blob root (format in MODULES.md). A wrong answer aborts and may be retried until
/// the deadline; a right one closes the challenge.
public fun respond(
    board: &mut ChallengeBoard,
    cap: &NodeCap,
    challenge_id: u64,
    symbol: vector<u8>,
    sliver_path: vector<vector<u8>>,
    secondary_hash: vector<u8>,
    pair_path: vector<vector<u8>>,
    clock: &Clock,
) {
    version::assert_current(board.version);
    let challenge = *board.open_challenge(challenge_id);
    assert!(staking::node_id(cap) == challenge.node_id, ENotChallengedNode);
    let now = clock.timestamp_ms();
    assert!(now <= challenge.deadline_ms, EDeadlinePassed);
    assert!(
        verify_answer(
            challenge.root_hash,
            challenge.n_shards,
            challenge.pair_index,
            challenge.symbol_index,
            challenge.symbol_size,
            &symbol,
            &sliver_path,
            &secondary_hash,
            &pair_path,
        ),
        EInvalidProof,
    );
    let _ = board.open.remove(challenge_id);
    events::emit_challenge_answered(
        challenge_id,
        challenge.epoch,
        challenge.node_id,
        challenge.blob_id,
        now,
    );
}

/// After the deadline of an unanswered challenge, anyone slashes the node: its pool loses
/// `slash_bps` of the stake at risk (`Challenge.stake_at_risk`, at most its active stake now;
/// `system::slash_node`). `slash_burn_bps` of that is burned (source: slashing) and the rest
/// is paid to the pools of the other current committee members in proportion to their
/// shards (`system::reward_other_members`; rounding dust, or everything when there is no
/// other member, is burned too). The caller gets nothing: the returned coin is always empty
/// (it is kept in the signature for the transactions that place it). A challenge left
/// unslashed is slashed by `advance_epoch` at the latest, in the same way.
public fun slash_missed(
    board: &mut ChallengeBoard,
    system: &mut System,
    treasury: &mut Treasury,
    challenge_id: u64,
    clock: &Clock,
    ctx: &mut TxContext,
): Coin<WAL> {
    version::assert_current(board.version);
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    let challenge = *board.open_challenge(challenge_id);
    assert!(clock.timestamp_ms() > challenge.deadline_ms, EDeadlineNotPassed);
    slash_open(board, system, treasury, challenge_id, challenge, ctx);
    coin::zero(ctx)
}

/// Ends the current epoch and starts the next (`system::advance_epoch`, every step of which
/// is in `floe::system`'s module doc), after settling this epoch's challenges: each challenge
/// issued in the ending epoch that is still open is slashed exactly as `slash_missed` does
/// (`ChallengeSlashed` with the advancer as `caller`, who gets nothing) if its deadline has
/// passed. Anyone may call it once `epoch_duration_ms` has passed and every challenge of the
/// epoch is past its deadline. Aborts `EChallengeWindowOpen` (a challenge of this epoch may
/// still be answered: wait for its deadline), `system::EEpochNotOver`.
public fun advance_epoch(
    board: &mut ChallengeBoard,
    system: &mut System,
    treasury: &mut Treasury,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    version::assert_current(board.version);
    version::assert_current(system.object_version());
    version::assert_current(treasury.object_version());
    if (board.last_issued_epoch == option::some(system.epoch())) {
        let now = clock.timestamp_ms();
        let mut challenge_id = board.first_id_of_last_issue();
        let end = board.next_challenge_id;
        while (challenge_id < end) {
            if (board.open.contains(challenge_id)) {
                let challenge = *board.open.borrow(challenge_id);
                assert!(now > challenge.deadline_ms, EChallengeWindowOpen);
                slash_open(board, system, treasury, challenge_id, challenge, ctx);
            };
            challenge_id = challenge_id + 1;
        };
    };
    system.advance_epoch(treasury, clock, ctx);
}

/// Slashes open challenge `challenge_id` (= `challenge`), whose deadline passed: removes it,
/// takes `slash_bps` of its stake at risk from the node's pool, burns `slash_burn_bps` of
/// that and the dust, pays the rest to the other members' pools and emits
/// `ChallengeSlashed` naming the sender as `caller` with `reward` 0. The one slashing rule
/// of `slash_missed` and `advance_epoch`.
fun slash_open(
    board: &mut ChallengeBoard,
    system: &mut System,
    treasury: &mut Treasury,
    challenge_id: u64,
    challenge: Challenge,
    ctx: &TxContext,
) {
    let _ = board.open.remove(challenge_id);
    let mut slashed = system.slash_node(challenge.node_id, challenge.stake_at_risk);
    let total = slashed.value();
    let burn_amount = (((total as u128) * (system.slash_burn_bps() as u128) / BPS) as u64);
    let mut to_burn = slashed.split(burn_amount);
    let dust = system.reward_other_members(slashed, challenge.node_id);
    to_burn.join(dust);
    let burned = wal::burn_balance(treasury, to_burn, wal::source_slashing());
    events::emit_challenge_slashed(
        challenge_id,
        challenge.epoch,
        challenge.node_id,
        challenge.blob_id,
        total,
        burned,
        0,
        ctx.sender(),
    );
}

/// The open challenge `challenge_id`, distinguishing never-issued from already-resolved.
fun open_challenge(board: &ChallengeBoard, challenge_id: u64): &Challenge {
    assert!(challenge_id < board.next_challenge_id, EChallengeNotFound);
    assert!(board.open.contains(challenge_id), EChallengeResolved);
    board.open.borrow(challenge_id)
}

// === Verification (shared with floe-encoder) ===

/// Whether an answer proves symbol `symbol_index` of primary sliver `pair_index` of the blob
/// with `root_hash`: h = H(0x00 ‖ symbol) folded along `sliver_path` from index
/// `symbol_index` gives the primary hash P; H(0x00 ‖ P ‖ secondary_hash) folded along
/// `pair_path` from index `pair_index` must equal the root's 32 bytes. Folding: if the index
/// is even h = H(0x01 ‖ h ‖ sibling) else h = H(0x01 ‖ sibling ‖ h), then index /= 2.
/// Aborts on malformed lengths (symbol ≠ `symbol_size`, paths ≠ depth(n), hashes ≠ 32 bytes).
public fun verify_answer(
    root_hash: u256,
    n_shards: u16,
    pair_index: u16,
    symbol_index: u16,
    symbol_size: u64,
    symbol: &vector<u8>,
    sliver_path: &vector<vector<u8>>,
    secondary_hash: &vector<u8>,
    pair_path: &vector<vector<u8>>,
): bool {
    let depth = tree_depth(n_shards);
    assert!(symbol.length() == symbol_size, EWrongSymbolLength);
    assert!(sliver_path.length() == depth && pair_path.length() == depth, EWrongPathLength);
    assert!(secondary_hash.length() == HASH_LENGTH, EWrongHashLength);
    let mut leaf = vector[LEAF_PREFIX];
    leaf.append(*symbol);
    let primary_hash = fold_path(hash::blake2b256(&leaf), (symbol_index as u64), sliver_path);
    let mut pair_leaf = vector[LEAF_PREFIX];
    pair_leaf.append(primary_hash);
    pair_leaf.append(*secondary_hash);
    let root = fold_path(hash::blake2b256(&pair_leaf), (pair_index as u64), pair_path);
    root == bcs::to_bytes(&root_hash)
}

/// Number of levels above the leaves of a Merkle tree over n leaves: ⌈log2 n⌉ (0 for n = 1).
public fun tree_depth(n_shards: u16): u64 {
    let n = (n_shards as u64);
    let mut depth = 0;
    let mut width = 1;
    while (width < n) {
        width = width * 2;
        depth = depth + 1;
    };
    depth
}

/// r: the blob ID's 32 bytes (`bcs::to_bytes(&blob_id)`) read as a big-endian integer, mod n.
/// Sliver pair `i` is held by shard `(i + r) mod n`.
public fun blob_rotation(blob_id: u256, n_shards: u16): u64 {
    let n = (n_shards as u64);
    let bytes = bcs::to_bytes(&blob_id);
    let mut r = 0;
    let mut k = 0;
    while (k < bytes.length()) {
        r = (r * 256 + (*bytes.borrow(k) as u64)) % n;
        k = k + 1;
    };
    r
}

/// The sliver pair stored on `shard`: `(shard + n − r) mod n`.
public fun pair_index_of(blob_id: u256, shard: u16, n_shards: u16): u16 {
    let n = (n_shards as u64);
    let r = blob_rotation(blob_id, n_shards);
    ((((shard as u64) + n - r) % n) as u16)
}

/// Hashes `leaf_hash` at position `index` up a Merkle path of 32-byte siblings.
fun fold_path(leaf_hash: vector<u8>, index: u64, path: &vector<vector<u8>>): vector<u8> {
    let mut current = leaf_hash;
    let mut position = index;
    let mut level = 0;
    while (level < path.length()) {
        let sibling = path.borrow(level);
        assert!(sibling.length() == HASH_LENGTH, EWrongHashLength);
        let mut node = vector[INNER_PREFIX];
        if (position % 2 == 0) {
            node.append(current);
            node.append(*sibling);
        } else {
            node.append(*sibling);
            node.append(current);
        };
        current = hash::blake2b256(&node);
        position = position / 2;
        level = level + 1;
    };
    current
}

// === Reads ===

/// Epoch challenges were last issued in, if ever.
public fun last_issued_epoch(board: &ChallengeBoard): Option<u64> { board.last_issued_epoch }

/// ID the next challenge will get (= number of challenges ever issued).
public fun next_challenge_id(board: &ChallengeBoard): u64 { board.next_challenge_id }

/// ID of the first challenge of the last issue: the challenges of `last_issued_epoch` are
/// `[first_id_of_last_issue, next_challenge_id)`. `next_challenge_id` when nothing was issued
/// yet (by this version of the package).
public fun first_id_of_last_issue(board: &ChallengeBoard): u64 {
    if (df::exists(&board.id, LastIssueStartKey {})) {
        *df::borrow<LastIssueStartKey, u64>(&board.id, LastIssueStartKey {})
    } else {
        board.next_challenge_id
    }
}

/// Whether challenge `challenge_id` is issued and not yet answered or slashed.
public fun is_open(board: &ChallengeBoard, challenge_id: u64): bool {
    board.open.contains(challenge_id)
}

/// A copy of open challenge `challenge_id` (aborts if unknown or resolved).
public fun challenge(board: &ChallengeBoard, challenge_id: u64): Challenge {
    *board.open_challenge(challenge_id)
}

/// The challenged node.
public fun node_id(challenge: &Challenge): ID { challenge.node_id }

/// The challenged blob's ID.
public fun blob_id(challenge: &Challenge): u256 { challenge.blob_id }

/// The challenged blob's root hash.
public fun root_hash(challenge: &Challenge): u256 { challenge.root_hash }

/// Shard count the challenge was computed for.
public fun n_shards(challenge: &Challenge): u16 { challenge.n_shards }

/// The node's shard the challenge is about.
public fun shard(challenge: &Challenge): u16 { challenge.shard }

/// Sliver pair index i stored on that shard.
public fun pair_index(challenge: &Challenge): u16 { challenge.pair_index }

/// Symbol index j within the expanded primary sliver.
public fun symbol_index(challenge: &Challenge): u16 { challenge.symbol_index }

/// Expected symbol length in bytes.
public fun symbol_size(challenge: &Challenge): u64 { challenge.symbol_size }

/// Epoch the challenge was issued in.
public fun epoch(challenge: &Challenge): u64 { challenge.epoch }

/// Last timestamp (ms) at which an answer is accepted.
public fun deadline_ms(challenge: &Challenge): u64 { challenge.deadline_ms }

/// The node's active stake when the challenge was issued: the most a slash is taken from.
public fun stake_at_risk(challenge: &Challenge): u64 { challenge.stake_at_risk }

// === Versions ===

/// The version of the package that last migrated this `ChallengeBoard` (see `floe::version`).
public(package) fun object_version(board: &ChallengeBoard): u64 { board.version }

/// Brings this `ChallengeBoard` to the package's version. Aborts `version::EAlreadyMigrated` if it is
/// there already.
public(package) fun migrate_version(board: &mut ChallengeBoard) {
    board.version = version::migrated(board.version);
}

// === Test-only ===

/// Runs `init`: shares an empty `ChallengeBoard`.
#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx);
}

/// `issue_challenges` is a private `entry` (it takes `Random`); tests in other modules reach
/// it through this.
#[test_only]
public fun issue_challenges_for_testing(
    board: &mut ChallengeBoard,
    system: &System,
    registry: &BlobRegistry,
    random: &Random,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    issue_challenges(board, system, registry, random, clock, ctx);
}

/// Sets the `version` field, to simulate a `ChallengeBoard` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(board: &mut ChallengeBoard, value: u64) {
    board.version = value;
}
