//! Quilts: many small files in one blob, each readable alone.
//!
//! Storing thousands of small files as thousands of blobs costs thousands of registrations and
//! as many metadata records on every node; a quilt pays for one. It stays cheap to read one
//! file because the layout puts a small index first and the files after it, so a reader asks
//! for the header, then the index, then only that file's bytes, each through a byte-range read
//! ([`crate::range_read`]) that fetches just the primary slivers holding those bytes.
//!
//! # Layout (version 1)
//!
//! All integers little-endian; the quilt ID is the blob ID of the whole quilt.
//!
//! ```text
//! header  (16 bytes)   magic "FLQT" | version u8 = 1 | 3 zero bytes | index_len u64
//! index   (index_len)  count u32, then `count` entries:
//!                        id_len u8 | identifier (UTF-8)
//!                        tag_count u16 | tag_count × (key_len u8 | key | value_len u16 | value)
//!                        offset u64 | length u64
//! data                 the files' bytes back to back, in index order
//! ```
//!
//! `offset` counts from the start of the data (byte `16 + index_len` of the blob); files are
//! contiguous in index order, and the data ends exactly at the blob's end, so a parsed index
//! accounts for every byte and a corrupt one is refused rather than misread.
//!
//! Identifiers are unique, non-empty, at most 255 bytes of UTF-8. Tag keys are 1–64 bytes of
//! `a-z 0-9 . _ -` (so that the aggregator can serve tag `k` as header `x-floe-tag-k` one to
//! one); tag values are at most 4096 bytes of UTF-8 without control characters (so that they
//! are valid header values).
//!
//! [`build_quilt`] and [`QuiltIndex::parse`] are pure; [`QuiltLayout`] lays out files on disk
//! from their lengths and reads their bytes only when the encoder asks, so a quilt of any
//! number of files is stored with the memory of the streaming store ([`crate::stream`]);
//! [`QuiltReader`] does the reads.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use floe_encoder::{BlobId, BlobSource, EncodeError};
use serde::Serialize;

use crate::committee::Committee;
use crate::nodes::NodeDirectory;
use crate::range_read::{BlobReader, FetchStats, RangeError};

/// The first four bytes of every quilt.
pub const MAGIC: [u8; 4] = *b"FLQT";
/// The layout version this module writes and reads.
pub const VERSION: u8 = 1;
/// Bytes of the fixed header before the index.
pub const HEADER_LEN: u64 = 16;
/// Longest identifier, in bytes: its length is one byte in the index.
pub const MAX_IDENTIFIER_LEN: usize = 255;
/// Longest tag key, in bytes.
pub const MAX_TAG_KEY_LEN: usize = 64;
/// Longest tag value, in bytes.
pub const MAX_TAG_VALUE_LEN: usize = 4096;

/// The smallest index entry: a one-byte identifier and its length, no tags, offset, length.
const MIN_ENTRY_LEN: u64 = 1 + 1 + 2 + 8 + 8;

/// Why a quilt could not be built or parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuiltError {
    #[error("a quilt holds at least one file")]
    Empty,
    #[error("a quilt holds at most {max} files, not {count}", max = u32::MAX)]
    TooManyFiles { count: usize },
    #[error("an identifier must not be empty")]
    EmptyIdentifier,
    #[error("identifier {identifier:?} is {len} bytes; at most {MAX_IDENTIFIER_LEN} are allowed")]
    IdentifierTooLong { identifier: String, len: usize },
    #[error("identifier {0:?} appears more than once; identifiers in a quilt are unique")]
    DuplicateIdentifier(String),
    #[error(
        "tag key {key:?} of {identifier:?} is not 1 to {MAX_TAG_KEY_LEN} bytes of a-z, 0-9, '.', '_' and '-'"
    )]
    BadTagKey { identifier: String, key: String },
    #[error(
        "tag {key:?} of {identifier:?} has a value over {MAX_TAG_VALUE_LEN} bytes or with control characters"
    )]
    BadTagValue { identifier: String, key: String },
    #[error("not a quilt: the blob does not start with the quilt magic \"FLQT\"")]
    NotAQuilt,
    #[error("quilt layout version {0} is not supported (this reader knows version {VERSION})")]
    UnsupportedVersion(u8),
    #[error("corrupt quilt: {0}")]
    Corrupt(String),
}

