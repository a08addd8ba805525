//! Fixed vectors (`tests/vectors.json`), checked without Node: public and user keys as Seal's
//! TypeScript client derived them, objects it encrypted, and objects floe-crypto encrypted from
//! a seeded RNG, whose bytes must never change (a change would mean the format drifted).
#![allow(clippy::unwrap_used)]

use floe_crypto::{
    Dem, EncryptedObject, MasterSecret, ObjectId, PublicKey, UserSecretKey, decrypt,
    decrypt_checked, decrypt_key, derive_user_key, encrypt_key, encrypt_with, full_id,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors.json")).unwrap()
}

fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

fn array<const N: usize>(value: &Value) -> [u8; N] {
    bytes(value).try_into().unwrap()
}

struct Server {
    object_id: ObjectId,
    master: MasterSecret,
    public_key: PublicKey,
}

fn servers(v: &Value) -> Vec<Server> {
    v["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Server {
            object_id: array(&s["object_id"]),
            master: MasterSecret::from_bytes(&array(&s["master_key"])).unwrap(),
            public_key: PublicKey::from_bytes(&array(&s["public_key"])).unwrap(),
        })
        .collect()
}

#[test]
fn keys_derive_as_seal_derived_them() {
    let v = vectors();
    let package: ObjectId = array(&v["package_id"]);
    let servers = servers(&v);
    for s in &servers {
        assert_eq!(s.master.public_key(), s.public_key);
    }
    let user_keys = v["user_keys"].as_array().unwrap();
    assert_eq!(user_keys.len(), 9);
    for entry in user_keys {
        let server = &servers[entry["server"].as_u64().unwrap() as usize];
        let fid = full_id(&package, &bytes(&entry["id"]));
        let expected = UserSecretKey::from_bytes(&array(&entry["key"])).unwrap();
        assert_eq!(derive_user_key(&server.master, &fid), expected);
    }
}

#[test]
fn every_object_decrypts_with_every_threshold_subset() {
    let v = vectors();
    let package: ObjectId = array(&v["package_id"]);
    let servers = servers(&v);
    for (k, o) in v["objects"].as_array().unwrap().iter().enumerate() {
        let object = bytes(&o["object"]);
        let parsed = EncryptedObject::from_bytes(&object).unwrap();
        assert_eq!(parsed.to_bytes(), object, "object {k}: re-encoding");
        assert_eq!(parsed.package_id, package);
        let n = o["servers"].as_u64().unwrap() as usize;
        let t = o["threshold"].as_u64().unwrap() as usize;
        let fid = parsed.full_id();
        let keys: Vec<(ObjectId, UserSecretKey)> = servers[..n]
            .iter()
            .map(|s| (s.object_id, derive_user_key(&s.master, &fid)))
            .collect();
        let pks: Vec<PublicKey> = servers[..n].iter().map(|s| s.public_key).collect();
        for start in 0..=n - t {
            let subset = &keys[start..start + t];
            let key = decrypt_key(&object, subset, None).unwrap();
            assert_eq!(key.as_bytes().to_vec(), bytes(&o["key"]), "object {k}");
            if o["dem"] != "plain" {
                assert_eq!(
                    decrypt(&object, subset).unwrap(),
                    bytes(&o["plaintext"]),
                    "object {k}, keys {start}.."
                );
            }
        }
        if o["dem"] != "plain" {
            assert_eq!(
                decrypt_checked(&object, &keys, &pks).unwrap(),
                bytes(&o["plaintext"])
            );
        }
    }
}

#[test]
fn seeded_encryption_reproduces_the_committed_bytes() {
    let v = vectors();
    let package: ObjectId = array(&v["package_id"]);
    let servers = servers(&v);
    let mut checked = 0;
    for o in v["objects"].as_array().unwrap() {
        let Some(seed) = o["seed"].as_u64() else {
            continue;
        };
        let n = o["servers"].as_u64().unwrap() as usize;
        let t = o["threshold"].as_u64().unwrap() as u8;
        let key_servers: Vec<(ObjectId, PublicKey)> = servers[..n]
            .iter()
            .map(|s| (s.object_id, s.public_key))
            .collect();
        let id = bytes(&o["id"]);
        let aad = o["aad"].as_str().map(|a| hex::decode(a).unwrap());
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (object, key) = match o["dem"].as_str().unwrap() {
            "plain" => encrypt_key(&package, &id, &key_servers, t, &mut rng),
            dem => encrypt_with(
                if dem == "aes" {
                    Dem::Aes256Gcm
                } else {
                    Dem::Hmac256Ctr
                },
                &package,
                &id,
                &key_servers,
                t,
                &bytes(&o["plaintext"]),
                aad.as_deref(),
                &mut rng,
            ),
        }
        .unwrap();
        assert_eq!(hex::encode(object), o["object"].as_str().unwrap());
        assert_eq!(hex::encode(key.as_bytes()), o["key"].as_str().unwrap());
        checked += 1;
    }
    assert_eq!(checked, 3);
}
