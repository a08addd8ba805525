//! A programmable transaction's argument slots (its inputs and the values its commands
//! returned) and Sui's rule for using them: a value without `copy` is moved by its first use
//! by value (a Move call's by-value parameter, a `TransferObjects` object, a `MergeCoins`
//! source, a `MakeMoveVec` element), and any later use of it, by value or by reference, fails
//! the command with `CommandArgumentError::InvalidValueUsage` naming the argument, as on Sui.
//! Pure inputs are copyable; object inputs and results are copyable only if their Move type
//! has `copy`. The gas coin is not tracked here: its rules are the executor's.

use std::collections::BTreeSet;

use sui_sdk_types::{Address, Argument, CommandArgumentError, ExecutionError};

use crate::runtime::Value;

/// One slot a command can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Input(u16),
    Result(u16, u16),
}

/// The arguments of one transaction as its commands run.
pub(crate) struct Arguments<'a> {
    inputs: &'a [Value],
    /// Each command's values, with whether their type has `copy`.
    results: Vec<Vec<(Value, bool)>>,
    moved: BTreeSet<Slot>,
    /// Slots the running command borrowed: taking one of them in the same command is refused,
    /// as Sui refuses it.
    borrowed: BTreeSet<Slot>,
    gas_id: Address,
}

impl<'a> Arguments<'a> {
    pub(crate) fn new(inputs: &'a [Value], gas_id: Address) -> Self {
        Self {
            inputs,
            results: Vec::new(),
            moved: BTreeSet::new(),
            borrowed: BTreeSet::new(),
            gas_id,
        }
    }

    /// The gas coin (`Argument::Gas`).
    pub(crate) fn gas_id(&self) -> Address {
        self.gas_id
    }

    /// Called before each command.
    pub(crate) fn begin_command(&mut self) {
        self.borrowed.clear();
    }

    /// Records the values a command returned and whether each has `copy`.
    pub(crate) fn push_results(&mut self, values: Vec<(Value, bool)>) {
        self.results.push(values);
    }

    /// The argument used by value: moved unless it has `copy`.
    pub(crate) fn take(
        &mut self,
        argument: &Argument,
        position: u16,
    ) -> Result<Value, ExecutionError> {
        let (slot, value, copyable) = self.lookup(argument, position)?;
        if let Some(slot) = slot
            && !copyable
        {
            if self.borrowed.contains(&slot) {
                return Err(invalid_usage(position));
            }
            self.moved.insert(slot);
        }
        Ok(value)
    }

    /// The argument used by reference (`&` or `&mut`): it must not have been moved.
    pub(crate) fn borrow(
        &mut self,
        argument: &Argument,
        position: u16,
    ) -> Result<Value, ExecutionError> {
        let (slot, value, _) = self.lookup(argument, position)?;
        if let Some(slot) = slot {
            self.borrowed.insert(slot);
        }
        Ok(value)
    }

    /// Whether the argument's value has `copy` (the gas coin has not).
    pub(crate) fn copyable(&self, argument: &Argument) -> bool {
        match self.lookup_unchecked(argument) {
            Some((_, _, copyable)) => copyable,
            None => false,
        }
    }

    /// The slot, value and copyability of `argument`, refusing a moved value.
    fn lookup(
        &self,
        argument: &Argument,
        position: u16,
    ) -> Result<(Option<Slot>, Value, bool), ExecutionError> {
        let arg_error = |kind| ExecutionError::CommandArgumentError {
            argument: position,
            kind,
        };
        match *argument {
            Argument::Gas => return Ok((None, Value::Object(self.gas_id), false)),
            Argument::Input(i) if usize::from(i) >= self.inputs.len() => {
                return Err(arg_error(CommandArgumentError::IndexOutOfBounds {
                    index: i,
                }));
            }
            Argument::Result(i) => match self.results.get(usize::from(i)) {
                Some(values) if values.len() == 1 => {}
                Some(_) => {
                    return Err(arg_error(CommandArgumentError::InvalidResultArity {
                        result: i,
                    }));
                }
                None => {
                    return Err(arg_error(CommandArgumentError::IndexOutOfBounds {
                        index: i,
                    }));
                }
            },
            Argument::NestedResult(i, j)
                if self
                    .results
                    .get(usize::from(i))
                    .and_then(|values| values.get(usize::from(j)))
                    .is_none() =>
            {
                return Err(arg_error(CommandArgumentError::SecondaryIndexOutOfBounds {
                    result: i,
                    subresult: j,
                }));
            }
            _ => {}
        }
        let (slot, value, copyable) = self
            .lookup_unchecked(argument)
            .ok_or(ExecutionError::InvariantViolation)?;
        if let Some(slot) = slot
            && self.moved.contains(&slot)
        {
            return Err(invalid_usage(position));
        }
        Ok((slot, value, copyable))
    }

    fn lookup_unchecked(&self, argument: &Argument) -> Option<(Option<Slot>, Value, bool)> {
        match *argument {
            Argument::Gas => Some((None, Value::Object(self.gas_id), false)),
            Argument::Input(i) => {
                let value = self.inputs.get(usize::from(i))?;
                let copyable = matches!(value, Value::Pure(_));
                Some((Some(Slot::Input(i)), value.clone(), copyable))
            }
            Argument::Result(i) => {
                let (value, copyable) = self.results.get(usize::from(i))?.first()?;
                Some((Some(Slot::Result(i, 0)), value.clone(), *copyable))
            }
            Argument::NestedResult(i, j) => {
                let (value, copyable) = self.results.get(usize::from(i))?.get(usize::from(j))?;
                Some((Some(Slot::Result(i, j)), value.clone(), *copyable))
            }
        }
    }
}

/// Sui's error for a value used after it was moved (or taken while borrowed).
fn invalid_usage(position: u16) -> ExecutionError {
    ExecutionError::CommandArgumentError {
        argument: position,
        kind: CommandArgumentError::InvalidValueUsage,
    }
}
