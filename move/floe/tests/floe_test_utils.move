/// Shared set-up and test vectors for the `blob`, `challenge` and slashing tests: a 7-shard
/// system with a 4-node committee whose BLS keys are known, real min_pk signatures over the
/// certification message, and a synthetic Red Stuff blob whose Merkle trees are rebuilt here
/// to answer any challenge. How the vectors were made: `tests/vectors/README.md`.
#[test_only]
module floe::floe_test_utils;

use floe::blob::{Self, Blob, BlobRegistry, Storage};
use floe::challenge;
use floe::staking::{Self, NodeCap};
use floe::system::{Self, AdminCap, System};
use floe::wal::{Self, Treasury, WAL};
use std::string;
use sui::clock::{Self, Clock};
use sui::coin::{Self, Coin};
use sui::hash;
use sui::random::{Self, Random};
use sui::test_scenario::{Self as ts, Scenario};

const ADMIN: address = @0xAD;
const USER: address = @0xB0B;
const N: u16 = 7;
const EPOCH_MS: u64 = 3_600_000;
/// 1 000 WAL staked with every node.
const NODE_STAKE: u64 = 1_000_000_000_000;
/// Epoch the tests run in (signatures exist for epochs 0..=3).
const START_EPOCH: u64 = 1;
/// Clock time at set-up.
const START_MS: u64 = 1_000_000;

// Blob A: 100 bytes, synthetic seed 5, symbol size 8 (n = 7). Blob B: 200 bytes, seed 9,
// symbol size 14. `SIG_X_En`: aggregate signature of committee members 0, 1, 2 (6 of 7
// shards) over the certification message of blob X in epoch n.
const SEED_A: u64 = 5;
const SIZE_A: u64 = 100;
const SEED_B: u64 = 9;
const SIZE_B: u64 = 200;

const PK0: vector<u8> = x"ae12039459c60491672b6a6282355d8765ba6272387fb91a3e9604fa2a81450cf16b870bb446fc3a3e0a187fff6f8945";
const PK1: vector<u8> = x"947b327c8a15b39634a426af70c062b50632a744eddd41b5a4686414ef4cd9746bb11d0a53c6c2ff21bbcf331e07ac92";
const PK2: vector<u8> = x"85fc4ae543ca162474586e76d72c47d0151c3cb7b77e82c87e554abf72548e2e746bc675805b688b5016269e18ff4250";
const PK3: vector<u8> = x"8caa0de862793e567c6050aa822db2d6cb2b520bc62b6dbcba7e773067ed09c7ba0282d7c20e01500c6c2fa76408aded";
const ROOT_A: u256 = 86370485787158523631619776134765588634542563736392788787732974783505037689303;
const BLOB_ID_A: u256 = 98875015896608290534907558673555593184351713564713250340073600695944976414878;
const SIG_A_E0: vector<u8> = x"b28cc8ce3d6714e35eae879891eb9fe6df0dc111266819204e5fbcabbf864bcdc30bf30496c831d9c6194d1f5a31eb0219926a10009a97cef598d5c5b6c1022b857b879662e1b89199c9a05303ac9ae7cad3e112a36dcc48afbd05b8c7719009"; // signers 0,1,2
const SIG_A_E1: vector<u8> = x"b6acc564b3332d44932fa4e62edb7aaa974301eced82ed5943cdabaf6905c7e03e314784f368839ea3edbd69fc305e26034609439ae6306824ab66fdebeb3560250e7b993382edca57d3205a2ce68d00f1139994fbee59e2165ddbd4bc3fcf71"; // signers 0,1,2
const SIG_A_E2: vector<u8> = x"81d8e7a1e10d235823f137b6a81f9ec28ce16479aa746678e107ae975729228a1ceb629680508415e265fff7ac515596185b7a25191c53842ac1403b0bc6ef1a8967950af2410c9e8ad10262e466d8c36a89733803d0ceadec95e7bd01f113db"; // signers 0,1,2
const SIG_A_E3: vector<u8> = x"b7e9aef117b0f2082c694901fb13c4434b9c2a3a1184ef33e643248afd50af6fd4b8cf5c94f7e184851a872983f4482804807cf457f0f74d4c275b0e386f91e36a0f2e57a8792e5d4ad710c65a0355f8fcbcd40a2f4236b211788abc5d05c739"; // signers 0,1,2
const ROOT_B: u256 = 10470772083897707183207917599319354959258589027011427351833790852193170352371;
const BLOB_ID_B: u256 = 34823532552827522200902251409063504672258361783837487058519587406321376838775;
const SIG_B_E0: vector<u8> = x"b26522fad06aeb74b0bdb767086b8fc5c02047d2df08000d2a622c0cfa8d0d52367f9fc9130950c96ada8ec7b8fa636618ffeef45f49bd339ec5abc26689923d981797c42f0dbb1b5bed2e7de3e8d4c79f68ddbacf7e4c299061fc8300f8c990"; // signers 0,1,2
const SIG_B_E1: vector<u8> = x"ac39b09d93053aaf8c20c6910f1344b8d1ed30b452572d1285d3e01783f2a1a7f6173c3a13e11217bfdf459926d15dca074f4d50d74907e9a7b504469dabeccab7d9fa7c5e5b72963727798b3b5e004d15e68f992e3f691a136d38af4c03d308"; // signers 0,1,2
const SIG_B_E2: vector<u8> = x"8f8815bfb84fd81e2183ad8d37d026e807824f973e166525f0d02c7a6fd80b27cc5c6576e774074703cc76081863bb76157466943cec8bb93d067d2bfdd698d162648f1c323a199e885cae32e09de5f96a0131dfd0d3138f1181a13f6a82d20f"; // signers 0,1,2
const SIG_B_E3: vector<u8> = x"b55a40a4b6a5719565f954114193104237518bebfc3f56064bc0b55f2677832b400c4d35754f90b256db72edc88adbc8186c6b4e1b43b8e7c5a2ca3c3ce28ad05a6da3dc4cddad1d7a5b954ae8ab8756c784958310f2f2a61fd2cafd390803ca"; // signers 0,1,2
const SIG_A_E1_SIGNERS_013: vector<u8> = x"8cdc6e495f96c918a0023b9eb66c51d83495d2e96923d455f54f289959b48f870509992993695f8219d5f9b0b824c36b06dca1cfb0ba0509a2216dbff7e92c323aa6c418d723d4fdd17ac20fe79c06c7fceac4761ab5c2b895d6b05586646746";
const ANSWER_SYMBOL: vector<u8> = x"e9eceff2f5f8fbfe";
const ANSWER_SECONDARY: vector<u8> = x"4c5a97cadc83a2b66246783ee00ca8d534fc3d06ebecec84abb215446272cd3e";

