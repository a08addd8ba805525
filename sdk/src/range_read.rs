//! Byte ranges of a blob, read from the primary slivers that hold them.
//!
//! RS2 lays a blob, zero-padded, into a `p × s` grid of symbols row by row, and primary sliver
//! `i < p` *is* row `i` (its `s` source symbols, back to back). So bytes
//! `[i·row, (i+1)·row)` of the blob, with `row = s · symbol_size`, are exactly the data of
//! primary sliver `i`: a range needs only the slivers of the rows it touches, each checked
//! against the sliver hash the metadata commits to, and no decoding at all. When a needed
//! sliver cannot be had (its node is down or lost it), the reader falls back to the streaming
//! full read ([`crate::stream::read_to_file`]: the missing rows restored band by band from
//! other primary slivers, the blob checked against its ID) into a temporary file, and cuts the
//! range out of it: memory stays bounded by a band of slivers on that path too, and the disk
//! holds the blob until the read ends.
//!
//! [`BlobReader::stream`] yields a range row by row with a few rows in flight, so a server can
//! send a blob of any size while holding only a few slivers of it.

use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use floe_encoder::{Axis, BlobId, BlobMetadata, DecodeError};
use futures::{Stream, StreamExt as _};
use sui_sdk_types::Address;

use crate::committee::Committee;
use crate::nodes::{NodeDirectory, NodeError, StorageNodeClient};
use crate::slivers::{self, SliverError};
use crate::stream::StreamError;

/// Rows fetched ahead of the one being sent by [`BlobReader::stream`]: enough to hide one
/// node round trip behind sending, few enough that memory stays a few slivers.
pub const ROWS_IN_FLIGHT: usize = 4;

/// A range's bytes, piece by piece, as [`BlobReader::stream`] yields them.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, RangeError>> + Send>>;

/// Why one row's sliver could not be had: the node asked and what went wrong.
pub type RowFailure = (Address, String);

/// Rows as they arrive, in order.
type RowStream = Pin<Box<dyn Stream<Item = (usize, Result<Vec<u8>, RowFailure>)> + Send>>;

/// Where a blob's bytes live among its primary slivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobLayout {
    /// Unencoded length of the blob.
    pub size: u64,
    /// Rows of the source grid (`p`), i.e. the systematic primary slivers.
    pub rows: usize,
    /// Bytes of one row: `s · symbol_size`, the data length of one primary sliver.
    pub row_bytes: u64,
}

impl BlobLayout {
    /// The layout the metadata implies (its shard count and length).
    pub fn of(metadata: &BlobMetadata) -> Result<Self, DecodeError> {
        let (config, symbol_size) = metadata.checked_config()?;
        Ok(Self {
            size: metadata.unencoded_length,
            rows: config.n_primary_source(),
            row_bytes: (config.n_secondary_source() * symbol_size) as u64,
        })
    }

    /// The rows (systematic primary sliver indices) holding bytes `range` of the blob.
    pub fn rows_of(&self, range: &Range<u64>) -> Range<usize> {
        if range.start >= range.end {
            return 0..0;
        }
        let first = range.start / self.row_bytes;
        let last = (range.end - 1) / self.row_bytes;
        usize::try_from(first).expect("a row index is below p, a usize")
            ..usize::try_from(last + 1).expect("a row index is below p, a usize")
    }

    /// The blob bytes row `row` holds (the padding after the blob's end excluded).
    pub fn span_of(&self, row: usize) -> Range<u64> {
        let start = (row as u64 * self.row_bytes).min(self.size);
        let end = ((row as u64 + 1) * self.row_bytes).min(self.size);
        start..end
    }
}

/// Why a range could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error("bytes {start}..{end} are not within blob {blob_id} of {size} bytes")]
    OutOfBounds {
        blob_id: BlobId,
        start: u64,
        end: u64,
        size: u64,
    },
    #[error("blob {blob_id} has unusable metadata: {source}")]
    Metadata {
        blob_id: BlobId,
        source: DecodeError,
    },
    /// The full read the reader fell back to failed too.
    #[error(transparent)]
    Slivers(#[from] SliverError),
    /// The full read's temporary file could not be written or read, or the blob read does
    /// not reproduce its ID.
    #[error(transparent)]
    Spool(StreamError),
}

impl From<StreamError> for RangeError {
    /// Nodes' failures stay [`RangeError::Slivers`], which callers tell apart (a blob nobody
    /// stores, a licensed one); the rest is [`RangeError::Spool`].
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::Slivers(e) => Self::Slivers(e),
            other => Self::Spool(other),
        }
    }
}

