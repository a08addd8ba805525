//! `floe::challenge`: random availability challenges and slashing, and the epoch change that
//! settles them first (`advance_epoch`).
//!
//! Mirrors `move/floe/sources/challenge.move` function by function.
//!
//! Randomness: the Move code draws from a `sui::random::RandomGenerator`. The devnet has no
//! beacon, so the bytes come from `Runtime::random_bytes` (deterministic per transaction);
//! the draws consume them the way `RandomGenerator::generate_u{16,64}_in_range` does (a
//! range of one value draws nothing; otherwise `k + 8` bytes, folded big-endian, modulo
//! the range size). Different bytes, same distribution and same use of the draws.

use floe_sdk::move_types::{
    self, U256,
    blob::BlobRegistry,
    challenge::{Challenge, ChallengeBoard, LastIssueStartKey},
    events::{ChallengeAnswered, ChallengeIssued, ChallengeSlashed, ChallengesIssued},
    staking::NodeCap,
    system::System,
    wal::Treasury,
};
use sui_sdk_types::{Address, ExecutionError, MoveLocation, TypeTag};

use super::args::{Clock, Obj, Random, WalCoin};
use super::blob::{self, blake2b256};
use super::system::{self, slash_node};
use super::version;
use super::{
    TableTypes, abort_in, create_object, emit, new_wal_coin, table_add, table_contains, table_get,
    table_new, table_remove, type_tag_of, wal,
};
use crate::runtime::CallContext;

const MODULE: &str = "challenge";

// === Constants (challenge.move) ===

/// Length of a Blake2b-256 hash.
pub const HASH_LENGTH: usize = 32;
/// Basis points in one.
pub const BPS: u128 = 10_000;
/// Draws per node to find a blob whose storage has not ended.
pub const MAX_SAMPLE_TRIES: u64 = 16;
/// Merkle leaf and inner node prefixes.
pub const LEAF_PREFIX: u8 = 0;
pub const INNER_PREFIX: u8 = 1;

// === Abort codes (challenge.move) ===

/// The abort codes of `floe::challenge`, generated from the Move source.
pub use floe_sdk::move_aborts::challenge::*;

include!(concat!(env!("OUT_DIR"), "/floe_challenge.rs"));

/// `challenge::init`: shares an empty `ChallengeBoard`; returns its ID.
pub fn init(ctx: &mut CallContext<'_>) -> Result<Address, ExecutionError> {
    let id = ctx.fresh_id();
    let open = table_new(ctx);
    let board = ChallengeBoard::new(move_types::uid(id), super::version::VERSION, None, 0, open);
    create_object(ctx, false, &board)?;
    ctx.share(id)?;
    Ok(id)
}

// === Plumbing ===

/// The board's object ID (the parent of its `LastIssueStartKey` field).
fn board_uid(board: &ChallengeBoard) -> Address {
    move_types::address_of(&board.id.id)
}

/// The Move type of the `LastIssueStartKey` dynamic field's name.
fn last_issue_key_type() -> TypeTag {
    type_tag_of::<LastIssueStartKey>()
}

/// `first_id_of_last_issue`: the first challenge ID of the last issue, from the board's
/// `LastIssueStartKey` field (`next_challenge_id` when it has none).
pub fn last_issue_start(
    ctx: &mut CallContext<'_>,
    board: &ChallengeBoard,
) -> Result<u64, ExecutionError> {
    let key_type = last_issue_key_type();
    let parent = board_uid(board);
    if ctx.field_exists(parent, &key_type, &LastIssueStartKey::new())? {
        ctx.field_borrow(parent, &key_type, &LastIssueStartKey::new())
    } else {
        Ok(board.next_challenge_id)
    }
}

/// `Table<u64, Challenge>`.
fn open_types() -> TableTypes {
    TableTypes {
        key: TypeTag::U64,
        value: type_tag_of::<Challenge>(),
    }
}

