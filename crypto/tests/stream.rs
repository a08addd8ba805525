//! Streaming encryption and decryption against the whole-buffer API: the same bytes out for
//! the same RNG, at sizes around every block and chunk boundary, for both DEMs, through
//! readers that hand out data in awkward pieces; and every tampering, truncation and key
//! error refused with nothing written.
#![allow(clippy::unwrap_used)]

use std::io::{self, Cursor, Read};

use floe_crypto::stream::{CHUNK_SIZE, max_plaintext_len};
use floe_crypto::{
    Dem, EncryptedObject, Error, MasterSecret, ObjectId, PublicKey, StreamError, StreamHeader,
    UserSecretKey, decrypt, decrypt_checked, decrypt_stream, derive_user_key, encrypt_key,
    encrypt_stream, encrypt_with, full_id,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const PACKAGE: ObjectId = [0x5e; 32];
const ID: &[u8] = b"model-9";

struct Servers {
    masters: Vec<MasterSecret>,
    key_servers: Vec<(ObjectId, PublicKey)>,
}

impl Servers {
    fn new() -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(99);
        let masters: Vec<MasterSecret> = (0..4).map(|_| MasterSecret::generate(&mut rng)).collect();
        let key_servers = masters
            .iter()
            .enumerate()
            .map(|(k, m)| ([0xb0 + k as u8; 32], m.public_key()))
            .collect();
        Self {
            masters,
            key_servers,
        }
    }

    fn keys(&self, which: &[usize], id: &[u8]) -> Vec<(ObjectId, UserSecretKey)> {
        let fid = full_id(&PACKAGE, id);
        which
            .iter()
            .map(|&k| {
                (
                    self.key_servers[k].0,
                    derive_user_key(&self.masters[k], &fid),
                )
            })
            .collect()
    }

    fn public_keys(&self) -> Vec<PublicKey> {
        self.key_servers.iter().map(|(_, pk)| *pk).collect()
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(73) ^ (i >> 9) as u8)
        .collect()
}

/// A reader that hands out at most a few bytes per call, cycling through awkward sizes, so
/// the streaming code meets partial GHASH blocks, partial HMAC-CTR pads and short reads.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        const SIZES: [usize; 6] = [1, 7, 16, 33, 4097, 65_539];
        let n = SIZES[self.step % SIZES.len()]
            .min(buf.len())
            .min(self.data.len());
        self.step += 1;
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn stream_encrypt(
    dem: Dem,
    servers: &Servers,
    plaintext: &[u8],
    aad: Option<&[u8]>,
    seed: u64,
    trickle: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let len = plaintext.len() as u64;
    let result = if trickle {
        let mut reader = Trickle {
            data: plaintext,
            step: 0,
        };
        encrypt_stream(
            dem,
            &PACKAGE,
            ID,
            &servers.key_servers,
            3,
            len,
            &mut reader,
            aad,
            &mut out,
            &mut rng,
        )
    } else {
        encrypt_stream(
            dem,
            &PACKAGE,
            ID,
            &servers.key_servers,
            3,
            len,
            &mut Cursor::new(plaintext),
            aad,
            &mut out,
            &mut rng,
        )
    };
    result.unwrap();
    out
}

fn buffer_encrypt(
    dem: Dem,
    servers: &Servers,
    plaintext: &[u8],
    aad: Option<&[u8]>,
    seed: u64,
) -> Vec<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    encrypt_with(
        dem,
        &PACKAGE,
        ID,
        &servers.key_servers,
        3,
        plaintext,
        aad,
        &mut rng,
    )
    .unwrap()
    .0
}

/// Stream-decrypts `object`; on failure also checks that nothing was written.
fn stream_decrypt(
    object: &[u8],
    keys: &[(ObjectId, UserSecretKey)],
    public_keys: Option<&[PublicKey]>,
) -> Result<Vec<u8>, StreamError> {
    let mut input = Cursor::new(object);
    let header = StreamHeader::read(&mut input)?;
    let mut out = Vec::new();
    let result = decrypt_stream(&header, &mut input, &mut out, keys, public_keys);
    match result {
        Ok(n) => {
            assert_eq!(n, out.len() as u64);
            assert_eq!(n, header.plaintext_len());
            Ok(out)
        }
        Err(e) => {
            assert!(out.is_empty(), "{e}: wrote {} bytes", out.len());
            Err(e)
        }
    }
}

