//! An in-process chain for testing the `floe` package's handlers step by step, the way the
//! Move unit tests use `test_scenario`: the ledger, the executor and the Floe handlers with no
//! gRPC in between, and a clock the test moves (`advance_clock`), so epochs and deadlines
//! pass without waiting.
//!
//! Every call is a real programmable transaction: inputs are resolved from the ledger (owned
//! objects by reference, shared objects by initial version), executed by the same executor the
//! devnet runs, and its writes applied only when it succeeded... or failed (gas is charged and
//! mutable inputs get new versions, as on Sui). Return values come from the executor's
//! captured command outputs.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::result_large_err
)]

use std::collections::HashMap;
use std::sync::Arc;

use floe_devnet::HandlerRegistry;
use floe_devnet::execute::{self, CommandOutput, TxRecord};
use floe_devnet::floe::genesis::{
    FloeGenesis, NetworkGenesis, NetworkObjects, genesis_objects, genesis_with_network,
};
use floe_devnet::floe::{self, PACKAGE_ID};
use floe_devnet::ledger::Ledger;
use floe_devnet::objects;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sui_sdk_types::{
    Address, Argument, Command, Digest, Event, ExecutionError, ExecutionStatus, GasPayment,
    Identifier, Input, MoveCall, Object, ObjectReference, Owner, ProgrammableTransaction,
    SharedInput, StructTag, Transaction, TransactionExpiration, TransactionKind, TransferObjects,
    TypeTag,
};

/// Clock at genesis (ms).
pub const GENESIS_MS: u64 = 1_700_000_000_000;
/// SUI (MIST) every account gets for gas.
const GAS_MIST: u64 = 1_000_000_000_000;
const BUDGET: u64 = 50_000_000;

/// One argument of a command.
#[derive(Debug, Clone)]
pub enum Arg {
    /// BCS bytes of a pure value.
    Pure(Vec<u8>),
    /// An object from the ledger: owned by reference, shared as mutable, immutable as is.
    Obj(Address),
    /// A shared object passed read-only.
    ObjRead(Address),
    /// The single result of an earlier command of the same transaction.
    Result(u16),
    /// Result `j` of command `i`.
    Nested(u16, u16),
    /// The gas coin.
    Gas,
}

impl Arg {
    pub fn pure<T: Serialize>(value: &T) -> Self {
        Arg::Pure(bcs::to_bytes(value).unwrap())
    }
    pub fn obj(id: Address) -> Self {
        Arg::Obj(id)
    }
}

/// An object of the ledger, owned by reference or shared as mutable: what [`Arg::obj`] makes.
impl From<Address> for Arg {
    fn from(id: Address) -> Self {
        Arg::Obj(id)
    }
}

impl From<&Address> for Arg {
    fn from(id: &Address) -> Self {
        Arg::Obj(*id)
    }
}

// === Typed calls: constructors generated from the Move sources ===

/// A Rust type that stands for one pure Move type in [`call`]'s signatures: `u64` for `u64`,
/// `Address` for `address` and `ID`, `String` for `String`, `Vec<T>` for `vector<T>`. Only
/// those implement it, so a Move parameter retyped is a type error at every call site.
pub trait MovePure: Serialize {}

macro_rules! move_pure {
    ($($t:ty),*) => { $(impl MovePure for $t {})* };
}
move_pure!(
    u8,
    u16,
    u32,
    u64,
    u128,
    bool,
    Address,
    String,
    floe_sdk::move_types::U256
);
impl<T: MovePure> MovePure for Vec<T> {}
impl<T: MovePure> MovePure for Option<T> {}

/// A pure argument of Move type `T` (as [`MovePure`] names it): a value of that type,
/// borrowed or owned, or any [`Arg`], for an earlier command's result or bytes a test crafts
/// on purpose (a `String` that is not UTF-8).
pub struct Pure<T: ?Sized> {
    arg: Arg,
    ty: std::marker::PhantomData<T>,
}

impl<T: ?Sized> Pure<T> {
    fn bcs<V: Serialize + ?Sized>(value: &V) -> Self {
        Self::from(Arg::Pure(bcs::to_bytes(value).unwrap()))
    }

    pub fn arg(self) -> Arg {
        self.arg
    }
}

impl<T: ?Sized> From<Arg> for Pure<T> {
    fn from(arg: Arg) -> Self {
        Self {
            arg,
            ty: std::marker::PhantomData,
        }
    }
}