/// What a reader fetched from nodes, so that tests and operators can see what a range cost.
#[derive(Debug, Default)]
pub struct FetchStats {
    slivers: AtomicU64,
    sliver_bytes: AtomicU64,
    full_reads: AtomicU64,
}

impl FetchStats {
    /// Primary slivers fetched and verified by range reads (full reads not included).
    pub fn slivers(&self) -> u64 {
        self.slivers.load(Ordering::Relaxed)
    }

    /// Bytes of sliver data those slivers held.
    pub fn sliver_bytes(&self) -> u64 {
        self.sliver_bytes.load(Ordering::Relaxed)
    }

    /// Times a range read fell back to reading (and restoring) the whole blob.
    pub fn full_reads(&self) -> u64 {
        self.full_reads.load(Ordering::Relaxed)
    }
}

/// One blob opened for range reads: its verified metadata, the committee to read from and the
/// clients of its nodes.
pub struct BlobReader<D> {
    nodes: Arc<D>,
    committee: Committee,
    blob_id: BlobId,
    metadata: BlobMetadata,
    layout: BlobLayout,
    stats: Arc<FetchStats>,
}

impl<D> BlobReader<D>
where
    D: NodeDirectory + Send + Sync + 'static,
{
    /// Reads and checks the blob's metadata (from the first member that serves metadata
    /// matching `blob_id`), which every sliver read later is checked against.
    pub async fn open(
        nodes: Arc<D>,
        committee: Committee,
        blob_id: BlobId,
    ) -> Result<Self, RangeError> {
        let metadata = slivers::read_metadata(nodes.as_ref(), &committee, &blob_id).await?;
        let layout =
            BlobLayout::of(&metadata).map_err(|source| RangeError::Metadata { blob_id, source })?;
        // (read_metadata refused another shard count than the committee's.)
        Ok(Self {
            nodes,
            committee,
            blob_id,
            metadata,
            layout,
            stats: Arc::default(),
        })
    }

    pub fn blob_id(&self) -> BlobId {
        self.blob_id
    }

    /// The blob's unencoded length.
    pub fn size(&self) -> u64 {
        self.layout.size
    }

    pub fn layout(&self) -> BlobLayout {
        self.layout
    }

    pub fn metadata(&self) -> &BlobMetadata {
        &self.metadata
    }

    pub fn stats(&self) -> Arc<FetchStats> {
        self.stats.clone()
    }

    fn check_range(&self, range: &Range<u64>) -> Result<(), RangeError> {
        if range.start > range.end || range.end > self.layout.size {
            return Err(RangeError::OutOfBounds {
                blob_id: self.blob_id,
                start: range.start,
                end: range.end,
                size: self.layout.size,
            });
        }
        Ok(())
    }

    /// Row `row`'s blob bytes: primary sliver `row` from the node holding its pair, checked
    /// against the metadata. The error names the node and why, for the fallback's log.
    pub async fn row(&self, row: usize) -> Result<Vec<u8>, RowFailure> {
        let shard = self.committee.shard_for_pair(&self.blob_id, row);
        let member = self
            .committee
            .holder_of(shard)
            .map(|k| &self.committee.members[k]);
        let node_id = member.map_or(Address::ZERO, |m| m.node_id);
        let Some(client) = member.and_then(|m| self.nodes.client(m.node_id)) else {
            return Err((node_id, format!("no client for shard {shard}")));
        };
        let sliver = client
            .read_primary_sliver_from(node_id, shard, &self.blob_id)
            .await
            .map_err(|e: NodeError| (node_id, format!("shard {shard}: {e}")))?;
        if sliver.axis != Axis::Primary || usize::from(sliver.index) != row {
            return Err((
                node_id,
                format!(
                    "shard {shard} sent sliver {} instead of {row}",
                    sliver.index
                ),
            ));
        }
        floe_encoder::verify_sliver(&self.metadata, &sliver)
            .map_err(|e| (node_id, format!("shard {shard}: {e}")))?;
        self.stats.slivers.fetch_add(1, Ordering::Relaxed);
        self.stats
            .sliver_bytes
            .fetch_add(sliver.data.len() as u64, Ordering::Relaxed);
        let span = self.layout.span_of(row);
        let mut data = sliver.data;
        data.truncate(usize::try_from(span.end - span.start).expect("a row fits in memory"));
        Ok(data)
    }

    /// The whole blob in a temporary file (removed when dropped), through the streaming full
    /// read: what a range falls back to when a row's sliver cannot be had. Memory stays a band
    /// of slivers ([`crate::stream::read_to_file`]); the file is the blob's size.
    pub async fn spool(&self) -> Result<tempfile::NamedTempFile, RangeError> {
        self.stats.full_reads.fetch_add(1, Ordering::Relaxed);
        let file = tempfile::Builder::new()
            .prefix("floe-read-")
            .tempfile()
            .map_err(|source| StreamError::Io {
                what: "cannot make a temporary file in",
                path: std::env::temp_dir(),
                source,
            })?;
        crate::stream::read_to_file(
            self.nodes.as_ref(),
            &self.committee,
            &self.blob_id,
            file.as_file(),
            file.path(),
            Arc::new(()),
        )
        .await?;
        Ok(file)
    }

    /// Bytes `range` of the blob, fetching only the slivers of the rows it touches (all at
    /// once), or falling back to the full read if one of them fails.
    pub async fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>, RangeError> {
        self.check_range(&range)?;
        let rows = self.layout.rows_of(&range);
        let fetched = futures::future::join_all(rows.clone().map(|row| self.row(row))).await;
        let mut out = Vec::with_capacity(usize::try_from(range.end - range.start).unwrap_or(0));
        for (row, result) in rows.zip(fetched) {
            match result {
                Ok(data) => {
                    let span = self.layout.span_of(row);
                    out.extend_from_slice(cut(&data, span.start, &range));
                }
                Err((node, why)) => {
                    tracing::warn!(blob_id = %self.blob_id, row, %node, %why,
                        "a sliver of the range is unavailable; reading the whole blob");
                    let whole = self.spool().await?;
                    return Ok(read_spooled(&whole, range)?);
                }
            }
        }
        Ok(out)
    }

    /// Bytes `range` of the blob as a stream of pieces, one per row, fetched
    /// [`ROWS_IN_FLIGHT`] ahead; after a row that cannot be had, the rest comes from one full
    /// read into a temporary file ([`BlobReader::spool`]), a row's worth at a time. Nothing is
    /// fetched until the stream is polled.
    pub fn stream(self: Arc<Self>, range: Range<u64>) -> Result<ByteStream, RangeError> {
        self.check_range(&range)?;
        let rows = self.layout.rows_of(&range);
        let reader = self.clone();
        let fetches = futures::stream::iter(rows)
            .map(move |row| {
                let reader = reader.clone();
                async move { (row, reader.row(row).await) }
            })
            .buffered(ROWS_IN_FLIGHT)
            .boxed();
        let cursor = Cursor {
            reader: self,
            fetches,
            spooled: None,
            next: range.start,
            range,
        };
        Ok(futures::stream::unfold(Some(cursor), Cursor::step).boxed())
    }
}

