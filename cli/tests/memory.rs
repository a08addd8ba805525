//! Agent memory through `floe` as users run it, on one `floe up` (storage nodes, key servers,
//! devnet), restarted once: the owner creates a memory and appends two entries (encrypted to
//! the key servers under the memory's identity of generation 0); a stranger cannot decrypt
//! them (the key servers run `memory::seal_approve_memory`: `ENoAccess`) nor append
//! (`ENotWriter`). The owner grants an agent read and write; `floe up` is stopped and started
//! again, and the agent reads both entries and appends one of its own, which the owner reads.
//! The owner revokes the agent: the memory moves to generation 1 and the owner's next entry is
//! encrypted under it (its first attempt, under generation 0 as read before the revoke, is
//! refused with `EStaleGeneration` and retried under 1); the revoked agent can decrypt neither that entry nor the old ones
//! (`ENoAccess`, the rule named), and can no longer append; the owner still reads everything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::{fails, ok, start_up, write_file};

fn p(path: &Path) -> String {
    path.display().to_string()
}

fn show(home: &Path, memory: &str) -> serde_json::Value {
    serde_json::from_str(&ok(home, &["memory", "show", memory])).unwrap()
}

#[test]
fn an_agent_reads_its_memory_after_a_restart_and_a_revoked_agent_cannot_decrypt_new_entries() {
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let up = start_up(home, &["--no-indexer"]);

    // The home's first account owns the memory.
    let owner = ok(home, &["account", "new", "--wal", "50"]);
    let agent = ok(home, &["account", "new", "--wal", "10"]);
    let stranger = ok(home, &["account", "new", "--wal", "10"]);

    let memory = ok(home, &["memory", "create"]);
    let notes: Vec<_> = (0..2)
        .map(|i| {
            write_file(
                dir.path(),
                &format!("note-{i}.txt"),
                3000 + i,
                40 + i as u32,
            )
        })
        .collect();
    for (i, note) in notes.iter().enumerate() {
        assert_eq!(
            ok(home, &["memory", "append", &memory, &p(note)]),
            i.to_string()
        );
    }
    let state = show(home, &memory);
    assert_eq!(state["owner"], owner.as_str());
    assert_eq!(state["generation"], 0);
    assert_eq!(state["entry_count"], 2);
    // What the nodes store is ciphertext: a plain read finds an encrypted object.
    let blob_id = state["entries"][0]["blob_id"].as_str().unwrap().to_owned();
    let plain = fails(
        home,
        &["read", &blob_id, "--out", &p(&dir.path().join("stored-0"))],
    );
    assert!(plain.contains("encrypted"), "{plain}");

    // A stranger gets no key and cannot append.
    let refused = fails(
        home,
        &[
            "--as",
            &stranger,
            "memory",
            "read",
            &memory,
            "--out",
            &p(&dir.path().join("stranger")),
        ],
    );
    assert!(refused.contains("ENoAccess"), "{refused}");
    let refused = fails(
        home,
        &[
            "--as",
            &stranger,
            "memory",
            "append",
            &memory,
            &p(&notes[0]),
        ],
    );
    assert!(refused.contains("ENotWriter"), "{refused}");

    ok(home, &["memory", "grant", &memory, &agent, "--write"]);
    assert_eq!(show(home, &memory)["delegates"][0]["agent"], agent.as_str());

    // Restarted, the chain, the nodes and the key servers keep everything: the agent reads.
    assert!(up.terminate().success(), "floe up exits cleanly on SIGTERM");
    let up = start_up(home, &["--no-indexer"]);
    let agent_dir = dir.path().join("agent");
    let read = ok(
        home,
        &[
            "--as",
            &agent,
            "memory",
            "read",
            &memory,
            "--out",
            &p(&agent_dir),
        ],
    );
    assert_eq!(read.lines().count(), 2, "{read}");
    for (i, note) in notes.iter().enumerate() {
        assert_eq!(
            std::fs::read(agent_dir.join(i.to_string())).unwrap(),
            std::fs::read(note).unwrap()
        );
    }
    // The agent writes to the memory too, and the owner reads it.
    let own_note = write_file(dir.path(), "agent-note.txt", 1500, 77);
    assert_eq!(
        ok(
            home,
            &["--as", &agent, "memory", "append", &memory, &p(&own_note)]
        ),
        "2"
    );
    let got = dir.path().join("agent-note.read");
    ok(
        home,
        &["memory", "read", &memory, "--entry", "2", "--out", &p(&got)],
    );
    assert_eq!(
        std::fs::read(&got).unwrap(),
        std::fs::read(&own_note).unwrap()
    );

    // Revoked: a new generation, and the owner's next entry is encrypted under it. The owner
    // read generation 0 before the revoke landed (the hidden --read-generation stands in for
    // that race): the chain refuses the append (EStaleGeneration), and `floe` encrypts again
    // under generation 1 and appends that.
    assert_eq!(ok(home, &["memory", "revoke", &memory, &agent]), "1");
    let secret = write_file(dir.path(), "after-revoke.txt", 2048, 99);
    let raced = support::floe(
        home,
        &[
            "memory",
            "append",
            &memory,
            &p(&secret),
            "--read-generation",
            "0",
        ],
    );
    let stderr = String::from_utf8_lossy(&raced.stderr);
    assert!(raced.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&raced.stdout).trim(), "3");
    assert!(
        stderr.contains("moved past key generation 0") && stderr.contains("key generation 1, "),
        "{stderr}"
    );
    let state = show(home, &memory);
    assert_eq!(state["generation"], 1);
    assert_eq!(state["delegates"].as_array().unwrap().len(), 0);
    let generations: Vec<u64> = state["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["generation"].as_u64().unwrap())
        .collect();
    assert_eq!(generations, vec![0, 0, 0, 1]);
    assert_eq!(state["entries"][2]["appended_by"], agent.as_str());

    let refused = fails(
        home,
        &[
            "--as",
            &agent,
            "memory",
            "read",
            &memory,
            "--entry",
            "3",
            "--out",
            &p(&dir.path().join("stolen")),
        ],
    );
    assert!(
        refused.contains("ENoAccess") && refused.contains("cannot decrypt entry 3"),
        "{refused}"
    );
    assert!(!dir.path().join("stolen").exists());
    eprintln!("the revoked agent is told:\n{refused}");
    let refused = fails(
        home,
        &[
            "--as",
            &agent,
            "memory",
            "read",
            &memory,
            "--entry",
            "0",
            "--out",
            &p(&dir.path().join("old")),
        ],
    );
    assert!(refused.contains("ENoAccess"), "{refused}");
    let refused = fails(
        home,
        &["--as", &agent, "memory", "append", &memory, &p(&own_note)],
    );
    assert!(refused.contains("ENotWriter"), "{refused}");

    // The owner reads everything.
    let owner_dir = dir.path().join("owner");
    ok(home, &["memory", "read", &memory, "--out", &p(&owner_dir)]);
    for (i, file) in [&notes[0], &notes[1], &own_note, &secret]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            std::fs::read(owner_dir.join(i.to_string())).unwrap(),
            std::fs::read(file).unwrap()
        );
    }
    up.kill();
    eprintln!("memory story: {:?}", started.elapsed());
}