/// An arithmetic overflow in this module's Move code.
fn arithmetic_error() -> ExecutionError {
    ExecutionError::MovePrimitiveRuntimeError {
        location: Some(MoveLocation {
            package: super::PACKAGE_ID,
            module: sui_sdk_types::Identifier::from_static(MODULE),
            function: 0,
            instruction: 0,
            function_name: None,
        }),
    }
}

fn move_address(address: Address) -> moverox::types::Address {
    moverox::types::Address::new(address.into_inner())
}

/// `generate_u{16,64}_in_range(min, max)` over the transaction's random bytes: nothing is
/// drawn when `min == max`; otherwise `width + 8` bytes folded big-endian, modulo the range.
fn in_range(ctx: &mut CallContext<'_>, min: u64, max: u64, width: usize) -> u64 {
    if min == max {
        return min;
    }
    let bytes = ctx.runtime.random_bytes(width + 8);
    let range = u128::from(max - min) + 1;
    // At most 16 bytes: a u128 holds them all.
    let value = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    // Less than `range` ≤ 2^64: fits.
    min + (value % range) as u64
}

// === Issuing ===

/// `issue_all` (private `entry`).
fn issue_challenges(
    ctx: &mut CallContext<'_>,
    mut board: Obj<ChallengeBoard>,
    system: Obj<System>,
    registry: Obj<BlobRegistry>,
    _random: Random,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    let (system, registry) = (system.value, registry.value);
    version::assert_current(board.version)?;
    version::assert_current(system.version)?;
    version::assert_current(registry.version)?;
    let now = ctx.timestamp_ms();
    issue_all(ctx, &mut board, &system, &registry, now)?;
    board.save(ctx)?;
    Ok(())
}

/// `challenge::issue_challenges`: one challenge per committee node holding shards.
pub fn issue_all(
    ctx: &mut CallContext<'_>,
    board: &mut ChallengeBoard,
    system: &System,
    registry: &move_types::blob::BlobRegistry,
    now_ms: u64,
) -> Result<(), ExecutionError> {
    let epoch = system.epoch;
    if board.last_issued_epoch == Some(epoch) {
        return Err(abort_in(MODULE, E_ALREADY_ISSUED));
    }
    let count = blob::live_count(registry);
    if count == 0 {
        return Err(abort_in(MODULE, E_NO_CERTIFIED_BLOB));
    }
    board.last_issued_epoch = Some(epoch);
    // Where this issue's IDs start, in the board's `LastIssueStartKey` field.
    let first_id = board.next_challenge_id;
    let key_type = last_issue_key_type();
    let parent = board_uid(board);
    if ctx.field_exists(parent, &key_type, &LastIssueStartKey::new())? {
        ctx.field_set(parent, &key_type, &LastIssueStartKey::new(), &first_id)?;
    } else {
        ctx.field_add(
            parent,
            &key_type,
            &LastIssueStartKey::new(),
            &TypeTag::U64,
            &first_id,
        )?;
    }
    let n_shards = system.n_shards;
    let deadline_ms = now_ms
        .checked_add(system.challenge_window_ms)
        .ok_or_else(arithmetic_error)?;
    let mut issued = 0u64;
    for node_id in &system.committee {
        // `node_challengeable_shards`: shards gained at this epoch's start count only once
        // the node signalled `epoch_sync_done`.
        let shards = system::challengeable_shards_of(system, move_types::address_of(node_id));
        if shards.is_empty() {
            continue;
        }
        let Some(picked) = pick_live_blob(ctx, registry, count, epoch)? else {
            continue;
        };
        let (blob_id, root_hash, _) = blob::live_at(ctx, registry, picked)?;
        let shard_pick = in_range(ctx, 0, shards.len() as u64 - 1, 8);
        let shard = *shards
            .get(usize::try_from(shard_pick).map_err(|_| ExecutionError::InvariantViolation)?)
            .ok_or(ExecutionError::InvariantViolation)?;
        // `n_shards - 1` underflows in Move for n = 0; a `System` always has shards.
        let max_symbol = n_shards.checked_sub(1).ok_or_else(arithmetic_error)?;
        let symbol_index = in_range(ctx, 0, u64::from(max_symbol), 2) as u16;
        let size = blob::entry_of(ctx, registry, &blob_id)?.size;
        let challenge = Challenge::new(
            node_id.clone(),
            blob_id,
            root_hash,
            n_shards,
            shard,
            pair_index_for(&blob_id, shard, n_shards)?,
            symbol_index,
            blob::rs2::symbol_size(size, n_shards)?,
            epoch,
            deadline_ms,
            // `system::node_stake`: stake only changes at an epoch change, so this is the
            // stake at risk in the challenge's epoch.
            system::pool(ctx, system, move_types::address_of(node_id))?
                .active
                .value,
        );
        record(ctx, board, challenge)?;
        issued += 1;
    }
    let event = ChallengesIssued {
        epoch,
        count: issued,
        issuer: move_address(ctx.sender()),
    };
    emit(ctx, &event)
}

