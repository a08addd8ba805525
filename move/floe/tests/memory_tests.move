/// Agent memory (`floe::memory`): the owner appends, grants and revokes; a delegate with write
/// appends and reads; one test per abort path, and an attacker's test per rule that grants
/// access: a stranger cannot append, grant or obtain a key, a read-only delegate cannot append,
/// a revoked agent's `seal_approve_memory` aborts, and no one gets a future generation's key.
#[test_only]
module floe::memory_tests;

use floe::blob::{Blob, BlobRegistry};
use floe::events::{MemoryDelegateRevoked, MemoryEntryAppended};
use floe::floe_test_utils as tu;
use floe::memory::{Self, Memory};
use floe::system::System;
use std::unit_test::{assert_eq, destroy};
use sui::clock::Clock;
use sui::event;
use sui::test_scenario::{Self as ts, Scenario};

const OWNER: address = @0x0A;
const AGENT: address = @0xA6;
const READER: address = @0x4EAD;
const STRANGER: address = @0x5157;

// === Helpers ===

/// A 7-shard system; OWNER creates a memory. The next transaction is OWNER's.
fun setup(): (Scenario, Clock, ID) {
    let (mut scenario, clock, node_caps) = tu::setup();
    destroy(node_caps);
    scenario.next_tx(OWNER);
    let memory_id = memory::create(scenario.ctx());
    scenario.next_tx(OWNER);
    (scenario, clock, memory_id)
}

fun finish(scenario: Scenario, clock: Clock) {
    destroy(clock);
    scenario.end();
}

/// `owner` stores blob A (certified or not); the `Blob` is `owner`'s.
fun store_blob(scenario: &mut Scenario, owner: address, certify: bool) {
    scenario.next_tx(owner);
    let mut system = scenario.take_shared<System>();
    let mut registry = scenario.take_shared<BlobRegistry>();
    let mut stored = tu::register_a(scenario, &mut system, &mut registry, 2, false);
    if (certify) tu::certify_a(&system, &mut registry, &mut stored);
    transfer::public_transfer(stored, owner);
    ts::return_shared(system);
    ts::return_shared(registry);
}

/// `who` stores a certified blob and appends it; returns the entry's number.
fun append(scenario: &mut Scenario, memory_id: ID, who: address): u64 {
    store_blob(scenario, who, true);
    append_held(scenario, memory_id, who)
}

/// `who` appends the most recent `Blob` it holds, encrypted under the current generation.
fun append_held(scenario: &mut Scenario, memory_id: ID, who: address): u64 {
    let generation = {
        scenario.next_tx(who);
        let m = scenario.take_shared_by_id<Memory>(memory_id);
        let generation = m.generation();
        ts::return_shared(m);
        generation
    };
    append_at(scenario, memory_id, who, generation)
}

/// `who` appends the most recent `Blob` it holds, naming `generation` as the one it was
/// encrypted under.
fun append_at(scenario: &mut Scenario, memory_id: ID, who: address, generation: u64): u64 {
    scenario.next_tx(who);
    let mut m = scenario.take_shared_by_id<Memory>(memory_id);
    let blob = scenario.take_from_sender<Blob>();
    let index = m.append(&blob, generation, scenario.ctx());
    scenario.return_to_sender(blob);
    ts::return_shared(m);
    index
}

/// `who` grants `agent` (with `can_write`).
fun grant(scenario: &mut Scenario, memory_id: ID, who: address, agent: address, can_write: bool) {
    scenario.next_tx(who);
    let mut m = scenario.take_shared_by_id<Memory>(memory_id);
    m.grant(agent, can_write, scenario.ctx());
    ts::return_shared(m);
}

/// `who` revokes `agent`.
fun revoke(scenario: &mut Scenario, memory_id: ID, who: address, agent: address) {
    scenario.next_tx(who);
    let mut m = scenario.take_shared_by_id<Memory>(memory_id);
    m.revoke(agent, scenario.ctx());
    ts::return_shared(m);
}

