#[test_only]
module floe::key_server_tests;

use floe::events::{KeyServerRegistered, KeyServerUrlUpdated};
use floe::floe_test_utils::{Self as tu};
use floe::key_server::{Self, KeyServer};
use floe::staking;
use std::string::utf8;
use std::unit_test::assert_eq;
use sui::bls12381;
use sui::event;
use sui::group_ops;
use sui::test_scenario as ts;

const OPERATOR: address = @0x0BE7;
const ANYONE: address = @0xA11;

/// A valid public key: the G2 generator, compressed (96 bytes).
fun pk(): vector<u8> {
    let generator = bls12381::g2_generator();
    *generator.bytes()
}

/// `len` bytes of `b`.
fun bytes(b: u8, len: u64): vector<u8> {
    let mut out = vector[];
    let mut i = 0;
    while (i < len) {
        out.push_back(b);
        i = i + 1;
    };
    out
}

// === create_and_transfer_v1 ===

/// The object and its record have Seal's V1 layout: versions 1..1, the record under `1u64`,
/// no node; the sender owns it.
#[test]
fun create_and_transfer_v1_has_seals_layout() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b"http://127.0.0.1:2024"),
        0,
        pk(),
        scenario.ctx(),
    );
    assert_eq!(event::events_by_type<KeyServerRegistered>().length(), 1);
    scenario.next_tx(ANYONE);
    let ks = scenario.take_from_sender<KeyServer>();
    assert_eq!(ks.first_version(), 1);
    assert_eq!(ks.last_version(), 1);
    assert_eq!(ks.name(), utf8(b"ks"));
    assert_eq!(ks.url(), utf8(b"http://127.0.0.1:2024"));
    assert_eq!(ks.key_type(), 0);
    assert_eq!(ks.pk(), pk());
    assert!(!ks.has_node());
    assert_eq!(ks.node_id(), option::none());
    key_server::destroy_for_testing(ks);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::key_server::EInvalidKeyType)]
fun create_with_other_key_type_aborts() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b"http://ks"),
        1,
        pk(),
        scenario.ctx(),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = floe::key_server::EInvalidPublicKey)]
fun create_with_short_public_key_aborts() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b"http://ks"),
        0,
        bytes(7, 95),
        scenario.ctx(),
    );
    scenario.end();
}

/// 96 bytes that are no G2 point: the framework's decoding refuses them.
#[test, expected_failure(abort_code = group_ops::EInvalidInput)]
fun create_with_public_key_off_the_curve_aborts() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b"http://ks"),
        0,
        bytes(0xff, 96),
        scenario.ctx(),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = floe::key_server::EInvalidName)]
fun create_with_empty_name_aborts() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b""),
        utf8(b"http://ks"),
        0,
        pk(),
        scenario.ctx(),
    );
    scenario.end();
}

#[test, expected_failure(abort_code = floe::key_server::EInvalidUrl)]
fun create_with_empty_url_aborts() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b""),
        0,
        pk(),
        scenario.ctx(),
    );
    scenario.end();
}

// === create_for_node ===

/// A node's operator attaches a key server to the node: the node ID is recorded.
#[test]
fun create_for_node_records_the_node() {
    let (mut scenario, clock, caps) = tu::setup();
    scenario.next_tx(OPERATOR);
    let cap = &caps[1];
    key_server::create_for_node_for_testing(
        cap,
        utf8(b"node-1 key server"),
        utf8(b"http://127.0.0.1:2025"),
        0,
        pk(),
        scenario.ctx(),
    );
    assert_eq!(event::events_by_type<KeyServerRegistered>().length(), 1);
    scenario.next_tx(OPERATOR);
    let ks = scenario.take_from_sender<KeyServer>();
    assert!(ks.has_node());
    assert_eq!(ks.node_id(), option::some(staking::node_id(cap)));
    assert_eq!(ks.url(), utf8(b"http://127.0.0.1:2025"));
    key_server::destroy_for_testing(ks);
    tu::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::key_server::EInvalidPublicKey)]
fun create_for_node_with_bad_public_key_aborts() {
    let (mut scenario, clock, caps) = tu::setup();
    key_server::create_for_node_for_testing(
        &caps[0],
        utf8(b"ks"),
        utf8(b"http://ks"),
        0,
        vector[],
        scenario.ctx(),
    );
    tu::finish(scenario, clock, caps);
}

// === update ===

#[test]
fun update_changes_the_url() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b"http://a"),
        0,
        pk(),
        scenario.ctx(),
    );
    scenario.next_tx(ANYONE);
    let mut ks = scenario.take_from_sender<KeyServer>();
    ks.update(utf8(b"http://b"));
    assert_eq!(ks.url(), utf8(b"http://b"));
    assert_eq!(ks.name(), utf8(b"ks"));
    assert_eq!(ks.pk(), pk());
    assert_eq!(event::events_by_type<KeyServerUrlUpdated>().length(), 1);
    key_server::destroy_for_testing(ks);
    scenario.end();
}

#[test, expected_failure(abort_code = floe::key_server::EInvalidUrl)]
fun update_with_overlong_url_aborts() {
    let mut scenario = ts::begin(ANYONE);
    key_server::create_and_transfer_v1_for_testing(
        utf8(b"ks"),
        utf8(b"http://a"),
        0,
        pk(),
        scenario.ctx(),
    );
    scenario.next_tx(ANYONE);
    let mut ks = scenario.take_from_sender<KeyServer>();
    ks.update(utf8(bytes(0x61, 257)));
    key_server::destroy_for_testing(ks);
    scenario.end();
}
