//! `floe-encoder`: blob IDs, encoding to sliver files, decoding, and the codec benchmark.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use floe_encoder::kernels::{self, OVERRIDE_VAR};
use floe_encoder::{
    Axis, BlobMetadata, BlobSource, EncodeError, EncodingConfig, Sliver, Workspace,
    compute_metadata, decode, decode_and_verify, decode_into, encode, encode_into,
};
use rand::seq::SliceRandom;
use rand::{RngCore, SeedableRng, rngs::StdRng};

#[derive(Parser)]
#[command(
    name = "floe-encoder",
    version,
    about = "Red Stuff (RS2) encoding, compatible with Walrus"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the blob ID of FILE (base64url); memory stays well below the file's size.
    BlobId {
        #[arg(long, short = 'n', default_value_t = 1000)]
        shards: usize,
        file: PathBuf,
    },
    /// Encode FILE into DIR: metadata.bin plus one file per sliver (Walrus BCS form).
    Encode {
        #[arg(long, short = 'n', default_value_t = 1000)]
        shards: usize,
        file: PathBuf,
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Decode the blob in DIR (metadata.bin and primary-*.sliver files) into OUT.
    Decode {
        dir: PathBuf,
        #[arg(long, short)]
        out: PathBuf,
        /// Skip re-encoding the result to check the writer encoded consistently.
        #[arg(long)]
        no_consistency_check: bool,
    },
    /// Which CPU-specific kernels this machine runs (the others fall back to portable code).
    ///
    /// FLOE_ENCODER_KERNELS=avx2 switches the AVX-512 and GFNI kernels off in every command,
    /// =portable the AVX2 ones too (the paths of older CPUs, to test and benchmark).
    Kernels,
    /// Time blob ID, encode and decode on a random blob, beside the walrus-wasm reference.
    Bench {
        #[arg(long, short = 'n', default_value_t = 1000)]
        shards: usize,
        /// Blob size, e.g. 1MiB, 64MiB, 1GiB or a byte count.
        #[arg(long, default_value = "64MiB", value_parser = parse_size)]
        size: u64,
        /// Runs per measurement; the best is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Directory holding the walrus-wasm oracle (`npm ci` there); `none` skips it.
        #[arg(long)]
        oracle: Option<PathBuf>,
    },
}

fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 64MiB or 1048576"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit {other:?}: use B, KiB, MiB or GiB"
            ));
        }
    };
    value
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

fn config(shards: usize) -> Result<EncodingConfig> {
    EncodingConfig::new(shards).context("invalid --shards")
}

fn sliver_path(dir: &Path, axis: Axis, index: u16) -> PathBuf {
    dir.join(format!("{}-{index}.sliver", axis.name()))
}

/// A file read with positional reads (`pread`): no shared cursor, so the encoder's threads
/// read side by side without a lock.
struct FileSource {
    file: File,
    len: u64,
}

impl BlobSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let available = self.len.saturating_sub(offset).min(buf.len() as u64) as usize;
        self.file
            .read_exact_at(&mut buf[..available], offset)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => EncodeError::ShortSource {
                    expected: self.len,
                    got: offset,
                },
                _ => EncodeError::Source(e.to_string()),
            })?;
        buf[available..].fill(0);
        Ok(())
    }
}

fn blob_id_cmd(shards: usize, file: &Path) -> Result<()> {
    let config = config(shards)?;
    let handle = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let len = handle
        .metadata()
        .with_context(|| format!("cannot stat {}", file.display()))?
        .len();
    let metadata = compute_metadata(&config, &FileSource { file: handle, len })
        .with_context(|| format!("cannot compute the blob ID of {}", file.display()))?;
    println!("{}", metadata.blob_id());
    Ok(())
}