impl<T: MovePure> From<T> for Pure<T> {
    fn from(value: T) -> Self {
        Self::bcs(&value)
    }
}

impl<T: MovePure> From<&T> for Pure<T> {
    fn from(value: &T) -> Self {
        Self::bcs(value)
    }
}

impl From<&str> for Pure<String> {
    fn from(value: &str) -> Self {
        Self::bcs(value)
    }
}

impl From<&&str> for Pure<String> {
    fn from(value: &&str) -> Self {
        Self::bcs(*value)
    }
}

impl<T: MovePure> From<&[T]> for Pure<Vec<T>> {
    fn from(value: &[T]) -> Self {
        Self::bcs(value)
    }
}

impl<T: MovePure, const N: usize> From<[T; N]> for Pure<Vec<T>> {
    fn from(value: [T; N]) -> Self {
        Self::bcs(&value[..])
    }
}

impl<T: MovePure, const N: usize> From<&[T; N]> for Pure<Vec<T>> {
    fn from(value: &[T; N]) -> Self {
        Self::bcs(&value[..])
    }
}

impl From<&[&str]> for Pure<Vec<String>> {
    fn from(value: &[&str]) -> Self {
        Self::bcs(value)
    }
}

impl From<Vec<&str>> for Pure<Vec<String>> {
    fn from(value: Vec<&str>) -> Self {
        Self::bcs(&value)
    }
}

impl From<&Vec<&str>> for Pure<Vec<String>> {
    fn from(value: &Vec<&str>) -> Self {
        Self::bcs(value)
    }
}

/// An `ID` is an address on the wire.
impl From<floe_sdk::move_types::ID> for Pure<Address> {
    fn from(value: floe_sdk::move_types::ID) -> Self {
        Self::bcs(&value)
    }
}

impl From<&floe_sdk::move_types::ID> for Pure<Address> {
    fn from(value: &floe_sdk::move_types::ID) -> Self {
        Self::bcs(value)
    }
}

/// One constructor per Move function a transaction can call (`call::<module>::<function>`),
/// generated from `move/floe/sources` by `devnet/build/test_calls.rs`: the Move parameter names
/// in order, `TxContext` left out and the `Clock` and `Random` filled in; an object parameter
/// takes an [`Arg`] (or an `Address`, as [`Arg::obj`]), a pure one a [`Pure`] of its Move type.
/// A Move signature change is a compile error at every call site.
#[allow(unused_imports)]
pub mod call {
    use super::{Arg, Cmd, Pure, clock, random};
    use floe_sdk::move_types::U256;
    use sui_sdk_types::{Address, TypeTag};

    include!(concat!(env!("OUT_DIR"), "/test_calls.rs"));
}

/// One command of a programmable transaction.
#[derive(Debug, Clone)]
pub enum Cmd {
    /// `floe::module::function<type_args>(args)`.
    Call {
        module: String,
        function: String,
        type_args: Vec<TypeTag>,
        args: Vec<Arg>,
    },
    /// A call into any package (e.g. `0x2::coin::split`).
    CallAt {
        package: Address,
        module: String,
        function: String,
        type_args: Vec<TypeTag>,
        args: Vec<Arg>,
    },
    /// `TransferObjects(objects, recipient)`.
    Transfer(Vec<Arg>, Address),
}

impl Cmd {
    /// `floe::module::function(args)` named at run time. Tests call through [`call`], whose
    /// typed constructors follow the Move signatures; this is for the few tests that call
    /// something wrong on purpose (a function no transaction may call, a wrong argument count).
    pub fn call(module: &str, function: &str, args: Vec<Arg>) -> Self {
        Cmd::Call {
            module: module.to_owned(),
            function: function.to_owned(),
            type_args: vec![],
            args,
        }
    }

    /// `module::function` of a Move call, for a table-driven test's messages.
    pub fn name(&self) -> String {
        match self {
            Cmd::Call {
                module, function, ..
            }
            | Cmd::CallAt {
                module, function, ..
            } => format!("{module}::{function}"),
            Cmd::Transfer(..) => "TransferObjects".to_owned(),
        }
    }
}

/// A transaction that executed successfully.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub record: TxRecord,
    /// Return values of each command.
    pub outputs: Vec<Vec<CommandOutput>>,
}

