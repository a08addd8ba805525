//! The aggregator and the publisher as users reach them: a real `floe up` (devnet, four storage
//! nodes, the aggregator and the publisher it starts), a second `floe publisher` process with
//! authentication on, and plain HTTP/1.1 requests over TCP, as curl sends them.
//!
//! The `floe` binary is the workspace's `target/<profile>/floe` (`FLOE_BIN` overrides it); it is
//! built with `cargo build -p floe` first when missing or older than the gateway's, cli's or
//! sdk's sources, since a test of another package cannot ask cargo for it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use floe_encoder::EncodingConfig;

/// Shards of the test network: p = 34 rows of s = 67 symbols, so a few MiB span many slivers,
/// and blobs up to about 149 MB fit (the quilt of 10 000 files of 1–10 KiB is about 57 MB).
const SHARDS: u16 = 100;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> SystemTime {
    let mut latest = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().unwrap().modified().unwrap()
        };
        latest = latest.max(time);
    }
    latest
}

/// The `floe` binary, built if missing or older than the sources it is made of here.
fn floe_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("FLOE_BIN") {
        return path.into();
    }
    // This test runs as target/<profile>/deps/http-<hash>.
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("floe");
    let sources = ["gateway/src", "cli/src", "sdk/src"]
        .iter()
        .map(|dir| newest(&workspace().join(dir)))
        .max()
        .unwrap();
    let fresh = bin
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|built| built >= sources);
    if !fresh {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "floe", "--bin", "floe"])
            .current_dir(workspace())
            .status()
            .expect("running cargo build -p floe");
        assert!(status.success(), "cargo build -p floe failed");
    }
    bin
}

/// A child process printing `key value` lines, killed when dropped.
struct Process {
    child: Child,
    lines: std::collections::HashMap<String, String>,
}

impl Process {
    /// Spawns `command` with piped stdout and waits up to `secs` for the line `until`
    /// (or, with `until` a key, for a line starting with it).
    fn start(mut command: Command, until: &str, secs: u64) -> Self {
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawning floe");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = std::collections::HashMap::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(secs))
                .unwrap_or_else(|_| panic!("no `{until}` line within {secs} s"));
            let done = line == until || line.starts_with(&format!("{until} "));
            if let Some((key, value)) = line.split_once(' ') {
                lines.insert(key.to_owned(), value.to_owned());
            }
            if done {
                break;
            }
        }
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Self { child, lines }
    }

    fn url(&self, key: &str) -> String {
        self.lines
            .get(key)
            .unwrap_or_else(|| panic!("no `{key}` line in {:?}", self.lines))
            .clone()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Checks a problem+json answer with this status; its detail.
    fn problem(&self, status: u16) -> String {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let json = self.json();
        assert_eq!(json["status"], status);
        json["detail"].as_str().unwrap().to_owned()
    }
}

/// Reads one response from `stream` (fixed-length or chunked body; none for HEAD and 304).
fn read_response(stream: TcpStream, head_only: bool) -> Response {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status: u16 = line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("no status line: {line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if head_only || status == 304 {
        return response;
    }
    if response.header("transfer-encoding") == Some("chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            response.body.extend_from_slice(&chunk[..size]);
        }
    } else {
        let len: usize = response.header("content-length").unwrap().parse().unwrap();
        response.body = vec![0; len];
        reader.read_exact(&mut response.body).unwrap();
    }
    response
}

