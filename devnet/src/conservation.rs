//! Checks run after every executed transaction in tests and debug builds: SUI is conserved
//! (what left the coins is exactly the gas charged), and every object follows Sui's owner and
//! version rules. A rules layer adds checks of its own value ([`Invariant`]s, registered with
//! the handlers; Floe's conserves WAL). A violation rejects the transaction with a message
//! naming it: a handler that creates or loses value is a bug to see, not a state to commit.

use std::collections::BTreeSet;
use std::sync::Arc;

use sui_sdk_types::{Address, Event, Object, Owner, StructTag, TransactionEffects};

use crate::objects::{self, ObjectSource};

/// An executed transaction as the checks see it: the objects before, its sender and gas
/// owner, effects and the objects it wrote and deleted.
pub struct Executed<'a> {
    pub before: &'a dyn ObjectSource,
    pub sender: Address,
    /// Who pays the gas: the sender, or the sponsor of a sponsored transaction.
    pub gas_owner: Address,
    pub effects: &'a TransactionEffects,
    pub events: &'a [Event],
    pub written: &'a [Object],
    pub deleted: &'a [Address],
}

/// One object the transaction changed: its state before (none if created) and after (none
/// if deleted or wrapped).
pub struct Change<'a> {
    pub id: Address,
    pub before: Option<&'a Object>,
    pub after: Option<&'a Object>,
}

impl<'a> Executed<'a> {
    /// Every object the transaction created, mutated, deleted or wrapped.
    pub fn changes(&self) -> Vec<Change<'a>> {
        let mut ids: BTreeSet<Address> = self.written.iter().map(Object::object_id).collect();
        ids.extend(self.deleted.iter().copied());
        if let TransactionEffects::V2(effects) = self.effects {
            ids.extend(effects.changed_objects.iter().map(|c| c.object_id));
        }
        ids.into_iter()
            .map(|id| Change {
                id,
                before: self.before.object(&id),
                after: self.written.iter().find(|o| o.object_id() == id),
            })
            .collect()
    }

    /// The total over the changed objects of `value`, before and after.
    pub fn totals(&self, value: impl Fn(&Object) -> u64) -> (u128, u128) {
        let changes = self.changes();
        let sum = |pick: fn(&Change<'a>) -> Option<&'a Object>| {
            changes
                .iter()
                .filter_map(pick)
                .map(|o| u128::from(value(o)))
                .sum::<u128>()
        };
        (sum(|c| c.before), sum(|c| c.after))
    }
}

/// A rules layer's check of an executed transaction: `Err` names what was violated.
pub type Invariant = Arc<dyn Fn(&Executed<'_>) -> Result<(), String> + Send + Sync>;

/// Runs the core checks and then `invariants`; the first violation, if any.
pub fn check(executed: &Executed<'_>, invariants: &[Invariant]) -> Result<(), String> {
    sui_conserved(executed)?;
    owners_and_versions(executed)?;
    invariants.iter().try_for_each(|check| check(executed))
}

/// The SUI in a `Coin<SUI>`, else 0.
fn sui_in(object: &Object) -> u64 {
    match objects::struct_parts(object) {
        Some((tag, contents, _)) if *tag == StructTag::gas_coin() => {
            objects::coin_value(contents).unwrap_or(0)
        }
        _ => 0,
    }
}

/// SUI leaves the coins only as gas: before − after = the computation charged (the devnet
/// charges no storage).
fn sui_conserved(executed: &Executed<'_>) -> Result<(), String> {
    let (before, after) = executed.totals(sui_in);
    let gas = executed.effects.gas_summary();
    let charged = u128::from(gas.computation_cost) + u128::from(gas.storage_cost)
        - u128::from(gas.storage_rebate);
    if before != after + charged {
        return Err(format!(
            "SUI not conserved: {before} MIST in the changed coins before, {after} after, \
             {charged} charged as gas"
        ));
    }
    Ok(())
}

/// Whether `object` is a `Coin<SUI>` (what a gas payment holds).
fn is_sui_coin(object: &Object) -> bool {
    objects::struct_parts(object).is_some_and(|(tag, _, _)| *tag == StructTag::gas_coin())
}

/// Every written object carries the transaction's version; immutable objects never change;
/// a shared object stays shared at its initial version; an address-owned object changes only
/// if the sender owned it, or, for a sponsor's gas coins, the gas owner.
fn owners_and_versions(executed: &Executed<'_>) -> Result<(), String> {
    let TransactionEffects::V2(effects) = executed.effects else {
        return Err("the devnet writes only V2 effects".to_owned());
    };
    let version = effects.lamport_version;
    let sender = executed.sender;
    for change in executed.changes() {
        let id = change.id;
        if let Some(after) = change.after
            && after.version() != version
        {
            return Err(format!(
                "object {id} written at version {}, not the transaction's {version}",
                after.version()
            ));
        }
        let Some(before) = change.before else {
            continue;
        };
        match (before.owner(), change.after.map(Object::owner)) {
            (Owner::Immutable, _) => return Err(format!("immutable object {id} changed")),
            (Owner::Shared(initial), Some(after)) if *after != Owner::Shared(*initial) => {
                return Err(format!(
                    "shared object {id} (initial version {initial}) became {after:?}"
                ));
            }
            (Owner::Address(owner), _)
                if *owner != sender && !(*owner == executed.gas_owner && is_sui_coin(before)) =>
            {
                return Err(format!(
                    "object {id} of {owner} changed by a transaction of {sender}"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