/// `pick_live_blob`: up to `MAX_SAMPLE_TRIES` draws; the first whose storage has not ended.
fn pick_live_blob(
    ctx: &mut CallContext<'_>,
    registry: &move_types::blob::BlobRegistry,
    count: u64,
    epoch: u64,
) -> Result<Option<u64>, ExecutionError> {
    for _ in 0..MAX_SAMPLE_TRIES {
        let i = in_range(ctx, 0, count - 1, 8);
        let (_, _, end_epoch) = blob::live_at(ctx, registry, i)?;
        if end_epoch > epoch {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `record`: stores `challenge` under the next ID and announces it.
fn record(
    ctx: &mut CallContext<'_>,
    board: &mut ChallengeBoard,
    challenge: Challenge,
) -> Result<(), ExecutionError> {
    let challenge_id = board.next_challenge_id;
    board.next_challenge_id = challenge_id.checked_add(1).ok_or_else(arithmetic_error)?;
    table_add(
        ctx,
        &mut board.open,
        &open_types(),
        &challenge_id,
        &challenge,
    )?;
    let event = ChallengeIssued {
        challenge_id,
        epoch: challenge.epoch,
        node_id: challenge.node_id,
        blob_id: challenge.blob_id,
        root_hash: challenge.root_hash,
        shard: challenge.shard,
        pair_index: challenge.pair_index,
        symbol_index: challenge.symbol_index,
        symbol_size: challenge.symbol_size,
        deadline_ms: challenge.deadline_ms,
    };
    emit(ctx, &event)
}

// === Answering and slashing ===

#[allow(clippy::too_many_arguments)]
fn respond(
    ctx: &mut CallContext<'_>,
    mut board: Obj<ChallengeBoard>,
    cap: Obj<NodeCap>,
    challenge_id: u64,
    symbol: Vec<u8>,
    sliver_path: Vec<Vec<u8>>,
    secondary_hash: Vec<u8>,
    pair_path: Vec<Vec<u8>>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(board.version)?;
    let cap = cap.value;
    let now = ctx.timestamp_ms();
    let challenge = open_challenge(ctx, &board, challenge_id)?;
    if cap.node_id != challenge.node_id {
        return Err(abort_in(MODULE, E_NOT_CHALLENGED_NODE));
    }
    if now > challenge.deadline_ms {
        return Err(abort_in(MODULE, E_DEADLINE_PASSED));
    }
    let answer = Answer {
        symbol: &symbol,
        sliver_path: &sliver_path,
        secondary_hash: &secondary_hash,
        pair_path: &pair_path,
    };
    if !answer_verifies(
        &challenge.root_hash,
        challenge.n_shards,
        challenge.pair_index,
        challenge.symbol_index,
        challenge.symbol_size,
        &answer,
    )? {
        return Err(abort_in(MODULE, E_INVALID_PROOF));
    }
    let _: Challenge = table_remove(ctx, &mut board.open, &open_types(), &challenge_id)?;
    let event = ChallengeAnswered {
        challenge_id,
        epoch: challenge.epoch,
        node_id: challenge.node_id,
        blob_id: challenge.blob_id,
        answered_at_ms: now,
    };
    emit(ctx, &event)?;
    board.save(ctx)?;
    Ok(())
}

fn slash_missed(
    ctx: &mut CallContext<'_>,
    mut board: Obj<ChallengeBoard>,
    mut system: Obj<System>,
    mut treasury: Obj<Treasury>,
    challenge_id: u64,
    _clock: Clock,
) -> Result<WalCoin, ExecutionError> {
    version::assert_current(board.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    let now = ctx.timestamp_ms();
    let challenge = open_challenge(ctx, &board, challenge_id)?;
    if now <= challenge.deadline_ms {
        return Err(abort_in(MODULE, E_DEADLINE_NOT_PASSED));
    }
    slash_open(
        ctx,
        &mut board,
        &mut system,
        &mut treasury,
        challenge_id,
        &challenge,
    )?;
    board.save(ctx)?;
    system.save(ctx)?;
    treasury.save(ctx)?;
    let coin = new_wal_coin(ctx, 0)?;
    Ok(WalCoin(coin))
}

/// `advance_epoch`: settles the ending epoch's challenges (aborts `EChallengeWindowOpen` on one
/// still in its window, slashes each one past its deadline), then `system::advance_epoch`.
fn advance_epoch(
    ctx: &mut CallContext<'_>,
    mut board: Obj<ChallengeBoard>,
    mut system: Obj<System>,
    mut treasury: Obj<Treasury>,
    _clock: Clock,
) -> Result<(), ExecutionError> {
    version::assert_current(board.version)?;
    version::assert_current(system.version)?;
    version::assert_current(treasury.version)?;
    if board.last_issued_epoch == Some(system.epoch) {
        let now = ctx.timestamp_ms();
        let first = last_issue_start(ctx, &board)?;
        for challenge_id in first..board.next_challenge_id {
            if !table_contains(ctx, &board.open, &open_types(), &challenge_id)? {
                continue;
            }
            let challenge: Challenge = table_get(ctx, &board.open, &open_types(), &challenge_id)?;
            if now <= challenge.deadline_ms {
                return Err(abort_in(MODULE, E_CHALLENGE_WINDOW_OPEN));
            }
            slash_open(
                ctx,
                &mut board,
                &mut system,
                &mut treasury,
                challenge_id,
                &challenge,
            )?;
        }
    }
    system::next_epoch(ctx, &mut system, &mut treasury)?;
    board.save(ctx)?;
    treasury.save(ctx)?;
    system.save(ctx)?;
    Ok(())
}

/// `slash_open`: removes open challenge `challenge_id` (= `challenge`, past its deadline),
/// takes `slash_bps` of its stake at risk from the node's pool, burns `slash_burn_bps` of that
/// and the dust, pays the rest to the other members' pools and emits `ChallengeSlashed` with
/// the sender as `caller` and `reward` 0. The caller writes the objects back.
fn slash_open(
    ctx: &mut CallContext<'_>,
    board: &mut ChallengeBoard,
    system: &mut System,
    treasury: &mut Treasury,
    challenge_id: u64,
    challenge: &Challenge,
) -> Result<(), ExecutionError> {
    let _: Challenge = table_remove(ctx, &mut board.open, &open_types(), &challenge_id)?;
    let node_id = move_types::address_of(&challenge.node_id);
    let total = slash_node(ctx, system, node_id, challenge.stake_at_risk)?;
    // At most `total` (slash_burn_bps ≤ 10 000): fits in a u64.
    let burn_amount = (u128::from(total) * u128::from(system.slash_burn_bps) / BPS) as u64;
    let to_pay = total - burn_amount;
    let dust = system::reward_other_members(ctx, system, to_pay, node_id)?;
    let burned = wal::burn_balance(ctx, treasury, burn_amount + dust, wal::SOURCE_SLASHING)?;
    let event = ChallengeSlashed {
        challenge_id,
        epoch: challenge.epoch,
        node_id: challenge.node_id.clone(),
        blob_id: challenge.blob_id,
        slashed: total,
        burned,
        reward: 0,
        caller: move_address(ctx.sender()),
    };
    emit(ctx, &event)
}

/// `open_challenge`: the open challenge `challenge_id`, distinguishing never-issued from
/// already-resolved.
pub fn open_challenge(
    ctx: &mut CallContext<'_>,
    board: &ChallengeBoard,
    challenge_id: u64,
) -> Result<Challenge, ExecutionError> {
    if challenge_id >= board.next_challenge_id {
        return Err(abort_in(MODULE, E_CHALLENGE_NOT_FOUND));
    }
    let types = open_types();
    if !table_contains(ctx, &board.open, &types, &challenge_id)? {
        return Err(abort_in(MODULE, E_CHALLENGE_RESOLVED));
    }
    table_get(ctx, &board.open, &types, &challenge_id)
}

// === Verification (shared with floe-encoder) ===

/// The node's answer: symbol, path to the primary sliver hash, secondary sliver hash and
/// path from the pair leaf to the blob root.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub symbol: &'a [u8],
    pub sliver_path: &'a [Vec<u8>],
    pub secondary_hash: &'a [u8],
    pub pair_path: &'a [Vec<u8>],
}

/// `verify_answer`: whether the answer hashes up to `root_hash`. Aborts on malformed lengths,
/// in the Move code's order (symbol, paths, secondary hash, then each sibling while folding).
pub fn answer_verifies(
    root_hash: &U256,
    n_shards: u16,
    pair_index: u16,
    symbol_index: u16,
    symbol_size: u64,
    answer: &Answer<'_>,
) -> Result<bool, ExecutionError> {
    let depth = depth_of(n_shards);
    if answer.symbol.len() as u64 != symbol_size {
        return Err(abort_in(MODULE, E_WRONG_SYMBOL_LENGTH));
    }
    if !(answer.sliver_path.len() as u64 == depth && answer.pair_path.len() as u64 == depth) {
        return Err(abort_in(MODULE, E_WRONG_PATH_LENGTH));
    }
    if answer.secondary_hash.len() != HASH_LENGTH {
        return Err(abort_in(MODULE, E_WRONG_HASH_LENGTH));
    }
    let mut leaf = vec![LEAF_PREFIX];
    leaf.extend_from_slice(answer.symbol);
    let primary_hash = fold_path(
        blake2b256(&leaf),
        u64::from(symbol_index),
        answer.sliver_path,
    )?;
    let mut pair_leaf = vec![LEAF_PREFIX];
    pair_leaf.extend_from_slice(&primary_hash);
    pair_leaf.extend_from_slice(answer.secondary_hash);
    let root = fold_path(
        blake2b256(&pair_leaf),
        u64::from(pair_index),
        answer.pair_path,
    )?;
    Ok(root == root_hash.to_le_bytes())
}

/// `tree_depth`: ⌈log2 n⌉ (0 for n ≤ 1).
pub fn depth_of(n_shards: u16) -> u64 {
    let n = u64::from(n_shards);
    let mut depth = 0;
    let mut width = 1u64;
    while width < n {
        width *= 2;
        depth += 1;
    }
    depth
}

/// `blob_rotation`: the blob ID's 32 bytes read as a big-endian integer, mod n. Aborts with
/// an arithmetic error for n = 0, like the Move `%`.
pub fn rotation_of(blob_id: &U256, n_shards: u16) -> Result<u64, ExecutionError> {
    let n = u64::from(n_shards);
    if n == 0 {
        return Err(arithmetic_error());
    }
    Ok(blob_id
        .to_le_bytes()
        .iter()
        .fold(0u64, |r, b| (r * 256 + u64::from(*b)) % n))
}

/// `pair_index_of`: the sliver pair stored on `shard`, `(shard + n − r) mod n`. Aborts with
/// an arithmetic error for n = 0 (in `blob_rotation`), like the Move code.
pub fn pair_index_for(blob_id: &U256, shard: u16, n_shards: u16) -> Result<u16, ExecutionError> {
    let n = u64::from(n_shards);
    let r = rotation_of(blob_id, n_shards)?;
    // Less than n ≤ u16::MAX.
    Ok(((u64::from(shard) + n - r) % n) as u16)
}

/// `fold_path`: hashes `leaf_hash` at `index` up a path of 32-byte siblings.
fn fold_path(
    leaf_hash: [u8; 32],
    index: u64,
    path: &[Vec<u8>],
) -> Result<[u8; 32], ExecutionError> {
    let mut current = leaf_hash;
    let mut position = index;
    for sibling in path {
        if sibling.len() != HASH_LENGTH {
            return Err(abort_in(MODULE, E_WRONG_HASH_LENGTH));
        }
        let mut node = Vec::with_capacity(1 + 2 * HASH_LENGTH);
        node.push(INNER_PREFIX);
        if position.is_multiple_of(2) {
            node.extend_from_slice(&current);
            node.extend_from_slice(sibling);
        } else {
            node.extend_from_slice(sibling);
            node.extend_from_slice(&current);
        }
        current = blake2b256(&node);
        position /= 2;
    }
    Ok(current)
}

// === Pure handlers ===

#[allow(clippy::too_many_arguments)]
fn verify_answer(
    _ctx: &mut CallContext<'_>,
    root_hash: U256,
    n_shards: u16,
    pair_index: u16,
    symbol_index: u16,
    symbol_size: u64,
    symbol: Vec<u8>,
    sliver_path: Vec<Vec<u8>>,
    secondary_hash: Vec<u8>,
    pair_path: Vec<Vec<u8>>,
) -> Result<bool, ExecutionError> {
    let answer = Answer {
        symbol: &symbol,
        sliver_path: &sliver_path,
        secondary_hash: &secondary_hash,
        pair_path: &pair_path,
    };
    let ok = answer_verifies(
        &root_hash,
        n_shards,
        pair_index,
        symbol_index,
        symbol_size,
        &answer,
    )?;
    Ok(ok)
}

fn tree_depth(_ctx: &mut CallContext<'_>, n_shards: u16) -> Result<u64, ExecutionError> {
    Ok(depth_of(n_shards))
}

fn blob_rotation(
    _ctx: &mut CallContext<'_>,
    blob_id: U256,
    n_shards: u16,
) -> Result<u64, ExecutionError> {
    rotation_of(&blob_id, n_shards)
}

fn pair_index_of(
    _ctx: &mut CallContext<'_>,
    blob_id: U256,
    shard: u16,
    n_shards: u16,
) -> Result<u16, ExecutionError> {
    pair_index_for(&blob_id, shard, n_shards)
}

// === Reads ===

fn first_id_of_last_issue(
    ctx: &mut CallContext<'_>,
    board: Obj<ChallengeBoard>,
) -> Result<u64, ExecutionError> {
    last_issue_start(ctx, &board.value)
}

fn is_open(
    ctx: &mut CallContext<'_>,
    board: Obj<ChallengeBoard>,
    challenge_id: u64,
) -> Result<bool, ExecutionError> {
    let open = table_contains(ctx, &board.value.open, &open_types(), &challenge_id)?;
    Ok(open)
}

fn challenge(
    ctx: &mut CallContext<'_>,
    board: Obj<ChallengeBoard>,
    challenge_id: u64,
) -> Result<Challenge, ExecutionError> {
    let challenge = open_challenge(ctx, &board.value, challenge_id)?;
    Ok(challenge)
}

// The accessors of a `Challenge` value (a pure value: `Challenge` has `copy, drop, store`
// and no UID).
