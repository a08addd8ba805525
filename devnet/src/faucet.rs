//! The faucet: `POST /v2/gas` with `{"FixedAmountRequest": {"recipient": "0x…"}}`, the
//! same JSON API as Sui's faucets. It pays `faucet_amount` MIST from the faucet account
//! (funded at genesis, key in `faucet.keystore`) with an ordinary signed transaction, so
//! faucet coins show up in checkpoints like any transfer.
//!
//! `POST /v2/wal` with the same body (plus an optional `"amount"` in WAL base units, at most
//! `faucet_wal_max`) pays `faucet_wal_amount` WAL the same way: the faucet published the
//! `floe` package at genesis, so it holds the WAL supply, and it sends
//! `0x2::coin::split<WAL>` of its WAL coin to the recipient.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use floe_sdk::CoinRef;
use floe_sdk::sui_transaction_builder::{Function, TransactionBuilder};
use serde::Deserialize;
use serde_json::{Value, json};
use sui_sdk_types::{Address, Identifier, StructTag};

use crate::state::Shared;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GasRequest {
    fixed_amount_request: FixedAmountRequest,
}

#[derive(Deserialize)]
struct FixedAmountRequest {
    recipient: String,
    /// Only `/v2/wal` honours an amount (capped); `/v2/gas` pays the fixed amount as Sui's do.
    #[serde(default)]
    amount: Option<u64>,
}

/// What a request asks for.
#[derive(Clone, Copy)]
enum Asset {
    Sui,
    Wal,
}

struct FaucetState {
    shared: Arc<Shared>,
    /// One payment at a time: payments chain on the faucet's coin versions.
    lock: tokio::sync::Mutex<()>,
}

/// Serves the faucet on `listener` until `shutdown` flips.
pub async fn serve(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let state = Arc::new(FaucetState {
        shared,
        lock: tokio::sync::Mutex::new(()),
    });
    let app = axum::Router::new()
        .route("/v2/gas", post(gas))
        .route("/gas", post(gas))
        .route("/v2/wal", post(wal))
        .route(
            "/",
            get(|| async { "floe-devnet faucet: POST /v2/gas (SUI), POST /v2/wal (WAL)" }),
        )
        .with_state(state);
    // As on the gRPC port (`service::incoming`): without TCP_NODELAY a small write queued
    // behind an unacknowledged one waits for the client's delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on a faucet connection");
        }
    });
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "faucet stopped");
    }
}

fn failure(status: StatusCode, message: String) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({ "status": { "Failure": { "Internal": message } }, "coins_sent": null })),
    )
}

async fn gas(
    State(state): State<Arc<FaucetState>>,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    handle(&state, &body, Asset::Sui).await
}

async fn wal(
    State(state): State<Arc<FaucetState>>,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    handle(&state, &body, Asset::Wal).await
}

async fn handle(state: &FaucetState, body: &[u8], asset: Asset) -> (StatusCode, Json<Value>) {
    let request: GasRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return failure(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"FixedAmountRequest\": {{\"recipient\": \"0x…\"}}}}: {e}"),
            );
        }
    };
    let recipient: Address = match request.fixed_amount_request.recipient.parse() {
        Ok(a) => a,
        Err(e) => return failure(StatusCode::BAD_REQUEST, format!("bad recipient: {e}")),
    };
    let paid = match asset {
        Asset::Sui => pay(state, recipient).await,
        Asset::Wal => {
            let config = &state.shared.config;
            let amount = request
                .fixed_amount_request
                .amount
                .unwrap_or(config.faucet_wal_amount);
            if amount == 0 || amount > config.faucet_wal_max {
                return failure(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "amount must be between 1 and {} WAL base units",
                        config.faucet_wal_max
                    ),
                );
            }
            pay_wal(state, recipient, amount).await
        }
    };
    match paid {
        Ok(coin) => (
            StatusCode::OK,
            Json(json!({ "status": "Success", "coins_sent": [coin] })),
        ),
        Err(message) => failure(StatusCode::INTERNAL_SERVER_ERROR, message),
    }
}

