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

// === license ===
