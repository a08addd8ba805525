//! `floe-devnet bench`: simple transactions executed and checkpointed per second.
//!
//! Starts an in-process devnet on a loopback port, funds `concurrency` senders at
//! genesis, and has each send SUI payments in a closed loop over gRPC (signing each
//! one, chaining on the gas coin version the previous effects returned). The figure is
//! the number of transactions divided by the time until the last one is in a sealed
//! checkpoint.

use std::time::{Duration, Instant};

use floe_sdk::{FloeClient, Keystore};
use sui_sdk_types::Address;

use crate::config::{DevnetConfig, GenesisAccount, MIST_PER_SUI};
use crate::devnet::Devnet;

/// What a bench run measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub transactions: usize,
    pub concurrency: usize,
    pub executed_in: Duration,
    pub checkpointed_in: Duration,
    pub checkpoints: u64,
}

impl BenchReport {
    pub fn executed_per_second(&self) -> f64 {
        self.transactions as f64 / self.executed_in.as_secs_f64()
    }

    pub fn checkpointed_per_second(&self) -> f64 {
        self.transactions as f64 / self.checkpointed_in.as_secs_f64()
    }
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} payments from {} concurrent senders over gRPC",
            self.transactions, self.concurrency
        )?;
        writeln!(
            f,
            "executed (durable):   {:>8.2} s  {:>8.0} tx/s",
            self.executed_in.as_secs_f64(),
            self.executed_per_second()
        )?;
        write!(
            f,
            "checkpointed:         {:>8.2} s  {:>8.0} tx/s  ({} checkpoints)",
            self.checkpointed_in.as_secs_f64(),
            self.checkpointed_per_second(),
            self.checkpoints
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Devnet(#[from] crate::devnet::DevnetError),
    #[error(transparent)]
    Client(#[from] floe_sdk::ClientError),
    #[error("a sender has no gas coin")]
    NoGas,
    #[error("the last transaction did not reach a checkpoint in time")]
    Timeout,
}

/// Runs the benchmark with a fresh chain in `data_dir`.
pub async fn run(
    data_dir: std::path::PathBuf,
    transactions: usize,
    concurrency: usize,
    checkpoint_interval_ms: u64,
) -> Result<BenchReport, BenchError> {
    let concurrency = concurrency.max(1);
    let mut keys = Keystore::default();
    for _ in 0..concurrency {
        keys.generate();
    }
    let config = DevnetConfig {
        grpc_addr: "127.0.0.1:0".parse().expect("literal address"),
        faucet_addr: None,
        data_dir,
        checkpoint_interval_ms,
        accounts: keys
            .addresses()
            .into_iter()
            .map(|address| GenesisAccount {
                address,
                balance: 1_000_000 * MIST_PER_SUI,
                coins: 1,
            })
            .collect(),
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config).await?;
    let url = devnet.rpc_url();
    let start_checkpoint = devnet
        .shared
        .read()
        .latest_checkpoint()
        .map_or(0, |c| c.summary.sequence_number);

    let per_sender = transactions.div_ceil(concurrency);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for key in keys.keys().to_vec() {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let sender = floe_sdk::keystore::address_of(&key);
            let mut client = FloeClient::connect(&url)?;
            let mut gas = client.sui_coins(sender).await?;
            let mut gas = gas.pop().ok_or(BenchError::NoGas)?;
            let recipient = Address::derive_id(sui_sdk_types::Digest::ZERO, u64::MAX);
            let mut last = None;
            for _ in 0..per_sender {
                let tx = floe_sdk::tx::pay_sui(sender, &[gas], recipient, 1, 10_000_000)
                    .map_err(floe_sdk::ClientError::from)?;
                let signature =
                    floe_sdk::tx::sign(&tx, &key).map_err(floe_sdk::ClientError::from)?;
                let executed = client.execute_unchecked(&tx, vec![signature]).await?;
                let reference = executed
                    .object_ref(gas.object_id)
                    .ok_or(BenchError::NoGas)?;
                gas.version = reference.version();
                gas.digest = *reference.digest();
                last = Some(executed.digest);
            }
            Ok::<_, BenchError>(last)
        }));
    }
    let mut lasts = Vec::new();
    for task in tasks {
        if let Some(last) = task.await.expect("bench task does not panic")? {
            lasts.push(last);
        }
    }
    let executed_in = started.elapsed();

    // Wait until every sender's last transaction is sealed.
    let deadline = Instant::now() + crate::devnet::CHECKPOINT_WAIT;
    loop {
        let done = {
            let ledger = devnet.shared.read();
            lasts.iter().all(|d| {
                ledger
                    .transaction(d)
                    .is_some_and(|e| e.checkpoint.is_some())
            })
        };
        if done {
            break;
        }
        if Instant::now() > deadline {
            return Err(BenchError::Timeout);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let checkpointed_in = started.elapsed();
    let end_checkpoint = devnet
        .shared
        .read()
        .latest_checkpoint()
        .map_or(0, |c| c.summary.sequence_number);
    devnet.shutdown().await;
    Ok(BenchReport {
        transactions: per_sender * concurrency,
        concurrency,
        executed_in,
        checkpointed_in,
        checkpoints: end_checkpoint - start_checkpoint,
    })
}