/// One file to put into a quilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuiltEntry {
    pub identifier: String,
    pub tags: BTreeMap<String, String>,
    pub data: Vec<u8>,
}

/// One file of a quilt as its index describes it (a "patch", as Walrus calls it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patch {
    pub identifier: String,
    pub tags: BTreeMap<String, String>,
    /// Offset of the file's first byte within the quilt blob (not within the data section).
    pub offset: u64,
    /// The file's length in bytes.
    pub length: u64,
}

impl Patch {
    /// The blob bytes holding this file.
    pub fn range(&self) -> Range<u64> {
        self.offset..self.offset + self.length
    }
}

/// A quilt's parsed and checked index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuiltIndex {
    patches: Vec<Patch>,
    by_identifier: std::collections::HashMap<String, usize>,
}

fn check_identifier(identifier: &str) -> Result<(), QuiltError> {
    if identifier.is_empty() {
        return Err(QuiltError::EmptyIdentifier);
    }
    if identifier.len() > MAX_IDENTIFIER_LEN {
        return Err(QuiltError::IdentifierTooLong {
            identifier: identifier.to_owned(),
            len: identifier.len(),
        });
    }
    Ok(())
}

/// Whether `key` is a valid tag key: short and made of characters that are valid, lower-case
/// HTTP header name characters.
pub fn is_valid_tag_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_TAG_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn check_tags(identifier: &str, tags: &BTreeMap<String, String>) -> Result<(), QuiltError> {
    if tags.len() > usize::from(u16::MAX) {
        return Err(QuiltError::Corrupt(format!(
            "{identifier:?} has more than {} tags",
            u16::MAX
        )));
    }
    for (key, value) in tags {
        if !is_valid_tag_key(key) {
            return Err(QuiltError::BadTagKey {
                identifier: identifier.to_owned(),
                key: key.clone(),
            });
        }
        if value.len() > MAX_TAG_VALUE_LEN || value.chars().any(char::is_control) {
            return Err(QuiltError::BadTagValue {
                identifier: identifier.to_owned(),
                key: key.clone(),
            });
        }
    }
    Ok(())
}

/// What the index needs of one file: its identifier, tags and length (not its bytes).
struct IndexEntry<'a> {
    identifier: &'a str,
    tags: &'a BTreeMap<String, String>,
    length: u64,
}

/// Header and index of a quilt of `entries`, in their order: every byte of the quilt before
/// the files' data. Checks identifiers and tags. Shared by [`build_quilt`] (in memory) and
/// [`QuiltLayout`] (files read as the quilt is encoded), so both write the same bytes.
fn header_and_index<'a>(
    entries: impl ExactSizeIterator<Item = IndexEntry<'a>>,
) -> Result<(Vec<u8>, u64), QuiltError> {
    let count = entries.len();
    if count == 0 {
        return Err(QuiltError::Empty);
    }
    let count = u32::try_from(count).map_err(|_| QuiltError::TooManyFiles { count })?;
    let mut seen = HashSet::with_capacity(count as usize);
    let mut index = Vec::new();
    index.extend_from_slice(&count.to_le_bytes());
    let mut offset = 0u64;
    for entry in entries {
        check_identifier(entry.identifier)?;
        check_tags(entry.identifier, entry.tags)?;
        if !seen.insert(entry.identifier) {
            return Err(QuiltError::DuplicateIdentifier(entry.identifier.to_owned()));
        }
        // Lengths fit their fields: checked above.
        index.push(entry.identifier.len() as u8);
        index.extend_from_slice(entry.identifier.as_bytes());
        index.extend_from_slice(&(entry.tags.len() as u16).to_le_bytes());
        for (key, value) in entry.tags {
            index.push(key.len() as u8);
            index.extend_from_slice(key.as_bytes());
            index.extend_from_slice(&(value.len() as u16).to_le_bytes());
            index.extend_from_slice(value.as_bytes());
        }
        index.extend_from_slice(&offset.to_le_bytes());
        index.extend_from_slice(&entry.length.to_le_bytes());
        offset = offset
            .checked_add(entry.length)
            .ok_or_else(|| QuiltError::Corrupt("the files' sizes overflow".into()))?;
    }
    let mut prefix = Vec::with_capacity(HEADER_LEN as usize + index.len());
    prefix.extend_from_slice(&header(index.len() as u64));
    prefix.extend_from_slice(&index);
    Ok((prefix, offset))
}

