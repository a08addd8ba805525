//! Runs `floe_sdk::keeper` for the local network: the keeper advances epochs (through
//! `challenge::advance_epoch`, waiting for the epoch's last challenge deadline, which slashes
//! what is still unanswered), issues each epoch's challenges and slashes unanswered ones, with
//! gas from the devnet's faucet.

use std::time::Duration;

use floe_sdk::keeper::Keeper;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{Floe, FlowError, NetworkConfig};

/// Runs forever, checking the chain every `tick`; with `slashes` false it leaves missed
/// challenges to be slashed by someone else (`Keeper::leaving_slashing`).
pub async fn run(network: NetworkConfig, key: Ed25519PrivateKey, tick: Duration, slashes: bool) {
    let floe = loop {
        match connect(&network, &key).await {
            Ok(floe) => break floe,
            Err(e) => {
                tracing::warn!(error = %e, "keeper cannot connect yet");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    };
    let keeper = Keeper::new(floe);
    let keeper = if slashes {
        keeper
    } else {
        keeper.leaving_slashing()
    };
    keeper.run(tick).await;
}

async fn connect(network: &NetworkConfig, key: &Ed25519PrivateKey) -> Result<Floe, FlowError> {
    let floe = Floe::connect(network, key.clone()).await?;
    let faucet = network.faucet_url.as_deref();
    let mut client = floe.client.clone();
    if let Some(faucet) = faucet
        && client.sui_coins(floe.sender()).await?.is_empty()
        && let Err(e) = floe_sdk::faucet::request_gas(faucet, floe.sender()).await
    {
        tracing::warn!(error = %e, "keeper could not get gas from the faucet");
    }
    Ok(floe)
}
