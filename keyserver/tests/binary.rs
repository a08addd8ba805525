//! The `floe-keyserver` binary: it keeps its master key across restarts and never writes it to
//! its log, even at debug level while serving requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use floe_keyserver::client;
use floe_keyserver::ptb::approve_call;
use floe_keyserver::session::SessionKey;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::Address;

const BIN: &str = env!("CARGO_BIN_EXE_floe-keyserver");

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    log: Vec<String>,
}

impl Running {
    fn start(key_file: &std::path::Path, service: Address, package: Address) -> Self {
        let mut child = Command::new(BIN)
            .arg("--master-key-file")
            .arg(key_file)
            .args(["--service-id", &service.to_string()])
            .args(["--package", &package.to_string()])
            // No chain listens here: requests get as far as the policy check.
            .args(["--rpc-url", "http://127.0.0.1:9"])
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Self {
            child,
            lines,
            log: Vec::new(),
        }
    }

    /// Waits for the startup line; returns (URL, public key hex).
    fn ready(&mut self) -> (String, String) {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .expect("the key server starts");
            self.log.push(line.clone());
            if line.contains("key server up") {
                let field = |name: &str| {
                    let start = line.find(&format!("{name}=")).unwrap() + name.len() + 1;
                    line[start..].split(' ').next().unwrap().to_owned()
                };
                return (format!("http://{}", field("listen")), field("public_key"));
            }
        }
    }

    fn stop(mut self) -> Vec<String> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        self.log.extend(self.lines.try_iter());
        self.log
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_its_master_key_across_restarts_and_never_logs_it() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    let service = Address::from([3; 32]);
    let package = Address::from([4; 32]);

    let mut first = Running::start(&key_file, service, package);
    let (url, public_key) = first.ready();
    let secret = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(secret.len(), 64);

    // Serve a proof of possession and a well-signed request that fails at the chain.
    let answer = client::service(&url, &service.into_inner()).await.unwrap();
    assert_eq!(answer.service_id, service.to_string());
    let user = Ed25519PrivateKey::new([5; 32]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let session = SessionKey::new(&user, package, now, 5, &mut rand::thread_rng()).unwrap();
    let ptb = approve_call(package, "license", "seal_approve", &[1; 32], vec![]).unwrap();
    let (_, request) = session.request(&ptb, &mut rand::thread_rng());
    let refused = client::fetch_key(&url, &request).await.unwrap_err();
    assert_eq!(refused.refusal(), Some("Failure"), "{refused}");
    let log = first.stop();

    let mut second = Running::start(&key_file, service, package);
    let (_, public_key_again) = second.ready();
    assert_eq!(
        public_key_again, public_key,
        "the same master key after a restart"
    );
    let mut log2 = second.stop();
    log2.extend(log);
    assert!(
        log2.iter().any(|l| l.contains("refused a key request")),
        "{log2:#?}"
    );
    for line in &log2 {
        assert!(
            !line.contains(&secret),
            "the master key is in the log: {line}"
        );
    }
}

/// `--rate 0` used to start a server that refused every request for ever and told clients to
/// retry in 2⁶⁴ − 1 seconds; `--burst 0.5` one that never let a request through. Both are now
/// refused at start, naming the flag and what to pass.
#[test]
fn a_rate_or_burst_that_would_refuse_everyone_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, expected) in [
        ("--rate", "0", "pass requests per second above 0"),
        ("--rate", "-3", "pass requests per second above 0"),
        ("--rate", "NaN", "pass requests per second above 0"),
        ("--burst", "0.5", "1 or more"),
    ] {
        let output = Command::new(BIN)
            .arg("--master-key-file")
            .arg(dir.path().join("master.key"))
            .args(["--service-id", &Address::from([3; 32]).to_string()])
            .args(["--package", &Address::from([4; 32]).to_string()])
            .args(["--listen", "127.0.0.1:0", &format!("{flag}={value}")])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{flag} {value} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains(expected),
            "{flag} {value}: {stderr}"
        );
        assert!(
            !dir.path().join("master.key").exists(),
            "a master key was made before the flags were checked"
        );
    }
}