fn crypto_error(result: Result<Vec<u8>, StreamError>) -> Error {
    match result {
        Err(StreamError::Crypto(e)) => e,
        other => panic!("expected a scheme error, got {other:?}"),
    }
}

const SIZES: [usize; 16] = [
    0,
    1,
    15,
    16,
    17,
    31,
    32,
    33,
    64,
    4095,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    CHUNK_SIZE + 16,
    2 * CHUNK_SIZE + 31,
    3 * CHUNK_SIZE + 5,
];

#[test]
fn streamed_objects_are_byte_identical_to_the_buffer_api_and_round_trip() {
    let servers = Servers::new();
    let keys = servers.keys(&[0, 1, 2], ID);
    let last_keys = servers.keys(&[1, 2, 3], ID);
    let pks = servers.public_keys();
    for dem in [Dem::Aes256Gcm, Dem::Hmac256Ctr] {
        for (i, &len) in SIZES.iter().enumerate() {
            let plaintext = data(len);
            let aad: Option<&[u8]> = match i % 3 {
                0 => None,
                1 => Some(b""),
                _ => Some(b"floe model v1"),
            };
            let seed = 1000 + i as u64;
            let what = format!("{dem:?}, {len} bytes, aad {aad:?}");
            let expected = buffer_encrypt(dem, &servers, &plaintext, aad, seed);
            let streamed = stream_encrypt(dem, &servers, &plaintext, aad, seed, false);
            assert!(streamed == expected, "{what}: streamed bytes differ");
            let trickled = stream_encrypt(dem, &servers, &plaintext, aad, seed, true);
            assert!(trickled == expected, "{what}: trickled bytes differ");

            // The streamed object decrypts both ways, with any t keys, checked or not.
            assert!(
                decrypt(&streamed, &keys).unwrap() == plaintext,
                "{what}: buffer decryption"
            );
            assert!(
                stream_decrypt(&streamed, &last_keys, None).unwrap() == plaintext,
                "{what}: stream decryption"
            );
            assert!(
                stream_decrypt(&streamed, &keys, Some(&pks)).unwrap() == plaintext,
                "{what}: checked stream decryption"
            );
        }
    }
}

/// Header fields a reader needs before asking key servers.
#[test]
fn the_header_names_identity_servers_threshold_and_length() {
    let servers = Servers::new();
    let object = stream_encrypt(Dem::Hmac256Ctr, &servers, &data(100), None, 5, false);
    let mut input = Cursor::new(&object);
    let header = StreamHeader::read(&mut input).unwrap();
    assert_eq!(header.package_id(), &PACKAGE);
    assert_eq!(header.id(), ID);
    assert_eq!(header.full_id(), full_id(&PACKAGE, ID));
    assert_eq!(header.threshold(), 3);
    assert_eq!(header.dem(), Dem::Hmac256Ctr);
    assert_eq!(header.plaintext_len(), 100);
    let ids: Vec<ObjectId> = header.services().iter().map(|(id, _)| *id).collect();
    let expected: Vec<ObjectId> = servers.key_servers.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected);
    // The data starts right after the header.
    assert_eq!(input.position() as usize, object.len() - 100 - 1 - 32);
}

/// An object need not start at offset 0 of its input (e.g. after a container's own header).
#[test]
fn an_object_inside_a_larger_input_decrypts() {
    let servers = Servers::new();
    let plaintext = data(5000);
    let object = stream_encrypt(Dem::Aes256Gcm, &servers, &plaintext, Some(b"x"), 6, false);
    let mut file = vec![0xEE; 777];
    file.extend_from_slice(&object);
    let mut input = Cursor::new(&file);
    input.set_position(777);
    let header = StreamHeader::read(&mut input).unwrap();
    let mut out = Vec::new();
    decrypt_stream(
        &header,
        &mut input,
        &mut out,
        &servers.keys(&[0, 2, 3], ID),
        None,
    )
    .unwrap();
    assert_eq!(out, plaintext);
}