/// `who` asks for the key of generation `generation` (aborts as `seal_approve_memory` does).
fun approve(scenario: &mut Scenario, memory_id: ID, who: address, generation: u64) {
    scenario.next_tx(who);
    let m = scenario.take_shared_by_id<Memory>(memory_id);
    let id = memory::identity(&m, generation);
    memory::seal_approve_memory_for_testing(id, &m, scenario.ctx());
    ts::return_shared(m);
}

/// `who` asks for a key with identity bytes `id`.
fun approve_id(scenario: &mut Scenario, memory_id: ID, who: address, id: vector<u8>) {
    scenario.next_tx(who);
    let m = scenario.take_shared_by_id<Memory>(memory_id);
    memory::seal_approve_memory_for_testing(id, &m, scenario.ctx());
    ts::return_shared(m);
}

// === The story ===

/// The owner appends two entries, grants an agent write, the agent appends a third and
/// obtains keys; after a revoke the generation is 1, the owner's next entry is recorded under
/// it, and the owner still obtains every generation's key.
#[test]
fun owner_and_delegate_append_and_read_and_revoke_bumps_the_generation() {
    let (mut scenario, clock, memory_id) = setup();
    assert_eq!(append(&mut scenario, memory_id, OWNER), 0);
    assert_eq!(append(&mut scenario, memory_id, OWNER), 1);
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    assert_eq!(append(&mut scenario, memory_id, AGENT), 2);
    approve(&mut scenario, memory_id, AGENT, 0);
    approve(&mut scenario, memory_id, OWNER, 0);

    revoke(&mut scenario, memory_id, OWNER, AGENT);
    let revoked = event::events_by_type<MemoryDelegateRevoked>();
    assert_eq!(revoked.length(), 1);
    assert_eq!(append(&mut scenario, memory_id, OWNER), 3);
    let appended = event::events_by_type<MemoryEntryAppended>();
    assert_eq!(appended.length(), 1);
    approve(&mut scenario, memory_id, OWNER, 1);
    approve(&mut scenario, memory_id, OWNER, 0);

    scenario.next_tx(OWNER);
    {
        let m = scenario.take_shared_by_id<Memory>(memory_id);
        assert_eq!(m.owner(), OWNER);
        assert_eq!(m.generation(), 1);
        assert_eq!(m.entry_count(), 4);
        assert_eq!(m.delegate_count(), 0);
        assert!(!m.is_delegate(AGENT));
        assert_eq!(m.entry_at(0).entry_generation(), 0);
        assert_eq!(m.entry_at(2).entry_generation(), 0);
        assert_eq!(m.entry_at(2).entry_appended_by(), AGENT);
        assert_eq!(m.entry_at(3).entry_generation(), 1);
        assert_eq!(m.entry_at(3).entry_blob_id(), tu::blob_id_a());
        // The identity is the memory's ID bytes and the generation, 8 bytes little-endian.
        let mut expected = object::id_to_bytes(&memory_id);
        expected.append(x"0100000000000000");
        assert_eq!(memory::identity(&m, 1), expected);
        ts::return_shared(m);
    };
    finish(scenario, clock);
}

/// A read-only delegate obtains keys but is not a writer.
#[test]
fun a_read_only_delegate_reads_but_cannot_append() {
    let (mut scenario, clock, memory_id) = setup();
    let _ = append(&mut scenario, memory_id, OWNER);
    grant(&mut scenario, memory_id, OWNER, READER, false);
    approve(&mut scenario, memory_id, READER, 0);
    scenario.next_tx(OWNER);
    {
        let m = scenario.take_shared_by_id<Memory>(memory_id);
        assert!(m.is_delegate(READER));
        assert!(!m.can_append(READER));
        assert!(m.can_append(OWNER));
        assert!(!m.can_append(STRANGER));
        ts::return_shared(m);
    };
    finish(scenario, clock);
}

