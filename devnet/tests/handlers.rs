//! Move-call handlers plugged into an in-process devnet: shared objects, events, aborts.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use floe_devnet::devnet::{GenesisContext, GenesisError, GenesisHook};
use floe_devnet::runtime::Value;
use floe_devnet::{Devnet, DevnetConfig, GenesisAccount, HandlerRegistry};
use floe_sdk::client::ClientError;
use floe_sdk::{FloeClient, Keystore, tx};
use futures::StreamExt as _;
use sui_sdk_types::{Address, Identifier, ObjectData, Owner, StructTag, TypeTag};
use sui_transaction_builder::{Function, ObjectInput, TransactionBuilder};

const PKG: Address = Address::new([0xf1; 32]);
const BUDGET: u64 = 10_000_000;

fn tag(name: &'static str) -> StructTag {
    StructTag::new(
        PKG,
        Identifier::from_static("counter"),
        Identifier::from_static(name),
        vec![],
    )
}

/// `counter::create(ctx)`: shares a new `Counter { id, value: 0 }`.
/// `counter::bump(c: &mut Counter, by: u64)`: aborts 7 when `by == 0`, emits `Bumped`.
fn registry() -> HandlerRegistry {
    let mut registry = HandlerRegistry::with_framework();
    registry.register(
        PKG,
        "counter",
        "create",
        Arc::new(|ctx, _types, _args| {
            let id = ctx.runtime.fresh_id();
            let mut contents = id.as_bytes().to_vec();
            contents.extend_from_slice(&0u64.to_le_bytes());
            ctx.runtime.create(id, tag("Counter"), false, contents);
            ctx.runtime.get_mut(&id)?.owner = Some(Owner::Shared(0));
            Ok(vec![])
        }),
    );
    registry.register(
        PKG,
        "counter",
        "bump",
        Arc::new(|ctx, _types, args: Vec<Value>| {
            let id = ctx.object_id(&args[0], 0)?;
            let by: u64 = ctx.pure(&args[1], 1)?;
            if by == 0 {
                return Err(ctx.abort(7));
            }
            let counter = ctx.runtime.get_mut(&id)?;
            let value = u64::from_le_bytes(counter.contents[32..40].try_into().unwrap()) + by;
            counter.contents[32..40].copy_from_slice(&value.to_le_bytes());
            ctx.emit(tag("Bumped"), value.to_le_bytes().to_vec());
            Ok(vec![])
        }),
    );
    registry
}

#[tokio::test]
async fn handlers_share_objects_emit_events_and_abort() {
    let dir = tempfile::tempdir().unwrap();
    let mut keys = Keystore::default();
    let a = keys.generate();
    let key = keys.key(&a).unwrap().clone();
    let config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: None,
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        accounts: vec![GenesisAccount {
            address: a,
            balance: 10_000_000_000,
            coins: 1,
        }],
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start_with(config, registry()).await.unwrap();
    let mut client = FloeClient::connect(&devnet.rpc_url()).unwrap();
    let call = |name: &str| Function::new(PKG, "counter".parse().unwrap(), name.parse().unwrap());

    let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
    let mut builder = TransactionBuilder::new();
    builder.move_call(call("create"), vec![]);
    let created = client
        .sign_and_execute(&tx::finish(builder, a, &gas, BUDGET).unwrap(), &key)
        .await
        .unwrap();
    let counter = created.created()[0].clone();
    let Owner::Shared(initial) = counter.owner else {
        panic!("the counter is shared: {:?}", counter.owner);
    };
    let counter_id = *counter.reference.object_id();

    let bump = |client: &mut FloeClient, by: u64| {
        let mut client = client.clone();
        let key = key.clone();
        async move {
            let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
            let mut builder = TransactionBuilder::new();
            let c = builder.object(ObjectInput::shared(counter_id, initial, true));
            let by = builder.pure(&by);
            builder.move_call(call("bump"), vec![c, by]);
            let tx = tx::finish(builder, a, &gas, BUDGET).unwrap();
            client.sign_and_execute(&tx, &key).await
        }
    };
    let bumped = bump(&mut client, 5).await.unwrap();
    assert_eq!(bumped.events.len(), 1);
    assert_eq!(bumped.events[0].type_, tag("Bumped"));

    // An abort names the code, module and function, and changes nothing.
    let err = bump(&mut client, 0).await.unwrap_err();
    let ClientError::ExecutionFailed(failure) = &err else {
        panic!("expected an abort, got {err}");
    };
    let abort = failure.abort.as_ref().unwrap();
    assert_eq!((abort.code, abort.module.as_str()), (7, "counter"));
    assert_eq!(abort.function.as_deref(), Some("bump"));
    assert!(err.to_string().contains("abort code 7"), "{err}");
    let object = client.object(counter_id).await.unwrap();
    let contents = object.as_struct().unwrap().contents();
    assert_eq!(u64::from_le_bytes(contents[32..40].try_into().unwrap()), 5);

    // The event arrives through the event stream, filtered by package.
    let mut events = Box::pin(client.stream_events(Some(0), Some(PKG)));
    let event = events.next().await.unwrap().unwrap();
    assert_eq!(event.transaction, bumped.digest);
    assert_eq!(event.event.contents, 5u64.to_le_bytes().to_vec());
    drop(events);
    devnet.shutdown().await;
}

