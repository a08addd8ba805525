//! `floe::memory` on the devnet: the scenarios of `move/floe/tests/memory_tests.move` with the
//! same expectations (a Move `expected_failure` is a transaction that aborts with the same
//! module and code, read from the Move sources). `seal_approve_memory` runs here as the key
//! servers run it: a transaction of that one call, as the requester.
#![allow(clippy::unwrap_used)]

mod support;

use floe_devnet::floe::genesis::NetworkGenesis;
use floe_sdk::move_aborts;
use floe_sdk::move_types::events::{
    MemoryCreated, MemoryDelegateGranted, MemoryDelegateRevoked, MemoryEntryAppended,
};
use floe_sdk::move_types::memory::{Entry, Memory};
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::Address;
use support::{Arg, Chain, Failure, Outcome, call, plant_blob};

const HOUR_MS: u64 = 3_600_000;

fn assert_abort<T>(result: Result<T, Failure>, module: &str, code: u64) {
    let name = support::abort_name(module, code);
    match result {
        Ok(_) => panic!("expected {module}::{name}, the transaction succeeded"),
        Err(failure) => assert_eq!(failure.abort(), (module.to_owned(), code), "{name}"),
    }
}

struct World {
    chain: Chain,
    owner: Address,
    agent: Address,
    stranger: Address,
    memory: Address,
    /// Blobs planted so far (a fresh sequence number for each).
    planted: u8,
}

/// `memory_tests::setup`: the owner creates a memory.
fn setup() -> World {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: HOUR_MS,
        nodes: vec![],
    };
    let (mut chain, _started) = Chain::with_network(&network);
    let owner = chain.new_account();
    let agent = chain.new_account();
    let stranger = chain.new_account();
    let outcome = chain.call(owner, call::memory::create()).unwrap();
    let created: MemoryCreated = outcome.event("MemoryCreated");
    assert_eq!(created.owner, move_address(owner));
    let memory = move_types::address_of(&created.memory_id);
    assert_eq!(move_types::address_of(&outcome.ret::<ID>(0, 0)), memory);
    World {
        chain,
        owner,
        agent,
        stranger,
        memory,
        planted: 0,
    }
}

fn move_address(a: Address) -> moverox::types::Address {
    moverox::types::Address::new(a.into_inner())
}

/// The memory's identity of `generation`: its ID bytes and the generation, 8 bytes LE.
fn identity(memory: Address, generation: u64) -> Vec<u8> {
    let mut id = memory.as_bytes().to_vec();
    id.extend_from_slice(&generation.to_le_bytes());
    id
}

impl World {
    /// A certified (or not) blob owned by `who`.
    fn blob(&mut self, who: Address, certified: bool) -> Address {
        self.planted += 1;
        plant_blob(&mut self.chain, who, 0x3e3, certified, 5, self.planted)
    }

    /// `who` appends `blob`, encrypted under the memory's current generation.
    fn append_blob(&mut self, who: Address, blob: Address) -> Result<Outcome, Failure> {
        let generation = self.memory().generation;
        self.append_blob_at(who, blob, generation)
    }

    /// `who` appends `blob`, naming `generation` as the one it was encrypted under.
    fn append_blob_at(
        &mut self,
        who: Address,
        blob: Address,
        generation: u64,
    ) -> Result<Outcome, Failure> {
        let memory = self.memory;
        self.chain.call(
            who,
            call::memory::append(memory, Arg::ObjRead(blob), generation),
        )
    }

    /// `granted_generation(memory, agent)`, as the owner.
    fn granted_generation(&mut self, agent: Address) -> Result<u64, Failure> {
        let (memory, owner) = (self.memory, self.owner);
        Ok(self
            .chain
            .call(
                owner,
                call::memory::granted_generation(Arg::ObjRead(memory), agent),
            )?
            .ret::<u64>(0, 0))
    }

    /// `who` appends a fresh certified blob of its own; returns the entry's number.
    fn append(&mut self, who: Address) -> Result<u64, Failure> {
        let blob = self.blob(who, true);
        Ok(self.append_blob(who, blob)?.ret::<u64>(0, 0))
    }