/// A revoked agent granted again reads again (the owner's choice), at the new generation;
/// `granted_generation` reports its latest grant.
#[test]
fun a_regranted_agent_reads_again() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    grant(&mut scenario, memory_id, OWNER, READER, false);
    revoke(&mut scenario, memory_id, OWNER, AGENT);
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    approve(&mut scenario, memory_id, AGENT, 1);
    scenario.next_tx(OWNER);
    {
        let m = scenario.take_shared_by_id<Memory>(memory_id);
        assert_eq!(m.granted_generation(READER), 0);
        assert_eq!(m.granted_generation(AGENT), 1);
        ts::return_shared(m);
    };
    finish(scenario, clock);
}

/// A writer whose append lost the race to a revoke encrypts again under the new generation
/// and appends: the entry is recorded under the generation it names.
#[test]
fun an_append_after_a_revoke_names_the_new_generation() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    grant(&mut scenario, memory_id, OWNER, READER, false);
    store_blob(&mut scenario, AGENT, true);
    revoke(&mut scenario, memory_id, OWNER, READER);
    assert_eq!(append_at(&mut scenario, memory_id, AGENT, 1), 0);
    scenario.next_tx(OWNER);
    {
        let m = scenario.take_shared_by_id<Memory>(memory_id);
        assert_eq!(m.entry_at(0).entry_generation(), 1);
        ts::return_shared(m);
    };
    finish(scenario, clock);
}

/// Anyone may migrate a memory left at an older version; one at this version aborts.
#[test, expected_failure(abort_code = floe::version::EAlreadyMigrated)]
fun migrating_a_current_memory_aborts() {
    let (scenario, clock, memory_id) = setup();
    {
        let mut m = scenario.take_shared_by_id<Memory>(memory_id);
        memory::set_version_for_testing(&mut m, 0);
        m.migrate();
        m.migrate();
        ts::return_shared(m);
    };
    finish(scenario, clock);
}

// === Attacks: access ===

/// A stranger cannot append to someone's memory.
#[test, expected_failure(abort_code = memory::ENotWriter)]
fun a_stranger_cannot_append() {
    let (mut scenario, clock, memory_id) = setup();
    let _ = append(&mut scenario, memory_id, STRANGER);
    finish(scenario, clock);
}

/// A read-only delegate cannot append.
#[test, expected_failure(abort_code = memory::ENotWriter)]
fun a_read_only_delegate_cannot_append() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, READER, false);
    let _ = append(&mut scenario, memory_id, READER);
    finish(scenario, clock);
}

/// A revoked writer cannot append any more.
#[test, expected_failure(abort_code = memory::ENotWriter)]
fun a_revoked_writer_cannot_append() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    let _ = append(&mut scenario, memory_id, AGENT);
    revoke(&mut scenario, memory_id, OWNER, AGENT);
    let _ = append_held(&mut scenario, memory_id, AGENT);
    finish(scenario, clock);
}

/// A stranger cannot grant itself access.
#[test, expected_failure(abort_code = memory::ENotOwner)]
fun a_stranger_cannot_grant() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, STRANGER, STRANGER, true);
    finish(scenario, clock);
}

/// A delegate, even with write, cannot grant others.
#[test, expected_failure(abort_code = memory::ENotOwner)]
fun a_delegate_cannot_grant() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    grant(&mut scenario, memory_id, AGENT, STRANGER, false);
    finish(scenario, clock);
}

/// A delegate cannot revoke (e.g. another agent, or bump the generation).
#[test, expected_failure(abort_code = memory::ENotOwner)]
fun a_delegate_cannot_revoke() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    grant(&mut scenario, memory_id, OWNER, READER, false);
    revoke(&mut scenario, memory_id, AGENT, READER);
    finish(scenario, clock);
}

/// A stranger obtains no key.
#[test, expected_failure(abort_code = memory::ENoAccess)]
fun a_stranger_cannot_decrypt() {
    let (mut scenario, clock, memory_id) = setup();
    let _ = append(&mut scenario, memory_id, OWNER);
    approve(&mut scenario, memory_id, STRANGER, 0);
    finish(scenario, clock);
}