// === Accessors ===

public fun admin(): address { ADMIN }

public fun user(): address { USER }

public fun n(): u16 { N }

public fun start_epoch(): u64 { START_EPOCH }

public fun start_ms(): u64 { START_MS }

public fun node_stake(): u64 { NODE_STAKE }

public fun pk(k: u64): vector<u8> {
    let keys = vector[PK0, PK1, PK2, PK3];
    *keys.borrow(k)
}

public fun seed_a(): u64 { SEED_A }

public fun size_a(): u64 { SIZE_A }

public fun root_a(): u256 { ROOT_A }

public fun blob_id_a(): u256 { BLOB_ID_A }

public fun seed_b(): u64 { SEED_B }

public fun size_b(): u64 { SIZE_B }

public fun root_b(): u256 { ROOT_B }

public fun blob_id_b(): u256 { BLOB_ID_B }

/// Signature of members 0, 1, 2 over blob A's certification message in `epoch` (0..=3).
public fun sig_a(epoch: u64): vector<u8> {
    let sigs = vector[SIG_A_E0, SIG_A_E1, SIG_A_E2, SIG_A_E3];
    *sigs.borrow(epoch)
}

/// Signature of members 0, 1, 2 over blob B's certification message in `epoch` (0..=3).
public fun sig_b(epoch: u64): vector<u8> {
    let sigs = vector[SIG_B_E0, SIG_B_E1, SIG_B_E2, SIG_B_E3];
    *sigs.borrow(epoch)
}

/// Signature of members 0, 1, 3 over blob A's certification message in epoch 1.
public fun sig_a_e1_signers_013(): vector<u8> { SIG_A_E1_SIGNERS_013 }

/// Fixed answer for blob A, pair 6, symbol 6: (symbol, sliver path, secondary hash, pair path).
public fun fixed_answer(): (vector<u8>, vector<vector<u8>>, vector<u8>, vector<vector<u8>>) {
    let sliver_path = vector[
        x"0000000000000000000000000000000000000000000000000000000000000000",
        x"1b490fa8cab51d73bd858e048d5d55f97db51ddb5dd9514918fcbaaa94f8cceb",
        x"b81da41ff271373a659c5a587d1238d57ca28d0d0b4fd6dfe1c21e4281e3c02b",
    ];
    let pair_path = vector[
        x"0000000000000000000000000000000000000000000000000000000000000000",
        x"84a7374230aaedadb79301a1e609f36163ea04a95ffbcbdb4cd2ade26a5f0533",
        x"a430e58eab3933d0f1cfb01524a0c63388b2e2c1ae71815ecc1d6ae83201715c",
    ];
    (ANSWER_SYMBOL, sliver_path, ANSWER_SECONDARY, pair_path)
}