/// The quilt blob holding `entries`, in their order. Pure: checks identifiers and tags, writes
/// header, index and data. For files on disk, [`QuiltLayout`] gives the same bytes without
/// holding them.
pub fn build_quilt(entries: &[QuiltEntry]) -> Result<Vec<u8>, QuiltError> {
    let (mut quilt, data_len) = header_and_index(entries.iter().map(|entry| IndexEntry {
        identifier: &entry.identifier,
        tags: &entry.tags,
        length: entry.data.len() as u64,
    }))?;
    quilt.reserve(usize::try_from(data_len).expect("the files are in memory"));
    for entry in entries {
        quilt.extend_from_slice(&entry.data);
    }
    Ok(quilt)
}

/// One file on disk to put into a quilt: its bytes are read only while the quilt is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuiltFile {
    pub identifier: String,
    pub tags: BTreeMap<String, String>,
    pub path: PathBuf,
    /// The file's length when the quilt was laid out; a file found at another length while
    /// the quilt is read fails the store instead of shifting every later file.
    pub length: u64,
}

impl QuiltFile {
    /// `path` as a file of a quilt, its current length taken from the file system.
    pub fn at(
        identifier: String,
        tags: BTreeMap<String, String>,
        path: PathBuf,
    ) -> std::io::Result<Self> {
        let length = std::fs::metadata(&path)?.len();
        Ok(Self {
            identifier,
            tags,
            path,
            length,
        })
    }
}

/// A quilt of files on disk, laid out from their lengths: header and index in memory (about
/// 30 bytes per file plus identifiers and tags), the files' bytes read from disk whenever the
/// encoder asks for them. As a [`BlobSource`] it is byte for byte the blob [`build_quilt`]
/// gives for the same files, so a store of thousands of files holds no more of them than the
/// streaming store holds of one large file ([`crate::stream::SpilledPairs::encode_source`]).
#[derive(Debug)]
pub struct QuiltLayout {
    /// Header and index: blob bytes `0..prefix.len()`.
    prefix: Vec<u8>,
    files: Vec<QuiltFile>,
    /// Blob offset of each file's first byte, ascending.
    starts: Vec<u64>,
    len: u64,
}

impl QuiltLayout {
    /// Lays out `files` in their order. Checks identifiers and tags as [`build_quilt`] does.
    pub fn new(files: Vec<QuiltFile>) -> Result<Self, QuiltError> {
        let (prefix, data_len) = header_and_index(files.iter().map(|file| IndexEntry {
            identifier: &file.identifier,
            tags: &file.tags,
            length: file.length,
        }))?;
        let mut starts = Vec::with_capacity(files.len());
        let mut at = prefix.len() as u64;
        for file in &files {
            starts.push(at);
            at += file.length;
        }
        let len = prefix.len() as u64 + data_len;
        Ok(Self {
            prefix,
            files,
            starts,
            len,
        })
    }

    /// The files, in the quilt's order.
    pub fn files(&self) -> &[QuiltFile] {
        &self.files
    }

    /// Bytes of header and index.
    pub fn prefix_len(&self) -> u64 {
        self.prefix.len() as u64
    }

    /// Reads `buf.len()` bytes of file `k` from its byte `from`, after checking that the file
    /// still has the length it was laid out with.
    fn read_file(&self, k: usize, from: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        use std::os::unix::fs::FileExt as _;
        let file = &self.files[k];
        let fail = |what: String| EncodeError::Source(format!("{}: {what}", file.path.display()));
        let handle = std::fs::File::open(&file.path).map_err(|e| fail(e.to_string()))?;
        let now = handle.metadata().map_err(|e| fail(e.to_string()))?.len();
        if now != file.length {
            return Err(fail(format!(
                "changed from {} to {now} bytes while the quilt was stored",
                file.length
            )));
        }
        handle
            .read_exact_at(buf, from)
            .map_err(|e| fail(e.to_string()))
    }
}