/// Every single-byte change to an object, in the key part or the data part, is refused by
/// streaming decryption exactly as by buffer decryption (authentication failures, key
/// mismatches and structure errors alike), and nothing is written. Malformed-encoding cases
/// may be named differently (a stream meets the fault at another point), but both refuse.
/// The one exception is Seal's: an unused server's share index (see crypto/README.md).
#[test]
fn every_flipped_byte_is_refused_and_nothing_is_written() {
    let servers = Servers::new();
    let keys = servers.keys(&[0, 1, 2], ID);
    let pks = servers.public_keys();
    let mut unchecked_index_flips = 0;
    for dem in [Dem::Aes256Gcm, Dem::Hmac256Ctr] {
        let plaintext = data(70);
        let object = stream_encrypt(dem, &servers, &plaintext, Some(b"aad!"), 8, false);
        for at in 0..object.len() {
            for flip in [0x01u8, 0x80] {
                let mut bad = object.clone();
                bad[at] ^= flip;
                let what = format!("{dem:?}, byte {at} ^ {flip:#x}");
                let buffer = decrypt(&bad, &keys);
                let streamed = stream_decrypt(&bad, &keys, None);
                match (buffer, streamed) {
                    (Ok(a), Ok(b)) => {
                        // Seal's format does not authenticate the share index of a server
                        // whose key is not used (crypto/README.md); the plaintext cannot
                        // change, and the checked path refuses the object.
                        assert!(
                            a == plaintext && b == plaintext,
                            "{what}: changed plaintext"
                        );
                        assert!(
                            matches!(
                                decrypt_checked(&bad, &keys, &pks),
                                Err(Error::InconsistentShares(_))
                            ),
                            "{what}: accepted by the checked path"
                        );
                        assert!(
                            matches!(
                                stream_decrypt(&bad, &keys, Some(&pks)),
                                Err(StreamError::Crypto(Error::InconsistentShares(_)))
                            ),
                            "{what}: accepted by checked streaming"
                        );
                        unchecked_index_flips += 1;
                    }
                    (Err(Error::Encoding(_)), Err(_)) => {}
                    (Err(a), Err(StreamError::Crypto(b))) => {
                        if matches!(b, Error::Encoding(_) | Error::FieldTooLong { .. })
                            && matches!(a, Error::InvalidObject(_) | Error::UnsupportedVersion(_))
                        {
                            continue;
                        }
                        assert_eq!(a, b, "{what}")
                    }
                    (a, b) => panic!("{what}: buffer {a:?}, stream {b:?}"),
                }
            }
        }
    }
    // Only server 3's share index, flipped to another valid index, both ways, per DEM.
    assert_eq!(unchecked_index_flips, 4);
}

/// The data part specifically: a ciphertext byte, the AES tag, the HMAC MAC, the associated
/// data: each is an authentication failure.
#[test]
fn tampered_ciphertext_tag_mac_or_aad_fail_authentication() {
    let servers = Servers::new();
    let keys = servers.keys(&[0, 1, 2], ID);
    let plaintext = data(CHUNK_SIZE + 100);
    let tail = |dem: Dem| -> usize {
        // Bytes after the ciphertext: tag + option(aad "aad!") for AES, option + MAC for HMAC.
        match dem {
            Dem::Aes256Gcm => 16 + 1 + 1 + 4,
            Dem::Hmac256Ctr => 1 + 1 + 4 + 32,
        }
    };
    for dem in [Dem::Aes256Gcm, Dem::Hmac256Ctr] {
        let object = stream_encrypt(dem, &servers, &plaintext, Some(b"aad!"), 9, false);
        let data_end = object.len() - tail(dem);
        let data_start = data_end - plaintext.len();
        let mut positions = vec![
            ("first ciphertext byte", data_start),
            (
                "a ciphertext byte past the first chunk",
                data_start + CHUNK_SIZE + 3,
            ),
            ("last ciphertext byte", data_end - 1),
        ];
        match dem {
            Dem::Aes256Gcm => {
                positions.push(("first tag byte", data_end));
                positions.push(("last tag byte", data_end + 15));
                positions.push(("an aad byte", object.len() - 1));
            }
            Dem::Hmac256Ctr => {
                positions.push(("an aad byte", data_end + 2));
                positions.push(("first MAC byte", object.len() - 32));
                positions.push(("last MAC byte", object.len() - 1));
            }
        }
        for (what, at) in positions {
            let mut bad = object.clone();
            bad[at] ^= 0x40;
            assert_eq!(
                crypto_error(stream_decrypt(&bad, &keys, None)),
                Error::Authentication,
                "{dem:?}: {what}"
            );
            assert_eq!(decrypt(&bad, &keys), Err(Error::Authentication));
        }
    }
}

