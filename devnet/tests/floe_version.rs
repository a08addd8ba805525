//! `floe::version` and `floe::upgrade` on the devnet: the scenarios of
//! `move/floe/tests/version_tests.move`. A shared object's `version` field is written
//! straight into the ledger (what an object migrated by a newer package, or left by an older
//! one, looks like), then real transactions show the package refusing to act on it with
//! `version::EWrongVersion`, located in module `version`, and the migrations bringing old
//! objects back. Codes come from the Move sources (`floe_sdk::move_aborts`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

mod support;

use floe_sdk::move_types::blob::BlobRegistry;
use floe_sdk::move_types::challenge::ChallengeBoard;
use floe_sdk::move_types::events::{ModelRegistered, PackageMigrated};
use floe_sdk::move_types::license::LicenseOffer;
use floe_sdk::move_types::model::Model;
use floe_sdk::move_types::system::{AdminCap, System};
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, ID};
use floe_sdk::{move_aborts, move_constants};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::Address;
use support::{Arg, Chain, Cmd, Failure, Outcome, call};

const EPOCH_MS: u64 = 86_400_000;
const PRICE: u64 = 1_000_000_000;
const WINDOW_MS: u64 = 3_600_000;

fn current() -> u64 {
    move_constants::version::VERSION
}

fn newer() -> u64 {
    current() + 1
}

fn older() -> u64 {
    current() - 1
}

fn addr(id: &ID) -> Address {
    move_types::address_of(id)
}

