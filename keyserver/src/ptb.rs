//! The form of a key request's transaction, checked before anything touches the chain.
//!
//! As Seal's servers require: at least one input and one command; every command a Move call
//! into the same package, to a function whose name starts with `seal_approve`, whose first
//! argument is a pure input holding the BCS `vector<u8>` identity. Nothing else may run, so
//! simulating the transaction can only evaluate policies, and each call names the one key it
//! asks for.

use sui_sdk_types::{Address, Argument, Command, Input, ProgrammableTransaction};

use crate::error::KeyServerError;

/// Most `seal_approve*` calls (keys) one request may ask for.
pub const MAX_CALLS: usize = 64;

/// A transaction of the form above, with the package it calls and the inner identities it
/// asks keys for (one per call, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequestPtb {
    pub ptb: ProgrammableTransaction,
    pub package: Address,
    pub inner_ids: Vec<Vec<u8>>,
}

impl KeyRequestPtb {
    /// Parses the BCS bytes and checks the form. Bytes that decode but do not re-encode to
    /// themselves are refused too, so the signed bytes are the transaction simulated.
    pub fn parse(bytes: &[u8]) -> Result<Self, KeyServerError> {
        let ptb: ProgrammableTransaction = bcs::from_bytes(bytes).map_err(|e| {
            KeyServerError::InvalidPtb(format!("not a BCS programmable transaction: {e}"))
        })?;
        if bcs::to_bytes(&ptb).ok().as_deref() != Some(bytes) {
            return Err(KeyServerError::InvalidPtb(
                "the transaction's BCS is not canonical".to_owned(),
            ));
        }
        Self::check(ptb)
    }

    pub fn check(ptb: ProgrammableTransaction) -> Result<Self, KeyServerError> {
        let invalid = |why: &str| Err(KeyServerError::InvalidPtb(why.to_owned()));
        if ptb.inputs.is_empty() || ptb.commands.is_empty() {
            return invalid("it has no inputs or no commands");
        }
        if ptb.commands.len() > MAX_CALLS {
            return Err(KeyServerError::InvalidPtb(format!(
                "it asks for {} keys; at most {MAX_CALLS} per request",
                ptb.commands.len()
            )));
        }
        let mut package = None;
        let mut inner_ids = Vec::with_capacity(ptb.commands.len());
        for (index, command) in ptb.commands.iter().enumerate() {
            let Command::MoveCall(call) = command else {
                return Err(KeyServerError::InvalidPtb(format!(
                    "command {index} is not a Move call"
                )));
            };
            if !call.function.as_str().starts_with("seal_approve") {
                return Err(KeyServerError::InvalidPtb(format!(
                    "command {index} calls {}::{}, not a seal_approve* function",
                    call.module, call.function
                )));
            }
            match package {
                None => package = Some(call.package),
                Some(first) if first != call.package => {
                    return Err(KeyServerError::InvalidPtb(format!(
                        "command {index} calls package {}, command 0 package {first}: one package per request",
                        call.package
                    )));
                }
                Some(_) => {}
            }
            let id = match call.arguments.first() {
                Some(Argument::Input(i)) => match ptb.inputs.get(usize::from(*i)) {
                    Some(Input::Pure(bytes)) => bcs::from_bytes::<Vec<u8>>(bytes).ok(),
                    _ => None,
                },
                _ => None,
            };
            let Some(id) = id.filter(|id| !id.is_empty()) else {
                return Err(KeyServerError::InvalidPtb(format!(
                    "command {index}'s first argument is not a pure, non-empty vector<u8> identity"
                )));
            };
            inner_ids.push(id);
        }
        let package = package.expect("at least one command, checked above");
        Ok(Self {
            ptb,
            package,
            inner_ids,
        })
    }
}