impl Outcome {
    pub fn events(&self) -> Vec<Event> {
        self.record
            .events
            .as_ref()
            .map(|e| e.0.clone())
            .unwrap_or_default()
    }

    /// The events of type `floe::events::<name>`, decoded.
    pub fn events_named<T: DeserializeOwned>(&self, name: &str) -> Vec<T> {
        self.events()
            .into_iter()
            .filter(|e| e.type_ == floe::tag("events", name))
            .map(|e| bcs::from_bytes(&e.contents).unwrap())
            .collect()
    }

    /// The one event of type `floe::events::<name>`.
    pub fn event<T: DeserializeOwned>(&self, name: &str) -> T {
        let mut all = self.events_named::<T>(name);
        assert_eq!(all.len(), 1, "expected exactly one {name} event");
        all.remove(0)
    }

    /// Return value `j` of command `i`, decoded.
    pub fn ret<T: DeserializeOwned>(&self, i: usize, j: usize) -> T {
        bcs::from_bytes(&self.outputs[i][j].bcs).unwrap()
    }

    /// Objects created by this transaction whose type is `floe::module::name` (any type
    /// parameters), in the order the executor wrote them.
    pub fn created(&self, module: &str, name: &str) -> Vec<Address> {
        self.record
            .written
            .iter()
            .filter(|o| {
                objects::struct_parts(o).is_some_and(|(t, _, _)| {
                    t.address() == &PACKAGE_ID
                        && t.module().as_str() == module
                        && t.name().as_str() == name
                })
            })
            .filter(|o| o.version() == self.lamport_version())
            .filter(|o| !self.was_input(&o.object_id()))
            .map(|o| o.object_id())
            .collect()
    }

    fn lamport_version(&self) -> u64 {
        self.record
            .written
            .iter()
            .map(|o| o.version())
            .max()
            .unwrap_or(0)
    }

    fn was_input(&self, id: &Address) -> bool {
        let sui_sdk_types::TransactionEffects::V2(effects) = &self.record.effects else {
            return false;
        };
        effects.changed_objects.iter().any(|c| {
            c.object_id == *id && !matches!(c.input_state, sui_sdk_types::ObjectIn::NotExist)
        })
    }
}

/// A failed transaction: the error and the command that raised it (boxed: errors are large).
pub type Failure = Box<Failed>;

/// What [`Failure`] holds.
#[derive(Debug, Clone)]
pub struct Failed {
    pub error: ExecutionError,
    pub command: Option<u64>,
}

impl Failed {
    /// `(module, code)` of a Move abort; panics for other errors.
    pub fn abort(&self) -> (String, u64) {
        match &self.error {
            ExecutionError::MoveAbort { location, code } => {
                (location.module.as_str().to_owned(), *code)
            }
            other => panic!("expected a Move abort, got {other:?}"),
        }
    }
}

/// The in-process chain.
pub struct Chain {
    pub ledger: Ledger,
    registry: HandlerRegistry,
    /// The clock transactions see (ms).
    pub now_ms: u64,
    pub genesis: FloeGenesis,
    /// Published the package: holds all WAL and the `AdminCap`.
    pub publisher: Address,
    next_account: u8,
    accounts: Vec<Address>,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// Genesis: Clock, Random, the `floe` package published by `publisher`, gas for it.
    pub fn new() -> Self {
        let publisher = Self::publisher_address();
        let (objects, genesis) =
            genesis_objects(publisher, GENESIS_MS, Digest::new([0x9e; 32]), 1).unwrap();
        Self::from_genesis(publisher, objects, genesis)
    }

    /// Like [`Self::new`], plus the `System` and `network`'s nodes registered, staked and
    /// (when there are nodes) seated as the epoch-1 committee, as `floe-devnet` starts.
    pub fn with_network(network: &NetworkGenesis) -> (Self, NetworkObjects) {
        let publisher = Self::publisher_address();
        let (objects, genesis, started) =
            genesis_with_network(publisher, GENESIS_MS, Digest::new([0x9e; 32]), 1, network)
                .unwrap();
        (Self::from_genesis(publisher, objects, genesis), started)
    }

    /// The address that publishes the package in tests.
    pub fn publisher_address() -> Address {
        Address::new([0xa0; 32])
    }

