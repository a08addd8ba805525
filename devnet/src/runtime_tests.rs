//! The runtime through the executor: programmable transactions whose Move calls use dynamic
//! fields, transfers and shares, checked in their effects (kept apart from `runtime.rs` so the
//! runtime does not depend on the executor that drives it).

use std::collections::HashMap;
use std::sync::Arc;

use floe_sdk::Keystore;
use floe_sdk::tx::{self, CoinRef};
use serde::{Deserialize, Serialize};
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{
    Address, ExecutionError, ExecutionStatus, IdOperation, Identifier, Object, ObjectIn, ObjectOut,
    Owner, StructTag, TypeTag,
};
use sui_transaction_builder::{Function, ObjectInput, TransactionBuilder};

use crate::execute::{self, TxRecord};
use crate::handlers::HandlerRegistry;
use crate::objects::{self, FRAMEWORK};
use crate::runtime::*;

const PKG: Address = Address::new([0xab; 32]);
const BUDGET: u64 = 10_000_000;

/// Sui's definition, computed here without the runtime's code path.
fn sui_child_id(parent: &Address, key_bcs: &[u8], type_tag_bcs: &[u8]) -> Address {
    let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
    state.update(&[0xf0]);
    state.update(parent.as_bytes());
    state.update(&(key_bcs.len() as u64).to_le_bytes());
    state.update(key_bcs);
    state.update(type_tag_bcs);
    Address::from_bytes(state.finalize().as_bytes()).unwrap()
}

#[test]
fn child_ids_follow_sui() {
    let parent = Address::new([7; 32]);
    // u64 key 42: BCS is 8 LE bytes; `TypeTag::U64` is BCS variant 2.
    let expected = sui_child_id(&parent, &42u64.to_le_bytes(), &[2]);
    assert_eq!(
        dynamic_field_id(parent, &TypeTag::U64, &42u64).unwrap(),
        expected
    );
    // u256 key: 32 LE bytes; `TypeTag::U256` is variant 10.
    let mut key = [0u8; 32];
    key[0] = 5;
    let expected = sui_child_id(&parent, &key, &[10]);
    assert_eq!(
        dynamic_field_id(parent, &TypeTag::U256, &key).unwrap(),
        expected
    );
    // A vector<u8> key carries its ULEB128 length; `vector<u8>` is [6, 1].
    let expected = sui_child_id(&parent, &[3, 1, 2, 3], &[6, 1]);
    let vector_u8 = TypeTag::Vector(Box::new(TypeTag::U8));
    assert_eq!(
        dynamic_field_id(parent, &vector_u8, &vec![1u8, 2, 3]).unwrap(),
        expected
    );
}

/// `sui::table::Table<u256, u64>`.
#[derive(Debug, Serialize, Deserialize)]
struct Table {
    id: Address,
    size: u64,
}

/// `store::Store { id: UID, table: Table<u256, u64> }`.
#[derive(Debug, Serialize, Deserialize)]
struct Store {
    id: Address,
    table: Table,
}

fn store_type() -> StructTag {
    StructTag::new(
        PKG,
        Identifier::from_static("store"),
        Identifier::from_static("Store"),
        vec![],
    )
}

fn key(n: u8) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[0] = n;
    key
}

