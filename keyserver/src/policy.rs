//! Evaluating a key request's `seal_approve*` calls: simulate the transaction as its user on
//! the chain and release keys only if it would succeed.
//!
//! The simulation runs with the user as sender against the chain's current objects and clock,
//! so a license's expiry, a receipt's consumer and lifetime are judged by the same rules that
//! execution would apply (the floe package's `license::seal_approve` and
//! `license::seal_approve_receipt`). Nothing is executed: a simulation writes nothing.
//!
//! Seal's servers simulate with no gas coin. Floe's devnet refuses a transaction without
//! one, so the server names one of the user's own SUI coins as gas (it is not spent); a user
//! with no SUI cannot be evaluated and gets `InvalidParameter`.

use floe_sdk::client::{ClientError, MoveAbortInfo};
use floe_sdk::sui_rpc::proto::sui::rpc::v2 as proto;
use floe_sdk::{FloeClient, tx};
use sui_sdk_types::{
    Address, ExecutionError, ExecutionStatus, GasPayment, Input, Transaction,
    TransactionExpiration, TransactionKind,
};

use crate::error::KeyServerError;
use crate::ptb::KeyRequestPtb;

/// The gas budget named in a simulation (MIST); nothing is charged.
pub const SIMULATION_BUDGET: u64 = tx::DEFAULT_GAS_BUDGET;

/// Evaluates key requests against one chain endpoint.
#[derive(Clone)]
pub struct PolicyChecker {
    client: FloeClient,
}

impl PolicyChecker {
    pub fn new(client: FloeClient) -> Self {
        Self { client }
    }

    /// `Ok` when simulating `request` as `user` succeeds; the abort, named, when it does not.
    pub async fn check(
        &self,
        user: Address,
        request: &KeyRequestPtb,
    ) -> Result<(), KeyServerError> {
        let mut client = self.client.clone();
        let owned: Vec<Address> = request
            .ptb
            .inputs
            .iter()
            .filter_map(|input| match input {
                Input::ImmutableOrOwned(reference) | Input::Receiving(reference) => {
                    Some(*reference.object_id())
                }
                _ => None,
            })
            .collect();
        let gas = client
            .gas_for(user, SIMULATION_BUDGET, &owned)
            .await
            .map_err(|e| match e {
                ClientError::Tx(e) => KeyServerError::InvalidParameter(format!(
                    "the user needs a SUI coin for the chain to simulate the policy with: {e}"
                )),
                e => KeyServerError::Failure(format!("looking up the user's gas coins: {e}")),
            })?;
        let transaction = Transaction {
            kind: TransactionKind::ProgrammableTransaction(request.ptb.clone()),
            sender: user,
            gas_payment: GasPayment {
                objects: gas.iter().map(|c| c.object_ref()).collect(),
                owner: user,
                price: tx::DEFAULT_GAS_PRICE,
                budget: SIMULATION_BUDGET,
            },
            expiration: TransactionExpiration::None,
        };
        let mut simulate = proto::SimulateTransactionRequest::default();
        simulate.transaction = Some(transaction.into());
        simulate.read_mask = Some(prost_types::FieldMask {
            paths: vec!["transaction.effects.status".to_owned()],
        });
        let response = client
            .raw()
            .execution_client()
            .simulate_transaction(simulate)
            .await
            .map_err(|status| match status.code() {
                tonic::Code::InvalidArgument | tonic::Code::NotFound => {
                    KeyServerError::InvalidParameter(status.message().to_owned())
                }
                _ => KeyServerError::Failure(format!("simulating the policy: {status}")),
            })?
            .into_inner();
        let status = response
            .transaction
            .as_ref()
            .and_then(|t| t.effects.as_ref())
            .and_then(|e| e.status.as_ref())
            .ok_or_else(|| {
                KeyServerError::Failure("the simulation reported no status".to_owned())
            })?;
        let status = ExecutionStatus::try_from(status)
            .map_err(|e| KeyServerError::Failure(format!("the simulation's status: {e}")))?;
        match status {
            ExecutionStatus::Success => Ok(()),
            ExecutionStatus::Failure { error, command } => Err(refusal(&error, command)),
        }
    }
}

/// A failed simulation in the user's terms: a floe abort by its constant's name and hint.
fn refusal(error: &ExecutionError, command: Option<u64>) -> KeyServerError {
    let at = command.map(|c| format!(" (call {c})")).unwrap_or_default();
    match error {
        ExecutionError::MoveAbort { location, code } => {
            let abort = MoveAbortInfo {
                package: location.package,
                module: location.module.to_string(),
                function: location.function_name.as_ref().map(ToString::to_string),
                code: *code,
            };
            match abort.floe_abort() {
                Some(named) => KeyServerError::NoAccess(format!("{named}{at}")),
                None => KeyServerError::NoAccess(format!("{abort}{at}")),
            }
        }
        ExecutionError::FunctionNotFound => {
            KeyServerError::InvalidPtb(format!("the seal_approve function was not found{at}"))
        }
        other => KeyServerError::NoAccess(format!("the policy failed{at}: {other:?}")),
    }
}