/// `Counter { id: UID, value: u64 }` as a serde type.
#[derive(serde::Serialize, serde::Deserialize)]
struct Counter {
    id: Address,
    value: u64,
}

/// A genesis hook: the package object, a shared counter at 3 and one dynamic field of it.
fn counter_genesis(created: Arc<std::sync::Mutex<Option<Address>>>) -> GenesisHook {
    Box::new(
        move |ctx: &mut GenesisContext<'_>| -> Result<Vec<_>, GenesisError> {
            let id = ctx.fresh_id();
            *created.lock().unwrap() = Some(id);
            let counter = ctx.move_object(
                tag("Counter"),
                false,
                &Counter { id, value: 3 },
                Owner::Shared(0),
            )?;
            let field = ctx.field_object(id, &TypeTag::U64, &1u64, &TypeTag::U64, &99u64)?;
            Ok(vec![ctx.package(PKG, Default::default()), counter, field])
        },
    )
}

#[tokio::test]
async fn genesis_hooks_add_packages_shared_objects_and_fields_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut keys = Keystore::default();
    let a = keys.generate();
    let key = keys.key(&a).unwrap().clone();
    let config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        faucet_addr: None,
        data_dir: dir.path().to_owned(),
        checkpoint_interval_ms: 20,
        accounts: vec![GenesisAccount {
            address: a,
            balance: 10_000_000_000,
            coins: 1,
        }],
        ..DevnetConfig::default()
    };
    let created = Arc::new(std::sync::Mutex::new(None));
    let devnet = Devnet::start_with_genesis(
        config.clone(),
        registry(),
        vec![counter_genesis(created.clone())],
    )
    .await
    .unwrap();
    let counter_id = created.lock().unwrap().unwrap();
    let mut client = FloeClient::connect(&devnet.rpc_url()).unwrap();

    let package = client.object(PKG).await.unwrap();
    assert!(matches!(package.data(), ObjectData::Package(p) if p.id == PKG));
    let counter = client.object(counter_id).await.unwrap();
    assert_eq!(*counter.owner(), Owner::Shared(1));
    let field_id = counter_id.derive_dynamic_child_id(&TypeTag::U64, &1u64.to_le_bytes());
    let field = client.object(field_id).await.unwrap();
    assert_eq!(*field.owner(), Owner::Object(counter_id));

    // The genesis counter is an ordinary shared object: bump it.
    let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
    let mut builder = TransactionBuilder::new();
    let c = builder.object(ObjectInput::shared(counter_id, 1, true));
    let by = builder.pure(&4u64);
    builder.move_call(
        Function::new(PKG, "counter".parse().unwrap(), "bump".parse().unwrap()),
        vec![c, by],
    );
    let bumped = client
        .sign_and_execute(&tx::finish(builder, a, &gas, BUDGET).unwrap(), &key)
        .await
        .unwrap();
    assert_eq!(bumped.events[0].contents, 7u64.to_le_bytes().to_vec());
    devnet.shutdown().await;

    // A restart replays genesis from the log; hooks are not run again.
    let devnet = Devnet::start_with_genesis(
        config,
        registry(),
        vec![Box::new(
            |_: &mut GenesisContext<'_>| -> Result<Vec<_>, GenesisError> {
                panic!("genesis hooks run only on an empty data directory")
            },
        )],
    )
    .await
    .unwrap();
    let mut client = FloeClient::connect(&devnet.rpc_url()).unwrap();
    assert!(client.object(PKG).await.is_ok());
    assert!(client.object(field_id).await.is_ok());
    let counter = client.object(counter_id).await.unwrap();
    let contents = counter.as_struct().unwrap().contents();
    assert_eq!(u64::from_le_bytes(contents[32..40].try_into().unwrap()), 7);
    devnet.shutdown().await;
}
