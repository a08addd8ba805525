//! Building and signing programmable transactions offline.
//!
//! Transactions are built with `sui-transaction-builder`'s offline `try_build`, so the
//! sdk needs no simulation RPC: gas coins are chosen here from the sender's SUI coins
//! (see [`select_gas`]) and the budget is set explicitly.

use sui_crypto::SuiSigner as _;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Digest, ObjectReference, Transaction, UserSignature};
use sui_transaction_builder::{ObjectInput, TransactionBuilder};

/// The gas price every Floe transaction offers: the devnet's reference gas price, and
/// Sui's long-standing one.
pub const DEFAULT_GAS_PRICE: u64 = 1_000;

/// A budget that comfortably covers the simple transactions of the flows.
pub const DEFAULT_GAS_BUDGET: u64 = 50_000_000;

/// A coin as found on chain: its reference and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoinRef {
    pub object_id: Address,
    pub version: u64,
    pub digest: Digest,
    pub balance: u64,
}

impl CoinRef {
    pub fn object_ref(&self) -> ObjectReference {
        ObjectReference::new(self.object_id, self.version, self.digest)
    }

    /// The coin as an owned-object input of a transaction.
    pub fn input(&self) -> ObjectInput {
        ObjectInput::owned(self.object_id, self.version, self.digest)
    }
}

/// Why a transaction could not be built or signed.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    #[error(
        "not enough SUI for gas: the sender's coins hold {available} MIST, the budget is {budget}"
    )]
    InsufficientGas { available: u64, budget: u64 },
    #[error("the sender owns no SUI coins to pay gas with; fund it first (faucet or genesis)")]
    NoGasCoins,
    #[error("cannot build the transaction: {0}")]
    Build(#[from] sui_transaction_builder::Error),
    #[error("cannot sign the transaction: {0}")]
    Sign(String),
}

/// Picks gas coins covering `budget`, largest first, leaving out `exclude` (coins the
/// transaction uses otherwise, since a coin cannot be both gas and an input).
pub fn select_gas(
    coins: &[CoinRef],
    budget: u64,
    exclude: &[Address],
) -> Result<Vec<CoinRef>, TxError> {
    let mut candidates: Vec<CoinRef> = coins
        .iter()
        .filter(|c| !exclude.contains(&c.object_id))
        .copied()
        .collect();
    if candidates.is_empty() {
        return Err(TxError::NoGasCoins);
    }
    candidates.sort_by(|a, b| {
        b.balance
            .cmp(&a.balance)
            .then(a.object_id.cmp(&b.object_id))
    });
    let mut chosen = Vec::new();
    let mut total: u64 = 0;
    for coin in candidates {
        // Sui accepts at most 256 gas coins.
        if total >= budget || chosen.len() == 256 {
            break;
        }
        total = total.saturating_add(coin.balance);
        chosen.push(coin);
    }
    if total < budget {
        return Err(TxError::InsufficientGas {
            available: total,
            budget,
        });
    }
    Ok(chosen)
}

/// Sets sender, gas coins, budget and price on `builder` and builds the transaction.
pub fn finish(
    mut builder: TransactionBuilder,
    sender: Address,
    gas: &[CoinRef],
    budget: u64,
) -> Result<Transaction, TxError> {
    builder.set_sender(sender);
    builder.set_gas_budget(budget);
    builder.set_gas_price(DEFAULT_GAS_PRICE);
    builder.add_gas_objects(gas.iter().map(CoinRef::input));
    Ok(builder.try_build()?)
}

/// Signs the transaction's intent message with an ed25519 key.
pub fn sign(transaction: &Transaction, key: &Ed25519PrivateKey) -> Result<UserSignature, TxError> {
    key.sign_transaction(transaction)
        .map_err(|e| TxError::Sign(e.to_string()))
}

/// Pays `amount` MIST of SUI from the gas coin to `recipient`.
pub fn pay_sui(
    sender: Address,
    gas: &[CoinRef],
    recipient: Address,
    amount: u64,
    budget: u64,
) -> Result<Transaction, TxError> {
    let mut builder = TransactionBuilder::new();
    let gas_arg = builder.gas();
    let amount = builder.pure(&amount);
    let coins = builder.split_coins(gas_arg, vec![amount]);
    let recipient = builder.pure(&recipient);
    builder.transfer_objects(coins, recipient);
    finish(builder, sender, gas, budget)
}

/// Transfers whole owned objects (coins or any object with `store`) to `recipient`.
pub fn transfer_objects(
    sender: Address,
    gas: &[CoinRef],
    objects: &[ObjectInput],
    recipient: Address,
    budget: u64,
) -> Result<Transaction, TxError> {
    let mut builder = TransactionBuilder::new();
    let args = objects.iter().map(|o| builder.object(o.clone())).collect();
    let recipient = builder.pure(&recipient);
    builder.transfer_objects(args, recipient);
    finish(builder, sender, gas, budget)
}

/// Splits `coin` into new coins of `amounts`, kept by the sender.
pub fn split_coin(
    sender: Address,
    gas: &[CoinRef],
    coin: ObjectInput,
    amounts: &[u64],
    budget: u64,
) -> Result<Transaction, TxError> {
    let mut builder = TransactionBuilder::new();
    let coin = builder.object(coin);
    let amounts = amounts.iter().map(|a| builder.pure(a)).collect();
    let parts = builder.split_coins(coin, amounts);
    let me = builder.pure(&sender);
    builder.transfer_objects(parts, me);
    finish(builder, sender, gas, budget)
}

/// Merges `sources` into `target`.
pub fn merge_coins(
    sender: Address,
    gas: &[CoinRef],
    target: ObjectInput,
    sources: &[ObjectInput],
    budget: u64,
) -> Result<Transaction, TxError> {
    let mut builder = TransactionBuilder::new();
    let target = builder.object(target);
    let sources = sources.iter().map(|s| builder.object(s.clone())).collect();
    builder.merge_coins(target, sources);
    finish(builder, sender, gas, budget)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sui_crypto::SuiVerifier as _;
    use sui_crypto::ed25519::Ed25519Verifier;

    fn coin(byte: u8, balance: u64) -> CoinRef {
        CoinRef {
            object_id: Address::new([byte; 32]),
            version: 1,
            digest: Digest::new([byte; 32]),
            balance,
        }
    }

    #[test]
    fn gas_selection_prefers_large_coins_and_reports_shortfall() {
        let coins = [coin(1, 10), coin(2, 100), coin(3, 50)];
        let chosen = select_gas(&coins, 120, &[]).unwrap();
        assert_eq!(
            chosen.iter().map(|c| c.balance).collect::<Vec<_>>(),
            vec![100, 50]
        );
        let err = select_gas(&coins, 120, &[Address::new([2; 32])]).unwrap_err();
        assert!(matches!(
            err,
            TxError::InsufficientGas {
                available: 60,
                budget: 120
            }
        ));
        assert!(matches!(select_gas(&[], 1, &[]), Err(TxError::NoGasCoins)));
    }

    #[test]
    fn built_transactions_verify() {
        let key = Ed25519PrivateKey::new([3u8; 32]);
        let sender = crate::keystore::address_of(&key);
        let tx = pay_sui(
            sender,
            &[coin(1, 1_000_000_000)],
            Address::TWO,
            5,
            10_000_000,
        )
        .unwrap();
        assert_eq!(tx.sender, sender);
        let sig = sign(&tx, &key).unwrap();
        Ed25519Verifier::new()
            .verify_transaction(&tx, &sig)
            .unwrap();
    }
}
