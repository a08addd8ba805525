//! The conservation check catches a broken handler: a Move call whose handler prints SUI out
//! of nothing is rejected with the violation named, and nothing it did reaches the chain.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use floe_devnet::{Devnet, DevnetConfig, GenesisAccount, HandlerRegistry};
use floe_sdk::{FloeClient, Keystore, tx};
use sui_sdk_types::{Address, StructTag};
use sui_transaction_builder::{Function, TransactionBuilder};

const PKG: Address = Address::new([0xbd; 32]);
const BUDGET: u64 = 10_000_000;

/// `broken::print(ctx)`: gives the sender a new 1 SUI coin, which no rule allows.
fn broken_registry() -> HandlerRegistry {
    let mut registry = HandlerRegistry::with_framework();
    registry.register(
        PKG,
        "broken",
        "print",
        Arc::new(|ctx, _types, _args| {
            let id = ctx.runtime.fresh_id();
            let contents = floe_devnet::objects::coin_contents(id, 1_000_000_000);
            ctx.runtime
                .create(id, StructTag::gas_coin(), true, contents);
            let sender = ctx.sender();
            ctx.transfer(id, sender)?;
            Ok(vec![])
        }),
    );
    registry
}

#[tokio::test]
async fn a_handler_printing_sui_is_rejected() {
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
    let devnet = Devnet::start_with(config, broken_registry()).await.unwrap();
    let mut client = FloeClient::connect(&devnet.rpc_url()).unwrap();
    let before = client.balance(a, "0x2::sui::SUI").await.unwrap();

    let gas = client.gas_for(a, BUDGET, &[]).await.unwrap();
    let mut builder = TransactionBuilder::new();
    builder.move_call(
        Function::new(PKG, "broken".parse().unwrap(), "print".parse().unwrap()),
        vec![],
    );
    let err = client
        .sign_and_execute(&tx::finish(builder, a, &gas, BUDGET).unwrap(), &key)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("SUI not conserved"),
        "the violation is named: {err}"
    );
    assert_eq!(client.balance(a, "0x2::sui::SUI").await.unwrap(), before);
    devnet.shutdown().await;
}
