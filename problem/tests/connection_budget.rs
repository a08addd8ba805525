//! The connection budget of a whole process, seen from outside: each test runs its services in
//! a child process (this test binary again, with [`CHILD`] set) whose soft open-file limit is
//! 200, floods them with connections from here, and asks the child how it fared.
//!
//! - With the services served as the project's services are (`serve` with default options),
//!   the process never runs out of descriptors however many connections come: they wait in
//!   the backlog. (Before the budget was the process's, each service took half the limit on its
//!   own, and three of them together ran the process out: `accept` failed with EMFILE, and so
//!   did opening a file.)
//! - With a budget larger than the limit (what an operator could configure), `accept` does
//!   fail with EMFILE: the service then neither spins nor exits, says so once, and serves
//!   again once descriptors free.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use floe_problem::serve::{ConnectionBudget, ServeOptions};

/// Set in the child: which services it runs.
const CHILD: &str = "FLOE_CONNECTION_BUDGET_CHILD";

/// The child's soft limit of open files.
const LIMIT: usize = 200;

/// In the child: serves as `mode` says on 127.0.0.1, prints `addr ADDRESS` per service and
/// `ready`, opens a file every 10 ms (as a service opens its store files) counting failures,
/// and answers each `report` line on stdin with `report OPEN_FAILURES OPEN_DESCRIPTORS`;
/// returns when stdin closes.
fn child(mode: &str) {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let failures = Arc::new(AtomicUsize::new(0));
    let addresses = runtime.block_on(async {
        let app = Router::new().route("/", get(|| async { "ok" }));
        let services = if mode == "default" { 3 } else { 1 };
        let mut addresses = Vec::new();
        for _ in 0..services {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addresses.push(listener.local_addr().unwrap());
            let app = app.clone();
            let header_timeout = Duration::from_secs(20);
            let shutdown = std::future::pending();
            if mode == "default" {
                // What the node, the key server, the indexer and the gateway call.
                tokio::spawn(floe_problem::serve::serve(
                    listener,
                    app,
                    header_timeout,
                    shutdown,
                ));
            } else {
                let options = ServeOptions {
                    header_timeout,
                    max_connections: 100_000,
                    budget: ConnectionBudget::new(100_000),
                    write_stall_timeout: floe_problem::write_stall::WRITE_STALL_TIMEOUT,
                };
                tokio::spawn(floe_problem::serve::serve_with(
                    listener, app, options, shutdown,
                ));
            }
        }
        let failures = Arc::clone(&failures);
        tokio::spawn(async move {
            loop {
                if std::fs::File::open("/proc/self/limits").is_err() {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        addresses
    });
    let mut out = std::io::stdout().lock();
    for address in addresses {
        writeln!(out, "addr {address}").unwrap();
    }
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        if line.unwrap() == "report" {
            // Out of descriptors, the directory cannot even be opened: all are taken.
            let descriptors = std::fs::read_dir("/proc/self/fd").map_or(LIMIT, |d| d.count());
            let failed = failures.load(Ordering::Relaxed);
            writeln!(out, "report {failed} {descriptors}").unwrap();
            out.flush().unwrap();
        }
    }
}

/// The child process, seen from the test.
struct Services {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
    addresses: Vec<SocketAddr>,
}

impl Services {
    /// Runs test `test` of this binary again as the child, in `mode`, with the open-file limit.
    fn start(test: &str, mode: &str) -> Self {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -S -n {LIMIT} && exec \"$0\" \"$@\""))
            .arg(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut addresses = Vec::new();
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(30))
                .expect("the child printed `ready`");
            if line == "ready" {
                break;
            }
            // The first line follows libtest's `test NAME ... ` on the same line.
            if let Some((_, address)) = line.split_once("addr ") {
                addresses.push(address.parse().unwrap());
            }
        }
        Self {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr: Some(stderr),
            addresses,
        }
    }

    /// (failed file opens so far, descriptors open now) in the child.
    fn report(&mut self) -> (usize, usize) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "report").unwrap();
        stdin.flush().unwrap();
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(10)).unwrap();
            if let Some(report) = line.strip_prefix("report ") {
                let (failed, open) = report.split_once(' ').unwrap();
                return (failed.parse().unwrap(), open.parse().unwrap());
            }
        }
    }

    /// CPU time the child has used, in clock ticks (user + system).
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The command name (in parentheses) may hold spaces; the fields after it do not.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        // utime and stime are fields 14 and 15 of stat(5); the state, field 3, is first here.
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    /// Closes the child's stdin, waits for it to exit and returns what it logged.
    fn stop(mut self) -> String {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the child failed: {status}");
        self.stderr.take().unwrap().join().unwrap()
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /` on a new connection to `address`, answered within `within`.
fn answered(address: SocketAddr, within: Duration) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    stream.set_read_timeout(Some(within)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok")
}

/// Three services of one process, served with default options, each sent 90 silent
/// connections (270, more than the process's 200 descriptors): together they hold no more
/// than the process's budget (100, half the limit), the rest wait in the backlog, the process
/// never runs out of descriptors (no failed accept, no failed file open), and once the flood
/// ends every service answers. Before the budget was shared, each service took up to 100
/// and the process ran out: EMFILE in `accept` and in the file opens.
#[test]
fn the_services_of_a_process_share_its_connection_budget() {
    const TEST: &str = "the_services_of_a_process_share_its_connection_budget";
    if let Ok(mode) = std::env::var(CHILD) {
        return child(&mode);
    }
    let mut services = Services::start(TEST, "default");
    assert_eq!(services.addresses.len(), 3);
    let mut flood = Vec::new();
    for address in services.addresses.clone() {
        for _ in 0..90 {
            flood.push(TcpStream::connect(address).unwrap());
        }
    }
    std::thread::sleep(Duration::from_millis(700));
    let (failed_opens, open) = services.report();
    assert_eq!(failed_opens, 0, "the child could not open files");
    assert!(
        open < LIMIT - 40,
        "the child holds {open} descriptors of {LIMIT}: more than the budget of {} connections",
        LIMIT / 2
    );
    assert!(
        open > LIMIT / 2,
        "the child holds only {open} descriptors: the flood did not take the budget"
    );
    drop(flood);
    for address in services.addresses.clone() {
        assert!(
            answered(address, Duration::from_secs(5)),
            "{address} did not answer after the flood"
        );
    }
    let log = services.stop();
    assert!(
        !log.contains("cannot accept"),
        "a service failed to accept:\n{log}"
    );
    assert!(
        log.contains("the process's connection budget reached"),
        "the budget was never reached:\n{log}"
    );
}

/// One service allowed more connections than the process has descriptors, sent 300 silent
/// connections: `accept` fails with EMFILE. The service does not exit and does not spin (it
/// uses well under half a core while out of descriptors), logs the failure once rather than
/// every retry, and answers again once the flood ends.
#[test]
fn out_of_descriptors_serve_neither_spins_nor_exits() {
    const TEST: &str = "out_of_descriptors_serve_neither_spins_nor_exits";
    if let Ok(mode) = std::env::var(CHILD) {
        return child(&mode);
    }
    let services = Services::start(TEST, "overcommit");
    let address = services.addresses[0];
    let flood: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = services.cpu_ticks();
    std::thread::sleep(Duration::from_secs(2));
    let used = services.cpu_ticks() - before;
    // Clock ticks are 1/100 s on Linux: 2 s of a spinning loop would be 200.
    assert!(used < 50, "{used} ticks of CPU in 2 s out of descriptors");
    drop(flood);
    assert!(
        answered(address, Duration::from_secs(5)),
        "the service did not answer once descriptors were free"
    );
    let log = services.stop();
    let failures = log.matches("cannot accept a connection").count();
    assert!(
        log.contains("Too many open files"),
        "the child never ran out of descriptors:\n{log}"
    );
    assert_eq!(failures, 1, "EMFILE logged {failures} times:\n{log}");
    assert!(log.contains("accepting connections again"), "{log}");
}
