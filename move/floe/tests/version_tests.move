/// The version rule of the shared objects (`floe::version`): every acting entry point aborts
/// `EWrongVersion` on an object migrated by a newer package or left at an older one;
/// `upgrade::migrate` (admin) and `model::migrate` / `license::migrate_offer` (anyone) bring
/// old objects to the current version and change nothing else.
#[test_only]
module floe::version_tests;

use floe::blob::{Self, BlobRegistry};
use floe::challenge::{Self, ChallengeBoard};
use floe::events::PackageMigrated;
use floe::floe_test_utils as utils;
use floe::license::{Self, LicenseOffer};
use floe::license_tests as lt;
use floe::model::{Self, Model, ModelCap};
use floe::system::{Self, AdminCap, System};
use floe::upgrade;
use floe::version;
use floe::wal::{Self, Treasury};
use std::string::utf8;
use std::unit_test::{assert_eq, destroy};
use sui::event;
use sui::random::Random;
use sui::test_scenario as ts;

const STRANGER: address = @0x5742;
const SELLER: address = @0x5E11;
/// The buyer `license_tests::setup` funds.
const BUYER: address = @0xB0B;

/// A version a newer package would have written.
fun newer(): u64 { version::current() + 1 }

/// The version an object of the previous package has.
fun older(): u64 { version::current() - 1 }