/// The revoke-between-read-and-append race: a writer reads generation 0 and encrypts under
/// it, the owner revokes a reader (generation 1), and the append naming generation 0 aborts
/// instead of recording ciphertext the revoked reader can open as a generation-1 entry.
#[test, expected_failure(abort_code = memory::EStaleGeneration)]
fun an_append_encrypted_before_a_revoke_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    grant(&mut scenario, memory_id, OWNER, READER, false);
    let read = {
        scenario.next_tx(AGENT);
        let m = scenario.take_shared_by_id<Memory>(memory_id);
        let generation = m.generation();
        ts::return_shared(m);
        generation
    };
    assert_eq!(read, 0);
    store_blob(&mut scenario, AGENT, true);
    revoke(&mut scenario, memory_id, OWNER, READER);
    let _ = append_at(&mut scenario, memory_id, AGENT, read);
    finish(scenario, clock);
}

/// A writer cannot name a generation ahead of the current one either.
#[test, expected_failure(abort_code = memory::EStaleGeneration)]
fun an_append_naming_a_future_generation_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    store_blob(&mut scenario, OWNER, true);
    let _ = append_at(&mut scenario, memory_id, OWNER, 1);
    finish(scenario, clock);
}

/// A revoked agent obtains no key of the new generation.
#[test, expected_failure(abort_code = memory::ENoAccess)]
fun a_revoked_agent_cannot_decrypt_new_entries() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    approve(&mut scenario, memory_id, AGENT, 0);
    revoke(&mut scenario, memory_id, OWNER, AGENT);
    let _ = append(&mut scenario, memory_id, OWNER);
    approve(&mut scenario, memory_id, AGENT, 1);
    finish(scenario, clock);
}

/// A revoked agent obtains no key at all, not even of the entries it could read before.
#[test, expected_failure(abort_code = memory::ENoAccess)]
fun a_revoked_agent_gets_no_old_key_either() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    revoke(&mut scenario, memory_id, OWNER, AGENT);
    approve(&mut scenario, memory_id, AGENT, 0);
    finish(scenario, clock);
}

/// A delegate cannot fetch the next generation's key in advance, to keep reading after a
/// revoke.
#[test, expected_failure(abort_code = memory::EFutureGeneration)]
fun a_delegate_cannot_fetch_a_future_generation() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    approve(&mut scenario, memory_id, AGENT, 1);
    finish(scenario, clock);
}

/// A delegate of one memory cannot obtain another memory's key with it (the identity names
/// the other memory).
#[test, expected_failure(abort_code = memory::EWrongIdentity)]
fun an_identity_of_another_memory_is_refused() {
    let (mut scenario, clock, memory_id) = setup();
    scenario.next_tx(STRANGER);
    let other_id = memory::create(scenario.ctx());
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    scenario.next_tx(AGENT);
    let other_identity = {
        let other = scenario.take_shared_by_id<Memory>(other_id);
        let id = memory::identity(&other, 0);
        ts::return_shared(other);
        id
    };
    approve_id(&mut scenario, memory_id, AGENT, other_identity);
    finish(scenario, clock);
}

/// An identity of the wrong length (the bare memory ID, without a generation) is refused.
#[test, expected_failure(abort_code = memory::EWrongIdentity)]
fun a_bare_memory_id_is_refused() {
    let (mut scenario, clock, memory_id) = setup();
    approve_id(&mut scenario, memory_id, OWNER, object::id_to_bytes(&memory_id));
    finish(scenario, clock);
}

// === Other abort paths ===

/// An uncertified blob cannot be appended.
#[test, expected_failure(abort_code = memory::EBlobNotCertified)]
fun an_uncertified_blob_cannot_be_appended() {
    let (mut scenario, clock, memory_id) = setup();
    store_blob(&mut scenario, OWNER, false);
    let _ = append_held(&mut scenario, memory_id, OWNER);
    finish(scenario, clock);
}