async fn pay(state: &FaucetState, recipient: Address) -> Result<Value, String> {
    let _guard = state.lock.lock().await;
    let shared = &state.shared;
    let amount = shared.config.faucet_amount;
    let key = &shared.faucet_key;
    let sender = floe_sdk::keystore::address_of(key);
    let coins = owned_coins(shared, sender, &StructTag::gas_coin());
    let budget = floe_sdk::tx::DEFAULT_GAS_BUDGET;
    let gas = floe_sdk::tx::select_gas(&coins, amount.saturating_add(budget), &[])
        .map_err(|e| format!("the faucet is dry: {e}"))?;
    let tx = floe_sdk::tx::pay_sui(sender, &gas[..1], recipient, amount, budget)
        .map_err(|e| e.to_string())?;
    let (digest, coin) = submit(shared, tx, recipient).await?;
    tracing::info!(%recipient, amount, %coin, "faucet paid");
    Ok(json!({
        "amount": amount,
        "id": coin.to_string(),
        "transferTxDigest": digest.to_string(),
    }))
}

/// The faucet's coins of type `coin_type` (gas must be SUI: the faucet also owns WAL).
fn owned_coins(shared: &Shared, owner: Address, coin_type: &StructTag) -> Vec<CoinRef> {
    let ledger = shared.read();
    ledger
        .owned_objects(&owner, None)
        .filter(|o| crate::objects::struct_parts(o).is_some_and(|(t, _, _)| t == coin_type))
        .filter_map(floe_sdk::client::coin_ref)
        .collect()
}

/// Sends `amount` WAL base units from the faucet's largest WAL coin:
/// `0x2::coin::split<WAL>(coin, amount)`, then `TransferObjects` to the recipient.
async fn pay_wal(state: &FaucetState, recipient: Address, amount: u64) -> Result<Value, String> {
    let _guard = state.lock.lock().await;
    let shared = &state.shared;
    let key = &shared.faucet_key;
    let sender = floe_sdk::keystore::address_of(key);
    let wal = shared
        .faucet_token
        .clone()
        .ok_or("this chain has no token to pay (is the floe package published?)")?;
    let wal_coin = owned_coins(shared, sender, &StructTag::coin(wal.clone()))
        .into_iter()
        .max_by_key(|c| c.balance)
        .filter(|c| c.balance >= amount)
        .ok_or("the faucet has no WAL coin holding that much (is the floe package published?)")?;
    let budget = floe_sdk::tx::DEFAULT_GAS_BUDGET;
    let gas = floe_sdk::tx::select_gas(
        &owned_coins(shared, sender, &StructTag::gas_coin()),
        budget,
        &[],
    )
    .map_err(|e| format!("the faucet has no gas: {e}"))?;
    let mut builder = TransactionBuilder::new();
    let coin = builder.object(wal_coin.input());
    let value = builder.pure(&amount);
    let function = Function::new(
        crate::objects::FRAMEWORK,
        Identifier::from_static("coin"),
        Identifier::from_static("split"),
    )
    .with_type_args(vec![wal]);
    let part = builder.move_call(function, vec![coin, value]);
    let to = builder.pure(&recipient);
    builder.transfer_objects(vec![part], to);
    let tx = floe_sdk::tx::finish(builder, sender, &gas, budget).map_err(|e| e.to_string())?;
    let (digest, coin) = submit(shared, tx, recipient).await?;
    tracing::info!(%recipient, amount, %coin, "faucet paid WAL");
    Ok(json!({
        "amount": amount,
        "id": coin.to_string(),
        "transferTxDigest": digest.to_string(),
    }))
}

/// Signs and executes a faucet payment; returns its digest and the coin the recipient got.
async fn submit(
    shared: &Shared,
    tx: sui_sdk_types::Transaction,
    recipient: Address,
) -> Result<(sui_sdk_types::Digest, Address), String> {
    let signature = floe_sdk::tx::sign(&tx, &shared.faucet_key).map_err(|e| e.to_string())?;
    let entry = shared
        .submit(tx, vec![signature])
        .await
        .map_err(|e| e.to_string())?;
    let record = &entry.record;
    if !matches!(
        record.effects.status(),
        sui_sdk_types::ExecutionStatus::Success
    ) {
        return Err(format!(
            "the faucet's payment failed: {:?}",
            record.effects.status()
        ));
    }
    let coin = record
        .written
        .iter()
        .find(|o| crate::objects::address_owner(o) == Some(recipient))
        .ok_or("the faucet's payment created no coin")?;
    Ok((record.digest(), coin.object_id()))
}
