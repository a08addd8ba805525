//! Contributor revenue share through `floe` as users run it, on one `floe up` (storage nodes,
//! key servers, devnet): a curator creates a dataset, three contributors store a file each and
//! contribute it, the curator weighs them 5 : 3 : 2 and seals the dataset (the model's owner
//! cannot train on it before: `EDatasetNotSealed`), the model's owner gives the dataset 20 %
//! of the model's revenue, a buyer buys a license, the curator's attempt to raise a weight
//! before the sale is distributed is refused (`EDatasetSealed`), and each contributor claims
//! exactly its share to the FROST; a second claim pays nothing (`ENothingToClaim`), and the
//! owner can no longer lower the share (`EShareLowered`). Compute jobs pay their providers, not the model's
//! owner, so there is no job payment to split (see `move/floe/README.md`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{fails, ok, write_file};

/// WAL (base units) in `text`, as `floe` prints amounts (e.g. `0.95`).
fn wal(text: &str) -> u64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut digits = fraction.to_owned();
    while digits.len() < 9 {
        digits.push('0');
    }
    whole.parse::<u64>().unwrap() * 1_000_000_000 + digits.parse::<u64>().unwrap()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_license_purchase_reaches_three_contributors_in_proportion() {
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    let _up = support::start_up(home, &["--no-indexer"]);

    // The home's first account is the model's owner.
    ok(home, &["account", "new", "--wal", "100"]);
    let curator = ok(home, &["account", "new", "--wal", "10"]);
    let buyer = ok(home, &["account", "new", "--wal", "100"]);
    let contributors: Vec<String> = (0..3)
        .map(|_| ok(home, &["account", "new", "--wal", "10"]))
        .collect();

    let weights = write_file(dir.path(), "weights.bin", 4096, 1);
    let model = ok(home, &["model", "create", "tiny-mlp"]);
    ok(
        home,
        &[
            "model",
            "publish",
            &model,
            &weights.display().to_string(),
            "--architecture",
            "mlp",
        ],
    );
    // 10 WAL per hour window; the protocol fee (5 %) is burned, 9.5 WAL reach the model.
    let offer = ok(
        home,
        &[
            "license",
            "offer",
            &model,
            "--price",
            "10",
            "--window-secs",
            "3600",
        ],
    );

    let dataset = ok(
        home,
        &[
            "--as",
            &curator,
            "dataset",
            "create",
            "faces",
            "--description",
            "labelled faces",
        ],
    );
    let mut contributions = Vec::new();
    for (i, contributor) in contributors.iter().enumerate() {
        let file = write_file(dir.path(), &format!("part-{i}.bin"), 2048, 10 + i as u32);
        contributions.push(ok(
            home,
            &[
                "--as",
                contributor,
                "dataset",
                "contribute",
                &dataset,
                "--file",
                &file.display().to_string(),
            ],
        ));
    }
    // Only the curator weighs contributions.
    let refused = fails(
        home,
        &[
            "--as",
            &contributors[0],
            "dataset",
            "weight",
            &dataset,
            &contributions[0],
            "9",
        ],
    );
    assert!(refused.contains("holds no DatasetCap"), "{refused}");
    for (contribution, weight) in contributions.iter().zip(["5", "3", "2"]) {
        ok(
            home,
            &[
                "--as",
                &curator,
                "dataset",
                "weight",
                &dataset,
                contribution,
                weight,
            ],
        );
    }
    // Weights could still change: no model may pay the dataset yet.
    let unsealed = fails(
        home,
        &[
            "dataset", "train-on", &dataset, "--model", &model, "--bps", "2000",
        ],
    );
    assert!(unsealed.contains("EDatasetNotSealed"), "{unsealed}");
    assert_eq!(
        ok(home, &["--as", &curator, "dataset", "seal", &dataset]),
        "10"
    );
    assert_eq!(
        ok(
            home,
            &[
                "dataset", "train-on", &dataset, "--model", &model, "--bps", "2000"
            ],
        ),
        "2000"
    );

    ok(home, &["--as", &buyer, "license", "buy", &offer]);
    // 20 % of 9.5 WAL waits in the model for the dataset.
    let shown = json(&ok(home, &["dataset", "show", &dataset, "--model", &model]));
    assert_eq!(shown["model"]["pending"], 1_900_000_000u64);
    assert_eq!(shown["model"]["bps"], 2000);
    assert_eq!(shown["total_weight"], 10);
    assert_eq!(shown["contributions"], 3);
    assert_eq!(shown["sealed"], true);

    // The curator (who could hold the third contribution) raises its weight before anyone
    // distributes the sale, to take most of it: refused, in the two lines of a Move abort.
    let raised = fails(
        home,
        &[
            "--as",
            &curator,
            "dataset",
            "weight",
            &dataset,
            &contributions[2],
            "1000000",
        ],
    );
    let lines: Vec<&str> = raised.lines().collect();
    assert_eq!(lines.len(), 2, "{raised}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains("EDatasetSealed"),
        "{raised}"
    );
    assert!(lines[1].contains("new dataset"), "{raised}");

    // The first contributor distributes and claims in one transaction; the others claim.
    let expected = [950_000_000u64, 570_000_000, 380_000_000];
    let first = ok(
        home,
        &[
            "--as",
            &contributors[0],
            "dataset",
            "claim",
            &contributions[0],
            "--model",
            &model,
        ],
    );
    assert_eq!(wal(&first), expected[0]);
    for i in 1..3 {
        let claimed = ok(
            home,
            &[
                "--as",
                &contributors[i],
                "dataset",
                "claim",
                &contributions[i],
            ],
        );
        assert_eq!(wal(&claimed), expected[i], "contributor {i}");
    }
    for (contribution, amount) in contributions.iter().zip(expected) {
        let shown = json(&ok(
            home,
            &["dataset", "show", &dataset, "--contribution", contribution],
        ));
        assert_eq!(shown["contribution"]["claimed"], amount);
        assert_eq!(shown["contribution"]["claimable"], 0);
    }
    let shown = json(&ok(home, &["dataset", "show", &dataset, "--model", &model]));
    assert_eq!(shown["total_distributed"], 1_900_000_000u64);
    assert_eq!(shown["total_claimed"], 1_900_000_000u64);
    assert_eq!(shown["pool"], 0);
    assert_eq!(shown["model"]["pending"], 0);

    // A second claim pays nothing.
    let again = fails(
        home,
        &[
            "--as",
            &contributors[0],
            "dataset",
            "claim",
            &contributions[0],
            "--model",
            &model,
        ],
    );
    assert!(again.contains("ENothingToClaim"), "{again}");
    // Someone else's NFT cannot be claimed: the chain refuses an owned input of another
    // account before any Move code runs.
    let stolen = fails(
        home,
        &[
            "--as",
            &contributors[1],
            "dataset",
            "claim",
            &contributions[0],
        ],
    );
    assert!(stolen.starts_with("error: "), "{stolen}");
    // The model's owner cannot drop the share after the sale.
    let lowered = fails(
        home,
        &[
            "dataset", "train-on", &dataset, "--model", &model, "--bps", "1",
        ],
    );
    assert!(lowered.contains("EShareLowered"), "{lowered}");
    // The owner withdraws the rest of the sale: 9.5 - 1.9 WAL.
    assert_eq!(
        wal(&ok(home, &["model", "withdraw", &model])),
        7_600_000_000
    );
}