/// Handlers mirroring a small Move module over a `Table<u256, u64>`.
fn registry() -> HandlerRegistry {
    let mut registry = HandlerRegistry::with_framework();
    registry.register(
        PKG,
        "store",
        "create",
        Arc::new(|ctx, _, _| {
            let id = ctx.fresh_id();
            let table = Table {
                id: ctx.fresh_id(),
                size: 0,
            };
            ctx.create_object(store_type(), false, &Store { id, table })?;
            ctx.share(id)?;
            Ok(vec![])
        }),
    );
    // add(store, key, value) and, with a fourth argument, abort 9 afterwards.
    registry.register(
        PKG,
        "store",
        "add",
        Arc::new(|ctx, _, args| {
            let store = ctx.object_id(&args[0], 0)?;
            let key: [u8; 32] = ctx.pure(&args[1], 1)?;
            let value: u64 = ctx.pure(&args[2], 2)?;
            let table = ctx.read::<Store>(store)?.table.id;
            ctx.field_add(table, &TypeTag::U256, &key, &TypeTag::U64, &value)?;
            ctx.update(store, |s: &mut Store| s.table.size += 1)?;
            if args.len() > 3 {
                return Err(ctx.abort(9));
            }
            Ok(vec![])
        }),
    );
    // sum(store, v: vector<u64>): adds the elements under key 0.
    registry.register(
        PKG,
        "store",
        "sum",
        Arc::new(|ctx, _, args| {
            let store = ctx.object_id(&args[0], 0)?;
            let values: Vec<u64> = ctx.pure(&args[1], 1)?;
            let table = ctx.read::<Store>(store)?.table.id;
            let sum: u64 = values.iter().sum();
            ctx.field_add(table, &TypeTag::U256, &key(0), &TypeTag::U64, &sum)?;
            Ok(vec![])
        }),
    );
    registry.register(
        PKG,
        "store",
        "bump",
        Arc::new(|ctx, _, args| {
            let store = ctx.object_id(&args[0], 0)?;
            let key: [u8; 32] = ctx.pure(&args[1], 1)?;
            let table = ctx.read::<Store>(store)?.table.id;
            ctx.field_borrow_mut(table, &TypeTag::U256, &key, |v: &mut u64| *v += 1)?;
            Ok(vec![])
        }),
    );
    registry.register(
        PKG,
        "store",
        "get",
        Arc::new(|ctx, _, args| {
            let store = ctx.object_id(&args[0], 0)?;
            let key: [u8; 32] = ctx.pure(&args[1], 1)?;
            let table = ctx.read::<Store>(store)?.table.id;
            let value: u64 = ctx.field_borrow(table, &TypeTag::U256, &key)?;
            Ok(vec![Value::Pure(bcs::to_bytes(&value).unwrap())])
        }),
    );
    registry.register(
        PKG,
        "store",
        "remove",
        Arc::new(|ctx, _, args| {
            let store = ctx.object_id(&args[0], 0)?;
            let key: [u8; 32] = ctx.pure(&args[1], 1)?;
            let table = ctx.read::<Store>(store)?.table.id;
            let value: u64 = ctx.field_remove(table, &TypeTag::U256, &key)?;
            ctx.update(store, |s: &mut Store| s.table.size -= 1)?;
            Ok(vec![Value::Pure(bcs::to_bytes(&value).unwrap())])
        }),
    );
    registry
}

/// Live objects plus one funded sender, executing transactions like the node does.
struct Chain {
    objects: HashMap<Address, Object>,
    key: Ed25519PrivateKey,
    sender: Address,
    gas: Address,
    registry: HandlerRegistry,
    store: Option<(Address, u64)>,
}

impl Chain {
    fn new() -> Self {
        let mut keys = Keystore::default();
        let sender = keys.generate();
        let key = keys.key(&sender).unwrap().clone();
        let gas = objects::short_id(0x99);
        let mut objects = HashMap::new();
        objects.insert(gas, objects::gas_coin(gas, 1_000_000_000, sender, 1));
        let mut chain = Self {
            objects,
            key,
            sender,
            gas,
            registry: registry(),
            store: None,
        };
        let record = chain.call("create", |_, _| vec![]);
        let created = record
            .written
            .iter()
            .find(|o| o.as_struct().unwrap().object_type() == &store_type())
            .unwrap();
        let Owner::Shared(initial) = *created.owner() else {
            panic!("the store is shared")
        };
        chain.store = Some((created.object_id(), initial));
        chain
    }

    fn store(&self) -> Store {
        let id = self.store.unwrap().0;
        bcs::from_bytes(self.objects[&id].as_struct().unwrap().contents()).unwrap()
    }

