//! The faucet: `POST /v2/gas` with `{"FixedAmountRequest": {"recipient": "0x…"}}`, the
//! same JSON API as Sui's faucets. It pays `faucet_amount` MIST from the faucet account
//! (funded at genesis, key in `faucet.keystore`) with an ordinary signed transaction, so
//! faucet coins show up in checkpoints like any transfer.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sui_sdk_types::Address;

use crate::node::Shared;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GasRequest {
    fixed_amount_request: FixedAmountRequest,
}

#[derive(Deserialize)]
struct FixedAmountRequest {
    recipient: String,
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
        .route("/", get(|| async { "floe-devnet faucet: POST /v2/gas" }))
        .with_state(state);
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
    let request: GasRequest = match serde_json::from_slice(&body) {
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
    match pay(&state, recipient).await {
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
    let coins: Vec<floe_sdk::CoinRef> = {
        let ledger = shared.read();
        ledger
            .owned_objects(&sender, None)
            .filter_map(floe_sdk::client::coin_ref)
            .collect()
    };
    let budget = floe_sdk::tx::DEFAULT_GAS_BUDGET;
    let gas = floe_sdk::tx::select_gas(&coins, amount.saturating_add(budget), &[])
        .map_err(|e| format!("the faucet is dry: {e}"))?;
    let tx = floe_sdk::tx::pay_sui(sender, &gas[..1], recipient, amount, budget)
        .map_err(|e| e.to_string())?;
    let signature = floe_sdk::tx::sign(&tx, key).map_err(|e| e.to_string())?;
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
    tracing::info!(%recipient, amount, coin = %coin.object_id(), "faucet paid");
    Ok(json!({
        "amount": amount,
        "id": coin.object_id().to_string(),
        "transferTxDigest": record.digest().to_string(),
    }))
}