#[test]
fn every_truncation_and_a_trailing_byte_are_refused() {
    let servers = Servers::new();
    let keys = servers.keys(&[0, 1, 2], ID);
    for dem in [Dem::Aes256Gcm, Dem::Hmac256Ctr] {
        let object = stream_encrypt(dem, &servers, &data(40), Some(b"a"), 10, false);
        for len in 0..object.len() {
            let result = stream_decrypt(&object[..len], &keys, None);
            assert!(
                matches!(
                    result,
                    Err(StreamError::Crypto(
                        Error::Encoding(_) | Error::Authentication
                    ))
                ),
                "{dem:?} truncated at {len}: {result:?}"
            );
        }
        let mut long = object.clone();
        long.push(0);
        assert!(matches!(
            stream_decrypt(&long, &keys, None),
            Err(StreamError::Crypto(Error::Encoding(_)))
        ));
    }
}

#[test]
fn too_few_or_wrong_keys_are_refused_before_any_data() {
    let servers = Servers::new();
    let object = stream_encrypt(Dem::Aes256Gcm, &servers, &data(1000), None, 11, false);
    assert_eq!(
        crypto_error(stream_decrypt(&object, &servers.keys(&[0, 1], ID), None)),
        Error::NotEnoughKeys {
            have: 2,
            threshold: 3
        }
    );
    assert_eq!(
        crypto_error(stream_decrypt(
            &object,
            &servers.keys(&[0, 1, 2], b"other-model"),
            None
        )),
        Error::KeyMismatch
    );
    // A key from server 3 presented as server 0's: the checked path names server 0.
    let mut keys = servers.keys(&[0, 1, 2], ID);
    keys[0].1 = servers.keys(&[3], ID)[0].1;
    assert_eq!(
        crypto_error(stream_decrypt(&object, &keys, Some(&servers.public_keys()))),
        Error::UserKeyMismatch(servers.key_servers[0].0)
    );
}

#[test]
fn a_plaintext_shorter_or_longer_than_declared_is_refused() {
    let servers = Servers::new();
    let plaintext = data(3000);
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    let run = |declared: u64, rng: &mut ChaCha20Rng| {
        encrypt_stream(
            Dem::Aes256Gcm,
            &PACKAGE,
            ID,
            &servers.key_servers,
            3,
            declared,
            &mut Cursor::new(&plaintext),
            None,
            &mut Vec::new(),
            rng,
        )
    };
    assert!(matches!(
        run(3001, &mut rng),
        Err(StreamError::InputShorter {
            declared: 3001,
            read: 3000
        })
    ));
    assert!(matches!(
        run(2999, &mut rng),
        Err(StreamError::InputLonger { declared: 2999 })
    ));
    // Beyond what a BCS vector holds: refused before anything is read.
    let max = max_plaintext_len(Dem::Aes256Gcm);
    assert_eq!(max, (1 << 31) - 1 - 16);
    assert!(matches!(
        run(max + 1, &mut rng),
        Err(StreamError::Crypto(Error::TooLarge { len, .. })) if len == max + 1
    ));
}

#[test]
fn plain_objects_and_oversized_fields_are_refused_by_the_stream_reader() {
    let servers = Servers::new();
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let (plain, _) = encrypt_key(&PACKAGE, ID, &servers.key_servers, 3, &mut rng).unwrap();
    assert!(matches!(
        StreamHeader::read(&mut Cursor::new(&plain)),
        Err(StreamError::Crypto(Error::PlainObject))
    ));

    // An identity beyond the chunk bound: the buffer API takes it, the stream reader refuses
    // it before allocating.
    let long_id = vec![7u8; CHUNK_SIZE + 1];
    let (object, _) = encrypt_with(
        Dem::Aes256Gcm,
        &PACKAGE,
        &long_id,
        &servers.key_servers,
        3,
        b"x",
        None,
        &mut rng,
    )
    .unwrap();
    assert_eq!(EncryptedObject::from_bytes(&object).unwrap().id, long_id);
    assert!(matches!(
        StreamHeader::read(&mut Cursor::new(&object)),
        Err(StreamError::Crypto(Error::FieldTooLong { len, .. })) if len == CHUNK_SIZE + 1
    ));
}

/// Write errors surface as such.
#[test]
fn a_failing_writer_is_reported() {
    struct Full;
    impl io::Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let servers = Servers::new();
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let result = encrypt_stream(
        Dem::Hmac256Ctr,
        &PACKAGE,
        ID,
        &servers.key_servers,
        3,
        3,
        &mut Cursor::new(b"abc"),
        None,
        &mut Full,
        &mut rng,
    );
    assert!(matches!(result, Err(StreamError::Write(e)) if e.kind() == io::ErrorKind::StorageFull));
}
