//! Files of any size (up to the codec's maximum) stored and read with memory bounded by a few
//! slivers, not by the file.
//!
//! Store: the blob ID must be known before the blob is registered and its slivers sent, so the
//! file is encoded once with [`floe_encoder::encode_spilled`]: the leaf hashes stay in memory,
//! the parts of the expanded matrix that slivers need besides the file go to two files in a
//! temporary directory ([`FileSpill`], about 2.5 × the file; removed when dropped, also on an
//! error or when the store is cancelled), and each sliver pair is read back from the file and the spill as it is sent
//! ([`SpilledPairs`]). Read: the source rows are the primary slivers `0..p`, so they are fetched
//! in order, a few at a time, each verified against the metadata, and written where they go;
//! then the written file is encoded again (only `beyond` spilled, 0.5 × the file) and must give
//! the blob ID, as the in-memory read checks. Source rows that cannot be had are restored band
//! by band from as many other primary slivers, kept in a temporary file (see
//! [`read_to_file`]), so a read with a node down is bounded too. Chain-free: tested with
//! in-memory nodes; `node/tests/degraded_read.rs` reads with a real node killed.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use floe_encoder::{
    BlobId, BlobMetadata, BlobSource, EncodeError, EncodingConfig, SliverPair, Spill, SpillPart,
    Workspace,
};
use futures::StreamExt as _;
use sui_sdk_types::Address;

use crate::committee::Committee;
use crate::nodes::{NodeDirectory, StorageNodeClient as _};
use crate::slivers::{self, Pairs, SliverError};

/// Primary slivers fetched at once while a blob is read in order.
pub const ROWS_IN_FLIGHT: usize = 4;

/// What a long store or read is doing, for progress bars. Every method has a no-op default.
pub trait Progress: Send + Sync {
    /// A phase begins; `total` is its amount of work in bytes.
    fn phase(&self, phase: Phase, total: u64) {
        let _ = (phase, total);
    }

    /// `bytes` more of the current phase are done.
    fn advance(&self, bytes: u64) {
        let _ = bytes;
    }
}

/// No progress reports.
impl Progress for () {}

/// The phases of [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Encoding the file (it is read twice: rows, then columns).
    Encoding,
    /// Sending sliver pairs to the nodes.
    Sending,
    /// Fetching and writing the blob's rows.
    Reading,
    /// Encoding what was written again to check the blob ID.
    Verifying,
}

impl Phase {
    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Encoding => "encoding",
            Phase::Sending => "sending",
            Phase::Reading => "reading",
            Phase::Verifying => "verifying",
        }
    }
}

/// Why a streaming store or read failed before the nodes or the chain were involved.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Slivers(#[from] SliverError),
    #[error(
        "the bytes read do not reproduce blob ID {expected} (they give {actual}): the blob was \
         encoded inconsistently by its writer"
    )]
    Inconsistent { expected: BlobId, actual: BlobId },
    #[error("the encoding task failed: {0}")]
    Task(String),
}

/// A file as a [`BlobSource`], read with positional reads (no lock between threads); reports
/// the bytes read to a [`Progress`].
pub struct FileSource {
    file: File,
    len: u64,
    path: PathBuf,
    progress: Arc<dyn Progress>,
}

impl FileSource {
    /// Opens `path`; its length now is the blob's length.
    pub fn open(path: &Path, progress: Arc<dyn Progress>) -> Result<Self, StreamError> {
        let io = |source| StreamError::Io {
            what: "cannot read",
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Ok(Self {
            file,
            len,
            path: path.to_owned(),
            progress,
        })
    }
}

impl BlobSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let available = self.len.saturating_sub(offset).min(buf.len() as u64) as usize;
        self.file
            .read_exact_at(&mut buf[..available], offset)
            .map_err(|e| EncodeError::Source(format!("{}: {e}", self.path.display())))?;
        buf[available..].fill(0);
        self.progress.advance(buf.len() as u64);
        Ok(())
    }
}