    fn grant(&mut self, who: Address, agent: Address, can_write: bool) -> Result<Outcome, Failure> {
        let memory = self.memory;
        self.chain
            .call(who, call::memory::grant(memory, agent, can_write))
    }

    fn revoke(&mut self, who: Address, agent: Address) -> Result<Outcome, Failure> {
        let memory = self.memory;
        self.chain.call(who, call::memory::revoke(memory, agent))
    }

    /// The key servers' check: `seal_approve_memory(id, memory)` as `who`.
    fn approve_id(&mut self, who: Address, id: Vec<u8>) -> Result<Outcome, Failure> {
        let memory = self.memory;
        self.chain.call(
            who,
            call::memory::seal_approve_memory(&id, Arg::ObjRead(memory)),
        )
    }

    fn approve(&mut self, who: Address, generation: u64) -> Result<Outcome, Failure> {
        let id = identity(self.memory, generation);
        self.approve_id(who, id)
    }

    fn memory(&self) -> Memory {
        self.chain.object(self.memory)
    }

    /// Entry `index`, through `entry_at`.
    fn entry(&mut self, index: u64) -> Result<Entry, Failure> {
        let memory = self.memory;
        let owner = self.owner;
        Ok(self
            .chain
            .call(owner, call::memory::entry_at(Arg::ObjRead(memory), index))?
            .ret::<Entry>(0, 0))
    }
}

#[test]
fn owner_and_delegate_append_and_read_and_revoke_bumps_the_generation() {
    let mut w = setup();
    let (owner, agent) = (w.owner, w.agent);
    assert_eq!(w.append(owner).unwrap(), 0);
    assert_eq!(w.append(owner).unwrap(), 1);
    let granted: MemoryDelegateGranted = w
        .grant(owner, agent, true)
        .unwrap()
        .event("MemoryDelegateGranted");
    assert!(granted.can_write);
    assert_eq!(granted.generation, 0);
    let blob = w.blob(agent, true);
    let appended: MemoryEntryAppended = w
        .append_blob(agent, blob)
        .unwrap()
        .event("MemoryEntryAppended");
    assert_eq!(appended.index, 2);
    assert_eq!(appended.generation, 0);
    assert_eq!(appended.appended_by, move_address(agent));
    assert_eq!(move_types::address_of(&appended.blob_object_id), blob);
    w.approve(agent, 0).unwrap();
    w.approve(owner, 0).unwrap();

    let revoked: MemoryDelegateRevoked = w
        .revoke(owner, agent)
        .unwrap()
        .event("MemoryDelegateRevoked");
    assert_eq!(revoked.generation, 1);
    assert_eq!(w.append(owner).unwrap(), 3);
    w.approve(owner, 1).unwrap();
    w.approve(owner, 0).unwrap();

    let memory = w.memory();
    assert_eq!(memory.owner, move_address(owner));
    assert_eq!(memory.generation, 1);
    assert_eq!(memory.entry_count, 4);
    assert!(memory.delegates.is_empty());
    assert_eq!(memory.entries.size, 4);
    assert_eq!(w.entry(0).unwrap().generation, 0);
    let third = w.entry(2).unwrap();
    assert_eq!(third.generation, 0);
    assert_eq!(third.appended_by, move_address(agent));
    assert_eq!(w.entry(3).unwrap().generation, 1);
    let memory_id = w.memory;
    let identity_ret: Vec<u8> = w
        .chain
        .call(owner, call::memory::identity(Arg::ObjRead(memory_id), 1u64))
        .unwrap()
        .ret(0, 0);
    assert_eq!(identity_ret, identity(memory_id, 1));
}

#[test]
fn a_read_only_delegate_reads_but_cannot_append() {
    let mut w = setup();
    let (owner, agent, stranger) = (w.owner, w.agent, w.stranger);
    w.append(owner).unwrap();
    w.grant(owner, agent, false).unwrap();
    w.approve(agent, 0).unwrap();
    assert_abort(w.append(agent), "memory", move_aborts::memory::E_NOT_WRITER);
    let memory_id = w.memory;
    for (who, expected) in [(owner, true), (agent, false), (stranger, false)] {
        let can: bool = w
            .chain
            .call(
                owner,
                call::memory::can_append(Arg::ObjRead(memory_id), who),
            )
            .unwrap()
            .ret(0, 0);
        assert_eq!(can, expected);
    }
}

