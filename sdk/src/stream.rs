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
//! the blob ID, as the in-memory read checks. Chain-free: tested with in-memory nodes.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use floe_encoder::{
    BlobId, BlobSource, EncodeError, EncodingConfig, SliverPair, Spill, SpillPart, Workspace,
};
use futures::StreamExt as _;
use sui_sdk_types::Address;

use crate::committee::Committee;
use crate::nodes::{NodeDirectory, StorageNodeClient};
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

/// A file encoded into a [`FileSpill`]: its metadata, and its sliver pairs one at a time.
pub struct SpilledPairs {
    dir: tempfile::TempDir,
    config: EncodingConfig,
    source: Arc<FileSource>,
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
        // Refuse a file too large for the code before making a spill.
        config.symbol_size(source.len())?;
        let dir = spill_dir()?;
        let spill = Arc::new(FileSpill::create(dir.path(), true)?);
        progress.phase(Phase::Encoding, 2 * source.len());
        let metadata = {
            let (source, spill) = (source.clone(), spill.clone());
            tokio::task::spawn_blocking(move || {
                floe_encoder::encode_spilled(
                    &config,
                    source.as_ref(),
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
        let pair = floe_encoder::spilled_pair(
            &self.config,
            self.source.as_ref(),
            self.spill.as_ref(),
            index,
        )
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

/// Reads blob `blob_id` into `out` (truncated to the blob's length) with bounded memory: the
/// source rows in order, [`ROWS_IN_FLIGHT`] at a time, each checked against the metadata; then
/// the bytes written are encoded again and must give `blob_id`. When a source row cannot be
/// read from its holder, the blob is read and decoded in memory from any `p` primary slivers
/// instead (memory then grows with the blob). Returns the blob's length.
pub async fn read_to_file<D: NodeDirectory>(
    nodes: &D,
    committee: &Committee,
    blob_id: &BlobId,
    out: &File,
    out_path: &Path,
    progress: Arc<dyn Progress>,
) -> Result<u64, StreamError> {
    let metadata = slivers::read_metadata(nodes, committee, blob_id).await?;
    let (config, sym) = metadata.checked_config().map_err(SliverError::Decode)?;
    let n = usize::from(committee.n_shards);
    if config.n_shards() != n {
        return Err(SliverError::ShardCountMismatch {
            encoded: config.n_shards(),
            committee: n,
        }
        .into());
    }
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
                let shard = committee.shard_for_pair(blob_id, row);
                let member = committee.holder_of(shard).map(|k| &committee.members[k]);
                let node_id = member.map_or(Address::ZERO, |m| m.node_id);
                let Some(client) = member.and_then(|m| nodes.client(m.node_id)) else {
                    return (row, Err((node_id, format!("no client for shard {shard}"))));
                };
                let sliver = match client.read_primary_sliver(shard, blob_id).await {
                    Ok(sliver) => sliver,
                    Err(e) => return (row, Err((node_id, format!("shard {shard}: {e}")))),
                };
                if usize::from(sliver.index) != row {
                    return (
                        row,
                        Err((
                            node_id,
                            format!("shard {shard} sent sliver {}", sliver.index),
                        )),
                    );
                }
                match floe_encoder::verify_sliver(metadata, &sliver) {
                    Ok(()) => (row, Ok(sliver)),
                    Err(e) => (row, Err((node_id, format!("shard {shard}: {e}")))),
                }
            }
        })
        .buffered(ROWS_IN_FLIGHT);
    let mut fetches = Box::pin(fetches);
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
                failures.push(failure);
                break;
            }
        }
    }
    drop(fetches);
    if let Some((node, message)) = failures.first() {
        tracing::info!(%node, message, "a source row is missing; decoding the blob in memory");
        let blob = slivers::read_slivers(nodes, committee, blob_id).await?;
        out.write_all_at(&blob, 0).map_err(write_err)?;
        out.set_len(len).map_err(write_err)?;
        return Ok(len);
    }
    out.set_len(len).map_err(write_err)?;
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