    fn from_genesis(publisher: Address, floe_objects: Vec<Object>, genesis: FloeGenesis) -> Self {
        let mut ledger = Ledger::default();
        let mut objects = vec![objects::clock(GENESIS_MS), objects::random()];
        objects.extend(floe_objects);
        ledger.apply_genesis(&objects);
        let mut registry = HandlerRegistry::with_framework();
        floe::register(&mut registry);
        let mut chain = Self {
            ledger,
            registry,
            now_ms: GENESIS_MS,
            genesis,
            publisher,
            next_account: 1,
            accounts: vec![],
        };
        chain.fund_gas(publisher);
        chain
    }

    fn fund_gas(&mut self, owner: Address) {
        let mut id = [0u8; 32];
        id[0] = 0x6a;
        id[1..].copy_from_slice(&owner.as_bytes()[..31]);
        let coin = objects::gas_coin(Address::new(id), GAS_MIST, owner, 1);
        self.ledger.apply_genesis(&[coin]);
    }

    /// A fresh account with SUI for gas (no WAL: see [`Self::give_wal`]).
    pub fn new_account(&mut self) -> Address {
        let address = Address::new([self.next_account; 32]);
        self.next_account += 1;
        self.fund_gas(address);
        self.accounts.push(address);
        address
    }

    /// Moves the clock forward.
    pub fn advance_clock(&mut self, ms: u64) {
        self.now_ms += ms;
    }

    pub fn object_raw(&self, id: Address) -> &Object {
        self.ledger
            .get_object(&id)
            .unwrap_or_else(|| panic!("object {id} does not exist"))
    }

    pub fn exists(&self, id: Address) -> bool {
        self.ledger.get_object(&id).is_some()
    }

    /// An object's contents decoded as the generated type `T`.
    pub fn object<T: DeserializeOwned>(&self, id: Address) -> T {
        let object = self.object_raw(id);
        let (_, contents, _) = objects::struct_parts(object).expect("a Move object");
        bcs::from_bytes(contents).unwrap()
    }

    pub fn owner(&self, id: Address) -> Owner {
        *self.object_raw(id).owner()
    }

    /// Objects of type `floe::module::name` owned by `owner`.
    pub fn owned(&self, owner: Address, module: &str, name: &str) -> Vec<Address> {
        self.ledger
            .owned_objects(&owner, None)
            .filter(|o| {
                objects::struct_parts(o).is_some_and(|(t, _, _)| {
                    t.address() == &PACKAGE_ID
                        && t.module().as_str() == module
                        && t.name().as_str() == name
                })
            })
            .map(|o| o.object_id())
            .collect()
    }

    /// `owner`'s `Coin<WAL>` objects and their values.
    pub fn wal_coins(&self, owner: Address) -> Vec<(Address, u64)> {
        let coin_tag = floe::wal_coin_tag();
        self.ledger
            .owned_objects(&owner, None)
            .filter_map(|o| {
                let (t, contents, _) = objects::struct_parts(o)?;
                (*t == coin_tag).then(|| (o.object_id(), objects::coin_value(contents).unwrap()))
            })
            .collect()
    }

    /// `owner`'s total WAL.
    pub fn wal_balance(&self, owner: Address) -> u64 {
        self.wal_coins(owner).iter().map(|(_, v)| v).sum()
    }

    /// Sends `amount` WAL from the publisher to `to` as a new coin; returns the coin's ID.
    pub fn give_wal(&mut self, to: Address, amount: u64) -> Address {
        let from = self.publisher;
        self.wal_coin(from, amount, to)
    }

    /// Splits `amount` off one of `from`'s WAL coins into a new coin owned by `to`.
    pub fn wal_coin(&mut self, from: Address, amount: u64, to: Address) -> Address {
        let (source, value) = self
            .wal_coins(from)
            .into_iter()
            .max_by_key(|(_, v)| *v)
            .expect("the sender has WAL");
        assert!(value >= amount, "{from} has too little WAL in one coin");
        let outcome = self
            .ptb(
                from,
                vec![
                    Cmd::CallAt {
                        package: Address::TWO,
                        module: "coin".into(),
                        function: "split".into(),
                        type_args: vec![floe::wal_type()],
                        args: vec![Arg::Obj(source), Arg::pure(&amount)],
                    },
                    Cmd::Transfer(vec![Arg::Result(0)], to),
                ],
            )
            .expect("splitting a WAL coin");
        let written: Vec<Address> = outcome
            .record
            .written
            .iter()
            .filter(|o| o.owner() == &Owner::Address(to) && o.object_id() != source)
            .filter(|o| {
                objects::struct_parts(o).is_some_and(|(t, _, _)| *t == floe::wal_coin_tag())
            })
            .map(|o| o.object_id())
            .collect();
        assert_eq!(written.len(), 1);
        written[0]
    }

