//! A model streamed through files: encrypt (plaintext file → object file) and decrypt (object
//! file → plaintext file) with both DEMs, 3 of 4 key servers, printing MiB/s, the process's CPU
//! time and its peak resident memory (VmHWM), which must stay near the 1 MiB chunk whatever
//! the model's size. The decrypted file is compared with the original (untimed).
//!
//! `cargo bench -p floe-crypto --bench stream -- --mib 1024 --runs 1 [--dem aes|hmac]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use floe_crypto::{
    Dem, MasterSecret, ObjectId, PublicKey, StreamHeader, UserSecretKey, decrypt_stream,
    derive_user_key, encrypt_stream, full_id,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const PACKAGE: ObjectId = [0x5e; 32];
const MIB: u64 = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let mib: u64 = arg("--mib").map_or(1024, |v| v.parse().expect("--mib N"));
    let runs: usize = arg("--runs").map_or(1, |v| v.parse().expect("--runs N"));
    let dems: Vec<Dem> = match arg("--dem").as_deref() {
        Some("aes") => vec![Dem::Aes256Gcm],
        Some("hmac") => vec![Dem::Hmac256Ctr],
        None => vec![Dem::Aes256Gcm, Dem::Hmac256Ctr],
        Some(other) => panic!("--dem aes|hmac, not {other}"),
    };
    let size = mib * MIB;
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("model.bin");
    let sealed = dir.path().join("model.sealed");
    let opened = dir.path().join("model.opened");
    write_model(&plain, size);
    println!(
        "{mib} MiB model, 3 of 4 key servers, {} run(s) each; VmHWM before: {} MiB",
        runs,
        vm_hwm_kib() / 1024
    );

    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let masters: Vec<MasterSecret> = (0..4).map(|_| MasterSecret::generate(&mut rng)).collect();
    let servers: Vec<(ObjectId, PublicKey)> = masters
        .iter()
        .enumerate()
        .map(|(k, m)| ([k as u8 + 1; 32], m.public_key()))
        .collect();
    let id = b"bench-model";
    let fid = full_id(&PACKAGE, id);
    let keys: Vec<(ObjectId, UserSecretKey)> = masters[..3]
        .iter()
        .zip(&servers)
        .map(|(m, (sid, _))| (*sid, derive_user_key(m, &fid)))
        .collect();

    for &dem in &dems {
        // The cipher alone: plaintext from io::repeat, ciphertext into io::sink (no files).
        let (wall, cpu) = timed(|| {
            encrypt_stream(
                dem,
                &PACKAGE,
                id,
                &servers,
                3,
                size,
                &mut std::io::repeat(0x5a).take(size),
                None,
                &mut std::io::sink(),
                &mut rng,
            )
            .unwrap();
        });
        report("encrypt, no files", dem, size, wall, cpu);
    }
    for dem in dems {
        for _ in 0..runs {
            let (wall, cpu) = timed(|| {
                let mut input = File::open(&plain).unwrap();
                let mut out = BufWriter::new(File::create(&sealed).unwrap());
                encrypt_stream(
                    dem, &PACKAGE, id, &servers, 3, size, &mut input, None, &mut out, &mut rng,
                )
                .unwrap();
                out.flush().unwrap();
            });
            report("encrypt", dem, size, wall, cpu);

            let (wall, cpu) = timed(|| {
                let mut input = BufReader::new(File::open(&sealed).unwrap());
                let header = StreamHeader::read(&mut input).unwrap();
                let mut out = BufWriter::new(File::create(&opened).unwrap());
                let n = decrypt_stream(&header, &mut input, &mut out, &keys, None).unwrap();
                assert_eq!(n, size);
            });
            report("decrypt", dem, size, wall, cpu);
            assert!(same_contents(&plain, &opened), "decrypted model differs");
        }
    }
    println!(
        "peak resident memory (VmHWM) of the whole process: {} MiB",
        vm_hwm_kib() / 1024
    );
}

/// A pseudo-random model, written a chunk at a time.
fn write_model(path: &Path, size: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut out = File::create(path).unwrap();
    let mut buf = vec![0u8; MIB as usize];
    let mut left = size;
    while left > 0 {
        let n = left.min(MIB) as usize;
        rng.fill_bytes(&mut buf[..n]);
        out.write_all(&buf[..n]).unwrap();
        left -= n as u64;
    }
}

fn same_contents(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (File::open(a).unwrap(), File::open(b).unwrap());
    let (mut x, mut y) = (vec![0u8; MIB as usize], vec![0u8; MIB as usize]);
    loop {
        let n = read_full(&mut a, &mut x);
        let m = read_full(&mut b, &mut y);
        if n != m || x[..n] != y[..m] {
            return false;
        }
        if n == 0 {
            return true;
        }
    }
}

fn read_full(file: &mut File, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..]).unwrap();
        if n == 0 {
            break;
        }
        filled += n;
    }
    filled
}

fn timed(f: impl FnOnce()) -> (f64, f64) {
    let cpu = cpu_seconds();
    let started = Instant::now();
    f();
    (started.elapsed().as_secs_f64(), cpu_seconds() - cpu)
}

fn report(what: &str, dem: Dem, size: u64, wall: f64, cpu: f64) {
    let mib = size as f64 / MIB as f64;
    println!(
        "{what} {dem:?}: {wall:.2} s wall ({:.0} MiB/s), {cpu:.2} s CPU ({:.0} MiB/s of CPU)",
        mib / wall,
        mib / cpu.max(1e-9)
    );
}

/// User + system CPU time of this process, from /proc/self/stat (in clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