#[test]
fn strangers_cannot_append_grant_revoke_or_decrypt() {
    let mut w = setup();
    let (owner, agent, stranger) = (w.owner, w.agent, w.stranger);
    w.append(owner).unwrap();
    assert_abort(
        w.append(stranger),
        "memory",
        move_aborts::memory::E_NOT_WRITER,
    );
    assert_abort(
        w.grant(stranger, stranger, true),
        "memory",
        move_aborts::memory::E_NOT_OWNER,
    );
    assert_abort(
        w.approve(stranger, 0),
        "memory",
        move_aborts::memory::E_NO_ACCESS,
    );
    w.grant(owner, agent, true).unwrap();
    // A delegate, even with write, neither grants nor revokes.
    assert_abort(
        w.grant(agent, stranger, false),
        "memory",
        move_aborts::memory::E_NOT_OWNER,
    );
    assert_abort(
        w.revoke(agent, agent),
        "memory",
        move_aborts::memory::E_NOT_OWNER,
    );
    assert_abort(
        w.revoke(stranger, agent),
        "memory",
        move_aborts::memory::E_NOT_OWNER,
    );
}

#[test]
fn a_revoked_agent_gets_no_key_and_cannot_append() {
    let mut w = setup();
    let (owner, agent) = (w.owner, w.agent);
    w.grant(owner, agent, true).unwrap();
    let held = w.blob(agent, true);
    w.approve(agent, 0).unwrap();
    w.revoke(owner, agent).unwrap();
    w.append(owner).unwrap();
    // Not the new generation's key, nor the old one's.
    assert_abort(
        w.approve(agent, 1),
        "memory",
        move_aborts::memory::E_NO_ACCESS,
    );
    assert_abort(
        w.approve(agent, 0),
        "memory",
        move_aborts::memory::E_NO_ACCESS,
    );
    assert_abort(
        w.append_blob(agent, held),
        "memory",
        move_aborts::memory::E_NOT_WRITER,
    );
    // Granted again, it reads again.
    w.grant(owner, agent, false).unwrap();
    w.approve(agent, 1).unwrap();
}

/// `memory_tests::an_append_encrypted_before_a_revoke_aborts` and
/// `an_append_after_a_revoke_names_the_new_generation`: a writer reads generation 0 and
/// encrypts under it, the owner revokes a reader, and the append naming 0 aborts; encrypted
/// again under 1, the same blob appends and is recorded under 1. Naming a generation ahead
/// of the current one aborts too.
#[test]
fn an_append_encrypted_before_a_revoke_aborts() {
    let mut w = setup();
    let (owner, agent, reader) = (w.owner, w.agent, w.stranger);
    w.grant(owner, agent, true).unwrap();
    w.grant(owner, reader, false).unwrap();
    let read = w.memory().generation;
    assert_eq!(read, 0);
    let blob = w.blob(agent, true);
    w.revoke(owner, reader).unwrap();
    assert_abort(
        w.append_blob_at(agent, blob, read),
        "memory",
        move_aborts::memory::E_STALE_GENERATION,
    );
    assert_abort(
        w.append_blob_at(agent, blob, 2),
        "memory",
        move_aborts::memory::E_STALE_GENERATION,
    );
    assert_eq!(w.memory().entry_count, 0);
    let appended: MemoryEntryAppended = w
        .append_blob_at(agent, blob, 1)
        .unwrap()
        .event("MemoryEntryAppended");
    assert_eq!(appended.generation, 1);
    assert_eq!(w.entry(0).unwrap().generation, 1);
}