    /// Rewrites an object's contents in the ledger with `value` (same type, owner and
    /// version): what a test needs to put an object in a state no transaction of this package
    /// produces, e.g. a shared object migrated by another version of the package.
    pub fn set_object<T: Serialize>(&mut self, id: Address, value: &T) {
        let object = self.object_raw(id).clone();
        let (type_, _, has_public_transfer) =
            objects::struct_parts(&object).expect("a Move object");
        let replaced = objects::move_object(
            type_.clone(),
            has_public_transfer,
            object.version(),
            bcs::to_bytes(value).unwrap(),
            *object.owner(),
            object.previous_transaction(),
        );
        self.ledger.apply_genesis(&[replaced]);
    }

    /// Reads object `id` as `T`, lets `change` edit it and writes it back ([`Self::set_object`]).
    pub fn edit_object<T: DeserializeOwned + Serialize>(
        &mut self,
        id: Address,
        change: impl FnOnce(&mut T),
    ) {
        let mut value: T = self.object(id);
        change(&mut value);
        self.set_object(id, &value);
    }

    /// One command, typically a Move call made with [`call`] (`call::model::register_model(…)`).
    pub fn call(&mut self, sender: Address, command: Cmd) -> Result<Outcome, Failure> {
        self.ptb(sender, vec![command])
    }

    /// A Move call whose single return value (an object) is transferred to the sender.
    pub fn call_keep(&mut self, sender: Address, command: Cmd) -> Result<Outcome, Failure> {
        self.ptb(
            sender,
            vec![command, Cmd::Transfer(vec![Arg::Result(0)], sender)],
        )
    }

    /// Why the executor refuses to run `commands` as `sender` at all (before any Move code:
    /// e.g. an owned input that is not the sender's), or `None` if it would run them.
    pub fn rejection(&self, sender: Address, commands: Vec<Cmd>) -> Option<String> {
        let tx = self.build(sender, commands);
        execute::simulate(&self.ledger, &self.registry, &tx, self.now_ms)
            .err()
            .map(|rejection| rejection.to_string())
    }

    /// Runs a programmable transaction as `sender` at the current clock. On success its
    /// writes are applied; on failure only the gas (and versions) change, as on Sui.
    pub fn ptb(&mut self, sender: Address, commands: Vec<Cmd>) -> Result<Outcome, Failure> {
        let tx = self.build(sender, commands);
        self.run(tx)
    }

    /// Executes `tx` at the current clock: on success its writes are applied; on failure only
    /// the gas (and versions) change, as on Sui.
    fn run(&mut self, tx: Transaction) -> Result<Outcome, Failure> {
        let simulation = execute::simulate(&self.ledger, &self.registry, &tx, self.now_ms)
            .unwrap_or_else(|rejection| panic!("transaction rejected: {rejection}"));
        let record = simulation.record;
        let status = record.effects.status().clone();
        self.ledger.apply(Arc::new(record.clone()));
        match status {
            ExecutionStatus::Success => Ok(Outcome {
                record,
                outputs: simulation.command_outputs,
            }),
            ExecutionStatus::Failure { error, command } => Err(Box::new(Failed { error, command })),
        }
    }

