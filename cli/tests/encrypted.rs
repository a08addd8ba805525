//! Encrypted models through `floe` as a user runs it: `floe up` starts a key server beside
//! every storage node; `floe model publish --encrypt` stores only ciphertext; a license holder's
//! `floe read --license` obtains keys from the key servers and decrypts; the owner's read
//! without a license, and a used-up one-use license, get no plaintext; after a restart the key
//! servers keep their master keys and the model still opens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod support;

use support::{fails, floe, ok};

/// `floe up` without the indexer (nothing here reads it).
fn start_up(home: &Path) -> support::Running {
    support::start_up(home, &["--no-indexer"])
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn an_encrypted_model_opens_for_license_holders_only_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let up = start_up(home);
    for i in 0..4 {
        assert!(
            up.lines.contains_key(&format!("keyserver-{i}")),
            "{:?}",
            up.lines
        );
    }

    ok(home, &["account", "new", "--wal", "500"]);
    let buyer = ok(home, &["account", "new", "--wal", "50"]);
    let model = ok(home, &["model", "create", "sealed-llm"]);
    let weights: Vec<u8> = (0..80_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = dir.path().join("weights.bin");
    std::fs::write(&file, &weights).unwrap();
    let publish = floe(
        home,
        &[
            "model",
            "publish",
            &model,
            &p(&file),
            "--architecture",
            "mlp",
            "--encrypt",
        ],
    );
    let said = String::from_utf8_lossy(&publish.stderr).into_owned();
    assert!(publish.status.success(), "{said}");
    assert!(
        said.contains("encrypted to 4 key servers, 3 needed"),
        "{said}"
    );
    let blob = String::from_utf8(publish.stdout).unwrap().trim().to_owned();

    // The owner's ModelCap gets the nodes to serve the blob, but it is ciphertext: no key
    // server releases a key without a license.
    let got = dir.path().join("weights.out");
    let message = fails(home, &["read", &blob, "--out", &p(&got)]);
    assert!(message.contains("encrypted model"), "{message}");
    assert!(!got.exists());

    let offer = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "2",
            "--window-secs",
            "3600",
        ],
    );
    let license = ok(home, &["--as", &buyer, "license", "buy", &offer]);
    let read = [
        "--as",
        &buyer,
        "read",
        &blob,
        "--out",
        &p(&got),
        "--license",
        &license,
    ];
    let out = floe(home, &read);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("decrypted with keys from 3 of 4 key servers"),
        "{said}"
    );
    assert_eq!(std::fs::read(&got).unwrap(), weights);

    // A one-use license: its one use yields one read; the next is refused on-chain.
    let metered = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "1",
            "--window-secs",
            "3600",
            "--uses",
            "1",
        ],
    );
    let one_use = ok(home, &["--as", &buyer, "license", "buy", &metered]);
    std::fs::remove_file(&got).unwrap();
    ok(
        home,
        &[
            "--as",
            &buyer,
            "read",
            &blob,
            "--out",
            &p(&got),
            "--license",
            &one_use,
        ],
    );
    assert_eq!(std::fs::read(&got).unwrap(), weights);
    let message = fails(
        home,
        &[
            "--as",
            &buyer,
            "read",
            &blob,
            "--out",
            &p(&got),
            "--license",
            &one_use,
        ],
    );
    assert!(message.contains("ENoUsesLeft"), "{message}");

    // Restarted, the key servers keep their master keys: the same object still opens.
    assert!(up.terminate().success());
    let up = start_up(home);
    std::fs::remove_file(&got).unwrap();
    ok(home, &read);
    assert_eq!(std::fs::read(&got).unwrap(), weights);
    up.kill();
}
