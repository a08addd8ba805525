/// Every event the package emits. Sui lets only the defining module emit a type, so each
/// event has a `public(package)` emitter here that the owning module calls. Events carry the
/// object IDs, epochs, amounts and addresses an indexer needs to mirror state without
/// reading objects.
module floe::events;

use sui::event;

// === wal ===

// === system ===

// === staking ===

// === blob ===

// === challenge ===

// === model ===

/// A model was registered (`model::register_model`); the model is shared, the cap went to
/// the transaction.
public struct ModelRegistered has copy, drop {
    model_id: ID,
    cap_id: ID,
    owner: address,
    name: std::string::String,
    description: std::string::String,
}

public(package) fun emit_model_registered(
    model_id: ID,
    cap_id: ID,
    owner: address,
    name: std::string::String,
    description: std::string::String,
) {
    event::emit(ModelRegistered { model_id, cap_id, owner, name, description });
}

/// A new immutable version of a model (`model::publish_version`); metrics as parallel vectors.
public struct ModelVersionPublished has copy, drop {
    model_id: ID,
    version: u64,
    blob_id: u256,
    architecture: std::string::String,
    dataset_hash: vector<u8>,
    metric_names: vector<std::string::String>,
    metric_values: vector<u64>,
    publisher: address,
    published_at_ms: u64,
}

public(package) fun emit_model_version_published(
    model_id: ID,
    version: u64,
    blob_id: u256,
    architecture: std::string::String,
    dataset_hash: vector<u8>,
    metric_names: vector<std::string::String>,
    metric_values: vector<u64>,
    publisher: address,
    published_at_ms: u64,
) {
    event::emit(ModelVersionPublished {
        model_id,
        version,
        blob_id,
        architecture,
        dataset_hash,
        metric_names,
        metric_values,
        publisher,
        published_at_ms,
    });
}

/// A model's description was replaced (`model::update_description`).
public struct ModelDescriptionUpdated has copy, drop {
    model_id: ID,
    description: std::string::String,
    updated_by: address,
}

public(package) fun emit_model_description_updated(
    model_id: ID,
    description: std::string::String,
    updated_by: address,
) {
    event::emit(ModelDescriptionUpdated { model_id, description, updated_by });
}

/// The cap holder took all accrued license revenue (`model::withdraw_revenue`); the model's
/// revenue balance is 0 afterwards.
public struct ModelRevenueWithdrawn has copy, drop {
    model_id: ID,
    amount: u64,
    recipient: address,
}

public(package) fun emit_model_revenue_withdrawn(model_id: ID, amount: u64, recipient: address) {
    event::emit(ModelRevenueWithdrawn { model_id, amount, recipient });
}

/// A different address acted with the model's cap, and is now its recorded owner.
public struct ModelOwnerChanged has copy, drop {
    model_id: ID,
    cap_id: ID,
    previous_owner: address,
    new_owner: address,
}

public(package) fun emit_model_owner_changed(
    model_id: ID,
    cap_id: ID,
    previous_owner: address,
    new_owner: address,
) {
    event::emit(ModelOwnerChanged { model_id, cap_id, previous_owner, new_owner });
}

// === license ===

/// A license offer was opened and shared (`license::create_offer`); `uses_per_window` 0 means
/// unlimited use.
public struct LicenseOfferCreated has copy, drop {
    offer_id: ID,
    model_id: ID,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
    created_by: address,
}

public(package) fun emit_license_offer_created(
    offer_id: ID,
    model_id: ID,
    price_per_window: u64,
    window_ms: u64,
    max_windows: u64,
    uses_per_window: u64,
    created_by: address,
) {
    event::emit(LicenseOfferCreated {
        offer_id,
        model_id,
        price_per_window,
        window_ms,
        max_windows,
        uses_per_window,
        created_by,
    });
}

/// An offer was paused (`paused = true`, `license::pause_offer`) or resumed
/// (`license::resume_offer`).
public struct LicenseOfferStatusChanged has copy, drop {
    offer_id: ID,
    model_id: ID,
    paused: bool,
}

public(package) fun emit_license_offer_status_changed(offer_id: ID, model_id: ID, paused: bool) {
    event::emit(LicenseOfferStatusChanged { offer_id, model_id, paused });
}

/// An offer's price per window changed (`license::reprice_offer`).
public struct LicenseOfferRepriced has copy, drop {
    offer_id: ID,
    model_id: ID,
    old_price_per_window: u64,
    new_price_per_window: u64,
}

public(package) fun emit_license_offer_repriced(
    offer_id: ID,
    model_id: ID,
    old_price_per_window: u64,
    new_price_per_window: u64,
) {
    event::emit(LicenseOfferRepriced {
        offer_id,
        model_id,
        old_price_per_window,
        new_price_per_window,
    });
}

/// A license was sold (`license::purchase`): `price = fee_burned + seller_revenue`; the
/// seller's part accrued in the model.
public struct LicensePurchased has copy, drop {
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    buyer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    use_limited: bool,
    uses_left: u64,
    timestamp_ms: u64,
}

public(package) fun emit_license_purchased(
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    buyer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    use_limited: bool,
    uses_left: u64,
    timestamp_ms: u64,
) {
    event::emit(LicensePurchased {
        license_id,
        offer_id,
        model_id,
        buyer,
        windows,
        price,
        fee_burned,
        seller_revenue,
        expires_at_ms,
        use_limited,
        uses_left,
        timestamp_ms,
    });
}

/// A license was extended (`license::extend`); `expires_at_ms` and `uses_left` are the new
/// values.
public struct LicenseExtended has copy, drop {
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    payer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    uses_left: u64,
    timestamp_ms: u64,
}

public(package) fun emit_license_extended(
    license_id: ID,
    offer_id: ID,
    model_id: ID,
    payer: address,
    windows: u64,
    price: u64,
    fee_burned: u64,
    seller_revenue: u64,
    expires_at_ms: u64,
    uses_left: u64,
    timestamp_ms: u64,
) {
    event::emit(LicenseExtended {
        license_id,
        offer_id,
        model_id,
        payer,
        windows,
        price,
        fee_burned,
        seller_revenue,
        expires_at_ms,
        uses_left,
        timestamp_ms,
    });
}

/// One use of a license was recorded (`license::consume`); `uses_left` after it.
public struct LicenseConsumed has copy, drop {
    license_id: ID,
    model_id: ID,
    uses_left: u64,
    timestamp_ms: u64,
}

public(package) fun emit_license_consumed(
    license_id: ID,
    model_id: ID,
    uses_left: u64,
    timestamp_ms: u64,
) {
    event::emit(LicenseConsumed { license_id, model_id, uses_left, timestamp_ms });
}

/// A license object was deleted by its owner (`license::destroy`).
public struct LicenseDestroyed has copy, drop {
    license_id: ID,
    model_id: ID,
}

public(package) fun emit_license_destroyed(license_id: ID, model_id: ID) {
    event::emit(LicenseDestroyed { license_id, model_id });
}