/// `granted_generation` reports the generation at an agent's latest grant; a non-delegate
/// aborts `ENotDelegate`.
#[test]
fn granted_generation_is_the_latest_grants() {
    let mut w = setup();
    let (owner, agent, other) = (w.owner, w.agent, w.stranger);
    w.grant(owner, agent, false).unwrap();
    w.grant(owner, other, false).unwrap();
    assert_eq!(w.granted_generation(agent).unwrap(), 0);
    w.revoke(owner, agent).unwrap();
    assert_abort(
        w.granted_generation(agent),
        "memory",
        move_aborts::memory::E_NOT_DELEGATE,
    );
    w.grant(owner, agent, true).unwrap();
    assert_eq!(w.granted_generation(agent).unwrap(), 1);
    assert_eq!(w.granted_generation(other).unwrap(), 0);
}

#[test]
fn no_key_of_a_future_generation_or_another_identity() {
    let mut w = setup();
    let (owner, agent, stranger) = (w.owner, w.agent, w.stranger);
    w.grant(owner, agent, false).unwrap();
    assert_abort(
        w.approve(agent, 1),
        "memory",
        move_aborts::memory::E_FUTURE_GENERATION,
    );
    assert_abort(
        w.approve(owner, 1),
        "memory",
        move_aborts::memory::E_FUTURE_GENERATION,
    );
    let other = w.chain.call(stranger, call::memory::create()).unwrap();
    let other: MemoryCreated = other.event("MemoryCreated");
    let other = move_types::address_of(&other.memory_id);
    assert_abort(
        w.approve_id(agent, identity(other, 0)),
        "memory",
        move_aborts::memory::E_WRONG_IDENTITY,
    );
    let memory_id = w.memory;
    assert_abort(
        w.approve_id(owner, memory_id.as_bytes().to_vec()),
        "memory",
        move_aborts::memory::E_WRONG_IDENTITY,
    );
    let mut long = identity(memory_id, 0);
    long.push(0);
    assert_abort(
        w.approve_id(owner, long),
        "memory",
        move_aborts::memory::E_WRONG_IDENTITY,
    );
}

#[test]
fn other_abort_paths() {
    let mut w = setup();
    let (owner, agent, stranger) = (w.owner, w.agent, w.stranger);
    let uncertified = w.blob(owner, false);
    assert_abort(
        w.append_blob(owner, uncertified),
        "memory",
        move_aborts::memory::E_BLOB_NOT_CERTIFIED,
    );
    w.grant(owner, agent, false).unwrap();
    assert_abort(
        w.grant(owner, agent, true),
        "memory",
        move_aborts::memory::E_ALREADY_DELEGATE,
    );
    assert_abort(
        w.revoke(owner, stranger),
        "memory",
        move_aborts::memory::E_NOT_DELEGATE,
    );
    assert_abort(
        w.grant(owner, owner, true),
        "memory",
        move_aborts::memory::E_GRANT_TO_OWNER,
    );
    for k in 1..32u8 {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xde;
        bytes[31] = k;
        w.grant(owner, Address::new(bytes), false).unwrap();
    }
    assert_eq!(w.memory().delegates.len(), 32);
    assert_abort(
        w.grant(owner, stranger, false),
        "memory",
        move_aborts::memory::E_TOO_MANY_DELEGATES,
    );
    assert_abort(w.entry(0), "memory", move_aborts::memory::E_NO_SUCH_ENTRY);
    // A revoke of a non-delegate bumped nothing.
    assert_eq!(w.memory().generation, 0);
}

#[test]
fn a_memory_of_another_version_is_refused_until_migrated() {
    let mut w = setup();
    let (owner, agent) = (w.owner, w.agent);
    let memory = w.memory;
    w.chain.edit_object(memory, |m: &mut Memory| m.version = 2);
    assert_abort(
        w.append(owner),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    assert_abort(
        w.grant(owner, agent, false),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    assert_abort(
        w.revoke(owner, agent),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    assert_abort(
        w.approve(owner, 0),
        "version",
        move_aborts::version::E_WRONG_VERSION,
    );
    w.chain.edit_object(memory, |m: &mut Memory| m.version = 0);
    w.chain.call(owner, call::memory::migrate(memory)).unwrap();
    assert_abort(
        w.chain.call(owner, call::memory::migrate(memory)),
        "version",
        move_aborts::version::E_ALREADY_MIGRATED,
    );
    w.append(owner).unwrap();
}