/// A fresh temporary directory for a spill, under the system's temporary directory
/// (`TMPDIR`). It is removed when dropped: the async side of a store or read holds it, so a
/// cancelled one (Ctrl-C) removes it even while an encoding thread still has its files open.
pub fn spill_dir() -> Result<tempfile::TempDir, StreamError> {
    tempfile::Builder::new()
        .prefix("floe-spill-")
        .tempdir()
        .map_err(|source| StreamError::Io {
            what: "cannot make a spill directory in",
            path: std::env::temp_dir(),
            source,
        })
}

/// A [`Spill`] in two files of a directory (see [`spill_dir`]). Parts not kept (a check of
/// the blob ID needs no recovery rows) are not written at all.
pub struct FileSpill {
    dir: PathBuf,
    beyond: File,
    recovery_rows: Option<File>,
}

impl FileSpill {
    /// A spill in `dir`, with the recovery rows when `recovery_rows` is true.
    pub fn create(dir: &Path, recovery_rows: bool) -> Result<Self, StreamError> {
        let create = |name: &str| {
            let path = dir.join(name);
            File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|source| StreamError::Io {
                    what: "cannot create",
                    path,
                    source,
                })
        };
        let beyond = create("beyond")?;
        let recovery_rows = recovery_rows.then(|| create("recovery-rows")).transpose()?;
        Ok(Self {
            dir: dir.to_owned(),
            beyond,
            recovery_rows,
        })
    }

    fn file(&self, part: SpillPart) -> Option<&File> {
        match part {
            SpillPart::Beyond => Some(&self.beyond),
            SpillPart::RecoveryRows => self.recovery_rows.as_ref(),
        }
    }
}

impl Spill for FileSpill {
    fn write_at(&self, part: SpillPart, offset: u64, data: &[u8]) -> Result<(), EncodeError> {
        let Some(file) = self.file(part) else {
            return Ok(());
        };
        file.write_all_at(data, offset).map_err(|e| {
            EncodeError::Source(format!("writing the spill in {}: {e}", self.dir.display()))
        })
    }

    fn read_at(&self, part: SpillPart, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let file = self
            .file(part)
            .ok_or_else(|| EncodeError::Source(format!("the spill keeps no {part:?} part")))?;
        file.read_exact_at(buf, offset).map_err(|e| {
            EncodeError::Source(format!("reading the spill in {}: {e}", self.dir.display()))
        })
    }
}

/// A blob source a store can share with its encoding thread.
pub type SharedSource = Arc<dyn BlobSource + Send + Sync>;

/// A file (or any [`BlobSource`]) encoded into a [`FileSpill`]: its metadata, and its sliver
/// pairs one at a time.
pub struct SpilledPairs {
    dir: tempfile::TempDir,
    config: EncodingConfig,
    source: SharedSource,
    spill: Arc<FileSpill>,
    progress: Arc<dyn Progress>,
}

impl SpilledPairs {
    /// Encodes the file at `path` for `config` on a blocking thread (the encoder spreads its
    /// work over the cores) and returns the metadata with the pairs to send.
    pub async fn encode(
        config: EncodingConfig,
        path: &Path,
        progress: Arc<dyn Progress>,
    ) -> Result<(floe_encoder::BlobMetadata, Self), StreamError> {
        let source = Arc::new(FileSource::open(path, progress.clone())?);
        Self::encode_source(config, source, progress).await
    }

    /// Encodes `source` like [`SpilledPairs::encode`] does a file: a blob assembled from many
    /// files ([`crate::quilt::QuiltLayout`]) is stored without ever being held whole. The
    /// source is read again for each pair's source part while the pairs are sent, so it must
    /// give the same bytes until the store ends. `progress` hears only of the phases (the
    /// source reports its own reads, if it wants to).
    pub async fn encode_source(
        config: EncodingConfig,
        source: SharedSource,
        progress: Arc<dyn Progress>,
    ) -> Result<(floe_encoder::BlobMetadata, Self), StreamError> {
        // Refuse a blob too large for the code before making a spill.
        config.symbol_size(source.len())?;
        let dir = spill_dir()?;
        let spill = Arc::new(FileSpill::create(dir.path(), true)?);
        progress.phase(Phase::Encoding, 2 * source.len());
        let metadata = {
            let (source, spill) = (source.clone(), spill.clone());
            tokio::task::spawn_blocking(move || {
                floe_encoder::encode_spilled(
                    &config,
                    &*source,
                    &mut Workspace::default(),
                    spill.as_ref(),
                )
            })
            .await
            .map_err(|e| StreamError::Task(e.to_string()))??
        };
        Ok((
            metadata,
            Self {
                dir,
                config,
                source,
                spill,
                progress,
            },
        ))
    }