    fn build(&self, sender: Address, commands: Vec<Cmd>) -> Transaction {
        let mut inputs: Vec<Input> = Vec::new();
        let mut input_index: HashMap<Address, u16> = HashMap::new();
        let mut arg = |inputs: &mut Vec<Input>, a: &Arg| -> Argument {
            match a {
                Arg::Pure(bytes) => {
                    inputs.push(Input::Pure(bytes.clone()));
                    Argument::Input(inputs.len() as u16 - 1)
                }
                Arg::Obj(id) | Arg::ObjRead(id) => {
                    if let Some(i) = input_index.get(id) {
                        return Argument::Input(*i);
                    }
                    let object = self.object_raw(*id);
                    let input = match object.owner() {
                        Owner::Shared(initial) => {
                            Input::Shared(SharedInput::new(*id, *initial, matches!(a, Arg::Obj(_))))
                        }
                        _ => Input::ImmutableOrOwned(ObjectReference::new(
                            *id,
                            object.version(),
                            object.digest(),
                        )),
                    };
                    inputs.push(input);
                    let i = inputs.len() as u16 - 1;
                    input_index.insert(*id, i);
                    Argument::Input(i)
                }
                Arg::Result(i) => Argument::Result(*i),
                Arg::Nested(i, j) => Argument::NestedResult(*i, *j),
                Arg::Gas => Argument::Gas,
            }
        };
        let mut built = Vec::new();
        for command in &commands {
            built.push(match command {
                Cmd::Call {
                    module,
                    function,
                    type_args,
                    args,
                } => Command::MoveCall(MoveCall {
                    package: PACKAGE_ID,
                    module: Identifier::new(module).unwrap(),
                    function: Identifier::new(function).unwrap(),
                    type_arguments: type_args.clone(),
                    arguments: args.iter().map(|a| arg(&mut inputs, a)).collect(),
                }),
                Cmd::CallAt {
                    package,
                    module,
                    function,
                    type_args,
                    args,
                } => Command::MoveCall(MoveCall {
                    package: *package,
                    module: Identifier::new(module).unwrap(),
                    function: Identifier::new(function).unwrap(),
                    type_arguments: type_args.clone(),
                    arguments: args.iter().map(|a| arg(&mut inputs, a)).collect(),
                }),
                Cmd::Transfer(objects, to) => {
                    let objects = objects.iter().map(|a| arg(&mut inputs, a)).collect();
                    let address = arg(&mut inputs, &Arg::pure(to));
                    Command::TransferObjects(TransferObjects { objects, address })
                }
            });
        }
        let gas = self
            .ledger
            .owned_objects(&sender, None)
            .find(|o| objects::struct_parts(o).is_some_and(|(t, _, _)| *t == StructTag::gas_coin()))
            .unwrap_or_else(|| panic!("{sender} has no gas coin (use chain.new_account())"));
        Transaction {
            kind: TransactionKind::ProgrammableTransaction(ProgrammableTransaction {
                inputs,
                commands: built,
            }),
            sender,
            gas_payment: GasPayment {
                objects: vec![ObjectReference::new(
                    gas.object_id(),
                    gas.version(),
                    gas.digest(),
                )],
                owner: sender,
                price: execute::REFERENCE_GAS_PRICE,
                budget: BUDGET,
            },
            expiration: TransactionExpiration::None,
        }
    }
}

/// The shared Clock and Random objects as arguments.
pub fn clock() -> Arg {
    Arg::ObjRead(objects::CLOCK_ID)
}

pub fn random() -> Arg {
    Arg::ObjRead(objects::RANDOM_ID)
}

/// The Move name of abort `code` of `module` (from the table generated from the Move sources),
/// for a failed assertion's message; tests compare codes with `floe_sdk::move_aborts`.
pub fn abort_name(module: &str, code: u64) -> &'static str {
    floe_sdk::aborts::lookup(module, code).map_or("an unknown abort", |a| a.name)
}

/// `value` as a Move `u256` (its low 8 bytes).
pub fn u256(value: u64) -> floe_sdk::move_types::U256 {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&value.to_le_bytes());
    floe_sdk::move_types::u256_from_le(bytes)
}

/// A `floe::blob::Blob` of `blob_id` owned by `owner`, written straight into the ledger (what
/// `model_tests` gets from storing a blob with the committee's real signature): certified in
/// epoch 0 when `certified`, its storage ending at `end_epoch`. Returns its object ID, unique
/// per `(owner, blob_id, certified, end_epoch, seq)`.
pub fn plant_blob(
    chain: &mut Chain,
    owner: Address,
    blob_id: u64,
    certified: bool,
    end_epoch: u64,
    seq: u8,
) -> Address {
    let mut id = [0xb1u8; 32];
    id[1..9].copy_from_slice(&blob_id.to_le_bytes());
    id[9] = u8::from(certified);
    id[10..18].copy_from_slice(&end_epoch.to_le_bytes());
    id[18] = seq;
    id[19..].copy_from_slice(&owner.as_bytes()[..13]);
    let id = Address::new(id);
    let mut storage_id = id.into_inner();
    storage_id[0] = 0x5e;
    let blob = floe_sdk::move_types::blob::Blob::new(
        floe_sdk::move_types::uid(id),
        0,
        u256(blob_id),
        u256(blob_id + 1),
        0,
        1,
        certified.then_some(0),
        floe_sdk::move_types::blob::Storage::new(
            floe_sdk::move_types::uid(Address::new(storage_id)),
            0,
            end_epoch,
            1 << 20,
        ),
        false,
    );
    let object = objects::move_object(
        floe::tag("blob", "Blob"),
        true,
        1,
        bcs::to_bytes(&blob).unwrap(),
        Owner::Address(owner),
        Digest::new([0x7e; 32]),
    );
    chain.ledger.apply_genesis(&[object]);
    id
}