fn connect(url: &str) -> (TcpStream, String) {
    let host = url.strip_prefix("http://").unwrap().to_owned();
    let stream = TcpStream::connect(&host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    (stream, host)
}

/// One request on its own connection, as curl makes it.
fn http(method: &str, url: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let (mut stream, host) = connect(url);
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "PUT" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_response(stream, method == "HEAD")
}

fn get(url: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    http("GET", url, path, headers, &[])
}

/// The `id` of a publisher answer's `blobObject`.
fn by_object_id(object: &serde_json::Value) -> String {
    object["id"].as_str().unwrap().to_owned()
}

fn blob_data(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

#[test]
fn the_aggregator_serves_ranges_and_the_publisher_stores_with_limits_and_auth() {
    let started = Instant::now();
    let floe = floe_bin();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut up = Command::new(&floe);
    up.arg("--home").arg(&home).args([
        "up",
        "--grpc",
        "127.0.0.1:0",
        "--faucet",
        "127.0.0.1:0",
        "--no-indexer",
        "--node-port",
        "0",
        "--aggregator",
        "127.0.0.1:0",
        "--publisher",
        "127.0.0.1:0",
        "--nodes",
        "4",
        "--shards",
        &SHARDS.to_string(),
        "--epoch-secs",
        "120",
        "--checkpoint-ms",
        "50",
    ]);
    let network = Process::start(up, "ready", 120);
    let aggregator = network.url("aggregator");
    let publisher = network.url("publisher");
    eprintln!("network up in {:?}", started.elapsed());

    // Store 3 MiB through the publisher: Walrus's answer, byte-identical through the aggregator.
    let data = blob_data(3 << 20);
    let put = http(
        "PUT",
        &publisher,
        "/v1/blobs?epochs=2&deletable=false",
        &[],
        &data,
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let created = &put.json()["newlyCreated"];
    let object = &created["blobObject"];
    let blob_id = object["blobId"].as_str().unwrap().to_owned();
    assert_eq!(object["size"], data.len());
    assert_eq!(object["encodingType"], "RS2");
    assert_eq!(object["deletable"], false);
    assert_eq!(
        object["storage"]["endEpoch"].as_u64().unwrap(),
        object["registeredEpoch"].as_u64().unwrap() + 2
    );
    assert_eq!(
        created["resourceOperation"]["registerFromScratch"]["epochsAhead"],
        2
    );
    assert!(created["cost"].as_u64().unwrap() > 0);
    // The ID is the content's: computed locally from the same bytes it is the same.
    let file = dir.path().join("blob.bin");
    std::fs::write(&file, &data).unwrap();
    let local = Command::new(&floe)
        .args(["blob-id", "--shards", &SHARDS.to_string()])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(local.stdout).unwrap().trim(), blob_id);
    eprintln!("stored through the publisher at {:?}", started.elapsed());

    let path = format!("/v1/blobs/{blob_id}");
    let etag = format!("\"{blob_id}\"");
    let whole = get(&aggregator, &path, &[]);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, data);
    assert_eq!(
        whole.header("content-length"),
        Some(data.len().to_string().as_str())
    );
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.header("etag"), Some(etag.as_str()));
    assert_eq!(
        whole.header("content-type"),
        Some("application/octet-stream")
    );

    // Ranges: exactly those bytes, with Content-Range. Rows are primary slivers of
    // s · symbol_size bytes; one range straddles the boundary between rows 2 and 3.
    let config = EncodingConfig::new(usize::from(SHARDS)).unwrap();
    let row = config.n_secondary_source() * config.symbol_size(data.len() as u64).unwrap();
    let size = data.len();
    let cases = [
        ("bytes=0-0".to_owned(), 0..1),
        (format!("bytes={}-{}", size - 1, size - 1), size - 1..size),
        (
            format!("bytes={}-{}", 3 * row - 100, 3 * row + 99),
            3 * row - 100..3 * row + 100,
        ),
        ("bytes=-1000".to_owned(), size - 1000..size),
        (format!("bytes={}-", size - 5000), size - 5000..size),
        (format!("bytes=100-{}", size + 10), 100..size),
    ];
    for (range, expected) in cases {
        let part = get(&aggregator, &path, &[("Range", &range)]);
        assert_eq!(part.status, 206, "{range}");
        assert_eq!(part.body, data[expected.clone()], "{range}");
        assert_eq!(
            part.header("content-range").unwrap(),
            format!("bytes {}-{}/{size}", expected.start, expected.end - 1),
            "{range}"
        );
        assert_eq!(
            part.header("content-length").unwrap(),
            expected.len().to_string()
        );
    }
    // Past the end: 416 naming the size.
    for range in [
        format!("bytes={size}-"),
        format!("bytes={}-{}", size + 5, size + 9),
    ] {
        let refused = get(&aggregator, &path, &[("Range", &range)]);
        refused.problem(416);
        assert_eq!(
            refused.header("content-range"),
            Some(format!("bytes */{size}").as_str())
        );
    }
    // HEAD: the headers of a GET, no body.
    let head = http("HEAD", &aggregator, &path, &[], &[]);
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(size.to_string().as_str())
    );
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    assert_eq!(head.header("accept-ranges"), Some("bytes"));
    // The ETag validates: 304 without a body.
    let cached = get(&aggregator, &path, &[("If-None-Match", &etag)]);
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());
    assert_eq!(cached.header("etag"), Some(etag.as_str()));
    // The Blob object leads to the same bytes.
    let by_object = format!("/v1/blobs/by-object-id/{}", object["id"].as_str().unwrap());
    let part = get(&aggregator, &by_object, &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, data[10..20]);
    // Bad and unknown IDs.
    let detail = get(&aggregator, "/v1/blobs/not-a-blob-id", &[]).problem(400);
    assert!(detail.contains("not a blob ID"), "{detail}");
    let unknown = format!("/v1/blobs/{}", "A".repeat(43));
    let detail = get(&aggregator, &unknown, &[]).problem(404);
    assert!(detail.contains("not stored"), "{detail}");
    get(&aggregator, "/v1/blobs/by-object-id/not-an-object", &[]).problem(400);
    let missing = format!("/v1/blobs/by-object-id/0x{}", "ab".repeat(32));
    get(&aggregator, &missing, &[]).problem(404);
    // A wrong method: 405 naming what the route accepts, in `Allow` and as problem+json.
    let wrong = http("DELETE", &aggregator, &path, &[], &[]);
    let detail = wrong.problem(405);
    assert_eq!(wrong.header("allow"), Some("GET,HEAD"));
    assert!(detail.contains("DELETE is not allowed"), "{detail}");
    let wrong = http("POST", &publisher, "/v1/blobs", &[], b"x");
    let detail = wrong.problem(405);
    assert_eq!(wrong.header("allow"), Some("PUT"));
    assert!(detail.contains("it accepts PUT"), "{detail}");
    // The OpenAPI documents.
    let api = get(&aggregator, "/v1/api", &[]).json();
    assert!(api["paths"]["/v1/blobs/{blob_id}"]["get"].is_object());
    let api = get(&publisher, "/v1/api", &[]).json();
    assert!(api["paths"]["/v1/blobs"]["put"].is_object());
    eprintln!("aggregator checks done at {:?}", started.elapsed());

    // Attributes: a user stores a page through the publisher to their own address, sets its
    // content type and file name with `floe set-attribute`, and the aggregator serves the blob
    // by object ID with them as headers (by blob ID, with none: attributes belong to objects).
    let floe_as_user = |args: &[&str]| {
        let output = Command::new(&floe)
            .arg("--home")
            .arg(&home)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "floe {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let user = floe_as_user(&["account", "new"]);
    let user = user.split_whitespace().next().unwrap().to_owned();
    let page = b"<h1>hello</h1>".repeat(10);
    let put = http(
        "PUT",
        &publisher,
        &format!("/v1/blobs?epochs=2&send_object_to={user}"),
        &[],
        &page,
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let page_object = put.json()["newlyCreated"]["blobObject"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = floe_as_user(&[
        "--as",
        &user,
        "set-attribute",
        &page_object,
        "content-type=text/html; charset=utf-8",
        "Content-Disposition=attachment; filename=\"hello.html\"",
        "note=a=b",
    ]);
    assert_eq!(
        listed,
        "content-type: text/html; charset=utf-8\nContent-Disposition: attachment; \
         filename=\"hello.html\"\nnote: a=b\n"
    );
    let page_path = format!("/v1/blobs/by-object-id/{page_object}");
    let served = get(&aggregator, &page_path, &[]);
    assert_eq!(served.status, 200);
    assert_eq!(served.body, page);
    assert_eq!(
        served.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        served.header("content-disposition"),
        Some("attachment; filename=\"hello.html\"")
    );
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    // An owner-chosen HTML type renders sandboxed: its script never runs as the aggregator.
    assert_eq!(served.header("content-security-policy"), Some("sandbox"));
    assert_eq!(served.header("note"), None, "only the listed headers");
    let head = http("HEAD", &aggregator, &page_path, &[], &[]);
    assert_eq!(
        head.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // Removed, it is octet-stream again; `get-attribute` reads anyone's blob without an account.
    floe_as_user(&[
        "--as",
        &user,
        "remove-attribute",
        &page_object,
        "content-type",
    ]);
    let served = get(&aggregator, &page_path, &[]);
    assert_eq!(
        served.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        floe_as_user(&["get-attribute", &page_object, "note"]),
        "a=b\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&floe_as_user(&["get-attribute", &page_object, "--json"])).unwrap();
    assert_eq!(json["note"], "a=b");
    assert!(json.get("content-type").is_none());
    // Someone else's blob object: refused before any transaction, naming the owner.
    let stranger = Command::new(&floe)
        .arg("--home")
        .arg(&home)
        .args(["set-attribute", &by_object_id(object), "k=v"])
        .output()
        .unwrap();
    assert!(!stranger.status.success());
    let message = String::from_utf8_lossy(&stranger.stderr);
    assert!(message.contains("is not owned by"), "{message}");
    // A shared blob (`floe share`, permanent blobs only) is read by the SharedBlob's ID: the
    // wrapped blob's bytes, its attributes as headers (set before sharing), ranges as for a Blob.
    let card = b"<p>shared</p>".repeat(12);
    let put = http(
        "PUT",
        &publisher,
        &format!("/v1/blobs?epochs=2&deletable=false&send_object_to={user}"),
        &[],
        &card,
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let card_object = put.json()["newlyCreated"]["blobObject"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let card_etag = format!(
        "\"{}\"",
        put.json()["newlyCreated"]["blobObject"]["blobId"]
            .as_str()
            .unwrap()
    );
    floe_as_user(&[
        "--as",
        &user,
        "set-attribute",
        &card_object,
        "content-type=text/plain",
    ]);
    let shared = floe_as_user(&["--as", &user, "share", &card_object]);
    let shared_path = format!("/v1/blobs/by-object-id/{}", shared.trim());
    let served = get(&aggregator, &shared_path, &[]);
    assert_eq!(served.status, 200);
    assert_eq!(served.body, card);
    assert_eq!(served.header("content-type"), Some("text/plain"));
    assert_eq!(
        served.header("content-security-policy"),
        None,
        "plain text is passive"
    );
    assert_eq!(served.header("etag"), Some(card_etag.as_str()));
    let part = get(&aggregator, &shared_path, &[("Range", "bytes=4-13")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, card[4..14]);
    assert_eq!(part.header("content-type"), Some("text/plain"));
    let head = http("HEAD", &aggregator, &shared_path, &[], &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/plain"));
    // The wrapped Blob is no object of its own any more.
    get(
        &aggregator,
        &format!("/v1/blobs/by-object-id/{card_object}"),
        &[],
    )
    .problem(404);
    eprintln!("attributes and shared blob done at {:?}", started.elapsed());

    // Over the limit (10 MiB): refused from Content-Length alone, before any of the body.
    let (mut stream, host) = connect(&publisher);
    write!(
        stream,
        "PUT /v1/blobs HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        (10 << 20) + 1
    )
    .unwrap();
    let detail = read_response(stream, false).problem(413);
    assert!(detail.contains("at most 10485760 bytes"), "{detail}");
    // Sent chunked, without a length: refused once the limit is passed.
    let (mut stream, host) = connect(&publisher);
    write!(
        stream,
        "PUT /v1/blobs HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..11 {
        let sent = write!(stream, "{:x}\r\n", chunk.len())
            .and_then(|()| stream.write_all(&chunk))
            .and_then(|()| stream.write_all(b"\r\n"));
        if sent.is_err() {
            break; // The publisher answered and closed.
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    read_response(stream, false).problem(413);

    // A publisher with authentication on, paying from the same wallet.
    let secret = "gateway-test-secret";
    let mut command = Command::new(&floe);
    command
        .arg("--home")
        .arg(&home)
        .args(["publisher", "--bind", "127.0.0.1:0", "--wallet"])
        .arg(home.join("publisher.keystore"))
        .args(["--jwt-secret", secret]);
    let authed_process = Process::start(command, "publisher", 60);
    let authed = authed_process.url("publisher");
    let small = blob_data(50_000);
    let detail = http("PUT", &authed, "/v1/blobs", &[], &small).problem(401);
    assert!(detail.contains("bearer token"), "{detail}");
    let forged = token(b"another-secret", 3);
    let bearer = format!("Bearer {forged}");
    http(
        "PUT",
        &authed,
        "/v1/blobs",
        &[("Authorization", &bearer)],
        &small,
    )
    .problem(401);
    let bearer = format!("Bearer {}", token(secret.as_bytes(), 3));
    let put = http(
        "PUT",
        &authed,
        "/v1/blobs?epochs=3",
        &[("Authorization", &bearer)],
        &small,
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let small_id = put.json()["newlyCreated"]["blobObject"]["blobId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The token's max_epochs binds.
    http(
        "PUT",
        &authed,
        "/v1/blobs?epochs=4",
        &[("Authorization", &bearer)],
        &small,
    )
    .problem(401);
    assert_eq!(
        get(&aggregator, &format!("/v1/blobs/{small_id}"), &[]).body,
        small
    );
    // A permanent blob already certified for long enough is not paid for again.
    let again = http(
        "PUT",
        &publisher,
        "/v1/blobs?epochs=1&permanent=true",
        &[],
        &data,
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["alreadyCertified"]["blobId"], blob_id);
    eprintln!("publisher checks done at {:?}", started.elapsed());

    concurrent_puts(&floe, &home, &aggregator, dir.path());
    eprintln!("concurrent stores done at {:?}", started.elapsed());

    // A published model version: the nodes serve it to license holders only, so the
    // aggregator answers 403 with a problem that says so.
    let floe_ok = |args: &[&str]| {
        let out = Command::new(&floe)
            .arg("--home")
            .arg(&home)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "floe {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    floe_ok(&["account", "new"]);
    quilts(
        &floe,
        &home,
        network.child.id(),
        &aggregator,
        &publisher,
        dir.path(),
        &blob_id,
    );
    eprintln!("quilt checks done at {:?}", started.elapsed());

    let model = floe_ok(&["model", "create", "gated"]);
    let weights = dir.path().join("weights.bin");
    std::fs::write(&weights, blob_data(70_000)).unwrap();
    let weights = weights.to_str().unwrap().to_owned();
    let version = floe_ok(&[
        "model",
        "publish",
        &model,
        &weights,
        "--architecture",
        "mlp",
    ]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let detail = loop {
        let answer = get(&aggregator, &format!("/v1/blobs/{version}"), &[]);
        if answer.status == 403 {
            break answer.problem(403);
        }
        assert!(
            Instant::now() < deadline,
            "the aggregator still answers {} for a published model version",
            answer.status
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(detail.contains("licensed model"), "{detail}");
    eprintln!("all done in {:?}", started.elapsed());
}

/// The peak resident set of live process `pid` so far (`VmHWM`), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix(" kB"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kib << 10
}

/// Bodies stream to disk, not memory: a publisher taking up to 20 MiB (paying from the same
/// wallet as `floe up`'s, idle meanwhile) stores one 16 MiB body, then gets four at once; each
/// is stored (one at a time, the others waiting in temporary files) and served byte-identical.
/// The four at once raise the publisher's peak RSS (`VmHWM`, the kernel's high-water mark of
/// the live process) by less than one body over the single store's peak: bodies held in memory
/// while they wait for their turn would add three. A 21 MiB chunked body is refused with 413
/// once past the limit, and nothing is left in the publisher's `TMPDIR`.
///
/// The publisher runs with `MALLOC_ARENA_MAX=1` so that the peak measures memory in use, not
/// glibc's retention: each store's encoding runs on whichever blocking thread is free, and each
/// thread's malloc arena keeps the ~60 MB of band buffers it freed, so without it the same run
/// peaks at 262 MiB after four stores against 88 MiB after one (with it: 94 and 87).
fn concurrent_puts(floe: &Path, home: &Path, aggregator: &str, dir: &Path) {
    const BODY: usize = 16 << 20;
    const BODIES: usize = 4;
    let tmp = dir.join("publisher-tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut command = Command::new(floe);
    command
        .arg("--home")
        .arg(home)
        .args(["publisher", "--bind", "127.0.0.1:0", "--wallet"])
        .arg(home.join("publisher.keystore"))
        .args(["--max-body-size", "20MiB"])
        .env("TMPDIR", &tmp)
        .env("MALLOC_ARENA_MAX", "1");
    let process = Process::start(command, "publisher", 60);
    let pid = process.child.id();
    let url = process.url("publisher");
    let bodies: Vec<Vec<u8>> = (0..=BODIES)
        .map(|k| {
            let mut body = blob_data(BODY + k);
            body.drain(..k);
            body[0] = k as u8;
            body
        })
        .collect();
    let put = http("PUT", &url, "/v1/blobs?epochs=1", &[], &bodies[BODIES]);
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let single = peak_rss(pid);
    let stores: Vec<_> = bodies[..BODIES]
        .iter()
        .map(|body| {
            let (url, body) = (url.clone(), body.clone());
            std::thread::spawn(move || http("PUT", &url, "/v1/blobs?epochs=1", &[], &body))
        })
        .collect();
    let mut ids = Vec::new();
    for store in stores {
        let put = store.join().unwrap();
        assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
        let object = &put.json()["newlyCreated"]["blobObject"];
        assert_eq!(object["size"], BODY);
        ids.push(object["blobId"].as_str().unwrap().to_owned());
    }
    let concurrent = peak_rss(pid);
    for (id, body) in ids.iter().zip(&bodies) {
        let read = get(aggregator, &format!("/v1/blobs/{id}"), &[]);
        assert_eq!(read.status, 200);
        assert!(read.body == *body, "blob {id} differs from its body");
    }
    eprintln!(
        "publisher peak RSS {} MiB after one store of {} MiB, {} MiB after {BODIES} at once",
        single >> 20,
        BODY >> 20,
        concurrent >> 20
    );
    assert!(
        concurrent < single + BODY as u64,
        "{BODIES} stores at once raised the publisher's peak from {} to {} MiB",
        single >> 20,
        concurrent >> 20
    );

    // Chunked past 20 MiB: refused while streaming, the partial spool removed.
    let (mut stream, host) = connect(&url);
    write!(
        stream,
        "PUT /v1/blobs HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![9u8; 1 << 20];
    for _ in 0..21 {
        let sent = write!(stream, "{:x}\r\n", chunk.len())
            .and_then(|()| stream.write_all(&chunk))
            .and_then(|()| stream.write_all(b"\r\n"));
        if sent.is_err() {
            break; // The publisher answered and closed.
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let detail = read_response(stream, false).problem(413);
    assert!(detail.contains("at most 20971520 bytes"), "{detail}");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left in the publisher's TMPDIR: {left:?}");
}

/// Bytes the process `pid` has written with `write`-like system calls so far (`wchar` of
/// `/proc/PID/io`): for `floe up`, mostly what its storage nodes send (slivers) and what its
/// aggregator answers.
fn written_bytes(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Files of a quilt through real processes: 10 000 files of 1–10 KiB (seeded sizes, about
/// 57 MB) stored as one blob with `floe store-quilt`; single files read back byte-identical
/// with `floe read-quilt` (the first, the last, one in the middle and one straddling a row,
/// i.e. a primary sliver, boundary), each fetching exactly the first row (header and index)
/// and the file's rows, as the command reports; the same files served by the aggregator's
/// `GET /v1/blobs/by-quilt-id/…` while `floe up` (nodes and aggregator) writes a small
/// fraction of the quilt; listed; a form stored with `PUT /v1/quilts`.
fn quilts(
    floe: &Path,
    home: &Path,
    network_pid: u32,
    aggregator: &str,
    publisher: &str,
    dir: &Path,
    plain_blob_id: &str,
) {
    let run = |args: &[&str]| {
        let out = Command::new(floe)
            .arg("--home")
            .arg(home)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "floe {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap().trim().to_owned(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let floe_ok = |args: &[&str]| run(args).0;
    const FILES: usize = 10_000;
    let started = Instant::now();
    let files = dir.join("quilt");
    std::fs::create_dir(&files).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut contents = Vec::with_capacity(FILES);
    for k in 0..FILES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = 1024 + (state % (9 * 1024 + 1)) as usize;
        let data: Vec<u8> = blob_data(len + k).split_off(k);
        std::fs::write(files.join(format!("file-{k:05}.bin")), &data).unwrap();
        contents.push(data);
    }
    let total: usize = contents.iter().map(Vec::len).sum();
    eprintln!("{FILES} files written in {:?}", started.elapsed());
    let storing = Instant::now();
    let quilt_id = floe_ok(&[
        "store-quilt",
        "--dir",
        files.to_str().unwrap(),
        "--epochs",
        "2",
        "--tag",
        "batch=e2e",
    ]);
    eprintln!(
        "store-quilt of {FILES} files ({total} bytes) took {:?}",
        storing.elapsed()
    );

    // Listed: every file, its size and its tag.
    let listing = floe_ok(&["list-quilt", &quilt_id]);
    assert_eq!(listing.lines().count(), FILES);
    assert_eq!(
        listing.lines().nth(7).unwrap(),
        format!("file-00007.bin\t{}\tbatch=e2e", contents[7].len())
    );
    let json: serde_json::Value =
        serde_json::from_str(&floe_ok(&["list-quilt", &quilt_id, "--json"])).unwrap();
    let patches = json["patches"].as_array().unwrap();
    assert_eq!(patches.len(), FILES);
    let span = |k: usize| {
        let offset = patches[k]["offset"].as_u64().unwrap();
        offset..offset + patches[k]["length"].as_u64().unwrap()
    };
    let quilt_size = span(FILES - 1).end;
    assert!(quilt_size > total as u64);
    let config = EncodingConfig::new(usize::from(SHARDS)).unwrap();
    assert_eq!(config.n_primary_source(), 34);
    let row = (config.n_secondary_source() * config.symbol_size(quilt_size).unwrap()) as u64;
    let rows_of = |k: usize| {
        let range = span(k);
        range.start / row..=(range.end - 1) / row
    };
    // The index lies in the first row, which every read fetches to open the quilt.
    assert!(span(0).start < row, "the index is longer than a row");
    let straddling = (1..FILES)
        .find(|&k| rows_of(k).start() != rows_of(k).end())
        .expect("some file crosses a row boundary");
    let picked = [0, FILES / 2, straddling, FILES - 1];

    // Each read back alone, byte-identical, fetching the first row and the file's rows only.
    let out = dir.join("quilt-out");
    for &k in &picked {
        let identifier = format!("file-{k:05}.bin");
        let (written, report) = run(&[
            "read-quilt",
            &quilt_id,
            &identifier,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(written.ends_with(&identifier), "{written}");
        assert!(
            std::fs::read(out.join(&identifier)).unwrap() == contents[k],
            "{identifier} differs"
        );
        let fetched: u64 = report
            .lines()
            .find_map(|l| l.split(": ").nth(1)?.strip_suffix(" sliver bytes fetched"))
            .unwrap_or_else(|| panic!("no fetch count in {report}"))
            .parse()
            .unwrap();
        let rows = rows_of(k);
        let file_rows = rows.end() - rows.start() + 1;
        assert_eq!(
            fetched,
            (1 + file_rows) * row,
            "{identifier} (rows {rows:?} of {row} bytes)"
        );
        assert!(fetched * 10 < quilt_size, "{identifier}: fetched {fetched}");
        eprintln!(
            "read-quilt {identifier} (rows {rows:?}) fetched {fetched} of {quilt_size} bytes ({:.1}%)",
            100.0 * fetched as f64 / quilt_size as f64
        );
    }
    // The aggregator serves the same files while the whole network writes (slivers sent by
    // its nodes, the answer) a small fraction of the quilt.
    for &k in &picked {
        let before = written_bytes(network_pid);
        let file = get(
            aggregator,
            &format!("/v1/blobs/by-quilt-id/{quilt_id}/file-{k:05}.bin"),
            &[],
        );
        let written = written_bytes(network_pid) - before;
        assert_eq!(file.status, 200, "{}", String::from_utf8_lossy(&file.body));
        assert!(
            file.body == contents[k],
            "file {k} from the aggregator differs"
        );
        let rows = rows_of(k);
        let most = (2 + rows.end() - rows.start()) * row + (1 << 20);
        // At least the answer itself: the count does see socket writes.
        assert!(
            written >= contents[k].len() as u64,
            "wchar moved by {written}"
        );
        assert!(
            written <= most,
            "the aggregator's answer for file {k} cost {written} bytes written by floe up, \
             more than {most} (the first row and the file's rows, plus 1 MiB)"
        );
        eprintln!(
            "aggregator file {k}: floe up wrote {written} bytes ({:.1}% of the quilt)",
            100.0 * written as f64 / quilt_size as f64
        );
    }
    eprintln!(
        "quilt reads done {:?} after the files were written",
        started.elapsed()
    );

    // The aggregator: the file with its tags as headers, the index, and problems.
    let file = get(
        aggregator,
        &format!("/v1/blobs/by-quilt-id/{quilt_id}/file-00042.bin"),
        &[],
    );
    assert_eq!(file.status, 200, "{}", String::from_utf8_lossy(&file.body));
    assert_eq!(file.body, contents[42]);
    assert_eq!(file.header("x-floe-tag-batch"), Some("e2e"));
    assert_eq!(
        file.header("content-type"),
        Some("application/octet-stream")
    );
    let head = http(
        "HEAD",
        aggregator,
        &format!("/v1/blobs/by-quilt-id/{quilt_id}/file-00042.bin"),
        &[],
        &[],
    );
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(contents[42].len().to_string().as_str())
    );
    let api = get(aggregator, "/v1/api", &[]).json();
    assert!(api["paths"]["/v1/blobs/by-quilt-id/{quilt_id}/{identifier}"]["get"].is_object());
    assert!(api["paths"]["/v1/quilts/{quilt_id}/patches"]["get"].is_object());
    let api = get(publisher, "/v1/api", &[]).json();
    assert!(api["paths"]["/v1/quilts"]["put"].is_object());
    let index = get(aggregator, &format!("/v1/quilts/{quilt_id}/patches"), &[]).json();
    assert_eq!(index.as_array().unwrap().len(), FILES);
    assert_eq!(index[42]["identifier"], "file-00042.bin");
    let detail = get(
        aggregator,
        &format!("/v1/blobs/by-quilt-id/{quilt_id}/nope.bin"),
        &[],
    )
    .problem(404);
    assert!(detail.contains("no file \"nope.bin\""), "{detail}");
    let detail = get(
        aggregator,
        &format!("/v1/quilts/{plain_blob_id}/patches"),
        &[],
    )
    .problem(400);
    assert!(detail.contains("not a readable quilt"), "{detail}");

    // The publisher: a form, each part a file; tags from the part's type and `_metadata`.
    let boundary = "floe-test-boundary";
    let form = |parts: &[(&str, Option<&str>, &[u8])]| {
        let mut body = Vec::new();
        for (name, kind, data) in parts {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n").as_bytes(),
            );
            if let Some(kind) = kind {
                body.extend_from_slice(format!("Content-Type: {kind}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        body
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let page = b"<h1>hello</h1>".to_vec();
    let body = form(&[
        ("index.html", Some("text/html"), &page),
        ("data.bin", None, &contents[3]),
        (
            "_metadata",
            None,
            br#"[{"identifier": "data.bin", "tags": {"owner": "alice"}}]"#,
        ),
    ]);
    let put = http(
        "PUT",
        publisher,
        "/v1/quilts?epochs=1",
        &[("Content-Type", &content_type)],
        &body,
    );
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    let stored = put.json();
    let form_quilt = stored["quiltId"].as_str().unwrap().to_owned();
    assert_eq!(
        stored["blobStoreResult"]["newlyCreated"]["blobObject"]["blobId"],
        form_quilt.as_str()
    );
    assert_eq!(stored["storedQuiltBlobs"].as_array().unwrap().len(), 2);
    let html = get(
        aggregator,
        &format!("/v1/blobs/by-quilt-id/{form_quilt}/index.html"),
        &[],
    );
    assert_eq!(html.status, 200);
    assert_eq!(html.body, page);
    assert_eq!(html.header("content-type"), Some("text/html"));
    // Anyone's form part typed text/html: rendered sandboxed, never as the aggregator's origin.
    assert_eq!(html.header("content-security-policy"), Some("sandbox"));
    assert_eq!(html.header("x-content-type-options"), Some("nosniff"));
    let data = get(
        aggregator,
        &format!("/v1/blobs/by-quilt-id/{form_quilt}/data.bin"),
        &[],
    );
    assert_eq!(data.body, contents[3]);
    assert_eq!(data.header("x-floe-tag-owner"), Some("alice"));
    // Not a form: 415; a duplicate identifier: 400, nothing paid.
    http("PUT", publisher, "/v1/quilts", &[], b"raw bytes").problem(415);
    let twice = form(&[("a", None, b"1"), ("a", None, b"2")]);
    let detail = http(
        "PUT",
        publisher,
        "/v1/quilts",
        &[("Content-Type", &content_type)],
        &twice,
    )
    .problem(400);
    assert!(detail.contains("more than once"), "{detail}");
}

/// An HS256 JWT valid for an hour allowing `max_epochs` epochs.
fn token(secret: &[u8], max_epochs: u64) -> String {
    let exp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = serde_json::json!({ "exp": exp, "max_epochs": max_epochs });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}