/// Granting a delegate twice aborts.
#[test, expected_failure(abort_code = memory::EAlreadyDelegate)]
fun granting_twice_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    grant(&mut scenario, memory_id, OWNER, AGENT, true);
    finish(scenario, clock);
}

/// Revoking an address that is not a delegate aborts (and bumps nothing).
#[test, expected_failure(abort_code = memory::ENotDelegate)]
fun revoking_a_non_delegate_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    revoke(&mut scenario, memory_id, OWNER, STRANGER);
    finish(scenario, clock);
}

/// `granted_generation` of an address that is not a delegate aborts.
#[test, expected_failure(abort_code = memory::ENotDelegate)]
fun granted_generation_of_a_non_delegate_aborts() {
    let (scenario, clock, memory_id) = setup();
    let m = scenario.take_shared_by_id<Memory>(memory_id);
    let _ = m.granted_generation(STRANGER);
    ts::return_shared(m);
    finish(scenario, clock);
}

/// The owner cannot be its own delegate.
#[test, expected_failure(abort_code = memory::EGrantToOwner)]
fun granting_the_owner_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, OWNER, true);
    finish(scenario, clock);
}

/// At most 32 delegates.
#[test, expected_failure(abort_code = memory::ETooManyDelegates)]
fun a_33rd_delegate_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    scenario.next_tx(OWNER);
    let mut m = scenario.take_shared_by_id<Memory>(memory_id);
    let mut i = 0u64;
    while (i < 33) {
        m.grant(sui::address::from_u256((1000 + i) as u256), false, scenario.ctx());
        i = i + 1;
    };
    ts::return_shared(m);
    finish(scenario, clock);
}

/// Reading an entry past the end aborts.
#[test, expected_failure(abort_code = memory::ENoSuchEntry)]
fun reading_past_the_last_entry_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    let _ = append(&mut scenario, memory_id, OWNER);
    scenario.next_tx(OWNER);
    let m = scenario.take_shared_by_id<Memory>(memory_id);
    let _ = m.entry_at(1);
    ts::return_shared(m);
    finish(scenario, clock);
}

// === Versions ===

/// A memory left at another package version takes no appends until migrated.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun appending_to_a_memory_of_another_version_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    {
        let mut m = scenario.take_shared_by_id<Memory>(memory_id);
        memory::set_version_for_testing(&mut m, 2);
        ts::return_shared(m);
    };
    let _ = append(&mut scenario, memory_id, OWNER);
    finish(scenario, clock);
}

/// A memory of another version releases no key.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun a_memory_of_another_version_releases_no_key() {
    let (mut scenario, clock, memory_id) = setup();
    {
        let mut m = scenario.take_shared_by_id<Memory>(memory_id);
        memory::set_version_for_testing(&mut m, 2);
        ts::return_shared(m);
    };
    approve(&mut scenario, memory_id, OWNER, 0);
    finish(scenario, clock);
}

/// Grants and revokes on a memory of another version abort.
#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun granting_on_a_memory_of_another_version_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    {
        let mut m = scenario.take_shared_by_id<Memory>(memory_id);
        memory::set_version_for_testing(&mut m, 2);
        ts::return_shared(m);
    };
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    finish(scenario, clock);
}

#[test, expected_failure(abort_code = floe::version::EWrongVersion)]
fun revoking_on_a_memory_of_another_version_aborts() {
    let (mut scenario, clock, memory_id) = setup();
    grant(&mut scenario, memory_id, OWNER, AGENT, false);
    {
        scenario.next_tx(OWNER);
        let mut m = scenario.take_shared_by_id<Memory>(memory_id);
        memory::set_version_for_testing(&mut m, 2);
        ts::return_shared(m);
    };
    revoke(&mut scenario, memory_id, OWNER, AGENT);
    finish(scenario, clock);
}