impl BlobSource for QuiltLayout {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let end = offset.saturating_add(buf.len() as u64);
        let mut at = offset;
        // Header and index, from memory.
        let prefix_len = self.prefix.len() as u64;
        if at < prefix_len {
            let upto = end.min(prefix_len);
            let (from, to) = (at as usize, upto as usize);
            buf[..to - from].copy_from_slice(&self.prefix[from..to]);
            at = upto;
        }
        // Files, from the first one ending after `at`, one positional read each.
        let mut k = self
            .starts
            .partition_point(|&start| start <= at)
            .saturating_sub(1);
        while at < end.min(self.len) && k < self.files.len() {
            let start = self.starts[k];
            let file_end = start + self.files[k].length;
            if file_end > at {
                let upto = end.min(file_end);
                let into = &mut buf[(at - offset) as usize..(upto - offset) as usize];
                self.read_file(k, at - start, into)?;
                at = upto;
            }
            k += 1;
        }
        // Past the blob's end: the zero padding of the source grid.
        buf[(at.max(offset) - offset) as usize..].fill(0);
        Ok(())
    }
}

fn header(index_len: u64) -> [u8; HEADER_LEN as usize] {
    let mut header = [0u8; HEADER_LEN as usize];
    header[..4].copy_from_slice(&MAGIC);
    header[4] = VERSION;
    header[8..].copy_from_slice(&index_len.to_le_bytes());
    header
}

/// The index length the header (the blob's first [`HEADER_LEN`] bytes, or more) declares,
/// checked against the blob's size.
pub fn parse_header(bytes: &[u8], blob_size: u64) -> Result<u64, QuiltError> {
    if bytes.len() < HEADER_LEN as usize || bytes[..4] != MAGIC {
        return Err(QuiltError::NotAQuilt);
    }
    if bytes[4] != VERSION {
        return Err(QuiltError::UnsupportedVersion(bytes[4]));
    }
    if bytes[5..8] != [0, 0, 0] {
        return Err(QuiltError::Corrupt(
            "reserved header bytes are not zero".into(),
        ));
    }
    let index_len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    if index_len > blob_size.saturating_sub(HEADER_LEN) {
        return Err(QuiltError::Corrupt(format!(
            "the index of {index_len} bytes does not fit a blob of {blob_size} bytes"
        )));
    }
    Ok(index_len)
}

/// Reads an index field by field, refusing to run past its end.
struct Fields<'a> {
    bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], QuiltError> {
        if self.bytes.len() < n {
            return Err(QuiltError::Corrupt(format!("the index ends inside {what}")));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self, what: &str) -> Result<u8, QuiltError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, QuiltError> {
        Ok(u16::from_le_bytes(
            self.take(2, what)?.try_into().expect("2 bytes"),
        ))
    }

    fn u32(&mut self, what: &str) -> Result<u32, QuiltError> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self, what: &str) -> Result<u64, QuiltError> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }

    fn text(&mut self, n: usize, what: &str) -> Result<String, QuiltError> {
        let bytes = self.take(n, what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| QuiltError::Corrupt(format!("{what} is not UTF-8")))
    }
}

impl QuiltIndex {
    /// Parses the index bytes (blob bytes `16..16 + index.len()`) of a quilt of `blob_size`
    /// bytes. Pure; checks everything [`build_quilt`] guarantees, so that any index accepted
    /// here maps every identifier to bytes inside the blob.
    pub fn parse(index: &[u8], blob_size: u64) -> Result<Self, QuiltError> {
        let mut fields = Fields { bytes: index };
        let count = fields.u32("the file count")?;
        if count == 0 {
            return Err(QuiltError::Empty);
        }
        let data_start = HEADER_LEN + index.len() as u64;
        // Each entry takes at least MIN_ENTRY_LEN bytes: a count larger than that bound is
        // corrupt, and refusing it first keeps a hostile count from reserving memory.
        if 4 + u64::from(count) * MIN_ENTRY_LEN > index.len() as u64 {
            return Err(QuiltError::Corrupt(format!(
                "{count} files cannot fit an index of {} bytes",
                index.len()
            )));
        }
        let mut patches = Vec::with_capacity(count as usize);
        let mut by_identifier = std::collections::HashMap::with_capacity(count as usize);
        let mut next = 0u64;
        for _ in 0..count {
            let id_len = fields.u8("an identifier length")?;
            let identifier = fields.text(usize::from(id_len), "an identifier")?;
            check_identifier(&identifier)?;
            let tag_count = fields.u16("a tag count")?;
            let mut tags = BTreeMap::new();
            for _ in 0..tag_count {
                let key_len = fields.u8("a tag key length")?;
                let key = fields.text(usize::from(key_len), "a tag key")?;
                let value_len = fields.u16("a tag value length")?;
                let value = fields.text(usize::from(value_len), "a tag value")?;
                if tags.insert(key.clone(), value).is_some() {
                    return Err(QuiltError::Corrupt(format!(
                        "tag {key:?} of {identifier:?} appears twice"
                    )));
                }
            }
            check_tags(&identifier, &tags)?;
            let offset = fields.u64("a file offset")?;
            let length = fields.u64("a file length")?;
            if offset != next {
                return Err(QuiltError::Corrupt(format!(
                    "{identifier:?} starts at data offset {offset}, not {next} where the previous file ends"
                )));
            }
            next = offset
                .checked_add(length)
                .ok_or_else(|| QuiltError::Corrupt(format!("{identifier:?} overflows")))?;
            if by_identifier
                .insert(identifier.clone(), patches.len())
                .is_some()
            {
                return Err(QuiltError::DuplicateIdentifier(identifier));
            }
            patches.push(Patch {
                identifier,
                tags,
                offset: data_start + offset,
                length,
            });
        }
        if !fields.bytes.is_empty() {
            return Err(QuiltError::Corrupt(format!(
                "{} bytes follow the last entry of the index",
                fields.bytes.len()
            )));
        }
        if data_start.checked_add(next) != Some(blob_size) {
            return Err(QuiltError::Corrupt(format!(
                "the files end at byte {}, the blob at byte {blob_size}",
                data_start.saturating_add(next)
            )));
        }
        Ok(Self {
            patches,
            by_identifier,
        })
    }