    /// Calls `store::function` with the store (when created) and `args`, applies the
    /// record and returns it.
    fn call(
        &mut self,
        function: &str,
        args: impl FnOnce(
            &mut TransactionBuilder,
            Option<sui_transaction_builder::Argument>,
        ) -> Vec<sui_transaction_builder::Argument>,
    ) -> TxRecord {
        let gas = &self.objects[&self.gas];
        let coin = CoinRef {
            object_id: self.gas,
            version: gas.version(),
            digest: gas.digest(),
            balance: 0,
        };
        let mut builder = TransactionBuilder::new();
        let store = self
            .store
            .map(|(id, initial)| builder.object(ObjectInput::shared(id, initial, true)));
        let args = args(&mut builder, store);
        builder.move_call(
            Function::new(PKG, "store".parse().unwrap(), function.parse().unwrap()),
            args,
        );
        let transaction = tx::finish(builder, self.sender, &[coin], BUDGET).unwrap();
        let signature = tx::sign(&transaction, &self.key).unwrap();
        let record =
            execute::execute(&self.objects, &self.registry, &transaction, &[signature], 1).unwrap();
        for object in &record.written {
            self.objects.insert(object.object_id(), object.clone());
        }
        for id in &record.deleted {
            self.objects.remove(id);
        }
        record
    }

    fn keyed(&mut self, function: &str, key: [u8; 32], extra: &[u64]) -> TxRecord {
        let extra = extra.to_vec();
        self.call(function, move |b, store| {
            let mut args = vec![store.unwrap(), b.pure(&key)];
            args.extend(extra.iter().map(|v| b.pure(v)));
            args
        })
    }
}

fn abort_code(record: &TxRecord) -> Option<(u64, String)> {
    match record.effects.status() {
        ExecutionStatus::Failure {
            error: ExecutionError::MoveAbort { location, code },
            ..
        } => Some((
            *code,
            format!("{}::{}", location.package.to_hex(), location.module),
        )),
        _ => None,
    }
}

fn ok(record: &TxRecord) -> bool {
    matches!(record.effects.status(), ExecutionStatus::Success)
}

fn lamport(record: &TxRecord) -> u64 {
    let sui_sdk_types::TransactionEffects::V2(effects) = &record.effects else {
        panic!("V2 effects")
    };
    effects.lamport_version
}

fn changed(record: &TxRecord, id: Address) -> Option<sui_sdk_types::ChangedObject> {
    let sui_sdk_types::TransactionEffects::V2(effects) = &record.effects else {
        panic!("V2 effects")
    };
    effects
        .changed_objects
        .iter()
        .find(|c| c.object_id == id)
        .cloned()
}

#[test]
fn table_add_borrow_replace_remove_across_transactions() {
    let mut chain = Chain::new();
    let table = chain.store().table.id;
    let field = dynamic_field_id(table, &TypeTag::U256, &key(1)).unwrap();

    // Transaction 1: add. The field is a new object owned by the table's UID.
    let added = chain.keyed("add", key(1), &[40]);
    assert!(ok(&added), "{:?}", added.effects.status());
    let change = changed(&added, field).expect("the new field is in the effects");
    assert_eq!(change.id_operation, IdOperation::Created);
    assert_eq!(change.input_state, ObjectIn::NotExist);
    let object = chain.objects[&field].clone();
    assert_eq!(*object.owner(), Owner::Object(table));
    let data = object.as_struct().unwrap();
    assert_eq!(data.object_type(), &field_type(TypeTag::U256, TypeTag::U64));
    assert!(!data.has_public_transfer());
    let mut expected = field.as_bytes().to_vec();
    expected.extend_from_slice(&key(1));
    expected.extend_from_slice(&40u64.to_le_bytes());
    assert_eq!(data.contents(), expected.as_slice());
    assert_eq!(object.version(), lamport(&added));
    assert_eq!(chain.store().table.size, 1);

    // Transaction 2: borrow (read only: the field is not in the effects).
    let got = chain.keyed("get", key(1), &[]);
    assert!(ok(&got));
    assert!(changed(&got, field).is_none());

    // Transaction 3: replace through borrow_mut; the field gets the new version.
    let bumped = chain.keyed("bump", key(1), &[]);
    assert!(ok(&bumped));
    let change = changed(&bumped, field).unwrap();
    assert_eq!(change.id_operation, IdOperation::None);
    assert!(matches!(change.output_state, ObjectOut::ObjectWrite { .. }));
    let data = chain.objects[&field].as_struct().unwrap().clone();
    assert_eq!(&data.contents()[64..], 41u64.to_le_bytes().as_slice());
    assert_eq!(chain.objects[&field].version(), lamport(&bumped));

    // Transaction 4: remove deletes the field object.
    let removed = chain.keyed("remove", key(1), &[]);
    assert!(ok(&removed));
    assert_eq!(
        changed(&removed, field).unwrap().id_operation,
        IdOperation::Deleted
    );
    assert!(removed.deleted.contains(&field));
    assert!(!chain.objects.contains_key(&field));
    assert_eq!(chain.store().table.size, 0);

    // Borrowing or removing it now aborts EFieldDoesNotExist in 0x2::dynamic_field.
    for function in ["get", "remove", "bump"] {
        let missing = chain.keyed(function, key(1), &[]);
        assert_eq!(
            abort_code(&missing),
            Some((
                E_FIELD_DOES_NOT_EXIST,
                format!("{}::dynamic_field", FRAMEWORK.to_hex())
            )),
            "{function}"
        );
    }
}