fn encode_cmd(shards: usize, file: &Path, out: &Path) -> Result<()> {
    let config = config(shards)?;
    let blob = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (metadata, pairs) =
        encode(&config, &blob).with_context(|| format!("cannot encode {}", file.display()))?;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for pair in &pairs {
        for sliver in [&pair.primary, &pair.secondary] {
            let path = sliver_path(out, sliver.axis, sliver.index);
            fs::write(&path, sliver.to_bcs())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let path = out.join("metadata.bin");
    fs::write(&path, metadata.to_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}", metadata.blob_id());
    Ok(())
}

fn decode_cmd(dir: &Path, out: &Path, no_consistency_check: bool) -> Result<()> {
    let path = dir.join("metadata.bin");
    let bytes = fs::read(&path).with_context(|| {
        format!(
            "cannot read {} (is {} an encode output?)",
            path.display(),
            dir.display()
        )
    })?;
    let (blob_id, metadata) = BlobMetadata::from_bytes(&bytes)
        .with_context(|| format!("{} is not valid blob metadata", path.display()))?;
    let mut slivers = Vec::new();
    for index in 0..metadata.n_shards() {
        let path = sliver_path(dir, Axis::Primary, index as u16);
        match fs::read(&path) {
            Ok(bytes) => match Sliver::from_bcs(Axis::Primary, &bytes) {
                Ok(sliver) => slivers.push(sliver),
                Err(e) => eprintln!("skipping {}: {e}", path.display()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    let blob = if no_consistency_check {
        decode(&metadata, &blob_id, &slivers)
    } else {
        decode_and_verify(&metadata, &blob_id, &slivers)
    }
    .with_context(|| format!("cannot decode blob {blob_id} from {}", dir.display()))?;
    let mut file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    file.write_all(&blob)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "decoded {blob_id} ({} bytes) to {}",
        blob.len(),
        out.display()
    );
    Ok(())
}

/// User + system CPU time of this process so far in seconds (Linux, in ticks of 10 ms; `None`
/// elsewhere): steadier than wall-clock time on a machine whose other load varies.
fn cpu_seconds() -> Option<f64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// The best wall-clock time of `runs` runs, the mean CPU time per run, and the best run's value.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Timing, T)> {
    let mut best: Option<(Duration, T)> = None;
    let cpu_start = cpu_seconds();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = f()?;
        let elapsed = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| elapsed < *b) {
            best = Some((elapsed, value));
        }
    }
    let cpu = cpu_start
        .zip(cpu_seconds())
        .map(|(start, end)| (end - start) / runs.max(1) as f64);
    let (wall, value) = best.expect("at least one run");
    Ok((Timing { wall, cpu }, value))
}

/// One bench row's figures.
struct Timing {
    wall: Duration,
    cpu: Option<f64>,
}

fn bench_cmd(shards: usize, size: u64, runs: usize, oracle: Option<PathBuf>) -> Result<()> {
    let config = config(shards)?;
    let len = usize::try_from(size).context("size does not fit in memory")?;
    config
        .symbol_size(size)
        .with_context(|| format!("cannot bench {size} bytes"))?;
    let mut blob = vec![0u8; len];
    StdRng::seed_from_u64(1).fill_bytes(&mut blob);
    println!(
        "floe-encoder bench: n = {shards}, {size} bytes, best of {runs}, {} threads, kernels: {}",
        rayon::current_num_threads(),
        kernels::selection().ceiling.name()
    );
    // Each run reuses the work space and the slivers of the run before, as a client encoding
    // blob after blob would; the first run of each row pays for fresh memory.
    let mut workspace = Workspace::default();
    let (t_id, id) = best_of(runs, || {
        Ok(floe_encoder::blob_id_with(&config, &blob, &mut workspace)?)
    })?;
    let mut pairs = Vec::new();
    let (t_encode, metadata) = best_of(runs, || {
        Ok(encode_into(&config, &blob, &mut workspace, &mut pairs)?)
    })?;
    drop(workspace);
    // A random set of p primary slivers: mostly recovery rows, so decoding does real work.
    let mut slivers: Vec<Sliver> = pairs.into_iter().map(|p| p.primary).collect();
    slivers.shuffle(&mut StdRng::seed_from_u64(2));
    slivers.truncate(config.n_primary_source());
    // Into the previous run's output buffer, as a reader decoding blob after blob would.
    let mut decoded = Vec::new();
    let (t_decode, ()) = best_of(runs, || {
        Ok(decode_into(&metadata, &id, &slivers, &mut decoded)?)
    })?;
    if decoded != blob {
        bail!("decoding returned a different blob");
    }
    let wasm = run_wasm_bench(oracle, size, shards, runs.min(2));
    let row = |what: &str, ours: Timing, theirs: Option<f64>| {
        let theirs = theirs.map_or("-".to_owned(), |s| format!("{s:.3} s"));
        let cpu = ours.cpu.map_or("-".to_owned(), |s| format!("{s:.3} s"));
        println!(
            "  {what:<24} floe {:>8.3} s (CPU {cpu:>7} per run)   walrus-wasm {theirs:>9}",
            ours.wall.as_secs_f64()
        );
    };
    row("blob ID", t_id, wasm.as_ref().map(|w| w.0));
    row(
        "encode (slivers + meta)",
        t_encode,
        wasm.as_ref().map(|w| w.1),
    );
    row("decode (p primary)", t_decode, wasm.as_ref().map(|w| w.2));
    if wasm.is_none() {
        println!("  (walrus-wasm not run: `npm ci` in encoder/tests/oracle, or pass --oracle DIR)");
    }
    println!("  blob ID {id}");
    Ok(())
}

/// Best-of-`runs` walrus-wasm timings (blob ID, encode, decode), if the oracle is installed.
fn run_wasm_bench(
    dir: Option<PathBuf>,
    size: u64,
    shards: usize,
    runs: usize,
) -> Option<(f64, f64, f64)> {
    let dir = dir.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle"));
    if !dir.join("node_modules/@mysten/walrus-wasm").exists() {
        return None;
    }
    let output = Command::new("node")
        .arg(dir.join("bench.mjs"))
        .args([size.to_string(), shards.to_string(), runs.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "walrus-wasm bench failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some((
        value["blob_id"].as_f64()?,
        value["encode"].as_f64()?,
        value["decode"].as_f64()?,
    ))
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(command: Cmd) -> Result<()> {
    // A mistyped override would otherwise run, and benchmark, every kernel the CPU has.
    if let Some(error) = &kernels::selection().error {
        bail!("{error}");
    }
    match command {
        Cmd::BlobId { shards, file } => blob_id_cmd(shards, &file),
        Cmd::Encode { shards, file, out } => encode_cmd(shards, &file, &out),
        Cmd::Decode {
            dir,
            out,
            no_consistency_check,
        } => decode_cmd(&dir, &out, no_consistency_check),
        Cmd::Kernels => {
            println!("{}", kernels::selection().describe());
            for kernel in kernels::kernels() {
                let state = match (kernel.cpu, kernel.available) {
                    (_, true) => "yes",
                    (true, false) => "off",
                    (false, false) => "no",
                };
                println!("{state:<4} {} (needs {})", kernel.name, kernel.needs);
            }
            println!(
                "(yes: in use where no faster kernel of the same job is; off: the CPU has it, \
                 {OVERRIDE_VAR} switched it off; no: the CPU lacks it)"
            );
            Ok(())
        }
        Cmd::Bench {
            shards,
            size,
            runs,
            oracle,
        } => bench_cmd(shards, size, runs, oracle),
    }
}
