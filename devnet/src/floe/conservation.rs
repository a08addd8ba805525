//! WAL is conserved: after every executed transaction (tests and debug builds) the WAL held by
//! the objects it changed is what they held before, less what it burned (`WalBurned`). The
//! supply is minted once, at publish; no transaction mints.

use std::sync::Arc;

use floe_sdk::move_types::compute::{ComputeProvider, Job};
use floe_sdk::move_types::dataset::Dataset;
use floe_sdk::move_types::service::ModelService;
use floe_sdk::move_types::shared_blob::SharedBlob;
use floe_sdk::move_types::{events::WalBurned, model::Model, staking_pool::StakingPool};
use sui_sdk_types::{Object, TypeTag};

use super::{tag_of, type_tag_of, wal_balance_type, wal_coin_tag};
use crate::conservation::{Executed, Invariant};
use crate::handlers::HandlerRegistry;
use crate::objects;

/// Adds the WAL check to `registry`.
pub fn register(registry: &mut HandlerRegistry) {
    let check: Invariant = Arc::new(wal_conserved);
    registry.add_invariant(check);
}

fn wal_conserved(executed: &Executed<'_>) -> Result<(), String> {
    let (before, after) = executed.totals(wal_in);
    let burned_tag = tag_of::<WalBurned>();
    let mut burned = 0u128;
    for event in executed.events.iter().filter(|e| e.type_ == burned_tag) {
        let event: WalBurned = bcs::from_bytes(&event.contents)
            .map_err(|e| format!("a WalBurned event does not decode: {e}"))?;
        burned += u128::from(event.amount);
    }
    if before != after + burned {
        return Err(format!(
            "WAL not conserved: {before} in the changed objects before, {after} after, \
             {burned} burned"
        ));
    }
    Ok(())
}

/// The WAL an object holds: a `Coin<WAL>`, a `Model`'s revenue, a `SharedBlob`'s funds, a
/// table entry holding a `Balance<WAL>` (`System.fees`) or a `StakingPool` (`System.pools`);
/// 0 for anything else.
pub fn wal_in(object: &Object) -> u64 {
    let Some((type_, contents, _)) = objects::struct_parts(object) else {
        return 0;
    };
    if *type_ == wal_coin_tag() {
        return objects::coin_value(contents).unwrap_or(0);
    }
    if *type_ == tag_of::<Model>() {
        // The owner's revenue, what is set aside for the model's datasets and its tuning
        // reserve.
        return bcs::from_bytes::<Model>(contents).map_or(0, |m| {
            m.revenue.value
                + m.tuning_reserve.value
                + m.dataset_shares
                    .iter()
                    .map(|d| d.pending.value)
                    .sum::<u64>()
        });
    }
    if *type_ == tag_of::<Dataset>() {
        return bcs::from_bytes::<Dataset>(contents).map_or(0, |d| d.pool.value);
    }
    if *type_ == tag_of::<ComputeProvider>() {
        return bcs::from_bytes::<ComputeProvider>(contents).map_or(0, |p| p.stake.value);
    }
    if *type_ == tag_of::<SharedBlob>() {
        return bcs::from_bytes::<SharedBlob>(contents).map_or(0, |s| s.funds.value);
    }
    if *type_ == tag_of::<Job>() {
        return bcs::from_bytes::<Job>(contents).map_or(0, |j| j.payment.value + j.bonds.value);
    }
    if *type_ == tag_of::<ModelService>() {
        return bcs::from_bytes::<ModelService>(contents).map_or(0, |s| s.escrow.value);
    }
    let is_field = *type_.address() == objects::FRAMEWORK
        && type_.module().as_str() == "dynamic_field"
        && type_.name().as_str() == "Field";
    let value_type: Option<&TypeTag> = type_.type_params().get(1);
    match value_type {
        Some(v) if is_field && *v == wal_balance_type() => contents
            .get(contents.len().saturating_sub(8)..)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes),
        Some(v) if is_field && *v == type_tag_of::<StakingPool>() => {
            // `Field<ID, StakingPool>`: the field's UID and the ID key come first.
            contents
                .get(64..)
                .and_then(|pool| bcs::from_bytes::<StakingPool>(pool).ok())
                .map_or(0, |p| {
                    p.active.value
                        + p.pending_stake.value
                        + p.withdrawable.value
                        + p.commission.value
                })
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use sui_sdk_types::{
        Address, Digest, ExecutionStatus, GasCostSummary, Owner, TransactionEffects,
        TransactionEffectsV2,
    };

    use super::*;

    fn wal_coin(id: Address, value: u64, version: u64) -> Object {
        objects::move_object(
            wal_coin_tag(),
            true,
            version,
            objects::coin_contents(id, value),
            Owner::Address(Address::TWO),
            Digest::ZERO,
        )
    }

    fn effects(version: u64) -> TransactionEffects {
        TransactionEffects::V2(Box::new(TransactionEffectsV2 {
            status: ExecutionStatus::Success,
            epoch: 0,
            gas_used: GasCostSummary::default(),
            transaction_digest: Digest::ZERO,
            gas_object_index: None,
            events_digest: None,
            dependencies: vec![],
            lamport_version: version,
            changed_objects: vec![],
            unchanged_consensus_objects: vec![],
            auxiliary_data_digest: None,
        }))
    }

    /// A handler that adds 2 WAL to a coin without burning or paying anything is caught; the
    /// same change with the coin going down by what a `WalBurned` event says is not.
    #[test]
    fn a_handler_creating_wal_is_caught() {
        let id = Address::new([7; 32]);
        let before: HashMap<Address, Object> = [(id, wal_coin(id, 10, 1))].into();
        let effects = effects(2);
        let printed = [wal_coin(id, 12, 2)];
        let executed = Executed {
            before: &before,
            sender: Address::TWO,
            gas_owner: Address::TWO,
            effects: &effects,
            events: &[],
            written: &printed,
            deleted: &[],
        };
        let err = wal_conserved(&executed).unwrap_err();
        assert!(err.contains("WAL not conserved"), "{err}");

        let spent = [wal_coin(id, 7, 2)];
        let burn = sui_sdk_types::Event {
            package_id: super::super::PACKAGE_ID,
            module: "wal".parse().unwrap(),
            sender: Address::TWO,
            type_: tag_of::<WalBurned>(),
            contents: bcs::to_bytes(&WalBurned {
                amount: 3,
                source: 4,
                total_burned: 3,
                total_supply: 0,
            })
            .unwrap(),
        };
        let executed = Executed {
            written: &spent,
            events: std::slice::from_ref(&burn),
            ..executed
        };
        assert_eq!(wal_conserved(&executed), Ok(()));
    }
}