#[test]
fn duplicate_add_aborts_and_failed_transactions_leave_no_child() {
    let mut chain = Chain::new();
    let table = chain.store().table.id;

    let first = chain.keyed("add", key(2), &[1]);
    assert!(ok(&first));
    let again = chain.keyed("add", key(2), &[2]);
    assert_eq!(
        abort_code(&again),
        Some((
            E_FIELD_ALREADY_EXISTS,
            format!("{}::dynamic_field", FRAMEWORK.to_hex())
        ))
    );
    let field = dynamic_field_id(table, &TypeTag::U256, &key(2)).unwrap();
    assert!(changed(&again, field).is_none());
    assert_eq!(
        &chain.objects[&field].as_struct().unwrap().contents()[64..],
        1u64.to_le_bytes().as_slice()
    );

    // add succeeds, then the handler aborts: no field, and the store is unchanged.
    let failed = chain.keyed("add", key(3), &[5, 0]);
    assert_eq!(abort_code(&failed).map(|(c, _)| c), Some(9));
    let field = dynamic_field_id(table, &TypeTag::U256, &key(3)).unwrap();
    assert!(changed(&failed, field).is_none());
    assert!(failed.written.iter().all(|o| o.object_id() != field));
    assert!(!chain.objects.contains_key(&field));
    assert_eq!(chain.store().table.size, 1);
}

#[test]
fn make_move_vec_of_pure_values() {
    let mut chain = Chain::new();
    let record = chain.call("sum", |b, store| {
        let elements = (1..=200u64).map(|v| b.pure(&v)).collect();
        let vector = b.make_move_vec(Some(TypeTag::U64), elements);
        vec![store.unwrap(), vector]
    });
    assert!(ok(&record), "{:?}", record.effects.status());
    let table = chain.store().table.id;
    let field = dynamic_field_id(table, &TypeTag::U256, &key(0)).unwrap();
    let contents = chain.objects[&field]
        .as_struct()
        .unwrap()
        .contents()
        .to_vec();
    assert_eq!(contents[64..], (200 * 201 / 2u64).to_le_bytes());
}

#[test]
fn read_only_parents_give_read_only_children() {
    let mut chain = Chain::new();
    chain.keyed("add", key(4), &[7]);
    let (store, initial) = chain.store.unwrap();
    // The store passed immutably: borrowing works, borrow_mut does not.
    let read_only = |function: &str, chain: &mut Chain| {
        // `call` would add the store mutably; pass it ourselves.
        chain.store = None;
        let record = chain.call(function, move |b, _| {
            vec![
                b.object(ObjectInput::shared(store, initial, false)),
                b.pure(&key(4)),
            ]
        });
        chain.store = Some((store, initial));
        record
    };
    let got = read_only("get", &mut chain);
    assert!(ok(&got), "{:?}", got.effects.status());
    let bumped = read_only("bump", &mut chain);
    assert!(!ok(&bumped), "{:?}", bumped.effects);
}
