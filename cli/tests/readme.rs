//! The README, run as a new user runs it: `scripts/up.sh` from a fresh, empty directory with
//! no flags (so `floe up` keeps its state in the default relative home `.floe`), then every line
//! of the README's walkthrough in order, exactly as printed, with the upper-case placeholders
//! replaced by what earlier commands printed. While the network waits for the epoch change the
//! last step needs, the same network serves the CLI's error paths: each must say its cause in
//! one line and what to do in the next, without repetition or debug formatting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{Running, TestDb};

const FLOE: &str = env!("CARGO_BIN_EXE_floe");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The lines of the README's walkthrough: the first `sh` block after "## The `floe` command",
/// comments dropped.
fn walkthrough() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme
        .find("## The `floe` command")
        .expect("the README has a `floe` command section")..];
    let block = &section[section
        .find("```sh\n")
        .expect("the section has an sh block")
        + 6..];
    let block = &block[..block.find("```").expect("the block ends")];
    block
        .lines()
        .map(|line| {
            let command = match line.find(" #") {
                Some(at) => &line[..at],
                None => line,
            };
            command.trim().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

/// `scripts/up.sh`, running `floe up` in `dir` with no flags.
fn start_up_sh(dir: &Path, db: &TestDb) -> Running {
    let child = Command::new("bash")
        .arg(repo().join("scripts/up.sh"))
        .current_dir(dir)
        .env("FLOE_BIN", FLOE)
        .env("DATABASE_URL", db.url())
        .env_remove("FLOE_HOME")
        .env_remove("FLOE_NETWORK")
        .env(
            "RUST_LOG",
            std::env::var("FLOE_UP_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("running scripts/up.sh");
    Running::wait_ready(child, 180)
}

/// Runs `line` with `sh` in `dir`, with the `floe` under test first on the path.
fn shell(dir: &Path, line: &str) -> Output {
    let bin = Path::new(FLOE).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env("PATH", path)
        .env("RUST_LOG", "warn")
        .env_remove("FLOE_HOME")
        .env_remove("FLOE_NETWORK")
        .output()
        .expect("running sh")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a line that must succeed; returns its stdout.
fn ok(dir: &Path, line: &str) -> String {
    let out = shell(dir, line);
    assert!(
        out.status.success(),
        "`{line}` failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Replaces whole upper-case words that name an earlier command's output.
fn substitute(line: &str, values: &HashMap<&'static str, String>) -> String {
    line.split(' ')
        .map(|word| values.get(word).cloned().unwrap_or_else(|| word.to_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The placeholder a walkthrough line's output fills, if any.
fn produces(line: &str, accounts_made: usize) -> Option<&'static str> {
    if line.starts_with("floe model publish ") && line.contains(" --encrypt") {
        return Some("SEALED_BLOB_ID");
    }
    let rules: [(&str, &'static str); 6] = [
        ("floe store ", "BLOB_ID"),
        ("floe model create ", "MODEL_ID"),
        ("floe model publish ", "WEIGHTS_BLOB_ID"),
        ("floe license offer ", "OFFER_ID"),
        (" license buy ", "LICENSE_ID"),
        ("floe stake ", "STAKED_WAL_ID"),
    ];
    if line.starts_with("floe account new") {
        return (accounts_made == 1).then_some("BUYER");
    }
    rules
        .iter()
        .find(|(prefix, _)| {
            line.starts_with(prefix) || (prefix.starts_with(' ') && line.contains(prefix))
        })
        .map(|(_, name)| *name)
}

/// An error as the CLI prints it: `error: cause`, then one indented line of what to do; no
/// Rust debug formatting, no base units, no part of the cause said twice.
fn assert_clear_error(line: &str, out: &Output, expected: &str) {
    assert!(!out.status.success(), "`{line}` succeeded");
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        2,
        "`{line}`: not one line of cause and one of what to do:\n{stderr}"
    );
    assert!(lines[0].starts_with("error: "), "`{line}`:\n{stderr}");
    // clap's own argument errors end with its pointer to --help.
    assert!(
        lines[1].starts_with("  ") || lines[1] == "For more information, try '--help'.",
        "`{line}`:\n{stderr}"
    );
    assert!(
        stderr.contains(expected),
        "`{line}`: expected {expected:?} in:\n{stderr}"
    );
    for debug in ["Some(", "None", "Address(", "\\\"", "base units", "{ "] {
        assert!(
            !stderr.contains(debug),
            "`{line}`: debug formatting {debug:?} in:\n{stderr}"
        );
    }
    let segments: Vec<&str> = lines[0]
        .split([':', ';', '(', ')'])
        .map(str::trim)
        .filter(|s| s.len() >= 12)
        .collect();
    for segment in &segments {
        assert_eq!(
            stderr.matches(segment).count(),
            1,
            "`{line}`: {segment:?} is said twice in:\n{stderr}"
        );
    }
}

#[test]
fn the_readme_walkthrough_runs_as_printed_from_a_fresh_directory() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = TestDb::new("readme");
    let up = start_up_sh(dir, &db);
    assert!(
        dir.join(".floe/devnet/network.toml").exists(),
        "floe up keeps its state in the default relative home"
    );

    // A second `floe up` in the same directory, as a user who forgot the first terminal: it
    // refuses before touching the running network's files, naming the running process.
    assert_clear_error("floe up", &shell(dir, "floe up"), "is already running on");
    // A second terminal opened in a subdirectory: the error names the running network's home
    // instead of suggesting another `floe up` there.
    std::fs::create_dir(dir.join("sub")).unwrap();
    for line in ["floe status", "floe account list"] {
        let expected = format!(
            "keeps its network in {}: run this in {}",
            dir.join(".floe").display(),
            dir.display()
        );
        assert_clear_error(line, &shell(&dir.join("sub"), line), &expected);
    }
    assert!(
        !dir.join("sub/.floe").exists(),
        "a command run from a subdirectory made a home there"
    );

    let mut values: HashMap<&'static str, String> = HashMap::new();
    let mut accounts_made = 0;
    let lines = walkthrough();
    assert!(lines.len() >= 20, "{lines:?}");
    let (last, lines) = lines.split_last().unwrap();
    for line in lines {
        let command = substitute(line, &values);
        assert!(
            !command
                .split(' ')
                .any(|w| w.len() > 3 && w.chars().all(|c| c.is_ascii_uppercase() || c == '_')),
            "`{line}` uses a placeholder no earlier line prints"
        );
        let stdout = ok(dir, &command);
        if let Some(name) = produces(line, accounts_made) {
            let value = stdout.lines().next().unwrap_or_default().trim().to_owned();
            assert!(!value.is_empty(), "`{command}` printed nothing");
            values.insert(name, value);
        }
        if line.starts_with("floe account new") {
            accounts_made += 1;
        }
        if line.starts_with("floe status") {
            let node = stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix("0x").map(|_| l.trim()))
                .and_then(|l| l.split(' ').next())
                .expect("floe status lists the committee's node IDs");
            values.insert("NODE_ID", node.to_owned());
        }
    }

    // What the walkthrough did, checked: the copies are the originals, the license sold.
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    assert_eq!(read("copy.bin"), read("model.bin"));
    assert_eq!(read("mine.bin"), read("weights.bin"));
    assert_eq!(read("w.bin"), read("weights.bin"));
    let shown = ok(dir, &format!("floe license show {}", values["LICENSE_ID"]));
    assert!(shown.contains("valid now   yes"), "{shown}");

    // The encrypted version: the buyer's license opens it through the key servers, and so
    // does the owner's ModelCap (`license::seal_approve_owner`), without a license.
    ok(
        dir,
        &substitute(
            "floe --as BUYER read SEALED_BLOB_ID --out sealed.bin --license LICENSE_ID",
            &values,
        ),
    );
    assert_eq!(read("sealed.bin"), read("weights.bin"));
    ok(
        dir,
        &substitute("floe read SEALED_BLOB_ID --out own-sealed.bin", &values),
    );
    assert_eq!(read("own-sealed.bin"), read("weights.bin"));
    let error = |line: &str, expected: &str| {
        let command = substitute(line, &values);
        assert_clear_error(&command, &shell(dir, &command), expected);
    };
    // A path mistyped.
    error("floe store no-such-file.bin", "check the path");
    // The last line run too early (as printed, right after `floe unstake`): refused before any
    // transaction, saying from which epoch and how long until then. Checked only while
    // `floe stakes` still shows the stake leaving, so an epoch change during the walkthrough
    // does not fail it.
    if ok(dir, "floe stakes").contains("withdrawal requested; withdrawable from epoch") {
        error(last, "which ends in");
    }

    // The error paths, on the same network, while the stake waits for the next epoch.
    error(
        "floe read AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --out x.bin",
        "not stored on this network",
    );
    error(
        "floe --as BUYER read WEIGHTS_BLOB_ID --out x.bin",
        "floe license buy",
    );
    error(
        "floe read WEIGHTS_BLOB_ID --out x.bin --license LICENSE_ID",
        "only its holder reads with it",
    );
    ok(dir, "truncate -s 200M big.bin");
    error(
        "floe store big.bin",
        "holds at most 142.4 MiB (149286452 bytes)",
    );
    error(
        "floe store model.bin --epochs 1000",
        "--epochs between 1 and",
    );
    error(
        "floe --as BUYER license buy OFFER_ID --windows 13",
        "--windows between 1 and 12",
    );
    // A seller repricing between quote and purchase cannot take more than the buyer agreed.
    ok(
        dir,
        &substitute("floe license reprice OFFER_ID --price 5", &values),
    );
    error(
        "floe --as BUYER license buy OFFER_ID --max-price 2",
        "EPriceAboveMax",
    );
    ok(dir, &substitute("floe license pause OFFER_ID", &values));
    error("floe --as BUYER license buy OFFER_ID", "is paused");
    ok(dir, &substitute("floe license resume OFFER_ID", &values));
    error("floe stake 0x12zz 1", "64 hex digits");
    error("floe license show MODEL_ID", "is not a license (it is a");
    error("floe model withdraw MODEL_ID", "ENoRevenue");
    error(
        "floe --as BUYER model withdraw MODEL_ID",
        "holds no ModelCap",
    );
    // A one-use license reads once; the second read is refused on-chain before any sliver
    // is served (the use is consumed first, and there is none left).
    let one_use_offer = ok(
        dir,
        &substitute(
            "floe license offer MODEL_ID --price 1 --window-secs 3600 --uses 1",
            &values,
        ),
    );
    let one_use_offer = one_use_offer.lines().next().unwrap().trim().to_owned();
    let one_use = ok(
        dir,
        &substitute(
            &format!("floe --as BUYER license buy {one_use_offer} --windows 1"),
            &values,
        ),
    );
    let one_use = one_use.lines().next().unwrap().trim().to_owned();
    ok(
        dir,
        &substitute(
            &format!("floe --as BUYER read WEIGHTS_BLOB_ID --out once.bin --license {one_use}"),
            &values,
        ),
    );
    assert_eq!(read("once.bin"), read("weights.bin"));
    error(
        &format!("floe --as BUYER read WEIGHTS_BLOB_ID --out twice.bin --license {one_use}"),
        "ENoUsesLeft",
    );
    assert!(
        !dir.join("twice.bin").exists(),
        "a refused read leaves no output file"
    );
    let poor = ok(dir, "floe account new --wal 0");
    let poor = poor.lines().next().unwrap().trim();
    error(
        &format!("floe --as {poor} store model.bin"),
        "floe account fund",
    );
    assert!(
        !dir.join("x.bin").exists(),
        "a failed read leaves no output file"
    );

    // Publishing someone else's plain bytes as a model claims nothing: the uploader and
    // everyone else still read the plain blob.
    let thief_model = ok(
        dir,
        &substitute("floe --as BUYER model create look-alike", &values),
    );
    let thief_model = thief_model.lines().next().unwrap().trim();
    let claimed = ok(
        dir,
        &substitute(
            &format!("floe --as BUYER model publish {thief_model} model.bin --architecture x"),
            &values,
        ),
    );
    assert_eq!(
        claimed.trim(),
        values["BLOB_ID"],
        "same bytes, same blob ID"
    );
    std::thread::sleep(Duration::from_secs(2)); // the nodes' watchers see the publication
    ok(
        dir,
        &substitute("floe read BLOB_ID --out after-claim.bin", &values),
    );
    ok(
        dir,
        &format!(
            "floe --as {poor} read {} --out after-claim-2.bin",
            values["BLOB_ID"]
        ),
    );
    assert_eq!(read("after-claim.bin"), read("model.bin"));
    assert_eq!(read("after-claim-2.bin"), read("model.bin"));

    // The last line withdraws the stake once its epoch has come, as `floe stakes` tells.
    let deadline = Instant::now() + Duration::from_secs(420);
    while !ok(dir, "floe stakes").contains("withdrawable now") {
        assert!(
            Instant::now() < deadline,
            "the stake never became withdrawable"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    let paid: f64 = ok(dir, &substitute(last, &values)).trim().parse().unwrap();
    // Stake withdrawn before it worked its minimum epochs pays the early-unstake fee.
    assert!(paid > 0.0 && paid <= 50.0, "withdrew {paid} WAL of 50");
    // Run twice: the stake is gone, and the error says where stakes are listed.
    error(last, "`floe stakes` lists your stakes");
    assert!(up.terminate().success(), "floe up exits cleanly on SIGTERM");
}

/// What a new user gets wrong around `floe up`, checked without a network (about a second):
/// commands run before any `floe up`, a home another `floe up` holds, and a home this `floe`
/// cannot read (an older version's `up.toml` or chain). Each is refused with its cause and
/// what to do; `floe account new` before `floe up` leaves no unfunded account behind (it would
/// be the first account, the one every later command signs with).
#[test]
fn commands_before_floe_up_and_a_busy_or_stale_home_say_what_to_do() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("model.bin"), b"some bytes").unwrap();
    let run = |line: &str| shell(dir, line);
    // `up` flags that need no free default port and no PostgreSQL.
    let up = "floe up --no-indexer --grpc 127.0.0.1:0 --faucet 127.0.0.1:0 --node-port 0";

    assert_clear_error("floe account new", &run("floe account new"), "`floe up`");
    assert!(
        !dir.join(".floe").exists(),
        "a refused `floe account new` creates no home"
    );
    assert_clear_error("floe store", &run("floe store model.bin"), "`floe up`");
    assert_clear_error("floe status", &run("floe status"), "`floe up`");
    assert_clear_error(
        "floe account list",
        &run("floe account list"),
        "floe account new",
    );

    // A home whose `floe up` was stopped: its network file names a port nothing listens on.
    let stopped = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    std::fs::create_dir_all(stopped.path().join(".floe/devnet")).unwrap();
    std::fs::write(
        stopped.path().join(".floe/devnet/network.toml"),
        std::fs::read_to_string(repo().join("cli/tests/readme_stopped_network.toml"))
            .unwrap()
            .replace("PORT", &port.to_string()),
    )
    .unwrap();
    for line in ["floe status", "floe account new"] {
        assert_clear_error(
            line,
            &shell(stopped.path(), line),
            "is `floe up` running for",
        );
    }
    assert!(
        !stopped.path().join(".floe/keystore").exists(),
        "an account the faucet never funded was kept"
    );

    // A home held by a running `floe up` (this test holds its lock, as that process would).
    std::fs::create_dir_all(dir.join(".floe")).unwrap();
    let mut lock = std::fs::File::create(dir.join(".floe/up.lock")).unwrap();
    lock.try_lock().unwrap();
    writeln!(lock, "4242").unwrap();
    let out = run(up);
    assert_clear_error(
        up,
        &out,
        "another `floe up` (process 4242) is already running",
    );
    assert!(
        !dir.join(".floe/devnet").exists() && !dir.join(".floe/nodes").exists(),
        "the refused `floe up` touched the running one's home"
    );
    drop(lock);

    // An `up.toml` this version cannot read.
    std::fs::write(dir.join(".floe/up.toml"), "grpc = 1\n").unwrap();
    assert_clear_error(
        up,
        &run(up),
        "delete it: the next `floe up` writes it again",
    );
    std::fs::remove_file(dir.join(".floe/up.toml")).unwrap();

    // A chain log whose first record this version cannot decode: a whole frame (its
    // checksum right) holding no record.
    let payload = [0xffu8; 4];
    let mut frame = (payload.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(
        blake2b_simd::Params::new()
            .hash_length(8)
            .hash(&payload)
            .as_bytes(),
    );
    frame.extend_from_slice(&payload);
    std::fs::create_dir_all(dir.join(".floe/devnet")).unwrap();
    std::fs::write(dir.join(".floe/devnet/wal.log"), &frame).unwrap();
    assert_clear_error(up, &run(up), "another version of floe");
    assert_eq!(
        std::fs::read(dir.join(".floe/devnet/wal.log")).unwrap(),
        frame,
        "the refused start changed the chain log"
    );
}