// === Set-up ===

/// Publishes the package's shared objects, creates a 7-shard `System`, registers four nodes
/// with the test keys and `NODE_STAKE` each, makes them the committee (shards [0, 1], [2, 3],
/// [4, 5], [6]) and moves to `START_EPOCH`. The clock reads `START_MS`. The next transaction
/// is ADMIN's.
public fun setup(): (Scenario, Clock, vector<NodeCap>) {
    let mut scenario = ts::begin(ADMIN);
    wal::init_for_testing(scenario.ctx());
    system::init_for_testing(scenario.ctx());
    blob::init_for_testing(scenario.ctx());
    challenge::init_for_testing(scenario.ctx());
    let mut clock = clock::create_for_testing(scenario.ctx());
    clock::set_for_testing(&mut clock, START_MS);
    scenario.next_tx(ADMIN);
    let mut admin_cap = scenario.take_from_sender<AdminCap>();
    system::create_system(&mut admin_cap, N, EPOCH_MS, &clock, scenario.ctx());
    scenario.return_to_sender(admin_cap);
    scenario.next_tx(ADMIN);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let names = vector[b"node-0", b"node-1", b"node-2", b"node-3"];
    let mut caps = vector[];
    let mut ids = vector[];
    let mut k = 0;
    while (k < 4) {
        let stake = wal::mint_for_testing(&mut treasury, NODE_STAKE, scenario.ctx());
        let cap = staking::register_node_for_testing(
            &mut system,
            string::utf8(*names.borrow(k)),
            pk(k),
            stake,
            scenario.ctx(),
        );
        ids.push_back(staking::node_id(&cap));
        caps.push_back(cap);
        k = k + 1;
    };
    system::set_committee_for_testing(
        &mut system,
        ids,
        vector[vector[0, 1], vector[2, 3], vector[4, 5], vector[6]],
    );
    system::set_epoch_for_testing(&mut system, START_EPOCH);
    ts::return_shared(system);
    ts::return_shared(treasury);
    scenario.next_tx(ADMIN);
    (scenario, clock, caps)
}

/// Creates the `Random` object (as the system address) with fixed randomness.
public fun setup_random(scenario: &mut Scenario) {
    scenario.next_tx(@0x0);
    random::create_for_testing(scenario.ctx());
    scenario.next_tx(@0x0);
    let mut random = scenario.take_shared<Random>();
    random::update_randomness_state_for_testing(
        &mut random,
        0,
        x"1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1F",
        scenario.ctx(),
    );
    ts::return_shared(random);
}

/// Ends a test: destroys the node caps and the clock, ends the scenario.
public fun finish(scenario: Scenario, clock: Clock, caps: vector<NodeCap>) {
    std::unit_test::destroy(caps);
    clock::destroy_for_testing(clock);
    scenario.end();
}

/// A WAL coin for payments (outside the treasury's accounting; never burned in these tests).
public fun wal_coin(scenario: &mut Scenario, amount: u64): Coin<WAL> {
    coin::mint_for_testing<WAL>(amount, scenario.ctx())
}

/// Reserves storage for blob A for `epochs` epochs and registers it (`deletable` as given).
public fun register_a(
    scenario: &mut Scenario,
    system: &mut System,
    registry: &mut BlobRegistry,
    epochs: u64,
    deletable: bool,
): Blob {
    register(scenario, system, registry, BLOB_ID_A, ROOT_A, SIZE_A, epochs, deletable)
}

/// Reserves storage for blob B for `epochs` epochs and registers it (`deletable` as given).
public fun register_b(
    scenario: &mut Scenario,
    system: &mut System,
    registry: &mut BlobRegistry,
    epochs: u64,
    deletable: bool,
): Blob {
    register(scenario, system, registry, BLOB_ID_B, ROOT_B, SIZE_B, epochs, deletable)
}

fun register(
    scenario: &mut Scenario,
    system: &mut System,
    registry: &mut BlobRegistry,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    epochs: u64,
    deletable: bool,
): Blob {
    let mut payment = wal_coin(scenario, 1_000_000_000_000);
    let storage = blob::reserve_space(system, size, epochs, &mut payment, scenario.ctx());
    let blob = blob::register_blob(
        system,
        registry,
        storage,
        blob_id,
        root_hash,
        size,
        1,
        deletable,
        &mut payment,
        scenario.ctx(),
    );
    std::unit_test::destroy(payment);
    blob
}