    /// Parses a whole quilt held in memory.
    pub fn of_quilt(quilt: &[u8]) -> Result<Self, QuiltError> {
        let size = quilt.len() as u64;
        let index_len = parse_header(quilt, size)?;
        let end = usize::try_from(HEADER_LEN + index_len).expect("checked against the size");
        Self::parse(&quilt[HEADER_LEN as usize..end], size)
    }

    /// The files, in the quilt's order.
    pub fn patches(&self) -> &[Patch] {
        &self.patches
    }

    /// The file named `identifier`.
    pub fn get(&self, identifier: &str) -> Option<&Patch> {
        self.by_identifier
            .get(identifier)
            .map(|&k| &self.patches[k])
    }
}

/// Why a file of a quilt could not be read.
#[derive(Debug, thiserror::Error)]
pub enum QuiltReadError {
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error("blob {quilt_id}: {source}")]
    Format {
        quilt_id: BlobId,
        source: QuiltError,
    },
    #[error("quilt {quilt_id} has no file {identifier:?}")]
    NoSuchFile {
        quilt_id: BlobId,
        identifier: String,
    },
}

/// A quilt opened for reading single files: its blob's metadata and its index, read with byte
/// ranges (the first row, holding the header and usually the whole index, then the rest of
/// the index if any).
pub struct QuiltReader<D> {
    reader: BlobReader<D>,
    index: QuiltIndex,
}

