//! Where the encoder reads blob bytes from: memory, or any seekable reader with bounded memory.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Mutex;

use crate::error::EncodeError;

/// Random-access blob bytes. Reads past the end yield zeros, the padding of the source grid.
pub trait BlobSource: Sync {
    /// Length of the blob in bytes.
    fn len(&self) -> u64;

    /// True for the empty blob.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the bytes at `offset`, zero past the end of the blob.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError>;

    /// The whole blob as one slice, when it is held in memory: the encoder then reads it in
    /// place instead of copying through [`read_at`](Self::read_at).
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }
}

impl BlobSource for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let start = (offset.min(<[u8]>::len(self) as u64)) as usize;
        let end = (start + buf.len()).min(<[u8]>::len(self));
        let n = end - start;
        buf[..n].copy_from_slice(&self[start..end]);
        buf[n..].fill(0);
        Ok(())
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

/// A seekable reader of known length, for blobs larger than memory should hold.
pub struct ReaderSource<R> {
    reader: Mutex<R>,
    len: u64,
}

impl<R: Read + Seek + Send> ReaderSource<R> {
    /// Wraps `reader`, whose content is `len` bytes long.
    pub fn new(reader: R, len: u64) -> Self {
        Self {
            reader: Mutex::new(reader),
            len,
        }
    }
}

impl<R: Read + Seek + Send> BlobSource for ReaderSource<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), EncodeError> {
        let available = self.len.saturating_sub(offset).min(buf.len() as u64) as usize;
        if available > 0 {
            let mut reader = self
                .reader
                .lock()
                .map_err(|_| EncodeError::Source("a reader thread panicked".into()))?;
            reader
                .seek(SeekFrom::Start(offset))
                .map_err(|e| EncodeError::Source(e.to_string()))?;
            let mut filled = 0;
            while filled < available {
                match reader.read(&mut buf[filled..available]) {
                    Ok(0) => {
                        return Err(EncodeError::ShortSource {
                            expected: self.len,
                            got: offset + filled as u64,
                        });
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(EncodeError::Source(e.to_string())),
                }
            }
        }
        buf[available..].fill(0);
        Ok(())
    }
}
