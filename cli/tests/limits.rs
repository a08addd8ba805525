//! The operator's limits of the HTTP services (`--upload-queue`, `--upload-grace-secs`,
//! `--upload-min-rate`, `--max-connections`): bad values are refused in two lines before
//! anything starts, and values set take effect on the running services of `floe up` and of a
//! `floe publisher` run on its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{FLOE, ok, start_up};

/// `floe args…` with the soft open-file limit at 1024, which must fail at once: its two
/// stderr lines (cause, what to do).
fn refused(home: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -S -n 1024 && exec \"$0\" \"$@\"")
        .arg(FLOE)
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("FLOE_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success(), "floe {args:?} succeeded");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "floe {args:?} did not say two lines:\n{stderr}"
    );
    (lines[0].to_owned(), lines[1].to_owned())
}

#[test]
fn bad_limits_are_refused_in_two_lines_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["up", "--upload-queue", "0"],
            "error: --upload-queue 0 would refuse every upload with 503",
            "  pass --upload-queue 1 or more (the default is 8)",
        ),
        (
            &["up", "--max-connections", "0"],
            "error: --max-connections 0 would never accept a connection",
            "  pass --max-connections 1 or more (the default here is 512: half the open-file limit)",
        ),
        (
            &["publisher", "--upload-min-rate", "0"],
            "error: --upload-min-rate 0 lets a stalled upload keep its place for as long as it holds the connection",
            "  pass a rate above 0, e.g. --upload-min-rate 256KiB (the default)",
        ),
        (
            &["daemon", "--upload-grace-secs", "0"],
            "error: --upload-grace-secs 0 gives an upload body no time to get going: every upload would be refused with 408",
            "  pass --upload-grace-secs 1 or more (the default is 10)",
        ),
        (
            &["aggregator", "--max-connections", "1000"],
            "error: --max-connections 1000 leaves too few of this process's 1024 open files for its stores, temporary files and outgoing connections (at least a quarter must stay)",
            "  pass --max-connections 768 or less, or raise the limit first (e.g. `ulimit -n 2000`)",
        ),
        (
            &["publisher", "--upload-queue", "0", "--max-connections", "0"],
            "error: --upload-queue 0 would refuse every upload with 503",
            "  pass --upload-queue 1 or more (the default is 8)",
        ),
    ];
    for (args, cause, todo) in cases {
        assert_eq!(
            refused(&home, args),
            (cause.to_owned(), todo.to_owned()),
            "floe {args:?}"
        );
    }
    // Refused before anything started: `floe up` made no home, took no lock.
    assert!(!home.exists(), "floe up started before refusing");

    for (command, flags) in [
        (
            "up",
            &[
                "--upload-queue",
                "--upload-grace-secs",
                "--upload-min-rate",
                "--max-connections",
            ][..],
        ),
        (
            "publisher",
            &[
                "--upload-queue",
                "--upload-grace-secs",
                "--upload-min-rate",
                "--max-connections",
            ],
        ),
        (
            "daemon",
            &["--upload-queue", "--upload-min-rate", "--max-connections"],
        ),
        ("aggregator", &["--max-connections"]),
    ] {
        let help = ok(&home, &[command, "--help"]);
        for flag in flags {
            assert!(
                help.contains(flag),
                "floe {command} --help lacks {flag}:\n{help}"
            );
        }
    }
    let help = ok(&home, &["up", "--help"]);
    assert!(
        help.contains("[default: 8]") && help.contains("[default: 256KiB]"),
        "{help}"
    );
}

/// A `PUT /v1/blobs` to `base` (`http://host:port`) declaring `declared` bytes, of which `sent`
/// are sent at once.
fn upload(base: &str, declared: usize, sent: usize) -> TcpStream {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: {host}\r\nContent-Length: {declared}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(&vec![7u8; sent]).unwrap();
    stream
}

/// The answer's head and body on `stream`, if it comes within `within`.
fn answer(stream: &mut TcpStream, within: Duration) -> Option<(String, String)> {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|l| l.trim().parse::<usize>().ok());
            if length.is_some_and(|l| body.len() >= l) {
                break;
            }
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some((head.to_owned(), body.to_owned()))
}

