//! A 2 GiB file stored with `floe store` and read back with `floe read` through a real local
//! network (`floe up`: devnet, 4 storage nodes, 1000 shards, no indexer), each command's peak
//! RSS taken from the kernel when the test reaps it (`wait4`'s `ru_maxrss`) and held under
//! 512 MiB, the copy compared with the original by a hash computed while each is streamed.
//!
//! The file is drawn from a seeded PRNG (ChaCha12) and hashed (Blake2b) as it is written; the
//! copy is hashed in 8 MiB reads. Everything lives in one temporary directory removed at the
//! end, pass or fail: the file and its copy (4 GiB), the store's spill (about 5 GiB while it
//! runs) and the nodes' slivers (about 9.7 GiB), so the test needs about 21 GiB free in
//! `TMPDIR` and says so before starting when it is short. It takes about 2½ minutes on 2 cores
//! (see the timings it prints).

#![allow(clippy::unwrap_used, clippy::expect_used)]
// `wait4` (a child's own peak RSS, which std does not expose) and `statvfs` are libc calls.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{RngCore as _, SeedableRng as _};

mod support;

use support::{FLOE, ok};

const SIZE: u64 = 2 << 30;
/// The network's shard count: Walrus's mainnet n, so the slivers are what a real store sends.
const SHARDS: &str = "1000";
const RSS_LIMIT_MIB: u64 = 512;
const CHUNK: usize = 8 << 20;

/// Writes `SIZE` bytes from a seeded PRNG to `path`; their Blake2b-256 hash.
fn write_random(path: &Path, seed: u64) -> blake2b_simd::Hash {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut hasher = blake2b_simd::Params::new().hash_length(32).to_state();
    let mut file = std::io::BufWriter::with_capacity(CHUNK, File::create(path).unwrap());
    let mut chunk = vec![0u8; CHUNK];
    let mut left = SIZE;
    while left > 0 {
        let take = left.min(CHUNK as u64) as usize;
        rng.fill_bytes(&mut chunk[..take]);
        hasher.update(&chunk[..take]);
        file.write_all(&chunk[..take]).unwrap();
        left -= take as u64;
    }
    file.into_inner().unwrap().sync_all().unwrap();
    hasher.finalize()
}

/// The Blake2b-256 hash of the file at `path`, read in `CHUNK`s, and its length.
fn hash_file(path: &Path) -> (blake2b_simd::Hash, u64) {
    let mut hasher = blake2b_simd::Params::new().hash_length(32).to_state();
    let mut file = File::open(path).unwrap();
    let mut chunk = vec![0u8; CHUNK];
    let mut len = 0;
    loop {
        let read = file.read(&mut chunk).unwrap();
        if read == 0 {
            break;
        }
        hasher.update(&chunk[..read]);
        len += read as u64;
    }
    (hasher.finalize(), len)
}

/// Bytes free for an unprivileged user on the file system holding `dir`.
fn free_bytes(dir: &Path) -> u64 {
    let path = CString::new(dir.as_os_str().as_bytes()).unwrap();
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `stat` is a valid, writable statvfs.
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stat) };
    assert_eq!(rc, 0, "statvfs {}", dir.display());
    stat.f_bavail as u64 * stat.f_frsize as u64
}

/// What a finished command reported: its stdout, exit code, peak RSS and times.
struct Measured {
    stdout: String,
    success: bool,
    max_rss_mib: u64,
    wall: Duration,
    cpu: Duration,
}

/// Runs `floe --home home args…` with `TMPDIR=tmp` and reaps it with `wait4`, whose rusage
/// gives the peak resident set size of that process alone (the kernel's `ru_maxrss`, KiB).
fn measure(home: &Path, tmp: &Path, args: &[&str]) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(FLOE)
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning floe");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our unreaped child; `status` and `usage` are valid and writable. std's
    // `Child` is not waited on afterwards (dropping it does not wait).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    drop(child);
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Measured {
        stdout,
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        max_rss_mib: usage.ru_maxrss as u64 / 1024,
        wall: started.elapsed(),
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
    }
}

#[test]
fn a_2_gib_file_is_stored_and_read_back_in_under_512_mib() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let needed = 21u64 << 30;
    let free = free_bytes(dir.path());
    assert!(
        free >= needed,
        "this test needs about 21 GiB free in TMPDIR ({}) for a 2 GiB file, its copy, the \
         store's spill and the nodes' slivers; {} GiB are free: point TMPDIR at a larger disk",
        dir.path().display(),
        free >> 30
    );
    let home = &dir.path().join("home");
    let tmp = &dir.path().join("tmp");
    std::fs::create_dir(tmp).unwrap();
    // As support::start_up, with 1000 shards (its 10 hold blobs of at most 1.8 MB).
    let up = Command::new(FLOE)
        .arg("--home")
        .arg(home)
        .args([
            "up",
            "--grpc",
            "127.0.0.1:0",
            "--faucet",
            "127.0.0.1:0",
            "--node-port",
            "0",
            "--aggregator",
            "127.0.0.1:0",
            "--publisher",
            "127.0.0.1:0",
            "--nodes",
            "4",
            "--shards",
            SHARDS,
            "--no-indexer",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning floe up");
    let _up = support::Running::wait_ready(up, 180);
    ok(home, &["account", "new"]);
    eprintln!("network up at {:?}", started.elapsed());

    let file = dir.path().join("large.bin");
    let written = write_random(&file, 0x466c_6f65);
    eprintln!("2 GiB written and hashed at {:?}", started.elapsed());

    let store = measure(
        home,
        tmp,
        &["store", file.to_str().unwrap(), "--epochs", "2", "--json"],
    );
    assert!(store.success, "floe store failed: {}", store.stdout);
    let stored: serde_json::Value = serde_json::from_str(store.stdout.trim()).unwrap();
    assert_eq!(stored["size"], SIZE);
    let blob_id = stored["blob_id"].as_str().unwrap().to_owned();
    eprintln!(
        "floe store: wall {:.1?}, CPU {:.1?}, peak RSS {} MiB",
        store.wall, store.cpu, store.max_rss_mib
    );
    assert_eq!(
        std::fs::read_dir(tmp).unwrap().count(),
        0,
        "the spill is removed"
    );
    // The original is not needed any more: free its 2 GiB before the copy is written.
    std::fs::remove_file(&file).unwrap();

    let copy = dir.path().join("copy.bin");
    let read = measure(
        home,
        tmp,
        &["read", &blob_id, "--out", copy.to_str().unwrap(), "--json"],
    );
    assert!(read.success, "floe read failed: {}", read.stdout);
    eprintln!(
        "floe read: wall {:.1?}, CPU {:.1?}, peak RSS {} MiB",
        read.wall, read.cpu, read.max_rss_mib
    );
    let (copied, len) = hash_file(&copy);
    assert_eq!(len, SIZE);
    assert!(copied == written, "the copy differs from the original");
    assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0);

    assert!(
        store.max_rss_mib < RSS_LIMIT_MIB,
        "floe store of 2 GiB peaked at {} MiB",
        store.max_rss_mib
    );
    assert!(
        read.max_rss_mib < RSS_LIMIT_MIB,
        "floe read of 2 GiB peaked at {} MiB",
        read.max_rss_mib
    );
    eprintln!("all done in {:?}", started.elapsed());
}
