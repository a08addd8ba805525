/// The WAL coin: 9 decimals, 5 000 000 000 WAL minted once at publish to the publisher.
/// The `TreasuryCap` is locked inside the shared `Treasury`, which can only burn: total
/// supply never grows after publish, and every burn is counted and announced by source.
module floe::wal;

use floe::events;
use floe::version;
use std::string;
use sui::balance::{Self, Balance};
use sui::coin::{Self, Coin, TreasuryCap};
use sui::coin_registry;

/// 9 decimals: 1 WAL = 10^9 base units.
const DECIMALS: u8 = 9;
/// 5 000 000 000 WAL in base units.
const INITIAL_SUPPLY: u64 = 5_000_000_000_000_000_000;

/// Burn sources (the `source` of `WalBurned`). Sources 0..=3 are the protocol's and only the
/// package burns with them (`burn_balance` is package-only); anyone's own burn is source 4.
const SOURCE_STORAGE_FEE: u8 = 0;
const SOURCE_SLASHING: u8 = 1;
const SOURCE_EARLY_UNSTAKE: u8 = 2;
const SOURCE_LICENSE_FEE: u8 = 3;
const SOURCE_USER: u8 = 4;

/// The burn source is not one of the five known sources.
/// Report it.
const EUnknownBurnSource: u64 = 0;

/// The one-time witness and the coin type.
public struct WAL has drop {}

/// Shared; holds the only `TreasuryCap<WAL>`. Nothing can mint with it after `init`.
public struct Treasury has key {
    id: UID,
    /// Version of the package that last migrated this object (`floe::version`).
    version: u64,
    cap: TreasuryCap<WAL>,
    total_burned: u64,
}

fun init(otw: WAL, ctx: &mut TxContext) {
    let (initializer, mut cap) = coin_registry::new_currency_with_otw(
        otw,
        DECIMALS,
        string::utf8(b"WAL"),
        string::utf8(b"Floe WAL"),
        string::utf8(b"Pays for storage on Floe, stakes storage nodes and buys model licenses."),
        string::utf8(b""),
        ctx,
    );
    let metadata_cap = coin_registry::finalize(initializer, ctx);
    let publisher = ctx.sender();
    let supply = coin::mint(&mut cap, INITIAL_SUPPLY, ctx);
    transfer::public_transfer(supply, publisher);
    transfer::public_transfer(metadata_cap, publisher);
    let treasury = Treasury {
        id: object::new(ctx),
        version: version::current(),
        cap,
        total_burned: 0,
    };
    events::emit_wal_treasury_created(object::id(&treasury), INITIAL_SUPPLY, publisher);
    transfer::share_object(treasury);
}

/// Burn source of storage fees (the fee burn share paid at each epoch change).
public fun source_storage_fee(): u8 { SOURCE_STORAGE_FEE }

/// Burn source of slashed stake (the slash burn share).
public fun source_slashing(): u8 { SOURCE_SLASHING }

/// Burn source of early unstake fees.
public fun source_early_unstake(): u8 { SOURCE_EARLY_UNSTAKE }

/// Burn source of license protocol fees.
public fun source_license_fee(): u8 { SOURCE_LICENSE_FEE }

/// Burn source of WAL its owner burned with `burn`.
public fun source_user(): u8 { SOURCE_USER }

/// Burns the caller's own `coin`, lowering total supply; returns the amount burned and emits
/// `WalBurned` with source `SOURCE_USER` (nothing is emitted for a zero coin). The protocol's
/// sources (storage fee, slashing, early unstake, license fee) are recorded only by the
/// package's own burns, so nobody can inflate those statistics.
public fun burn(treasury: &mut Treasury, coin: Coin<WAL>): u64 {
    version::assert_current(treasury.version);
    burn_balance(treasury, coin::into_balance(coin), SOURCE_USER)
}

/// Burns a balance a module of the package holds (fees, slashed stake) for `source`.
/// Zero balances are destroyed without an event. Aborts `EUnknownBurnSource` unless
/// `source` is 0..=4.
public(package) fun burn_balance(treasury: &mut Treasury, balance: Balance<WAL>, source: u8): u64 {
    assert!(source <= SOURCE_USER, EUnknownBurnSource);
    if (balance::value(&balance) == 0) {
        balance::destroy_zero(balance);
        return 0
    };
    let amount = balance::decrease_supply(coin::supply_mut(&mut treasury.cap), balance);
    treasury.total_burned = treasury.total_burned + amount;
    events::emit_wal_burned(
        amount,
        source,
        treasury.total_burned,
        coin::total_supply(&treasury.cap),
    );
    amount
}

/// All WAL burned so far, in base units.
public fun total_burned(treasury: &Treasury): u64 { treasury.total_burned }

/// WAL in existence now: the initial supply minus everything burned.
public fun total_supply(treasury: &Treasury): u64 { coin::total_supply(&treasury.cap) }

/// The initial (and maximum) supply, in base units.
public fun initial_supply(): u64 { INITIAL_SUPPLY }

/// Decimals of WAL.
public fun decimals(): u8 { DECIMALS }

// === Versions ===

/// The version of the package that last migrated this `Treasury` (see `floe::version`).
public(package) fun object_version(treasury: &Treasury): u64 { treasury.version }

/// Brings this `Treasury` to the package's version. Aborts `version::EAlreadyMigrated` if it is
/// there already.
public(package) fun migrate_version(treasury: &mut Treasury) {
    treasury.version = version::migrated(treasury.version);
}

// === Test-only ===

/// Runs `init`: shares the `Treasury` and sends the whole supply to the sender.
#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(WAL {}, ctx)
}

/// Mints WAL with the locked cap (tests only), so total supply stays consistent.
#[test_only]
public fun mint_for_testing(treasury: &mut Treasury, amount: u64, ctx: &mut TxContext): Coin<WAL> {
    coin::mint(&mut treasury.cap, amount, ctx)
}

/// Sets the `version` field, to simulate a `Treasury` migrated by another version of the
/// package (newer or older).
#[test_only]
public fun set_version_for_testing(treasury: &mut Treasury, value: u64) {
    treasury.version = value;
}