impl<D> QuiltReader<D>
where
    D: NodeDirectory + Send + Sync + 'static,
{
    /// Reads the metadata, the header and the index of quilt `quilt_id`.
    pub async fn open(
        nodes: Arc<D>,
        committee: Committee,
        quilt_id: BlobId,
    ) -> Result<Self, QuiltReadError> {
        let format = |source| QuiltReadError::Format { quilt_id, source };
        let reader = BlobReader::open(nodes, committee, quilt_id).await?;
        let size = reader.size();
        if size < HEADER_LEN {
            return Err(format(QuiltError::NotAQuilt));
        }
        // The header's row costs a whole sliver whatever part of it is asked for, so ask for
        // the whole row: it holds the index too unless the index is larger than a row.
        let first = reader
            .read_range(0..size.min(reader.layout().row_bytes.max(HEADER_LEN)))
            .await?;
        let index_len = parse_header(&first, size).map_err(format)?;
        let index_end = HEADER_LEN + index_len;
        let mut index = first;
        if (index.len() as u64) < index_end {
            let rest = reader.read_range(index.len() as u64..index_end).await?;
            index.extend_from_slice(&rest);
        }
        let index_end = usize::try_from(index_end).expect("the index is in memory");
        let index =
            QuiltIndex::parse(&index[HEADER_LEN as usize..index_end], size).map_err(format)?;
        Ok(Self { reader, index })
    }

    pub fn quilt_id(&self) -> BlobId {
        self.reader.blob_id()
    }

    pub fn index(&self) -> &QuiltIndex {
        &self.index
    }

    /// What the reads so far fetched from nodes.
    pub fn stats(&self) -> Arc<FetchStats> {
        self.reader.stats()
    }

    /// The file named `identifier`, fetching only the slivers holding its bytes.
    pub async fn read(&self, identifier: &str) -> Result<(Patch, Vec<u8>), QuiltReadError> {
        let patch = self
            .index
            .get(identifier)
            .ok_or_else(|| QuiltReadError::NoSuchFile {
                quilt_id: self.quilt_id(),
                identifier: identifier.to_owned(),
            })?;
        let data = self.reader.read_range(patch.range()).await?;
        Ok((patch.clone(), data))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use floe_encoder::EncodingConfig;
    use sui_sdk_types::Address;

    use super::*;
    use crate::bls::BlsKeyPair;
    use crate::committee::tests::committee;
    use crate::memory_node::MemoryNode;
    use crate::slivers;

    fn entry(identifier: &str, tags: &[(&str, &str)], data: &[u8]) -> QuiltEntry {
        QuiltEntry {
            identifier: identifier.to_owned(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            data: data.to_vec(),
        }
    }

    fn sample() -> Vec<QuiltEntry> {
        vec![
            entry("a.txt", &[("content-type", "text/plain")], b"hello"),
            entry("empty", &[], b""),
            entry("ü/β.bin", &[("x", "1"), ("y", "zwei")], &[7u8; 300]),
        ]
    }

    #[test]
    fn a_quilt_round_trips() {
        let entries = sample();
        let quilt = build_quilt(&entries).unwrap();
        assert_eq!(&quilt[..4], b"FLQT");
        let index = QuiltIndex::of_quilt(&quilt).unwrap();
        assert_eq!(index.patches().len(), 3);
        for entry in &entries {
            let patch = index.get(&entry.identifier).unwrap();
            assert_eq!(patch.tags, entry.tags);
            let range = patch.offset as usize..(patch.offset + patch.length) as usize;
            assert_eq!(quilt[range], entry.data[..]);
        }
        assert!(index.get("missing").is_none());
        // The last file ends the blob.
        let last = &index.patches()[2];
        assert_eq!(last.offset + last.length, quilt.len() as u64);
        // The smallest entries (one-byte identifiers, no tags, empty files) parse too.
        let tiny: Vec<QuiltEntry> = (b'a'..=b'z')
            .map(|c| entry(&char::from(c).to_string(), &[], b""))
            .collect();
        let quilt = build_quilt(&tiny).unwrap();
        assert_eq!(quilt.len() as u64, HEADER_LEN + 4 + 26 * MIN_ENTRY_LEN);
        assert_eq!(QuiltIndex::of_quilt(&quilt).unwrap().patches().len(), 26);
    }

    #[test]
    fn bad_identifiers_and_tags_are_refused() {
        let mut entries = sample();
        entries.push(entry("a.txt", &[], b"again"));
        assert_eq!(
            build_quilt(&entries),
            Err(QuiltError::DuplicateIdentifier("a.txt".into()))
        );
        assert_eq!(
            build_quilt(&[entry("", &[], b"x")]),
            Err(QuiltError::EmptyIdentifier)
        );
        assert!(matches!(
            build_quilt(&[entry(&"n".repeat(256), &[], b"x")]),
            Err(QuiltError::IdentifierTooLong { len: 256, .. })
        ));
        assert!(build_quilt(&[entry(&"n".repeat(255), &[], b"x")]).is_ok());
        assert!(matches!(
            build_quilt(&[entry("f", &[("Upper", "v")], b"x")]),
            Err(QuiltError::BadTagKey { .. })
        ));
        assert!(matches!(
            build_quilt(&[entry("f", &[("k", "line\nbreak")], b"x")]),
            Err(QuiltError::BadTagValue { .. })
        ));
        assert_eq!(build_quilt(&[]), Err(QuiltError::Empty));
    }

    #[test]
    fn a_corrupt_quilt_is_refused() {
        let quilt = build_quilt(&sample()).unwrap();
        let index_len = parse_header(&quilt, quilt.len() as u64).unwrap() as usize;
        // Not a quilt at all.
        assert_eq!(
            QuiltIndex::of_quilt(b"just some bytes, long enough"),
            Err(QuiltError::NotAQuilt)
        );
        // Another version.
        let mut other = quilt.clone();
        other[4] = 9;
        assert_eq!(
            QuiltIndex::of_quilt(&other),
            Err(QuiltError::UnsupportedVersion(9))
        );
        // An index longer than the blob.
        let mut long = quilt.clone();
        long[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            QuiltIndex::of_quilt(&long),
            Err(QuiltError::Corrupt(_))
        ));
        // A file length changed: the files no longer end where the blob does.
        let mut shifted = quilt.clone();
        let last_length = HEADER_LEN as usize + index_len - 8;
        shifted[last_length] ^= 1;
        assert!(matches!(
            QuiltIndex::of_quilt(&shifted),
            Err(QuiltError::Corrupt(_))
        ));
        // An identifier made a duplicate of another ("a.txt" → the second entry is "empty").
        let mut twice = quilt.clone();
        let at = twice.windows(5).position(|w| w == b"empty").unwrap();
        twice[at..at + 5].copy_from_slice(b"a.txt");
        assert_eq!(
            QuiltIndex::of_quilt(&twice),
            Err(QuiltError::DuplicateIdentifier("a.txt".into()))
        );
        // Every truncation of the index is refused, none panics.
        for cut in 0..index_len {
            let index = &quilt[HEADER_LEN as usize..HEADER_LEN as usize + cut];
            assert!(
                QuiltIndex::parse(index, quilt.len() as u64).is_err(),
                "cut {cut}"
            );
        }
        // A count far beyond what the index can hold.
        let mut huge = quilt.clone();
        huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            QuiltIndex::of_quilt(&huge),
            Err(QuiltError::Corrupt(_))
        ));
    }

    /// The files of `entries` written to `dir`, as a quilt laid out from their lengths.
    fn on_disk(dir: &std::path::Path, entries: &[QuiltEntry]) -> QuiltLayout {
        let files = entries
            .iter()
            .enumerate()
            .map(|(k, entry)| {
                let path = dir.join(format!("{k}"));
                std::fs::write(&path, &entry.data).unwrap();
                QuiltFile::at(entry.identifier.clone(), entry.tags.clone(), path).unwrap()
            })
            .collect();
        QuiltLayout::new(files).unwrap()
    }

    #[test]
    fn a_quilt_laid_out_from_files_reads_as_the_built_quilt() {
        let dir = tempfile::tempdir().unwrap();
        let mut entries = files(300);
        // Empty files between, and at the end, take no bytes and shift nothing.
        entries.insert(7, entry("empty-a", &[], b""));
        entries.insert(8, entry("empty-b", &[("k", "v")], b""));
        entries.push(entry("empty-last", &[], b""));
        let built = build_quilt(&entries).unwrap();
        let layout = on_disk(dir.path(), &entries);
        assert_eq!(layout.len(), built.len() as u64);
        let whole = {
            let mut buf = vec![0xaa; built.len() + 100];
            layout.read_at(0, &mut buf).unwrap();
            buf
        };
        assert_eq!(whole[..built.len()], built[..]);
        assert!(whole[built.len()..].iter().all(|&b| b == 0), "zero padding");
        // Reads starting anywhere, of any length: within the index, across the index's end,
        // across file boundaries, over many files, past the end.
        let prefix = layout.prefix_len() as usize;
        let mut state = 7u64;
        let mut cases = vec![
            (0, 1),
            (prefix - 3, 10),
            (prefix, 5000),
            (built.len() - 1, 1),
            (built.len() - 10, 50),
            (built.len() + 5, 20),
        ];
        for _ in 0..300 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let at = (state >> 33) as usize % built.len();
            let len = (state >> 13) as usize % 40_000;
            cases.push((at, len));
        }
        for (at, len) in cases {
            let mut buf = vec![0xaa; len];
            layout.read_at(at as u64, &mut buf).unwrap();
            let mut expected = vec![0u8; len];
            let have = built.len().saturating_sub(at).min(len);
            if have > 0 {
                expected[..have].copy_from_slice(&built[at..at + have]);
            }
            assert!(buf == expected, "read of {len} bytes at {at}");
        }
        // Encoded as a source, it is the same blob.
        let config = EncodingConfig::new(40).unwrap();
        assert_eq!(
            floe_encoder::blob_id(&config, &built).unwrap(),
            floe_encoder::compute_metadata(&config, &layout)
                .unwrap()
                .blob_id()
        );
    }

    #[test]
    fn a_file_changed_after_the_layout_fails_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let entries = files(3);
        let layout = on_disk(dir.path(), &entries);
        let second = layout.files()[1].clone();
        std::fs::write(&second.path, b"shorter").unwrap();
        let mut buf = vec![0; layout.len() as usize];
        let err = layout.read_at(0, &mut buf).unwrap_err().to_string();
        assert!(err.contains("changed from"), "{err}");
        // A file that is gone names its path.
        std::fs::remove_file(&second.path).unwrap();
        let err = layout.read_at(0, &mut buf).unwrap_err().to_string();
        assert!(err.contains(&second.path.display().to_string()), "{err}");
        // The first file alone is still readable.
        let start = layout.prefix_len();
        let mut first = vec![0; entries[0].data.len()];
        layout.read_at(start, &mut first).unwrap();
        assert_eq!(first, entries[0].data);
        // Bad identifiers are refused when laying out, as when building.
        let twice = vec![second.clone(), second];
        assert!(matches!(
            QuiltLayout::new(twice),
            Err(QuiltError::DuplicateIdentifier(_))
        ));
        assert_eq!(QuiltLayout::new(Vec::new()).unwrap_err(), QuiltError::Empty);
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// Sizes 1–10 KiB, deterministic.
    fn files(count: usize) -> Vec<QuiltEntry> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        (0..count)
            .map(|k| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let len = 1024 + (state % (9 * 1024 + 1)) as usize;
                let data: Vec<u8> = (0..len).map(|i| (i * 31 + k * 7) as u8).collect();
                let mut tags = BTreeMap::new();
                tags.insert("n".to_owned(), k.to_string());
                QuiltEntry {
                    identifier: format!("file-{k:05}.bin"),
                    tags,
                    data,
                }
            })
            .collect()
    }

    #[test]
    fn one_file_of_a_10_000_file_quilt_costs_a_few_slivers() {
        let entries = files(10_000);
        let quilt = build_quilt(&entries).unwrap();
        let n = 300u16;
        let c = committee(n, 4);
        let nodes: HashMap<Address, MemoryNode> = c
            .members
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let key = BlsKeyPair::from_seed(&[k as u8 + 1; 32]).unwrap();
                (m.node_id, MemoryNode::new(key, c.epoch))
            })
            .collect();
        let config = EncodingConfig::new(usize::from(n)).unwrap();
        let (metadata, pairs) = floe_encoder::encode(&config, &quilt).unwrap();
        block_on(slivers::store_slivers(
            &nodes,
            &c,
            &metadata,
            &pairs,
            Address::new([0xb0; 32]),
        ))
        .unwrap();
        drop(pairs);
        let quilt_id = metadata.blob_id();
        let reader = block_on(QuiltReader::open(Arc::new(nodes), c, quilt_id)).unwrap();
        assert_eq!(reader.index().patches().len(), 10_000);
        let opened = reader.stats().sliver_bytes();
        let row = crate::range_read::BlobLayout::of(&metadata)
            .unwrap()
            .row_bytes;
        let wanted = &entries[6_789];
        let (patch, data) = block_on(reader.read(&wanted.identifier)).unwrap();
        assert_eq!(data, wanted.data);
        assert_eq!(patch.tags["n"], "6789");
        let stats = reader.stats();
        let file_cost = stats.sliver_bytes() - opened;
        // The index (about 310 KB) lies in the first row; the file in one row, or two when it
        // straddles a boundary. Nothing else is fetched and nothing is decoded.
        assert_eq!(stats.full_reads(), 0);
        assert!(opened <= 2 * row, "opening fetched {opened} bytes");
        assert!(file_cost <= 2 * row, "the file fetched {file_cost} bytes");
        let total = stats.sliver_bytes();
        eprintln!(
            "quilt of {} bytes, rows of {row} bytes: open {opened} + one file {file_cost} = {total} bytes fetched ({:.1}%)",
            quilt.len(),
            100.0 * total as f64 / quilt.len() as f64
        );
        assert!(total * 20 < quilt.len() as u64, "more than 5% fetched");
        // An unknown identifier fetches nothing.
        assert!(matches!(
            block_on(reader.read("nope")),
            Err(QuiltReadError::NoSuchFile { .. })
        ));
        assert_eq!(reader.stats().sliver_bytes(), total);
    }
}