// === Typed calls: the sdk's builders, generated from the Move sources ===

/// A transaction under construction for [`Chain::tx`]: the sdk's builder, the package's
/// objects as its typed call builders (`floe_sdk::calls::<module>::<function>`) take them, and
/// the chain to look up the objects a call passes. A Move signature change changes those
/// builders, so every test calling through them stops compiling until it is updated.
pub struct Tx<'a> {
    pub builder: sui_transaction_builder::TransactionBuilder,
    pub floe: floe_sdk::calls::FloeObjects,
    chain: &'a Chain,
}

impl Tx<'_> {
    /// An owned (or immutable) object of the ledger as an input, at its current version.
    pub fn owned(&mut self, id: Address) -> sui_transaction_builder::Argument {
        let object = self.chain.object_raw(id);
        self.builder
            .object(sui_transaction_builder::ObjectInput::owned(
                id,
                object.version(),
                object.digest(),
            ))
    }

    /// A shared object (`Model`, `LicenseOffer`, …) as the builders take it.
    pub fn shared(&self, id: Address) -> floe_sdk::calls::SharedObject {
        self.chain.shared(id)
    }

    /// Sends `objects` (results of earlier calls) to `to`.
    pub fn transfer(&mut self, objects: Vec<sui_transaction_builder::Argument>, to: Address) {
        let to = self.builder.pure(&to);
        self.builder.transfer_objects(objects, to);
    }
}

impl Chain {
    /// `id` as a shared-object input: its ID and the version it was shared at.
    pub fn shared(&self, id: Address) -> floe_sdk::calls::SharedObject {
        match self.object_raw(id).owner() {
            Owner::Shared(initial) => floe_sdk::calls::SharedObject::new(id, *initial),
            other => panic!("{id} is not shared (owner {other:?})"),
        }
    }

    /// The package's objects for the sdk's builders. `System` is the one `create_system`
    /// shared, if any (a placeholder before, which no call can use).
    pub fn floe_objects(&self) -> floe_sdk::calls::FloeObjects {
        let system_tag = floe::tag("system", "System");
        let system = self
            .ledger
            .objects()
            .find(|o| objects::struct_parts(o).is_some_and(|(t, _, _)| *t == system_tag))
            .map(|o| self.shared(o.object_id()))
            .unwrap_or(floe_sdk::calls::SharedObject::new(Address::ZERO, 0));
        floe_sdk::calls::FloeObjects {
            package: PACKAGE_ID,
            original_package: PACKAGE_ID,
            system,
            treasury: self.shared(self.genesis.treasury),
            blob_registry: self.shared(self.genesis.blob_registry),
            challenge_board: self.shared(self.genesis.challenge_board),
        }
    }

    /// Builds a transaction with the sdk's typed call builders (`build` adds the calls) and
    /// runs it as `sender`, like [`Self::ptb`].
    pub fn tx(
        &mut self,
        sender: Address,
        build: impl FnOnce(&mut Tx<'_>),
    ) -> Result<Outcome, Failure> {
        let mut tx = Tx {
            builder: sui_transaction_builder::TransactionBuilder::new(),
            floe: self.floe_objects(),
            chain: self,
        };
        build(&mut tx);
        let builder = tx.builder;
        let gas = self
            .ledger
            .owned_objects(&sender, None)
            .find(|o| objects::struct_parts(o).is_some_and(|(t, _, _)| *t == StructTag::gas_coin()))
            .unwrap_or_else(|| panic!("{sender} has no gas coin (use chain.new_account())"));
        let gas = floe_sdk::tx::CoinRef {
            object_id: gas.object_id(),
            version: gas.version(),
            digest: gas.digest(),
            balance: 0,
        };
        let transaction = floe_sdk::tx::finish(builder, sender, &[gas], BUDGET).unwrap();
        self.run(transaction)
    }
}