/// The state of a [`BlobReader::stream`]: rows still coming and the next byte to send.
struct Cursor<D> {
    reader: Arc<BlobReader<D>>,
    fetches: RowStream,
    /// The whole blob, once a row could not be had: the rest is read from it.
    spooled: Option<tempfile::NamedTempFile>,
    range: Range<u64>,
    next: u64,
}

type Step<D> = Option<(Result<Vec<u8>, RangeError>, Option<Cursor<D>>)>;

impl<D> Cursor<D>
where
    D: NodeDirectory + Send + Sync + 'static,
{
    async fn step(state: Option<Self>) -> Step<D> {
        let mut cursor = state?;
        if cursor.next >= cursor.range.end {
            return None;
        }
        if cursor.spooled.is_none() {
            match cursor.fetches.next().await? {
                (row, Ok(data)) => {
                    let span = cursor.reader.layout.span_of(row);
                    let piece = cut(&data, span.start, &cursor.range).to_vec();
                    cursor.next = span.end.min(cursor.range.end);
                    return Some((Ok(piece), Some(cursor)));
                }
                (row, Err((node, why))) => {
                    let blob_id = cursor.reader.blob_id;
                    tracing::warn!(%blob_id, row, %node, %why,
                        "a sliver of the range is unavailable; reading the whole blob");
                    cursor.fetches = futures::stream::empty().boxed();
                    match cursor.reader.spool().await {
                        Ok(file) => cursor.spooled = Some(file),
                        Err(e) => return Some((Err(e), None)),
                    }
                }
            }
        }
        let file = cursor.spooled.as_ref()?;
        let end = cursor
            .range
            .end
            .min(cursor.next + cursor.reader.layout.row_bytes);
        match read_spooled(file, cursor.next..end) {
            Ok(piece) => {
                cursor.next = end;
                Some((Ok(piece), Some(cursor)))
            }
            Err(e) => Some((Err(e.into()), None)),
        }
    }
}

