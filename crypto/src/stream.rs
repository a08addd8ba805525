//! Streaming encryption and decryption: a model of any size (up to what one BCS vector holds,
//! 2³¹ − 1 bytes) passes through a buffer of [`CHUNK_SIZE`] bytes, producing and reading the
//! very bytes of [`crate::encrypt_with`] and [`crate::decrypt`].
//!
//! Still pure: the caller hands in `std::io::Read`/`Write`/`Seek` values (files, sockets,
//! buffers) and the randomness; nothing here opens a file or spawns anything.
//!
//! Decryption is verify-then-decrypt over a seekable input, two passes over the ciphertext:
//! the first only authenticates (GHASH or HMAC), the second only decrypts and writes. Nothing
//! unauthenticated ever reaches the writer. One pass cannot give that, because Seal's layout
//! puts the associated data (and HMAC-CTR's MAC) after the ciphertext while both the GCM tag
//! and the MAC hash the associated data first; and a one-pass decryptor would have to write
//! plaintext before knowing it is authentic. The two passes do the same cryptographic work as
//! one (each half of the DEM runs once); the cost is reading the input twice. The input must
//! not change between the passes (a file the reader owns, not one another process writes).

use std::io::{self, Read, Seek, SeekFrom, Write};

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;

use crate::bcs::{MAX_LEN, Source, put_option_bytes, put_uleb};
use crate::dem::{AES_GCM_TAG_SIZE, AesGcmKeystream, AesGcmTag, HmacCtrKeystream, HmacCtrMac};
use crate::encrypted_object::{TAG_AES_256_GCM, TAG_HMAC_256_CTR, TAG_PLAIN};
use crate::{
    DataKey, Dem, EncryptedObject, Error, KEY_SIZE, ObjectId, PublicKey, UserSecretKey,
    encapsulate, open,
};

/// The buffer data passes through, and the bound on the identity and associated data a
/// streaming decryption accepts: memory stays near this, whatever the model's size.
pub const CHUNK_SIZE: usize = 1 << 20;

/// Largest plaintext one object holds with `dem`: a BCS vector is at most 2³¹ − 1 bytes and
/// AES-GCM's blob also carries the 16-byte tag.
pub fn max_plaintext_len(dem: Dem) -> u64 {
    match dem {
        Dem::Aes256Gcm => MAX_LEN - AES_GCM_TAG_SIZE as u64,
        Dem::Hmac256Ctr => MAX_LEN,
    }
}