    /// Bytes of all the pairs, what [`Phase::Sending`] counts.
    pub fn total_bytes(&self) -> u64 {
        let n = self.config.n_shards() as u64;
        let sym = self.config.symbol_size(self.source.len()).unwrap_or(0) as u64;
        let per_pair = (self.config.n_primary_source() + self.config.n_secondary_source()) as u64;
        n * per_pair * sym
    }

    /// The spill's directory (removed when `self` is dropped).
    pub fn spill_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Pairs for SpilledPairs {
    fn count(&self) -> usize {
        self.config.n_shards()
    }

    fn pair(&self, index: usize) -> Result<std::borrow::Cow<'_, SliverPair>, String> {
        // Reads from the page cache or the disk, a few MB: short enough to do in place.
        let pair =
            floe_encoder::spilled_pair(&self.config, &*self.source, self.spill.as_ref(), index)
                .map_err(|e| e.to_string())?;
        // The source's reads already counted the pair's source part; count the rest here.
        let total = (pair.primary.data.len() + pair.secondary.data.len()) as u64;
        self.progress
            .advance(total.saturating_sub(source_part(&self.config, &pair)));
        Ok(std::borrow::Cow::Owned(pair))
    }
}

/// Bytes of `pair` read from the source (and so already reported by [`FileSource`]).
fn source_part(config: &EncodingConfig, pair: &SliverPair) -> u64 {
    let mut bytes = 0;
    if usize::from(pair.primary.index) < config.n_primary_source() {
        bytes += pair.primary.data.len() as u64;
    }
    if usize::from(pair.secondary.index) < config.n_secondary_source() {
        bytes += pair.secondary.data.len() as u64;
    }
    bytes
}

/// Bytes of the slivers' parts held at once while missing rows are restored: one band of
/// columns of `p` slivers. 16 MiB keeps a band of a blob near the codec's maximum at least
/// a column wide while the rest of a read stays within a few slivers.
pub const RESTORE_BAND_BYTES: usize = 16 << 20;

/// Primary sliver `index` of `blob_id` from the node holding its pair, checked against the
/// metadata; a failure names the node and why.
async fn fetch_primary<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    metadata: &floe_encoder::BlobMetadata,
    blob_id: &BlobId,
    index: usize,
) -> Result<floe_encoder::Sliver, (Address, String)> {
    let shard = committee.shard_for_pair(blob_id, index);
    let member = committee.holder_of(shard).map(|k| &committee.members[k]);
    let node_id = member.map_or(Address::ZERO, |m| m.node_id);
    let Some(client) = member.and_then(|m| nodes.client(m.node_id)) else {
        return Err((node_id, format!("no client for shard {shard}")));
    };
    let sliver = client
        .read_primary_sliver_from(node_id, shard, blob_id)
        .await
        .map_err(|e| (node_id, format!("shard {shard}: {e}")))?;
    if usize::from(sliver.index) != index {
        return Err((
            node_id,
            format!("shard {shard} sent sliver {}", sliver.index),
        ));
    }
    floe_encoder::verify_sliver(metadata, &sliver)
        .map_err(|e| (node_id, format!("shard {shard}: {e}")))?;
    Ok(sliver)
}