/// The key request for `id` under `license::seal_approve`-style policies: one call
/// `package::module::function(id, objects…)`. Builds the transaction a client signs.
pub fn approve_call(
    package: Address,
    module: &str,
    function: &str,
    id: &[u8],
    objects: Vec<Input>,
) -> Result<ProgrammableTransaction, KeyServerError> {
    let identifier = |name: &str| {
        sui_sdk_types::Identifier::new(name)
            .map_err(|_| KeyServerError::InvalidPtb(format!("{name:?} is not a Move identifier")))
    };
    let mut inputs = vec![Input::Pure(bcs::to_bytes(id).expect("bytes serialize"))];
    inputs.extend(objects);
    let arguments = (0..inputs.len())
        .map(|i| Argument::Input(u16::try_from(i).expect("a handful of inputs")))
        .collect();
    Ok(ProgrammableTransaction {
        inputs,
        commands: vec![Command::MoveCall(sui_sdk_types::MoveCall {
            package,
            module: identifier(module)?,
            function: identifier(function)?,
            type_arguments: vec![],
            arguments,
        })],
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use sui_sdk_types::{Identifier, MoveCall, TransferObjects};

    fn call(package: Address, function: &str, args: Vec<Argument>) -> Command {
        Command::MoveCall(MoveCall {
            package,
            module: Identifier::new("license").unwrap(),
            function: Identifier::new(function).unwrap(),
            type_arguments: vec![],
            arguments: args,
        })
    }

    fn pure_id(id: &[u8]) -> Input {
        Input::Pure(bcs::to_bytes(id).unwrap())
    }

    const P: Address = Address::new([5; 32]);

    #[test]
    fn accepts_seal_approve_calls_and_lists_their_ids() {
        let ptb = ProgrammableTransaction {
            inputs: vec![pure_id(&[1, 2]), pure_id(&[3])],
            commands: vec![
                call(P, "seal_approve", vec![Argument::Input(0)]),
                call(
                    P,
                    "seal_approve_receipt",
                    vec![Argument::Input(1), Argument::Input(0)],
                ),
            ],
        };
        let bytes = bcs::to_bytes(&ptb).unwrap();
        let parsed = KeyRequestPtb::parse(&bytes).unwrap();
        assert_eq!(parsed.package, P);
        assert_eq!(parsed.inner_ids, vec![vec![1, 2], vec![3]]);
    }

    fn refused(ptb: ProgrammableTransaction) -> String {
        match KeyRequestPtb::check(ptb) {
            Err(KeyServerError::InvalidPtb(why)) => why,
            other => panic!("expected InvalidPtb, got {other:?}"),
        }
    }

    #[test]
    fn refuses_everything_else() {
        let empty = ProgrammableTransaction {
            inputs: vec![],
            commands: vec![],
        };
        assert!(refused(empty).contains("no inputs"));
        let other_function = ProgrammableTransaction {
            inputs: vec![pure_id(&[1])],
            commands: vec![call(P, "consume", vec![Argument::Input(0)])],
        };
        assert!(refused(other_function).contains("not a seal_approve"));
        let two_packages = ProgrammableTransaction {
            inputs: vec![pure_id(&[1])],
            commands: vec![
                call(P, "seal_approve", vec![Argument::Input(0)]),
                call(
                    Address::new([6; 32]),
                    "seal_approve",
                    vec![Argument::Input(0)],
                ),
            ],
        };
        assert!(refused(two_packages).contains("one package"));
        let transfer = ProgrammableTransaction {
            inputs: vec![pure_id(&[1])],
            commands: vec![
                call(P, "seal_approve", vec![Argument::Input(0)]),
                Command::TransferObjects(TransferObjects {
                    objects: vec![Argument::Gas],
                    address: Argument::Input(0),
                }),
            ],
        };
        assert!(refused(transfer).contains("not a Move call"));
        let gas_first = ProgrammableTransaction {
            inputs: vec![pure_id(&[1])],
            commands: vec![call(P, "seal_approve", vec![Argument::Gas])],
        };
        assert!(refused(gas_first).contains("first argument"));
        let empty_id = ProgrammableTransaction {
            inputs: vec![pure_id(&[])],
            commands: vec![call(P, "seal_approve", vec![Argument::Input(0)])],
        };
        assert!(refused(empty_id).contains("first argument"));
        let no_args = ProgrammableTransaction {
            inputs: vec![pure_id(&[1])],
            commands: vec![call(P, "seal_approve", vec![])],
        };
        assert!(refused(no_args).contains("first argument"));
    }

    #[test]
    fn refuses_bytes_that_are_not_a_transaction() {
        assert!(matches!(
            KeyRequestPtb::parse(&[1, 2, 3]),
            Err(KeyServerError::InvalidPtb(_))
        ));
        let ptb = approve_call(P, "license", "seal_approve", &[1], vec![]).unwrap();
        let mut bytes = bcs::to_bytes(&ptb).unwrap();
        bytes.push(0);
        assert!(matches!(
            KeyRequestPtb::parse(&bytes),
            Err(KeyServerError::InvalidPtb(_))
        ));
    }
}