// === System ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun system_of_a_newer_package_refuses_parameter_changes() {
    let (scenario, clock, caps) = utils::setup();
    let mut system = scenario.take_shared<System>();
    system.set_version_for_testing(newer());
    let cap = scenario.take_from_sender<AdminCap>();
    system.set_fee_burn_bps(&cap, 100);
    scenario.return_to_sender(cap);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun system_of_an_older_package_refuses_reservations() {
    let (mut scenario, clock, caps) = utils::setup();
    let mut system = scenario.take_shared<System>();
    system.set_version_for_testing(older());
    let storage = utils::reserve(&mut scenario, &mut system, 100, 1);
    destroy(storage);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun system_of_a_newer_package_refuses_advance_epoch() {
    let (mut scenario, mut clock, caps) = utils::setup();
    clock.increment_for_testing(10 * 3_600_000);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    system.set_version_for_testing(newer());
    system::advance_epoch(&mut system, &mut treasury, &clock, scenario.ctx());
    ts::return_shared(treasury);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

/// Reads answer whatever the version: they act on nothing.
#[test]
fun reads_answer_for_any_version() {
    let (scenario, clock, caps) = utils::setup();
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    system.set_version_for_testing(newer());
    registry.set_version_for_testing(older());
    assert_eq!(system.epoch(), utils::start_epoch());
    assert_eq!(system.n_shards(), utils::n());
    assert_eq!(registry.certified_count(), 0);
    ts::return_shared(registry);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

// === Treasury ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun treasury_of_a_newer_package_refuses_burns() {
    let (mut scenario, clock, caps) = utils::setup();
    let mut treasury = scenario.take_shared<Treasury>();
    treasury.set_version_for_testing(newer());
    let coin = wal::mint_for_testing(&mut treasury, 5, scenario.ctx());
    wal::burn(&mut treasury, coin);
    ts::return_shared(treasury);
    utils::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun treasury_of_an_older_package_refuses_advance_epoch() {
    let (mut scenario, mut clock, caps) = utils::setup();
    clock.increment_for_testing(10 * 3_600_000);
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    treasury.set_version_for_testing(older());
    system::advance_epoch(&mut system, &mut treasury, &clock, scenario.ctx());
    ts::return_shared(treasury);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

// === BlobRegistry ===

/// The version check comes first: blob A is not certified, which would abort `ENotCertified`.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun registry_of_a_newer_package_refuses_pruning() {
    let (scenario, clock, caps) = utils::setup();
    let system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    registry.set_version_for_testing(newer());
    blob::prune_expired(&system, &mut registry, utils::blob_id_a());
    ts::return_shared(registry);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun registry_of_an_older_package_refuses_registration() {
    let (mut scenario, clock, caps) = utils::setup();
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    registry.set_version_for_testing(older());
    let blob = utils::register_a(&mut scenario, &mut system, &mut registry, 2, true);
    destroy(blob);
    ts::return_shared(registry);
    ts::return_shared(system);
    utils::finish(scenario, clock, caps);
}

// === ChallengeBoard ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun board_of_a_newer_package_refuses_issuing() {
    let (mut scenario, clock, caps) = utils::setup();
    utils::setup_random(&mut scenario);
    scenario.next_tx(utils::admin());
    let mut board = scenario.take_shared<ChallengeBoard>();
    let system = scenario.take_shared<System>();
    let registry = scenario.take_shared<BlobRegistry>();
    let random = scenario.take_shared<Random>();
    board.set_version_for_testing(newer());
    challenge::issue_challenges_for_testing(
        &mut board,
        &system,
        &registry,
        &random,
        &clock,
        scenario.ctx(),
    );
    ts::return_shared(random);
    ts::return_shared(registry);
    ts::return_shared(system);
    ts::return_shared(board);
    utils::finish(scenario, clock, caps);
}

/// The version check comes first: challenge 0 does not exist.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun board_of_an_older_package_refuses_slashing() {
    let (mut scenario, clock, caps) = utils::setup();
    let mut board = scenario.take_shared<ChallengeBoard>();
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    board.set_version_for_testing(older());
    let reward = challenge::slash_missed(
        &mut board,
        &mut system,
        &mut treasury,
        0,
        &clock,
        scenario.ctx(),
    );
    destroy(reward);
    ts::return_shared(treasury);
    ts::return_shared(system);
    ts::return_shared(board);
    utils::finish(scenario, clock, caps);
}

// === Model ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun model_of_a_newer_package_refuses_edits() {
    let (mut scenario, clock, model_id, _) = lt::setup(0);
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    m.set_version_for_testing(newer());
    let cap = scenario.take_from_sender<ModelCap>();
    m.update_description(&cap, utf8(b"new"), scenario.ctx());
    scenario.return_to_sender(cap);
    ts::return_shared(m);
    lt::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun model_of_an_older_package_refuses_new_offers() {
    let (mut scenario, clock, model_id, _) = lt::setup(0);
    scenario.next_tx(SELLER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    m.set_version_for_testing(older());
    ts::return_shared(m);
    scenario.next_tx(SELLER);
    lt::create(&mut scenario, model_id, 1_000, 1_000, 10, 0);
    lt::finish(scenario, clock);
}

/// A purchase credits the model: an old model stops sales until migrated.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun model_of_an_older_package_refuses_purchases() {
    let (mut scenario, clock, model_id, offer_id) = lt::setup(0);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    m.set_version_for_testing(older());
    ts::return_shared(m);
    scenario.next_tx(BUYER);
    let license = lt::buy(&mut scenario, &clock, model_id, offer_id, 1);
    destroy(license);
    lt::finish(scenario, clock);
}

// === LicenseOffer ===

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun offer_of_a_newer_package_refuses_purchases() {
    let (mut scenario, clock, model_id, offer_id) = lt::setup(0);
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    offer.set_version_for_testing(newer());
    ts::return_shared(offer);
    scenario.next_tx(BUYER);
    let license = lt::buy(&mut scenario, &clock, model_id, offer_id, 1);
    destroy(license);
    lt::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun offer_of_an_older_package_refuses_repricing() {
    let (mut scenario, clock, _, offer_id) = lt::setup(0);
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    offer.set_version_for_testing(older());
    ts::return_shared(offer);
    scenario.next_tx(SELLER);
    lt::reprice(&scenario, offer_id, 7);
    lt::finish(scenario, clock);
}

// === upgrade::migrate ===

/// Leaves the four protocol objects at `v`.
fun set_protocol_versions(scenario: &ts::Scenario, v: u64) {
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut board = scenario.take_shared<ChallengeBoard>();
    system.set_version_for_testing(v);
    treasury.set_version_for_testing(v);
    registry.set_version_for_testing(v);
    board.set_version_for_testing(v);
    ts::return_shared(board);
    ts::return_shared(registry);
    ts::return_shared(treasury);
    ts::return_shared(system);
}

/// `upgrade::migrate` with `cap` on the four protocol objects.
fun migrate_with(scenario: &ts::Scenario, cap: &AdminCap) {
    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut board = scenario.take_shared<ChallengeBoard>();
    upgrade::migrate(cap, &mut system, &mut treasury, &mut registry, &mut board);
    ts::return_shared(board);
    ts::return_shared(registry);
    ts::return_shared(treasury);
    ts::return_shared(system);
}

#[test]
fun admin_migrates_old_protocol_objects_and_calls_work_again() {
    let (mut scenario, clock, caps) = utils::setup();
    set_protocol_versions(&scenario, older());
    scenario.next_tx(utils::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    migrate_with(&scenario, &cap);
    assert_eq!(event::events_by_type<PackageMigrated>().length(), 1);
    let effects = scenario.next_tx(utils::admin());
    assert_eq!(effects.num_user_events(), 1);

    let mut system = scenario.take_shared<System>();
    let mut treasury = scenario.take_shared<Treasury>();
    let registry = scenario.take_shared<BlobRegistry>();
    let board = scenario.take_shared<ChallengeBoard>();
    assert_eq!(system.object_version(), version::current());
    assert_eq!(treasury.object_version(), version::current());
    assert_eq!(registry.object_version(), version::current());
    assert_eq!(board.object_version(), version::current());
    // What aborted before the migration works now.
    system.set_fee_burn_bps(&cap, 100);
    assert_eq!(system.fee_burn_bps(), 100);
    let coin = wal::mint_for_testing(&mut treasury, 5, scenario.ctx());
    assert_eq!(wal::burn(&mut treasury, coin), 5);
    let storage = utils::reserve(&mut scenario, &mut system, 100, 1);
    destroy(storage);
    ts::return_shared(board);
    ts::return_shared(registry);
    ts::return_shared(treasury);
    ts::return_shared(system);
    scenario.return_to_sender(cap);
    utils::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_current_objects_aborts() {
    let (scenario, clock, caps) = utils::setup();
    let cap = scenario.take_from_sender<AdminCap>();
    migrate_with(&scenario, &cap);
    scenario.return_to_sender(cap);
    utils::finish(scenario, clock, caps);
}

/// An object a newer package migrated is never migrated back.
#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_objects_of_a_newer_package_aborts() {
    let (mut scenario, clock, caps) = utils::setup();
    set_protocol_versions(&scenario, newer());
    scenario.next_tx(utils::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    migrate_with(&scenario, &cap);
    scenario.return_to_sender(cap);
    utils::finish(scenario, clock, caps);
}

/// Each of the four objects is checked: one left current aborts the whole migration.
#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_with_one_object_already_current_aborts() {
    let (mut scenario, clock, caps) = utils::setup();
    set_protocol_versions(&scenario, older());
    scenario.next_tx(utils::admin());
    let mut board = scenario.take_shared<ChallengeBoard>();
    board.set_version_for_testing(version::current());
    ts::return_shared(board);
    scenario.next_tx(utils::admin());
    let cap = scenario.take_from_sender<AdminCap>();
    migrate_with(&scenario, &cap);
    scenario.return_to_sender(cap);
    utils::finish(scenario, clock, caps);
}

#[test, expected_failure(abort_code = floe::system::EWrongAdminCap)]
fun migrating_with_another_systems_cap_aborts() {
    let (mut scenario, clock, caps) = utils::setup();
    let this_id = {
        let system = scenario.take_shared<System>();
        let id = object::id(&system);
        ts::return_shared(system);
        id
    };
    let mut other = system::admin_cap_for_testing(scenario.ctx());
    system::create_system(&mut other, 10, 1_000, &clock, scenario.ctx());
    set_protocol_versions_of(&scenario, this_id, older());
    scenario.next_tx(STRANGER);
    let mut system = scenario.take_shared_by_id<System>(this_id);
    let mut treasury = scenario.take_shared<Treasury>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut board = scenario.take_shared<ChallengeBoard>();
    upgrade::migrate(&other, &mut system, &mut treasury, &mut registry, &mut board);
    ts::return_shared(board);
    ts::return_shared(registry);
    ts::return_shared(treasury);
    ts::return_shared(system);
    destroy(other);
    utils::finish(scenario, clock, caps);
}

/// `set_protocol_versions` when several `System`s exist: the one with `system_id`.
fun set_protocol_versions_of(scenario: &ts::Scenario, system_id: ID, v: u64) {
    let mut system = scenario.take_shared_by_id<System>(system_id);
    let mut treasury = scenario.take_shared<Treasury>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut board = scenario.take_shared<ChallengeBoard>();
    system.set_version_for_testing(v);
    treasury.set_version_for_testing(v);
    registry.set_version_for_testing(v);
    board.set_version_for_testing(v);
    ts::return_shared(board);
    ts::return_shared(registry);
    ts::return_shared(treasury);
    ts::return_shared(system);
}

// === model::migrate, license::migrate_offer ===

/// A stranger migrating someone's old model changes its version and nothing else: no cap,
/// no owner change, no revenue; the seller's cap acts on it again and the stranger's calls
/// are still refused by the cap checks.
#[test]
fun a_stranger_migrating_a_model_changes_only_its_version() {
    let (mut scenario, clock, model_id, offer_id) = lt::setup(0);
    // Revenue in the model from one sale.
    let license = lt::buy(&mut scenario, &clock, model_id, offer_id, 1);
    destroy(license);
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    m.set_version_for_testing(older());
    let (name, description, owner, cap_id) = (m.name(), m.description(), m.owner(), m.cap_id());
    let (revenue, total, versions) = (m.revenue(), m.total_revenue(), m.version_count());
    assert!(revenue > 0);
    model::migrate(&mut m);
    assert_eq!(m.object_version(), version::current());
    assert_eq!(m.name(), name);
    assert_eq!(m.description(), description);
    assert_eq!(m.owner(), owner);
    assert_eq!(m.cap_id(), cap_id);
    assert_eq!(m.revenue(), revenue);
    assert_eq!(m.total_revenue(), total);
    assert_eq!(m.version_count(), versions);
    ts::return_shared(m);
    let effects = scenario.next_tx(SELLER);
    assert_eq!(effects.num_user_events(), 0);
    // The seller's cap works on the migrated model.
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    let cap = scenario.take_from_sender<ModelCap>();
    m.update_description(&cap, utf8(b"migrated"), scenario.ctx());
    assert_eq!(m.description(), utf8(b"migrated"));
    assert_eq!(m.owner(), SELLER);
    scenario.return_to_sender(cap);
    ts::return_shared(m);
    lt::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_a_current_model_aborts() {
    let (mut scenario, clock, model_id, _) = lt::setup(0);
    scenario.next_tx(STRANGER);
    let mut m = scenario.take_shared_by_id<Model>(model_id);
    model::migrate(&mut m);
    ts::return_shared(m);
    lt::finish(scenario, clock);
}

/// A stranger migrating an old offer changes its version only; sales resume at the same
/// terms.
#[test]
fun a_stranger_migrating_an_offer_changes_only_its_version() {
    let (mut scenario, clock, model_id, offer_id) = lt::setup(0);
    scenario.next_tx(STRANGER);
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    offer.set_version_for_testing(older());
    let price = offer.offer_price_per_window();
    let window = offer.offer_window_ms();
    let max_windows = offer.offer_max_windows();
    let uses = offer.offer_uses_per_window();
    let paused = offer.offer_is_paused();
    license::migrate_offer(&mut offer);
    assert_eq!(offer.object_version(), version::current());
    assert_eq!(offer.offer_model_id(), model_id);
    assert_eq!(offer.offer_price_per_window(), price);
    assert_eq!(offer.offer_window_ms(), window);
    assert_eq!(offer.offer_max_windows(), max_windows);
    assert_eq!(offer.offer_uses_per_window(), uses);
    assert_eq!(offer.offer_is_paused(), paused);
    ts::return_shared(offer);
    // The buyer (from `setup`) buys again.
    scenario.next_tx(BUYER);
    let license = lt::buy(&mut scenario, &clock, model_id, offer_id, 1);
    assert_eq!(license.offer_id(), offer_id);
    destroy(license);
    lt::finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_a_current_offer_aborts() {
    let (mut scenario, clock, _, offer_id) = lt::setup(0);
    scenario.next_tx(STRANGER);
    let mut offer = scenario.take_shared_by_id<LicenseOffer>(offer_id);
    license::migrate_offer(&mut offer);
    ts::return_shared(offer);
    lt::finish(scenario, clock);
}