/// Reads blob `blob_id` into `out` (truncated to the blob's length) with bounded memory: the
/// source rows in order, [`ROWS_IN_FLIGHT`] at a time, each checked against the metadata; then
/// the bytes written are encoded again and must give `blob_id`.
///
/// Source rows that cannot be had (their node is down, say) are restored without holding the
/// blob: as many other primary slivers (`p..n`) are fetched, checked and kept in a temporary
/// file, and the missing rows are rebuilt one band of columns at a time
/// ([`floe_encoder::restore_band`], [`RESTORE_BAND_BYTES`] of slivers at once), reading the
/// rows already written back from `out`. Disk then holds the blob and the stand-in slivers;
/// memory stays a band. The final check covers the restored rows too. Returns the blob's
/// length.
pub async fn read_to_file<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    blob_id: &BlobId,
    out: &File,
    out_path: &Path,
    progress: Arc<dyn Progress>,
) -> Result<u64, StreamError> {
    let metadata = slivers::read_metadata(nodes, committee, blob_id).await?;
    // (read_metadata refused another shard count than the committee's.)
    let (config, sym) = metadata.checked_config().map_err(SliverError::Decode)?;
    let len = metadata.unencoded_length;
    let row_bytes = (config.n_secondary_source() * sym) as u64;
    let rows = len.div_ceil(row_bytes) as usize;
    let write_err = |source| StreamError::Io {
        what: "cannot write",
        path: out_path.to_owned(),
        source,
    };
    out.set_len(0).map_err(write_err)?;
    progress.phase(Phase::Reading, len);

    let fetches = futures::stream::iter(0..rows)
        .map(|row| {
            let metadata = &metadata;
            async move {
                (
                    row,
                    fetch_primary(nodes, committee, metadata, blob_id, row).await,
                )
            }
        })
        .buffered(ROWS_IN_FLIGHT);
    let mut fetches = Box::pin(fetches);
    let mut missing = Vec::new();
    let mut failures = Vec::new();
    while let Some((row, fetched)) = fetches.next().await {
        match fetched {
            Ok(sliver) => {
                let offset = row as u64 * row_bytes;
                let take = (len - offset).min(row_bytes) as usize;
                out.write_all_at(&sliver.data[..take], offset)
                    .map_err(write_err)?;
                progress.advance(take as u64);
            }
            Err(failure) => {
                missing.push(row);
                failures.push(failure);
            }
        }
    }
    drop(fetches);
    out.set_len(len).map_err(write_err)?;
    if !missing.is_empty() {
        let (node, message) = &failures[0];
        tracing::info!(missing = missing.len(), %node, message,
            "source rows are missing; restoring them band by band from other primary slivers");
        let blob = BlobAt {
            blob_id,
            metadata: &metadata,
            config,
            sym,
            rows,
        };
        restore_rows(
            nodes,
            committee,
            &blob,
            &missing,
            failures,
            (out, out_path),
            &progress,
        )
        .await?;
    }
    out.sync_data().map_err(write_err)?;

    // The rows match the metadata; the metadata must also be what these bytes encode to, or a
    // reader using other slivers would see another blob.
    let source = FileSource::open(out_path, progress.clone())?;
    progress.phase(Phase::Verifying, 2 * len);
    let dir = spill_dir()?;
    let dir_path = dir.path().to_owned();
    let actual = tokio::task::spawn_blocking(move || {
        let spill = FileSpill::create(&dir_path, false)?;
        Ok::<_, StreamError>(
            floe_encoder::encode_spilled(&config, &source, &mut Workspace::default(), &spill)?
                .blob_id(),
        )
    })
    .await
    .map_err(|e| StreamError::Task(e.to_string()))??;
    drop(dir);
    if actual != *blob_id {
        return Err(StreamError::Inconsistent {
            expected: *blob_id,
            actual,
        });
    }
    Ok(len)
}

/// A blob being read: what [`restore_rows`] needs of it.
struct BlobAt<'a> {
    blob_id: &'a BlobId,
    metadata: &'a BlobMetadata,
    config: EncodingConfig,
    sym: usize,
    /// Source rows holding blob bytes; rows `rows..p` are zero padding.
    rows: usize,
}

/// Fills `buf` from `offset` of `file`, whose content is `len` bytes long: zeros past it.
fn read_padded(file: &File, offset: u64, buf: &mut [u8], len: u64) -> std::io::Result<()> {
    let have = len.saturating_sub(offset).min(buf.len() as u64) as usize;
    file.read_exact_at(&mut buf[..have], offset)?;
    buf[have..].fill(0);
    Ok(())
}