/// With a queue of 1, a grace of 2 s and 1 MiB/s at `publisher`: a stalled upload holds the
/// one place, so a second gets 503 with Retry-After at once; the stalled one is cut off with
/// 408 after about 2 s (not the default 10), naming the pace set.
fn queue_of_one_and_a_fast_pace(publisher: &str) {
    let started = Instant::now();
    let mut stalled = upload(publisher, 100_000, 10);
    std::thread::sleep(Duration::from_millis(300));
    let mut second = upload(publisher, 1000, 1000);
    let (head, body) = answer(&mut second, Duration::from_secs(2))
        .expect("a second upload beyond a queue of 1 was not refused at once");
    assert!(head.starts_with("HTTP/1.1 503"), "{head}\n{body}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 5"),
        "{head}"
    );
    assert!(body.contains("already taking 1 upload,"), "{body}");
    let (head, body) =
        answer(&mut stalled, Duration::from_secs(8)).expect("the stalled upload was not cut off");
    let after = started.elapsed();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}\n{body}");
    assert!(
        body.contains("after 2 s") && body.contains("1 MiB/s"),
        "{body}"
    );
    assert!(
        after >= Duration::from_millis(1900) && after < Duration::from_secs(7),
        "cut off after {after:?}, not about 2 s"
    );
}

/// `GET /v1/api` on a new connection to `base`, answered 200 within `within`.
fn api_answers(base: &str, within: Duration) -> bool {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /v1/api HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    answer(&mut stream, within).is_some_and(|(head, _)| head.starts_with("HTTP/1.1 200"))
}

#[test]
fn limits_set_take_effect_on_floe_ups_services_and_a_lone_publisher() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let up = start_up(
        &home,
        &[
            "--no-indexer",
            "--upload-queue",
            "1",
            "--upload-grace-secs",
            "2",
            "--upload-min-rate",
            "1MiB",
            "--max-connections",
            "40",
        ],
    );
    let publisher = up.lines["publisher"].clone();
    let aggregator = up.lines["aggregator"].clone();
    queue_of_one_and_a_fast_pace(&publisher);

    // The nodes' pace is the one set too.
    let node = std::fs::read_to_string(home.join("nodes/node-0/node.toml")).unwrap();
    assert!(
        node.contains("upload_grace_ms = 2000\n") && node.contains("upload_min_rate = 1048576\n"),
        "{node}"
    );

    // A budget of 40 for the whole process, of which one service takes 30: 30 silent
    // connections fill the aggregator's share, so its next request waits (with the default
    // budget, half of the open-file limit, it was answered at once), while the publisher, in
    // the same process, still answers from the budget's rest.
    let host = aggregator.trim_start_matches("http://").to_owned();
    let mut silent: Vec<TcpStream> = (0..30)
        .map(|_| TcpStream::connect(&host).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut waiting = TcpStream::connect(&host).unwrap();
    write!(
        waiting,
        "GET /v1/api HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    assert_eq!(
        answer(&mut waiting, Duration::from_millis(800)),
        None,
        "the aggregator served a 31st connection with --max-connections 40"
    );
    assert!(
        api_answers(&publisher, Duration::from_secs(3)),
        "a flood at the aggregator starved the publisher"
    );
    drop(silent.pop());
    let (head, _) = answer(&mut waiting, Duration::from_secs(5))
        .expect("the waiting request was not served once a connection closed");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    drop(silent);

    // `floe publisher` on its own takes the same flags.
    ok(&home, &["account", "new"]);
    let mut lone = Command::new(FLOE)
        .arg("--home")
        .arg(&home)
        .args([
            "publisher",
            "--bind",
            "127.0.0.1:0",
            "--upload-queue",
            "1",
            "--upload-grace-secs",
            "2",
            "--upload-min-rate",
            "1MiB",
            "--max-connections",
            "64",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(lone.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("publisher ")
        .unwrap_or_else(|| panic!("floe publisher printed {line:?}"))
        .to_owned();
    queue_of_one_and_a_fast_pace(&url);
    lone.kill().unwrap();
    lone.wait().unwrap();
    drop(up);
}