/// Why a streaming operation failed: the scheme's errors, or the reader's or writer's.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Malformed or tampered object, wrong keys, a too-large plaintext: as [`crate::decrypt`]
    /// and [`crate::encrypt_with`] report them (a truncated object is [`Error::Encoding`]).
    #[error(transparent)]
    Crypto(#[from] Error),
    /// Reading the input failed.
    #[error("reading the input failed")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("writing the output failed")]
    Write(#[source] io::Error),
    /// The plaintext reader ended before the length given to [`encrypt_stream`].
    #[error("the plaintext ended after {read} of the {declared} bytes declared")]
    InputShorter { declared: u64, read: u64 },
    /// The plaintext reader had more than the length given to [`encrypt_stream`].
    #[error("the plaintext is longer than the {declared} bytes declared")]
    InputLonger { declared: u64 },
}

/// Encrypts `plaintext_len` bytes read from `plaintext` into `out`, writing exactly the bytes
/// [`crate::encrypt_with`] returns for the same inputs and RNG. The reader must hold exactly
/// that many bytes (more or fewer is an error); wrap a larger one in `Read::take`. Returns the
/// DEM key, as `encrypt_with` does. If this fails, what was written is not an object.
#[allow(clippy::too_many_arguments)] // encrypt_with's inputs, with the plaintext as a reader
pub fn encrypt_stream<R: Read, W: Write, G: RngCore + CryptoRng>(
    dem: Dem,
    package_id: &ObjectId,
    id: &[u8],
    key_servers: &[(ObjectId, PublicKey)],
    threshold: u8,
    plaintext_len: u64,
    plaintext: &mut R,
    aad: Option<&[u8]>,
    out: &mut W,
    rng: &mut G,
) -> Result<DataKey, StreamError> {
    let max = max_plaintext_len(dem);
    if plaintext_len > max {
        return Err(Error::TooLarge {
            len: plaintext_len,
            max,
        }
        .into());
    }
    let (object, key) = encapsulate(package_id, id, key_servers, threshold, rng)?;
    let aad_bytes = aad.unwrap_or_default();
    let mut head = Vec::new();
    object.write_head(&mut head);
    let blob_len = match dem {
        Dem::Aes256Gcm => {
            put_uleb(&mut head, TAG_AES_256_GCM);
            plaintext_len + AES_GCM_TAG_SIZE as u64
        }
        Dem::Hmac256Ctr => {
            put_uleb(&mut head, TAG_HMAC_256_CTR);
            plaintext_len
        }
    };
    put_uleb(
        &mut head,
        usize::try_from(blob_len).expect("checked ≤ 2³¹ − 1 above"),
    );
    out.write_all(&head).map_err(StreamError::Write)?;

    let mut cipher = DemStream::new(dem, &key.0, aad_bytes);
    let mut buf = vec![0u8; CHUNK_SIZE];
    let mut done = 0u64;
    while done < plaintext_len {
        let want = chunk_len(plaintext_len - done);
        let got = fill(plaintext, &mut buf[..want]).map_err(StreamError::Read)?;
        if got < want {
            return Err(StreamError::InputShorter {
                declared: plaintext_len,
                read: done + got as u64,
            });
        }
        let chunk = &mut buf[..want];
        cipher.keystream(chunk);
        cipher.authenticate(chunk);
        out.write_all(chunk).map_err(StreamError::Write)?;
        done += want as u64;
    }
    if fill(plaintext, &mut [0u8; 1]).map_err(StreamError::Read)? > 0 {
        return Err(StreamError::InputLonger {
            declared: plaintext_len,
        });
    }

    let mut tail = Vec::new();
    match cipher.finalize() {
        Tag::Gcm(tag) => {
            tail.extend_from_slice(&tag);
            put_option_bytes(&mut tail, aad);
        }
        Tag::Mac(mac) => {
            put_option_bytes(&mut tail, aad);
            tail.extend_from_slice(&mac);
        }
    }
    out.write_all(&tail).map_err(StreamError::Write)?;
    Ok(key)
}

/// The part of an encrypted object before its data, read from the start of a seekable input:
/// what a reader needs to ask the key servers (identity, servers, threshold) before
/// [`decrypt_stream`] reads the data. Wrap a file in a `BufReader`: the header is read field
/// by field.
#[derive(Clone, Debug)]
pub struct StreamHeader {
    /// The key part, validated; its ciphertext is left `Plain` (the data stays in the input).
    object: EncryptedObject,
    dem: Dem,
    /// Length of the BCS blob (the ciphertext, and for AES-GCM its tag).
    blob_len: u64,
    /// Where the blob starts in the input.
    blob_start: u64,
}

impl StreamHeader {
    /// Parses the header (strictly, as [`EncryptedObject::from_bytes`] does) and leaves the
    /// input at the start of the data. A `Plain` object is [`Error::PlainObject`]; an identity
    /// longer than [`CHUNK_SIZE`] is [`Error::FieldTooLong`].
    pub fn read<R: Read + Seek>(input: &mut R) -> Result<Self, StreamError> {
        let mut source = StreamSource(input);
        let object = EncryptedObject::read_head(&mut source)?;
        let dem = match source.len("ciphertext")? {
            TAG_AES_256_GCM => Dem::Aes256Gcm,
            TAG_HMAC_256_CTR => Dem::Hmac256Ctr,
            TAG_PLAIN => return Err(Error::PlainObject.into()),
            tag => return Err(Error::Encoding(format!("ciphertext: unknown DEM {tag}")).into()),
        };
        let blob_len = source.len("ciphertext blob")? as u64;
        object.validate()?;
        if dem == Dem::Aes256Gcm && blob_len < AES_GCM_TAG_SIZE as u64 {
            // Shorter than a tag: the whole-buffer decryption's AES-GCM refuses it the same way.
            return Err(Error::Authentication.into());
        }
        let blob_start = input.stream_position().map_err(StreamError::Read)?;
        Ok(Self {
            object,
            dem,
            blob_len,
            blob_start,
        })
    }

    pub fn package_id(&self) -> &ObjectId {
        &self.object.package_id
    }

    /// The inner identity (the full identity is package id ‖ id).
    pub fn id(&self) -> &[u8] {
        &self.object.id
    }

    /// The identity keys are derived for, package id ‖ id: what a key server is asked for.
    pub fn full_id(&self) -> Vec<u8> {
        self.object.full_id()
    }

    /// The key servers (object id, share index), in the object's order.
    pub fn services(&self) -> &[(ObjectId, u8)] {
        &self.object.services
    }

    pub fn threshold(&self) -> u8 {
        self.object.threshold
    }

    pub fn dem(&self) -> Dem {
        self.dem
    }

    /// Bytes [`decrypt_stream`] writes on success.
    pub fn plaintext_len(&self) -> u64 {
        match self.dem {
            Dem::Aes256Gcm => self.blob_len - AES_GCM_TAG_SIZE as u64,
            Dem::Hmac256Ctr => self.blob_len,
        }
    }
}

/// Decrypts the object whose `header` was read from `input`, writing the plaintext to `out`,
/// and returns its length. Keys as in [`crate::decrypt`]; with `public_keys` (in the order of
/// the services) also the checks of [`crate::decrypt_checked`]. Reads the end of the object
/// first (associated data, tag or MAC; nothing may follow it), opens the key, authenticates
/// the whole ciphertext, and only then decrypts it into `out` (see the module docs): on any
/// error nothing has been written. `input` must not change meanwhile.
pub fn decrypt_stream<R: Read + Seek, W: Write>(
    header: &StreamHeader,
    input: &mut R,
    out: &mut W,
    user_keys: &[(ObjectId, UserSecretKey)],
    public_keys: Option<&[PublicKey]>,
) -> Result<u64, StreamError> {
    let data_len = header.plaintext_len();
    let data_end = header.blob_start + data_len;
    input
        .seek(SeekFrom::Start(data_end))
        .map_err(StreamError::Read)?;
    let mut source = StreamSource(&mut *input);
    let (aad, expected) = match header.dem {
        Dem::Aes256Gcm => {
            let tag: [u8; AES_GCM_TAG_SIZE] = source.array("ciphertext blob")?;
            (source.option_bytes("ciphertext aad")?, Tag::Gcm(tag))
        }
        Dem::Hmac256Ctr => {
            let aad = source.option_bytes("ciphertext aad")?;
            (aad, Tag::Mac(source.array("ciphertext mac")?))
        }
    };
    if fill(input, &mut [0u8; 1]).map_err(StreamError::Read)? > 0 {
        return Err(Error::Encoding("trailing bytes after the object".into()).into());
    }
    let key = open(&header.object, user_keys, public_keys)?;
    let aad = aad.unwrap_or_default();
    let mut buf = vec![0u8; CHUNK_SIZE];

    // Pass 1: authenticate.
    let mut authenticator = DemStream::new(header.dem, &key.0, &aad);
    for_each_chunk(input, header.blob_start, data_len, &mut buf, |chunk| {
        authenticator.authenticate(chunk);
        Ok(())
    })?;
    if !authenticator.finalize().matches(&expected) {
        return Err(Error::Authentication.into());
    }

    // Pass 2: decrypt.
    let mut decryptor = DemStream::new(header.dem, &key.0, &aad);
    for_each_chunk(input, header.blob_start, data_len, &mut buf, |chunk| {
        decryptor.keystream(chunk);
        out.write_all(chunk).map_err(StreamError::Write)
    })?;
    out.flush().map_err(StreamError::Write)?;
    Ok(data_len)
}

/// Reads `len` bytes of `input` from `start` in chunks of `buf`, handing each to `each`.
fn for_each_chunk<R: Read + Seek>(
    input: &mut R,
    start: u64,
    len: u64,
    buf: &mut [u8],
    mut each: impl FnMut(&mut [u8]) -> Result<(), StreamError>,
) -> Result<(), StreamError> {
    input
        .seek(SeekFrom::Start(start))
        .map_err(StreamError::Read)?;
    let mut done = 0u64;
    while done < len {
        let want = chunk_len(len - done).min(buf.len());
        if fill(input, &mut buf[..want]).map_err(StreamError::Read)? < want {
            // The trailer was there a moment ago: the input changed under us.
            return Err(Error::Encoding("ciphertext blob: truncated".into()).into());
        }
        each(&mut buf[..want])?;
        done += want as u64;
    }
    Ok(())
}

/// One DEM's keystream and authenticator, so the loops above are written once for both.
// One lives per stream, on the stack of the call: boxing the larger variant saves nothing.
#[allow(clippy::large_enum_variant)]
enum DemStream {
    Gcm(AesGcmKeystream, AesGcmTag),
    HmacCtr(HmacCtrKeystream, HmacCtrMac),
}

/// An authenticator's output.
enum Tag {
    Gcm([u8; AES_GCM_TAG_SIZE]),
    Mac([u8; KEY_SIZE]),
}

impl Tag {
    /// Constant-time comparison.
    fn matches(&self, other: &Tag) -> bool {
        match (self, other) {
            (Tag::Gcm(a), Tag::Gcm(b)) => a.ct_eq(b).into(),
            (Tag::Mac(a), Tag::Mac(b)) => a.ct_eq(b).into(),
            _ => false,
        }
    }
}

impl DemStream {
    fn new(dem: Dem, key: &[u8; KEY_SIZE], aad: &[u8]) -> Self {
        match dem {
            Dem::Aes256Gcm => Self::Gcm(AesGcmKeystream::new(key), AesGcmTag::new(key, aad)),
            Dem::Hmac256Ctr => Self::HmacCtr(HmacCtrKeystream::new(key), HmacCtrMac::new(key, aad)),
        }
    }

    fn keystream(&mut self, data: &mut [u8]) {
        match self {
            Self::Gcm(keystream, _) => keystream.apply(data),
            Self::HmacCtr(keystream, _) => keystream.apply(data),
        }
    }

    fn authenticate(&mut self, ciphertext: &[u8]) {
        match self {
            Self::Gcm(_, tag) => tag.update(ciphertext),
            Self::HmacCtr(_, mac) => mac.update(ciphertext),
        }
    }

    fn finalize(self) -> Tag {
        match self {
            Self::Gcm(_, tag) => Tag::Gcm(tag.finalize()),
            Self::HmacCtr(_, mac) => Tag::Mac(mac.finalize()),
        }
    }
}

fn chunk_len(remaining: u64) -> usize {
    usize::try_from(remaining.min(CHUNK_SIZE as u64)).expect("at most CHUNK_SIZE")
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn fill<R: Read + ?Sized>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// BCS fields from a reader: an early end is a truncated object, length-prefixed fields are
/// bounded by [`CHUNK_SIZE`].
struct StreamSource<'a, R: ?Sized>(&'a mut R);

impl<R: Read + ?Sized> Source for StreamSource<'_, R> {
    type Error = StreamError;

    fn fill(&mut self, buf: &mut [u8], field: &str) -> Result<(), StreamError> {
        if fill(self.0, buf).map_err(StreamError::Read)? < buf.len() {
            return Err(Error::Encoding(format!("{field}: truncated")).into());
        }
        Ok(())
    }

    fn check_len(&self, len: usize, field: &str) -> Result<(), StreamError> {
        if len > CHUNK_SIZE {
            return Err(Error::FieldTooLong {
                field: field.to_owned(),
                len,
                max: CHUNK_SIZE,
            }
            .into());
        }
        Ok(())
    }
}