/// Bytes `range` of a blob spooled by [`BlobReader::spool`].
fn read_spooled(file: &tempfile::NamedTempFile, range: Range<u64>) -> Result<Vec<u8>, StreamError> {
    use std::os::unix::fs::FileExt as _;
    let mut piece = vec![0; to_usize(range.end - range.start)];
    file.as_file()
        .read_exact_at(&mut piece, range.start)
        .map_err(|source| StreamError::Io {
            what: "cannot read",
            path: file.path().to_owned(),
            source,
        })?;
    Ok(piece)
}

/// The part of `data` (blob bytes from offset `data_start`) that lies within `range`.
fn cut<'a>(data: &'a [u8], data_start: u64, range: &Range<u64>) -> &'a [u8] {
    let data_end = data_start + data.len() as u64;
    let from = range.start.clamp(data_start, data_end) - data_start;
    let to = range.end.clamp(data_start, data_end) - data_start;
    &data[to_usize(from)..to_usize(to)]
}

fn to_usize(offset: u64) -> usize {
    usize::try_from(offset).expect("an offset within a blob in memory fits a usize")
}

/// The blob's metadata from the first member serving metadata that matches `blob_id`.
#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::AtomicBool;

    use floe_encoder::{EncodingConfig, Sliver, SliverPair};

    use super::*;
    use crate::bls::BlsKeyPair;
    use crate::committee::tests::committee;
    use crate::memory_node::MemoryNode;
    use crate::nodes::StorageConfirmation;

    /// A [`MemoryNode`] that counts the sliver bytes it serves and can be switched off.
    struct Counting {
        inner: MemoryNode,
        served: AtomicU64,
        down: AtomicBool,
    }

    impl Counting {
        fn up(&self) -> Result<(), NodeError> {
            if self.down.load(Ordering::Relaxed) {
                Err(NodeError::Unavailable("test node is down".into()))
            } else {
                Ok(())
            }
        }
    }

    impl StorageNodeClient for Counting {
        async fn store_metadata(&self, id: &BlobId, m: &BlobMetadata) -> Result<(), NodeError> {
            self.inner.store_metadata(id, m).await
        }
        async fn store_registered_metadata(
            &self,
            object: Address,
            id: &BlobId,
            m: &BlobMetadata,
        ) -> Result<(), NodeError> {
            self.inner.store_registered_metadata(object, id, m).await
        }
        async fn store_sliver_pair(
            &self,
            shard: u16,
            id: &BlobId,
            pair: &SliverPair,
        ) -> Result<(), NodeError> {
            self.inner.store_sliver_pair(shard, id, pair).await
        }
        async fn confirm_storage(&self, id: &BlobId) -> Result<StorageConfirmation, NodeError> {
            self.inner.confirm_storage(id).await
        }
        async fn read_metadata(&self, id: &BlobId) -> Result<BlobMetadata, NodeError> {
            self.up()?;
            self.inner.read_metadata(id).await
        }
        async fn read_primary_sliver(&self, shard: u16, id: &BlobId) -> Result<Sliver, NodeError> {
            self.up()?;
            let sliver = self.inner.read_primary_sliver(shard, id).await?;
            self.served
                .fetch_add(sliver.data.len() as u64, Ordering::Relaxed);
            Ok(sliver)
        }
    }

    type Nodes = HashMap<Address, Counting>;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// `len` bytes stored on `n` shards over 4 in-memory nodes.
    fn stored(n: u16, len: usize) -> (Arc<Nodes>, Committee, BlobId, Vec<u8>) {
        let c = committee(n, 4);
        let nodes: Nodes = c
            .members
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let key = BlsKeyPair::from_seed(&[k as u8 + 1; 32]).unwrap();
                let node = Counting {
                    inner: MemoryNode::new(key, c.epoch),
                    served: AtomicU64::new(0),
                    down: AtomicBool::new(false),
                };
                (m.node_id, node)
            })
            .collect();
        let blob: Vec<u8> = (0..len).map(|i| (i * 131 % 251) as u8).collect();
        let config = EncodingConfig::new(usize::from(n)).unwrap();
        let (metadata, pairs) = floe_encoder::encode(&config, &blob).unwrap();
        block_on(slivers::store_slivers(
            &nodes,
            &c,
            &metadata,
            &pairs,
            Address::new([0xb0; 32]),
        ))
        .unwrap();
        (Arc::new(nodes), c, metadata.blob_id(), blob)
    }

    fn served(nodes: &Nodes) -> u64 {
        nodes
            .values()
            .map(|n| n.served.swap(0, Ordering::Relaxed))
            .sum()
    }

    #[test]
    fn the_layout_maps_bytes_to_rows() {
        let config = EncodingConfig::new(10).unwrap();
        let (metadata, _) = floe_encoder::encode(&config, &[1u8; 1000]).unwrap();
        // n = 10: p = 4, s = 7, symbol ⌈1000 / 28⌉ = 36: rows of 252 bytes.
        let layout = BlobLayout::of(&metadata).unwrap();
        assert_eq!((layout.rows, layout.row_bytes), (4, 252));
        assert_eq!(layout.rows_of(&(0..1)), 0..1);
        assert_eq!(layout.rows_of(&(251..253)), 0..2);
        assert_eq!(layout.rows_of(&(252..504)), 1..2);
        assert_eq!(layout.rows_of(&(999..1000)), 3..4);
        assert_eq!(layout.rows_of(&(5..5)), 0..0);
        // The last row stops at the blob's end, not at the padding's.
        assert_eq!(layout.span_of(3), 756..1000);
    }

    #[test]
    fn a_small_range_fetches_only_the_slivers_it_touches() {
        // n = 40: p = 14 rows of s = 27 symbols, about 220 KiB each.
        let (nodes, c, blob_id, blob) = stored(40, 3 << 20);
        let reader = block_on(BlobReader::open(nodes.clone(), c, blob_id)).unwrap();
        let layout = reader.layout();
        let row = layout.row_bytes;
        served(&nodes);
        let cases: [Range<u64>; 5] = [
            0..1,
            reader.size() - 1..reader.size(),
            row - 10..row + 10,
            row * 5 + 7..row * 5 + 4096,
            reader.size() - 100_000..reader.size(),
        ];
        for range in cases {
            let got = block_on(reader.read_range(range.clone())).unwrap();
            assert_eq!(got, blob[to_usize(range.start)..to_usize(range.end)]);
            let rows = layout.rows_of(&range).len() as u64;
            assert_eq!(served(&nodes), rows * row, "range {range:?}");
        }
        // Two rows for the range across the boundary, one for each other: 6 slivers in all.
        assert_eq!(reader.stats().slivers(), 6);
        assert_eq!(reader.stats().full_reads(), 0);
        // An empty range fetches nothing; one past the end is refused.
        assert!(block_on(reader.read_range(5..5)).unwrap().is_empty());
        assert_eq!(served(&nodes), 0);
        assert!(matches!(
            block_on(reader.read_range(0..reader.size() + 1)),
            Err(RangeError::OutOfBounds { .. })
        ));
    }

    #[test]
    fn the_stream_yields_the_range_row_by_row() {
        let (nodes, c, blob_id, blob) = stored(10, 1_500_000);
        let reader = Arc::new(block_on(BlobReader::open(nodes.clone(), c, blob_id)).unwrap());
        let row = reader.layout().row_bytes;
        served(&nodes);
        let range = 100..reader.size() - 100;
        let pieces: Vec<Vec<u8>> = block_on(
            reader
                .clone()
                .stream(range.clone())
                .unwrap()
                .map(|piece| piece.unwrap())
                .collect(),
        );
        // One piece per row (p = 4), together exactly the range.
        assert_eq!(pieces.len(), 4);
        assert_eq!(pieces.concat(), blob[100..blob.len() - 100]);
        assert_eq!(served(&nodes), 4 * row);
    }

    #[test]
    fn an_unavailable_sliver_falls_back_to_the_full_read() {
        let (nodes, c, blob_id, blob) = stored(10, 200_000);
        let reader =
            Arc::new(block_on(BlobReader::open(nodes.clone(), c.clone(), blob_id)).unwrap());
        // Down: the holder of row 1's shard (it holds 2 ≤ f = 3 shards, so decoding works).
        let shard = c.shard_for_pair(&blob_id, 1);
        let holder = &c.members[c.holder_of(shard).unwrap()];
        assert!(holder.shards.len() <= c.max_faulty());
        nodes[&holder.node_id].down.store(true, Ordering::Relaxed);
        let row = reader.layout().row_bytes;
        let range = row - 5..row + 5;
        let got = block_on(reader.read_range(range.clone())).unwrap();
        assert_eq!(got, blob[to_usize(range.start)..to_usize(range.end)]);
        assert_eq!(reader.stats().full_reads(), 1);
        // The stream switches to the full read at the missing row and still sends every byte.
        let streamed: Vec<Vec<u8>> = block_on(
            reader
                .clone()
                .stream(0..reader.size())
                .unwrap()
                .map(|piece| piece.unwrap())
                .collect(),
        );
        assert_eq!(streamed.concat(), blob);
        assert_eq!(reader.stats().full_reads(), 2);
    }
}