fn assert_abort<T>(result: Result<T, Failure>, module: &str, code: u64) {
    let name = support::abort_name(module, code);
    match result {
        Ok(_) => panic!("expected {module}::{name}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code), "{name}"),
    }
}

fn assert_wrong_version<T>(result: Result<T, Failure>) {
    assert_abort(result, "version", move_aborts::version::E_WRONG_VERSION);
}

/// The package published, a System created by the publisher, a seller's model with an offer
/// and a buyer holding WAL.
struct World {
    chain: Chain,
    system: Address,
    treasury: Address,
    registry: Address,
    board: Address,
    seller: Address,
    buyer: Address,
    stranger: Address,
    model: Address,
    cap: Address,
    offer: Address,
}

fn world() -> World {
    let mut chain = Chain::new();
    let publisher = chain.publisher;
    let admin = chain.genesis.admin_cap;
    let outcome = chain
        .call(
            publisher,
            call::system::create_system(admin, 10u16, EPOCH_MS),
        )
        .unwrap();
    let system = outcome.created("system", "System")[0];
    let seller = chain.new_account();
    let buyer = chain.new_account();
    let stranger = chain.new_account();
    chain.give_wal(buyer, 100 * PRICE);
    let outcome = chain
        .call_keep(seller, call::model::register_model("floe-llm", "weights"))
        .unwrap();
    let registered: ModelRegistered = outcome.event("ModelRegistered");
    let (model, cap) = (addr(&registered.model_id), addr(&registered.cap_id));
    let outcome = chain
        .call(
            seller,
            call::license::create_offer(model, cap, PRICE, WINDOW_MS, 24u64, 0u64),
        )
        .unwrap();
    let offer = outcome.created("license", "LicenseOffer")[0];
    let (treasury, registry, board) = (
        chain.genesis.treasury,
        chain.genesis.blob_registry,
        chain.genesis.challenge_board,
    );
    World {
        chain,
        system,
        treasury,
        registry,
        board,
        seller,
        buyer,
        stranger,
        model,
        cap,
        offer,
    }
}

impl World {
    fn set_system_version(&mut self, version: u64) {
        self.chain
            .edit_object(self.system, |o: &mut System| o.version = version);
    }

    fn set_treasury_version(&mut self, version: u64) {
        self.chain
            .edit_object(self.treasury, |o: &mut Treasury| o.version = version);
    }

    fn set_registry_version(&mut self, version: u64) {
        self.chain
            .edit_object(self.registry, |o: &mut BlobRegistry| o.version = version);
    }

    fn set_board_version(&mut self, version: u64) {
        self.chain
            .edit_object(self.board, |o: &mut ChallengeBoard| o.version = version);
    }

    fn set_model_version(&mut self, version: u64) {
        self.chain
            .edit_object(self.model, |o: &mut Model| o.version = version);
    }

    fn set_offer_version(&mut self, version: u64) {
        self.chain
            .edit_object(self.offer, |o: &mut LicenseOffer| o.version = version);
    }

    fn set_protocol_versions(&mut self, version: u64) {
        self.set_system_version(version);
        self.set_treasury_version(version);
        self.set_registry_version(version);
        self.set_board_version(version);
    }

    /// `challenge::advance_epoch`, the only way to `system::advance_epoch`.
    fn advance_epoch(&mut self) -> Result<Outcome, Failure> {
        self.chain.advance_clock(EPOCH_MS);
        let (system, treasury, publisher) = (self.system, self.treasury, self.chain.publisher);
        let board = self.chain.genesis.challenge_board;
        self.chain.call(
            publisher,
            call::challenge::advance_epoch(board, system, treasury),
        )
    }

    fn reserve_space(&mut self) -> Result<Outcome, Failure> {
        let buyer = self.buyer;
        let coin = self.chain.wal_coin(buyer, PRICE, buyer);
        let system = self.system;
        self.chain.call_keep(
            buyer,
            call::blob::reserve_space(system, 1_000u64, 1u64, coin),
        )
    }

    fn stake(&mut self) -> Result<Outcome, Failure> {
        let buyer = self.buyer;
        let coin = self.chain.wal_coin(buyer, PRICE, buyer);
        let system = self.system;
        self.chain.call_keep(
            buyer,
            call::staking::stake(system, move_types::id(Address::new([0x77; 32])), coin),
        )
    }

    fn set_fee_burn_bps(&mut self, bps: u64) -> Result<Outcome, Failure> {
        let (system, admin, publisher) = (
            self.system,
            self.chain.genesis.admin_cap,
            self.chain.publisher,
        );
        self.chain.call(
            publisher,
            call::system::set_fee_burn_bps(system, admin, bps),
        )
    }

    fn burn(&mut self) -> Result<Outcome, Failure> {
        let buyer = self.buyer;
        let coin = self.chain.wal_coin(buyer, 5, buyer);
        let treasury = self.treasury;
        self.chain.call(buyer, call::wal::burn(treasury, coin))
    }

    fn prune(&mut self) -> Result<Outcome, Failure> {
        let (system, registry, stranger) = (self.system, self.registry, self.stranger);
        self.chain.call(
            stranger,
            call::blob::prune_expired(Arg::ObjRead(system), registry, move_types::U256::from(7u64)),
        )
    }

    fn slash_missed(&mut self) -> Result<Outcome, Failure> {
        let (board, system, treasury, stranger) =
            (self.board, self.system, self.treasury, self.stranger);
        self.chain.ptb(
            stranger,
            vec![
                call::challenge::slash_missed(board, system, treasury, 0u64),
                Cmd::Transfer(vec![Arg::Result(0)], stranger),
            ],
        )
    }

    fn purchase(&mut self) -> Result<Outcome, Failure> {
        let buyer = self.buyer;
        let payment = self.chain.wal_coin(buyer, PRICE, buyer);
        let (offer, model) = (self.offer, self.model);
        // The sdk's typed builder (System and Treasury are the chain's only ones).
        self.chain.tx(buyer, |tx| {
            let (offer, model) = (tx.shared(offer), tx.shared(model));
            let payment = tx.owned(payment);
            let license = floe_sdk::calls::license::purchase(
                &mut tx.builder,
                &tx.floe,
                offer,
                model,
                payment,
                1,
                PRICE,
            );
            tx.transfer(vec![license], buyer);
        })
    }

    fn reprice(&mut self, price: u64) -> Result<Outcome, Failure> {
        let (offer, cap, seller) = (self.offer, self.cap, self.seller);
        self.chain
            .call(seller, call::license::reprice_offer(offer, cap, price))
    }

    fn update_description(&mut self) -> Result<Outcome, Failure> {
        let (model, cap, seller) = (self.model, self.cap, self.seller);
        self.chain.call(
            seller,
            call::model::update_description(model, cap, "migrated"),
        )
    }

    fn migrate(&mut self) -> Result<Outcome, Failure> {
        let (system, treasury, registry, board) =
            (self.system, self.treasury, self.registry, self.board);
        let (admin, publisher) = (self.chain.genesis.admin_cap, self.chain.publisher);
        self.chain.call(
            publisher,
            call::upgrade::migrate(admin, system, treasury, registry, board),
        )
    }

    fn versions(&self) -> [u64; 4] {
        [
            self.chain.object::<System>(self.system).version,
            self.chain.object::<Treasury>(self.treasury).version,
            self.chain.object::<BlobRegistry>(self.registry).version,
            self.chain.object::<ChallengeBoard>(self.board).version,
        ]
    }
}

/// BCS bytes of an object with its version set to `version`: two objects equal this way
/// differ in nothing but the version.
fn bytes_at_version<T: Serialize + DeserializeOwned>(
    chain: &Chain,
    id: Address,
    set: impl FnOnce(&mut T),
) -> Vec<u8> {
    let mut value: T = chain.object(id);
    set(&mut value);
    bcs::to_bytes(&value).unwrap()
}

#[test]
fn objects_start_at_the_package_version() {
    let w = world();
    assert_eq!(w.versions(), [current(); 4]);
    assert_eq!(w.chain.object::<Model>(w.model).version, current());
    assert_eq!(w.chain.object::<LicenseOffer>(w.offer).version, current());
    assert_eq!(move_constants::version::VERSION, current());
}

#[test]
fn a_system_of_another_version_refuses_every_acting_call() {
    for version in [newer(), older()] {
        let mut w = world();
        w.set_system_version(version);
        assert_wrong_version(w.advance_epoch());
        assert_wrong_version(w.reserve_space());
        assert_wrong_version(w.stake());
        assert_wrong_version(w.set_fee_burn_bps(100));
        assert_wrong_version(w.purchase());
        assert_wrong_version(w.prune());
        // Reads answer whatever the version.
        let system = w.system;
        let epoch: u64 = w
            .chain
            .call(w.buyer, call::system::epoch(Arg::ObjRead(system)))
            .unwrap()
            .ret(0, 0);
        assert_eq!(epoch, 0);
        // Nothing changed the System but the test's own write.
        assert_eq!(w.chain.object::<System>(system).version, version);
    }
}

#[test]
fn a_treasury_of_another_version_refuses_burns_epochs_and_sales() {
    for version in [newer(), older()] {
        let mut w = world();
        w.set_treasury_version(version);
        assert_wrong_version(w.burn());
        assert_wrong_version(w.advance_epoch());
        assert_wrong_version(w.purchase());
        assert_wrong_version(w.slash_missed());
    }
}

#[test]
fn a_registry_or_board_of_another_version_refuses_calls() {
    for version in [newer(), older()] {
        let mut w = world();
        // Blob 7 is not certified: the version check comes first.
        assert_abort(w.prune(), "blob", move_aborts::blob::E_NOT_CERTIFIED);
        w.set_registry_version(version);
        assert_wrong_version(w.prune());

        let mut w = world();
        // Challenge 0 does not exist: the version check comes first.
        assert!(w.slash_missed().is_err());
        w.set_board_version(version);
        assert_wrong_version(w.slash_missed());
        assert_wrong_version(w.advance_epoch());
    }
}

#[test]
fn a_model_or_offer_of_another_version_refuses_calls() {
    for version in [newer(), older()] {
        let mut w = world();
        w.set_model_version(version);
        assert_wrong_version(w.update_description());
        assert_wrong_version(w.purchase());

        let mut w = world();
        w.set_offer_version(version);
        assert_wrong_version(w.reprice(2 * PRICE));
        assert_wrong_version(w.purchase());
    }
}

#[test]
fn admin_migrates_old_protocol_objects_then_calls_work_again() {
    let mut w = world();
    w.set_protocol_versions(older());
    assert_wrong_version(w.advance_epoch());
    let outcome = w.migrate().unwrap();
    let event: PackageMigrated = outcome.event("PackageMigrated");
    assert_eq!(event.version, current());
    assert_eq!(addr(&event.system_id), w.system);
    assert_eq!(w.versions(), [current(); 4]);
    w.advance_epoch().unwrap();
    w.burn().unwrap();
    w.reserve_space().unwrap();
    w.set_fee_burn_bps(100).unwrap();
    // Migrating twice aborts: the objects are current.
    assert_abort(
        w.migrate(),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
}

#[test]
fn migrate_refuses_current_newer_and_partly_current_objects() {
    let mut w = world();
    assert_abort(
        w.migrate(),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
    w.set_protocol_versions(newer());
    assert_abort(
        w.migrate(),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
    w.set_protocol_versions(older());
    w.set_board_version(current());
    assert_abort(
        w.migrate(),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
    // Nothing was written by the aborted migrations.
    assert_eq!(w.versions(), [older(), older(), older(), current()]);
}

#[test]
fn migrate_with_a_cap_of_another_system_aborts() {
    let mut w = world();
    w.set_protocol_versions(older());
    let admin = w.chain.genesis.admin_cap;
    w.chain.edit_object(admin, |cap: &mut AdminCap| {
        cap.system_id = Some(move_types::id(Address::new([0x55; 32])));
    });
    assert_abort(
        w.migrate(),
        "system",
        move_aborts::system::E_WRONG_ADMIN_CAP,
    );
    assert_eq!(w.versions(), [older(); 4]);
}

/// A stranger migrating someone's model or offer changes the version and nothing else, and
/// the owner's calls and sales work again.
#[test]
fn a_stranger_migrating_a_model_or_offer_changes_only_its_version() {
    let mut w = world();
    w.purchase().unwrap();
    w.set_model_version(older());
    w.set_offer_version(older());
    let model_before = bytes_at_version(&w.chain, w.model, |m: &mut Model| m.version = current());
    let offer_before = bytes_at_version(&w.chain, w.offer, |o: &mut LicenseOffer| {
        o.version = current()
    });
    let (model, offer, stranger) = (w.model, w.offer, w.stranger);

    let outcome = w.chain.call(stranger, call::model::migrate(model)).unwrap();
    assert!(outcome.events().is_empty());
    let outcome = w
        .chain
        .call(stranger, call::license::migrate_offer(offer))
        .unwrap();
    assert!(outcome.events().is_empty());

    assert_eq!(w.chain.object::<Model>(model).version, current());
    assert_eq!(w.chain.object::<LicenseOffer>(offer).version, current());
    assert_eq!(
        bcs::to_bytes(&w.chain.object::<Model>(model)).unwrap(),
        model_before
    );
    assert_eq!(
        bcs::to_bytes(&w.chain.object::<LicenseOffer>(offer)).unwrap(),
        offer_before
    );
    w.update_description().unwrap();
    w.purchase().unwrap();

    // Migrating a current model or offer aborts.
    assert_abort(
        w.chain.call(stranger, call::model::migrate(model)),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
    assert_abort(
        w.chain.call(stranger, call::license::migrate_offer(offer)),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
}