/// Rebuilds source rows `missing` of `blob` into `out` (which holds the other rows and is the
/// blob's length) with memory bounded by a band of columns; see [`read_to_file`].
async fn restore_rows<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    blob: &BlobAt<'_>,
    missing: &[usize],
    mut failures: Vec<(Address, String)>,
    (out, out_path): (&File, &Path),
    progress: &Arc<dyn Progress>,
) -> Result<(), StreamError> {
    let BlobAt {
        blob_id,
        metadata,
        config,
        sym,
        rows,
    } = *blob;
    let (n, p) = (config.n_shards(), config.n_primary_source());
    let row_bytes = config.n_secondary_source() * sym;
    let len = metadata.unencoded_length;

    // One stand-in sliver from `p..n` per missing row, each checked, kept on disk.
    let dir = spill_dir()?;
    let stand_in_path = dir.path().join("stand-ins");
    let io = |what: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| StreamError::Io { what, path, source }
    };
    let stand_in_file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&stand_in_path)
        .map_err(io("cannot create", &stand_in_path))?;
    let mut stand_ins = Vec::with_capacity(missing.len());
    let mut fetches = Box::pin(
        futures::stream::iter(p..n)
            .map(|index| async move {
                (
                    index,
                    fetch_primary(nodes, committee, metadata, blob_id, index).await,
                )
            })
            .buffered(ROWS_IN_FLIGHT),
    );
    while stand_ins.len() < missing.len() {
        match fetches.next().await {
            None => break,
            Some((index, Ok(sliver))) => {
                let at = (stand_ins.len() * row_bytes) as u64;
                stand_in_file
                    .write_all_at(&sliver.data, at)
                    .map_err(io("cannot write", &stand_in_path))?;
                stand_ins.push(index);
            }
            Some((_, Err(failure))) => failures.push(failure),
        }
    }
    drop(fetches);
    if stand_ins.len() < missing.len() {
        return Err(SliverError::NotEnoughSlivers {
            blob_id: *blob_id,
            got: p - missing.len() + stand_ins.len(),
            needed: p,
            failures,
        }
        .into());
    }

    // The given slivers: the source rows present (padding rows are known zeros) and the
    // stand-ins. Band by band, their parts in the band's columns restore the missing rows'.
    let mut given: Vec<usize> = (0..p)
        .filter(|row| missing.binary_search(row).is_err())
        .collect();
    given.extend_from_slice(&stand_ins);
    let s = config.n_secondary_source();
    let width = (RESTORE_BAND_BYTES / (p * sym)).clamp(1, s);
    let out = out.try_clone().map_err(io("cannot reopen", out_path))?;
    let out_path = out_path.to_owned();
    let progress = progress.clone();
    tokio::task::spawn_blocking(move || {
        let mut parts_buf = Vec::new();
        let mut start = 0;
        while start < s {
            let columns = width.min(s - start);
            let band_bytes = columns * sym;
            parts_buf.resize(p * band_bytes, 0);
            for (k, (&index, part)) in given
                .iter()
                .zip(parts_buf.chunks_exact_mut(band_bytes))
                .enumerate()
            {
                let column_offset = (start * sym) as u64;
                if index < rows {
                    let at = (index * row_bytes) as u64 + column_offset;
                    read_padded(&out, at, part, len).map_err(io("cannot read", &out_path))?;
                } else if index < p {
                    part.fill(0);
                } else {
                    let slot = k - (p - stand_ins.len());
                    let at = (slot * row_bytes) as u64 + column_offset;
                    stand_in_file
                        .read_exact_at(part, at)
                        .map_err(io("cannot read", &stand_in_path))?;
                }
            }
            let parts: Vec<&[u8]> = parts_buf.chunks_exact(band_bytes).collect();
            let (restored_rows, restored) =
                floe_encoder::restore_band(&config, sym, &given, columns, &parts)
                    .map_err(SliverError::Decode)?;
            for (&row, piece) in restored_rows.iter().zip(restored.chunks_exact(band_bytes)) {
                let at = (row * row_bytes + start * sym) as u64;
                let take = len.saturating_sub(at).min(band_bytes as u64) as usize;
                if take > 0 {
                    out.write_all_at(&piece[..take], at)
                        .map_err(io("cannot write", &out_path))?;
                    progress.advance(take as u64);
                }
            }
            start += columns;
        }
        Ok::<_, StreamError>(())
    })
    .await
    .map_err(|e| StreamError::Task(e.to_string()))??;
    drop(dir);
    Ok(())
}
