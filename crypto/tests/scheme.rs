//! The scheme through its public API: round trips, every error a caller can meet, and tamper
//! tests (each byte of an object flipped must give a named error, never a plaintext).
#![allow(clippy::unwrap_used)]

use floe_crypto::{
    Ciphertext, DataKey, Dem, EncryptedObject, Error, IbeEncryptions, MasterSecret, ObjectId,
    PublicKey, UserSecretKey, decrypt, decrypt_checked, decrypt_key, derive_user_key, encrypt,
    encrypt_key, encrypt_with, full_id, verify_user_key,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const PACKAGE: ObjectId = [0x42; 32];

struct Net {
    masters: Vec<MasterSecret>,
    servers: Vec<(ObjectId, PublicKey)>,
}

impl Net {
    fn new(n: usize, rng: &mut ChaCha20Rng) -> Self {
        let masters: Vec<MasterSecret> = (0..n).map(|_| MasterSecret::generate(rng)).collect();
        let servers = masters
            .iter()
            .enumerate()
            .map(|(k, m)| ([k as u8 + 0x10; 32], m.public_key()))
            .collect();
        Self { masters, servers }
    }

    fn keys(&self, id: &[u8], which: &[usize]) -> Vec<(ObjectId, UserSecretKey)> {
        let fid = full_id(&PACKAGE, id);
        which
            .iter()
            .map(|&k| (self.servers[k].0, derive_user_key(&self.masters[k], &fid)))
            .collect()
    }

    fn public_keys(&self) -> Vec<PublicKey> {
        self.servers.iter().map(|(_, pk)| *pk).collect()
    }
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

#[test]
fn every_threshold_subset_decrypts_and_returns_the_data_key() {
    let mut rng = rng(1);
    let net = Net::new(5, &mut rng);
    for dem in [Dem::Aes256Gcm, Dem::Hmac256Ctr] {
        for (t, n) in [(1u8, 1usize), (1, 3), (2, 3), (3, 5), (5, 5)] {
            let plaintext = vec![0xabu8; 1000 + n];
            let (object, key) = encrypt_with(
                dem,
                &PACKAGE,
                b"model",
                &net.servers[..n],
                t,
                &plaintext,
                Some(b"v1"),
                &mut rng,
            )
            .unwrap();
            let t = usize::from(t);
            for start in 0..=n - t {
                let which: Vec<usize> = (start..start + t).collect();
                let keys = net.keys(b"model", &which);
                assert_eq!(decrypt(&object, &keys).unwrap(), plaintext);
                assert_eq!(decrypt_key(&object, &keys, None).unwrap(), key);
            }
            let all: Vec<usize> = (0..n).collect();
            assert_eq!(
                decrypt_checked(&object, &net.keys(b"model", &all), &net.public_keys()[..n])
                    .unwrap(),
                plaintext
            );
        }
    }
}

#[test]
fn empty_id_empty_plaintext_and_no_aad_round_trip() {
    let mut rng = rng(2);
    let net = Net::new(2, &mut rng);
    let (object, _) = encrypt(&PACKAGE, b"", &net.servers, 2, b"", None, &mut rng).unwrap();
    let parsed = EncryptedObject::from_bytes(&object).unwrap();
    assert!(matches!(
        parsed.ciphertext,
        Ciphertext::Aes256Gcm { aad: None, .. }
    ));
    assert_eq!(parsed.full_id(), PACKAGE.to_vec());
    assert_eq!(decrypt(&object, &net.keys(b"", &[0, 1])).unwrap(), b"");
}

#[test]
fn the_object_records_package_id_services_and_threshold() {
    let mut rng = rng(3);
    let net = Net::new(3, &mut rng);
    let (object, _) = encrypt(&PACKAGE, b"id", &net.servers, 2, b"x", None, &mut rng).unwrap();
    let parsed = EncryptedObject::from_bytes(&object).unwrap();
    assert_eq!(parsed.version, 0);
    assert_eq!(parsed.package_id, PACKAGE);
    assert_eq!(parsed.id, b"id");
    assert_eq!(parsed.threshold, 2);
    let expected: Vec<(ObjectId, u8)> = net
        .servers
        .iter()
        .enumerate()
        .map(|(k, (id, _))| (*id, k as u8 + 1))
        .collect();
    assert_eq!(parsed.services, expected);
    assert_eq!(parsed.to_bytes(), object);
}

#[test]
fn a_server_named_twice_opens_both_its_shares_and_extra_keys_are_ignored() {
    let mut rng = rng(4);
    let net = Net::new(3, &mut rng);
    let servers = vec![net.servers[0], net.servers[0], net.servers[1]];
    let (object, _) = encrypt(&PACKAGE, b"d", &servers, 2, b"twice", None, &mut rng).unwrap();
    // Server 0's one key opens shares 1 and 2.
    assert_eq!(decrypt(&object, &net.keys(b"d", &[0])).unwrap(), b"twice");
    // A key for server 2 (not in the object) changes nothing.
    assert_eq!(
        decrypt(&object, &net.keys(b"d", &[2, 0])).unwrap(),
        b"twice"
    );
    assert_eq!(
        decrypt(&object, &net.keys(b"d", &[2, 1])),
        Err(Error::NotEnoughKeys {
            have: 1,
            threshold: 2
        })
    );
}

#[test]
fn a_plain_object_carries_only_the_key() {
    let mut rng = rng(5);
    let net = Net::new(3, &mut rng);
    let (object, key) = encrypt_key(&PACKAGE, b"k", &net.servers, 2, &mut rng).unwrap();
    let keys = net.keys(b"k", &[0, 2]);
    assert_eq!(decrypt(&object, &keys), Err(Error::PlainObject));
    let opened: DataKey = decrypt_key(&object, &keys, Some(&net.public_keys())).unwrap();
    assert_eq!(opened, key);
    assert_eq!(format!("{key:?}"), "DataKey(..)");
}

#[test]
fn invalid_thresholds_are_refused() {
    let mut rng = rng(6);
    let net = Net::new(3, &mut rng);
    for (t, n) in [(0u8, 3usize), (4, 3), (1, 0)] {
        assert_eq!(
            encrypt(&PACKAGE, b"", &net.servers[..n], t, b"", None, &mut rng).map(|_| ()),
            Err(Error::InvalidThreshold {
                threshold: usize::from(t),
                servers: n
            })
        );
    }
    let many = vec![net.servers[0]; 256];
    assert_eq!(
        encrypt(&PACKAGE, b"", &many, 1, b"", None, &mut rng).map(|_| ()),
        Err(Error::InvalidThreshold {
            threshold: 1,
            servers: 256
        })
    );
    // 255 servers is the most share indices a byte can name.
    let (object, _) = encrypt(&PACKAGE, b"", &many[..255], 1, b"m", None, &mut rng).unwrap();
    assert_eq!(decrypt(&object, &net.keys(b"", &[0])).unwrap(), b"m");
}

#[test]
fn too_few_wrong_or_misdirected_keys_are_named() {
    let mut rng = rng(7);
    let net = Net::new(4, &mut rng);
    let (object, _) = encrypt(&PACKAGE, b"m", &net.servers, 3, b"data", None, &mut rng).unwrap();

    // t − 1 colluding servers' keys are not enough.
    assert_eq!(
        decrypt(&object, &net.keys(b"m", &[0, 1])),
        Err(Error::NotEnoughKeys {
            have: 2,
            threshold: 3
        })
    );
    assert_eq!(
        decrypt(&object, &[]),
        Err(Error::NotEnoughKeys {
            have: 0,
            threshold: 3
        })
    );
    // t − 1 right keys and a key for another identity: the nonce check refuses.
    let mut keys = net.keys(b"m", &[0, 1]);
    keys.extend(net.keys(b"other", &[2]));
    assert_eq!(decrypt(&object, &keys), Err(Error::KeyMismatch));
    // With public keys, the bad key is named before anything is combined.
    assert_eq!(
        decrypt_checked(&object, &keys, &net.public_keys()),
        Err(Error::UserKeyMismatch(net.servers[2].0))
    );
    // A key server's key given under another server's id.
    let swapped = vec![
        (net.servers[0].0, keys[1].1),
        (net.servers[1].0, keys[0].1),
        keys[2],
    ];
    assert_eq!(decrypt(&object, &swapped), Err(Error::KeyMismatch));
    assert_eq!(
        decrypt_checked(
            &object,
            &net.keys(b"m", &[0, 1, 2]),
            &net.public_keys()[..3]
        ),
        Err(Error::PublicKeyCount {
            given: 3,
            services: 4
        })
    );
}

#[test]
fn verify_user_key_accepts_the_right_key_only() {
    let mut rng = rng(8);
    let net = Net::new(2, &mut rng);
    let fid = full_id(&PACKAGE, b"v");
    let (server, pk) = net.servers[0];
    let key = derive_user_key(&net.masters[0], &fid);
    assert_eq!(verify_user_key(&server, &pk, &fid, &key), Ok(()));
    assert_eq!(
        verify_user_key(&server, &net.servers[1].1, &fid, &key),
        Err(Error::UserKeyMismatch(server))
    );
    assert_eq!(
        verify_user_key(&server, &pk, &full_id(&PACKAGE, b"w"), &key),
        Err(Error::UserKeyMismatch(server))
    );
}

#[test]
fn malformed_bytes_are_encoding_errors() {
    assert!(matches!(decrypt(&[], &[]), Err(Error::Encoding(_))));
    assert_eq!(decrypt(&[7], &[]), Err(Error::UnsupportedVersion(7)));
    let mut rng = rng(9);
    let net = Net::new(1, &mut rng);
    let (mut object, _) = encrypt(&PACKAGE, b"", &net.servers, 1, b"", None, &mut rng).unwrap();
    object.push(0);
    assert!(matches!(
        decrypt(&object, &net.keys(b"", &[0])),
        Err(Error::Encoding(_))
    ));
}

/// The byte ranges of an object's fields, from its own encoding rules.
fn field_at(object: &EncryptedObject, position: usize) -> &'static str {
    let mut fields: Vec<(&'static str, usize)> = vec![
        ("version", 1),
        ("package_id", 32),
        ("structure", 1), // id length (small ids only)
        ("id", object.id.len()),
        ("structure", 1), // service count
    ];
    for _ in &object.services {
        fields.push(("service_id", 32));
        fields.push(("share_index", 1));
    }
    fields.push(("threshold", 1));
    fields.push(("structure", 1)); // IBE scheme tag
    let IbeEncryptions::BonehFranklinBls12381 {
        encrypted_shares, ..
    } = &object.encrypted_shares;
    fields.push(("nonce", 96));
    fields.push(("structure", 1)); // share count
    fields.push(("encrypted_share", 32 * encrypted_shares.len()));
    fields.push(("encrypted_randomness", 32));
    fields.push(("structure", 1)); // DEM tag
    let (blob, aad, mac) = match &object.ciphertext {
        Ciphertext::Aes256Gcm { blob, aad } => (blob, aad, false),
        Ciphertext::Hmac256Ctr { blob, aad, .. } => (blob, aad, true),
        Ciphertext::Plain => unreachable!("tamper tests encrypt data"),
    };
    fields.push(("structure", 1)); // blob length (small blobs only)
    fields.push(("blob", blob.len()));
    fields.push(("structure", 1)); // aad option tag
    if let Some(aad) = aad {
        fields.push(("structure", 1)); // aad length
        fields.push(("aad", aad.len()));
    }
    if mac {
        fields.push(("mac", 32));
    }
    let mut start = 0;
    for (name, len) in fields {
        if position < start + len {
            return name;
        }
        start += len;
    }
    panic!("position {position} is past the object");
}

/// The errors a flip in `field` may cause. Value fields have one answer (or two, where a flip
/// can also make the value invalid on its own); length and tag bytes change how the rest
/// parses, so any named error will do there, but never a plaintext.
fn allowed(field: &str, error: &Error) -> bool {
    match field {
        "version" => matches!(error, Error::UnsupportedVersion(_)),
        "package_id" | "id" | "encrypted_share" | "encrypted_randomness" => {
            *error == Error::KeyMismatch
        }
        "service_id" => matches!(error, Error::KeyMismatch | Error::NotEnoughKeys { .. }),
        "share_index" | "nonce" => matches!(error, Error::KeyMismatch | Error::InvalidObject(_)),
        // 2 → 3 asks for one more key than the "t keys" set holds.
        "threshold" => matches!(
            error,
            Error::KeyMismatch | Error::InvalidObject(_) | Error::NotEnoughKeys { .. }
        ),
        "blob" | "aad" | "mac" => *error == Error::Authentication,
        "structure" => true,
        other => panic!("unknown field {other}"),
    }
}

#[test]
fn flipping_any_bit_pattern_of_any_byte_is_a_named_error() {
    let mut rng = rng(10);
    let net = Net::new(3, &mut rng);
    for dem in [Dem::Aes256Gcm, Dem::Hmac256Ctr] {
        let (object, _) = encrypt_with(
            dem,
            &PACKAGE,
            b"weights",
            &net.servers,
            2,
            b"the plaintext",
            Some(b"model 1"),
            &mut rng,
        )
        .unwrap();
        let parsed = EncryptedObject::from_bytes(&object).unwrap();
        // With exactly t keys (servers 0 and 1) and with all of them, unchecked and checked.
        let two = net.keys(b"weights", &[0, 1]);
        let all = net.keys(b"weights", &[0, 1, 2]);
        let pks = net.public_keys();
        // Server 2's share index: the last byte of the third (id, index) service entry.
        let unused_index_at = 1 + 32 + 1 + b"weights".len() + 1 + 3 * 33 - 1;
        assert_eq!(object[unused_index_at], 3);
        for position in 0..object.len() {
            let field = field_at(&parsed, position);
            for mask in [0x01u8, 0x80] {
                let mut bad = object.clone();
                bad[position] ^= mask;
                for (how, result) in [
                    ("t keys", decrypt(&bad, &two)),
                    ("all keys", decrypt(&bad, &all)),
                    ("checked", decrypt_checked(&bad, &all, &pks)),
                ] {
                    let error = match result {
                        // Seal's key derivation hashes the encrypted shares and the servers
                        // but not the share indices, so the index of a server whose key is
                        // not used is not authenticated: changing it leaves the plaintext as
                        // it was (and the checked path, which uses every index, refuses).
                        Ok(plaintext)
                            if field == "share_index"
                                && how == "t keys"
                                && position == unused_index_at
                                && plaintext == b"the plaintext" =>
                        {
                            continue;
                        }
                        Ok(plaintext) => panic!(
                            "{dem:?}: byte {position} ({field}) ^ {mask:#x} decrypted ({how}) to {plaintext:?}"
                        ),
                        Err(error) => error,
                    };
                    // The checked path may name a share whose key no longer verifies.
                    let fine = allowed(field, &error)
                        || (how == "checked"
                            && matches!(
                                error,
                                Error::UserKeyMismatch(_) | Error::InconsistentShares(_)
                            ));
                    assert!(
                        fine,
                        "{dem:?}: byte {position} ({field}) ^ {mask:#x} ({how}) gave {error:?}"
                    );
                }
            }
        }
    }
}