/// Reserves `epochs` epochs of storage sized for `size` bytes.
public fun reserve(scenario: &mut Scenario, system: &mut System, size: u64, epochs: u64): Storage {
    let mut payment = wal_coin(scenario, 1_000_000_000_000);
    let storage = blob::reserve_space(system, size, epochs, &mut payment, scenario.ctx());
    std::unit_test::destroy(payment);
    storage
}

/// Certifies blob A (or a `Blob` with its ID) in the system's current epoch (0..=3).
public fun certify_a(system: &System, registry: &mut BlobRegistry, blob: &mut Blob) {
    blob::certify_blob(system, registry, blob, vector[0, 1, 2], sig_a(system.epoch()));
}

/// Certifies blob B in the system's current epoch (0..=3).
public fun certify_b(system: &System, registry: &mut BlobRegistry, blob: &mut Blob) {
    blob::certify_blob(system, registry, blob, vector[0, 1, 2], sig_b(system.epoch()));
}

// === Synthetic Red Stuff trees ===

/// Symbol `j` (of `symbol_size` bytes) of expanded primary sliver `i`: byte k is
/// (31·i + 7·j + 3·k + seed) mod 256.
public fun synthetic_symbol(seed: u64, i: u64, j: u64, symbol_size: u64): vector<u8> {
    vector::tabulate!(symbol_size, |k| (((i * 31 + j * 7 + k * 3 + seed) % 256) as u8))
}

/// Hash of secondary sliver `i`: blake2b256([0x53, seed, i]).
public fun synthetic_secondary(seed: u64, i: u64): vector<u8> {
    hash::blake2b256(&vector[0x53, (seed as u8), (i as u8)])
}

/// Root of the Merkle tree (leaf H(0x00 ‖ d), inner H(0x01 ‖ l ‖ r), odd levels padded with
/// 32 zero bytes) over `leaves_data`, and the sibling path of leaf `index`, lowest first.
public fun merkle_root_and_path(
    leaves_data: &vector<vector<u8>>,
    index: u64,
): (vector<u8>, vector<vector<u8>>) {
    let mut level = vector::tabulate!(leaves_data.length(), |k| leaf_hash(leaves_data.borrow(k)));
    let mut position = index;
    let mut path = vector[];
    while (level.length() > 1) {
        if (level.length() % 2 == 1) level.push_back(vector::tabulate!(32, |_| 0u8));
        let sibling = if (position % 2 == 0) *level.borrow(position + 1)
        else *level.borrow(position - 1);
        path.push_back(sibling);
        let mut next = vector[];
        let mut k = 0;
        while (k < level.length()) {
            next.push_back(inner_hash(level.borrow(k), level.borrow(k + 1)));
            k = k + 2;
        };
        level = next;
        position = position / 2;
    };
    (*level.borrow(0), path)
}

/// Data of pair leaf `i`: primary sliver hash ‖ secondary sliver hash.
fun pair_data(seed: u64, n: u64, symbol_size: u64, i: u64): vector<u8> {
    let symbols = vector::tabulate!(n, |j| synthetic_symbol(seed, i, j, symbol_size));
    let (mut data, _) = merkle_root_and_path(&symbols, 0);
    data.append(synthetic_secondary(seed, i));
    data
}

/// Blob root of the synthetic blob (32 bytes).
public fun synthetic_root(seed: u64, n: u64, symbol_size: u64): vector<u8> {
    let pairs = vector::tabulate!(n, |i| pair_data(seed, n, symbol_size, i));
    let (root, _) = merkle_root_and_path(&pairs, 0);
    root
}

/// The correct answer to a challenge on pair `i`, symbol `j` of the synthetic blob:
/// (symbol, sliver path, secondary hash, pair path).
public fun synthetic_answer(
    seed: u64,
    n: u64,
    symbol_size: u64,
    i: u64,
    j: u64,
): (vector<u8>, vector<vector<u8>>, vector<u8>, vector<vector<u8>>) {
    let symbols = vector::tabulate!(n, |jj| synthetic_symbol(seed, i, jj, symbol_size));
    let (_, sliver_path) = merkle_root_and_path(&symbols, j);
    let pairs = vector::tabulate!(n, |ii| pair_data(seed, n, symbol_size, ii));
    let (_, pair_path) = merkle_root_and_path(&pairs, i);
    (*symbols.borrow(j), sliver_path, synthetic_secondary(seed, i), pair_path)
}

fun leaf_hash(data: &vector<u8>): vector<u8> {
    let mut bytes = vector[0u8];
    bytes.append(*data);
    hash::blake2b256(&bytes)
}

fun inner_hash(left: &vector<u8>, right: &vector<u8>): vector<u8> {
    let mut bytes = vector[1u8];
    bytes.append(*left);
    bytes.append(*right);
    hash::blake2b256(&bytes)
}
