//! Encrypted models: what `floe model publish --encrypt` and `floe read --license` do with
//! Seal's scheme (`floe-crypto`) and Floe's key servers (`floe-keyserver`).
//!
//! A model version is encrypted to the key servers `floe up` runs (one per storage node,
//! listed in the home's `up.toml`) with threshold t, under the identity
//! `[floe package][model ID]` that `license::seal_approve` checks. Nodes then store and serve
//! only the ciphertext. A reader proves their license to t key servers (one signed request,
//! `seal_approve` for an unlimited license, `seal_approve_receipt` for a consumed use,
//! `seal_approve_owner` with the model's `ModelCap` for its owner) and decrypts with the keys
//! they release.
//!
//! A key server is named in encrypted objects by its on-chain `KeyServer` object (the layout of
//! Seal's `key_server` module, `move/floe/sources/key_server.move`), so Seal's own clients find
//! it from the same ID. Objects encrypted before `floe up` registered key-server objects name
//! the storage node's ID instead; a server is matched by either.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use anyhow::{Context as _, bail};
use floe_crypto::{Dem, EncryptedObject, ObjectId, PublicKey, StreamHeader, UserSecretKey};
use floe_keyserver::client;
use floe_keyserver::ptb::approve_call;
use floe_keyserver::session::SessionKey;
use floe_sdk::Floe;
use floe_sdk::calls::CLOCK_ID;
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use sui_sdk_types::{Address, Input, ObjectReference, SharedInput};

use crate::home::KeyServerEntry;

/// Minutes a read's session key lasts: long enough for one read, short if it leaks.
const SESSION_TTL_MIN: u16 = 10;

/// A key server a model can be encrypted to.
#[derive(Debug, Clone)]
pub struct KeyServerInfo {
    /// Its `KeyServer` object's ID: the name encrypted objects give it.
    pub service_id: ObjectId,
    /// The storage node it runs beside, which named it in older encrypted objects.
    pub node_id: Option<ObjectId>,
    pub url: String,
    pub public_key: PublicKey,
}

impl KeyServerInfo {
    pub fn parse(entry: &KeyServerEntry) -> anyhow::Result<Self> {
        let service: Address = entry
            .service_id
            .parse()
            .with_context(|| format!("key server id {:?} is not an object ID", entry.service_id))?;
        let key: [u8; 96] = hex::decode(&entry.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .with_context(|| format!("key server {} has no 96-byte public key", entry.url))?;
        let node_id = match &entry.node_id {
            Some(id) => Some(
                id.parse::<Address>()
                    .with_context(|| format!("node id {id:?} is not an object ID"))?
                    .into_inner(),
            ),
            None => None,
        };
        Ok(Self {
            service_id: service.into_inner(),
            node_id,
            url: entry.url.clone(),
            public_key: PublicKey::from_bytes(&key)
                .with_context(|| format!("key server {}'s public key", entry.url))?,
        })
    }
}

impl KeyServerInfo {
    /// Whether an encrypted object's service ID names this server.
    pub fn serves(&self, service: &ObjectId) -> bool {
        self.service_id == *service || self.node_id.as_ref() == Some(service)
    }
}

/// The default threshold for n key servers: ⌈2n/3⌉.
pub fn default_threshold(n: usize) -> usize {
    (2 * n).div_ceil(3)
}

/// The services and the threshold as `u8`, checked: what every encryption needs.
fn services_and_threshold(
    servers: &[KeyServerInfo],
    threshold: usize,
) -> anyhow::Result<(Vec<(ObjectId, PublicKey)>, u8)> {
    if servers.is_empty() {
        bail!(
            "no key servers to encrypt to: `floe up` runs one per storage node and lists them in up.toml"
        );
    }
    let services: Vec<(ObjectId, PublicKey)> = servers
        .iter()
        .map(|s| (s.service_id, s.public_key))
        .collect();
    let threshold = u8::try_from(threshold)
        .ok()
        .filter(|t| (1..=servers.len()).contains(&usize::from(*t)))
        .with_context(|| {
            format!(
                "--threshold {threshold} is out of range: pass 1 to {}",
                servers.len()
            )
        })?;
    Ok((services, threshold))
}

/// [`encrypt_model`] from file to file in bounded memory (1 MiB chunks): the same
/// `EncryptedObject` bytes, AES-256-GCM, written to `encrypted`.
pub fn encrypt_model_file(
    package: Address,
    model_id: Address,
    servers: &[KeyServerInfo],
    threshold: usize,
    plaintext: &Path,
    encrypted: &Path,
) -> anyhow::Result<()> {
    encrypt_file(
        package,
        model_id.as_bytes(),
        servers,
        threshold,
        plaintext,
        encrypted,
    )
}

/// Encrypts the file `plaintext` to `encrypted` under the identity `[package][id]` (a model's
/// ID bytes, or an agent memory's `memory::identity`), in bounded memory (1 MiB chunks),
/// AES-256-GCM, to `servers` with `threshold`.
pub fn encrypt_file(
    package: Address,
    id: &[u8],
    servers: &[KeyServerInfo],
    threshold: usize,
    plaintext: &Path,
    encrypted: &Path,
) -> anyhow::Result<()> {
    let (services, threshold) = services_and_threshold(servers, threshold)?;
    let input =
        File::open(plaintext).with_context(|| format!("cannot read {}", plaintext.display()))?;
    let len = input
        .metadata()
        .with_context(|| format!("cannot read {}", plaintext.display()))?
        .len();
    let output =
        File::create(encrypted).with_context(|| format!("cannot write {}", encrypted.display()))?;
    let mut writer = BufWriter::new(output);
    floe_crypto::encrypt_stream(
        Dem::Aes256Gcm,
        &package.into_inner(),
        id,
        &services,
        threshold,
        len,
        &mut BufReader::new(input),
        None,
        &mut writer,
        &mut rand::rngs::OsRng,
    )
    .with_context(|| {
        format!(
            "encrypting {} to {} key servers",
            plaintext.display(),
            servers.len()
        )
    })?;
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|file| file.sync_all())
        .with_context(|| format!("writing {}", encrypted.display()))?;
    Ok(())
}

/// The stream header of the file at `path` when it is a Seal encrypted object for `package`
/// (read from its first bytes and its end, never whole).
pub fn encrypted_file_header(path: &Path, package: Address) -> Option<StreamHeader> {
    let mut input = BufReader::new(File::open(path).ok()?);
    StreamHeader::read(&mut input)
        .ok()
        .filter(|header| *header.package_id() == package.into_inner())
}

/// Decrypts the encrypted model in file `encrypted` (whose header is `header`) into `out` with
/// keys released for `approval`, in bounded memory: through `out`'s `.decrypting` file,
/// renamed into place only once the whole ciphertext authenticated. Returns the bytes written.
pub async fn decrypt_model_file(
    floe: &mut Floe,
    key: &Ed25519PrivateKey,
    header: &StreamHeader,
    encrypted: &Path,
    out: &Path,
    servers: &[KeyServerInfo],
    approval: Approval,
) -> anyhow::Result<u64> {
    let (keys, public_keys) = fetch_keys(
        floe,
        key,
        header.id(),
        header.services(),
        header.threshold(),
        servers,
        approval,
    )
    .await?;
    let header = header.clone();
    let encrypted = encrypted.to_owned();
    let out = out.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(".decrypting");
        let temporary = out.with_file_name(name);
        let result = (|| {
            let mut input = BufReader::new(
                File::open(&encrypted)
                    .with_context(|| format!("cannot read {}", encrypted.display()))?,
            );
            let mut writer = BufWriter::new(
                File::create(&temporary)
                    .with_context(|| format!("cannot write {}", temporary.display()))?,
            );
            let written = floe_crypto::decrypt_stream(
                &header,
                &mut input,
                &mut writer,
                &keys,
                public_keys.as_deref(),
            )
            .context("decrypting the model with the released keys")?;
            writer
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|file| file.sync_all())
                .with_context(|| format!("writing {}", temporary.display()))?;
            std::fs::rename(&temporary, &out)
                .with_context(|| format!("writing {}", out.display()))?;
            Ok(written)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        result
    })
    .await
    .context("the decryption task failed")?
}

/// The encrypted object `data` is, when it is one for `package`.
pub fn as_encrypted(data: &[u8], package: Address) -> Option<EncryptedObject> {
    EncryptedObject::from_bytes(data)
        .ok()
        .filter(|object| object.package_id == package.into_inner())
}

/// What the reader shows the key servers.
#[derive(Debug, Clone, Copy)]
pub enum Approval {
    /// An unlimited license: `license::seal_approve`.
    License(Address),
    /// A consumed use: `license::seal_approve_receipt`.
    Receipt(Address),
    /// The model's own `ModelCap`: `license::seal_approve_owner` (its owner needs no license).
    Owner(Address),
    /// A compute job's chosen provider: `compute::seal_approve_job(job, provider)`.
    Job { job: Address, provider: Address },
    /// An agent memory's owner or current delegate: `memory::seal_approve_memory(memory)`.
    Memory(Address),
}

impl Approval {
    /// The `seal_approve*` call the key servers simulate for identity `id`.
    async fn call(
        self,
        floe: &mut Floe,
        id: &[u8],
    ) -> anyhow::Result<sui_sdk_types::ProgrammableTransaction> {
        let clock = Input::Shared(SharedInput::new(CLOCK_ID, 1, false));
        let (module, function, inputs) = match self {
            Approval::License(credential)
            | Approval::Receipt(credential)
            | Approval::Owner(credential) => {
                let held = floe.client.object(credential).await?;
                let credential = Input::ImmutableOrOwned(ObjectReference::new(
                    credential,
                    held.version(),
                    held.digest(),
                ));
                match self {
                    Approval::License(_) => ("license", "seal_approve", vec![credential, clock]),
                    Approval::Receipt(_) => {
                        ("license", "seal_approve_receipt", vec![credential, clock])
                    }
                    _ => ("license", "seal_approve_owner", vec![credential]),
                }
            }
            Approval::Memory(memory) => {
                let memory = floe_sdk::SharedObject::resolve(&mut floe.client, memory).await?;
                let memory = Input::Shared(SharedInput::new(
                    memory.id,
                    memory.initial_shared_version,
                    false,
                ));
                ("memory", "seal_approve_memory", vec![memory])
            }
            Approval::Job { job, provider } => {
                let job = floe_sdk::SharedObject::resolve(&mut floe.client, job).await?;
                let provider = floe_sdk::SharedObject::resolve(&mut floe.client, provider).await?;
                let shared = |object: &floe_sdk::SharedObject| {
                    Input::Shared(SharedInput::new(
                        object.id,
                        object.initial_shared_version,
                        false,
                    ))
                };
                (
                    "compute",
                    "seal_approve_job",
                    vec![shared(&job), shared(&provider), clock],
                )
            }
        };
        Ok(approve_call(
            floe.objects.package,
            module,
            function,
            id,
            inputs,
        )?)
    }

    /// Whose key servers the refusal names.
    fn whose(self) -> &'static str {
        match self {
            Approval::Memory(_) => "the memory entry's",
            _ => "the model's",
        }
    }

    /// What to do when too few key servers released a key.
    fn hint(self) -> &'static str {
        match self {
            Approval::Job { .. } => {
                "only the job's chosen providers get the key, while the job is open and before its deadline"
            }
            Approval::Memory(_) => {
                "only the memory's owner and the agents it currently delegates to get its keys (memory::seal_approve_memory): ask the owner to grant you (floe memory grant), or retry when more key servers are up"
            }
            _ => {
                "check the license with `floe license show`, or retry when more key servers are up"
            }
        }
    }
}

/// The keys of identity `id` from `threshold` of the key servers `services` names (those of
/// `servers` this home knows), asked with one session for `approval`; with the public keys of
/// every service when all are known (so decryption can check the keys and the shares).
#[allow(clippy::type_complexity)]
pub async fn fetch_keys(
    floe: &mut Floe,
    key: &Ed25519PrivateKey,
    id: &[u8],
    services: &[(ObjectId, u8)],
    threshold: u8,
    servers: &[KeyServerInfo],
    approval: Approval,
) -> anyhow::Result<(Vec<(ObjectId, UserSecretKey)>, Option<Vec<PublicKey>>)> {
    let package = floe.objects.original_package;
    let ptb = approval.call(floe, id).await?;
    // The session is timed by this machine's clock, as Seal's client times it: key servers
    // judge it by theirs, and a chain clock ahead of them would make it begin in the future.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_millis() as u64;
    let session = SessionKey::new(key, package, now, SESSION_TTL_MIN, &mut rand::rngs::OsRng)?;
    let (secret, request) = session.request(&ptb, &mut rand::rngs::OsRng);

    let threshold = usize::from(threshold);
    let mut keys: Vec<(ObjectId, UserSecretKey)> = Vec::new();
    let mut failures = Vec::new();
    for (service, _) in services {
        if keys.len() >= threshold {
            break;
        }
        if keys.iter().any(|(s, _)| s == service) {
            continue;
        }
        let Some(server) = servers.iter().find(|s| s.serves(service)) else {
            failures.push(format!(
                "0x{}: not a key server this home knows",
                hex::encode(service)
            ));
            continue;
        };
        let opened = match client::fetch_key(&server.url, &request).await {
            Ok(answer) => {
                client::open_keys(&server.url, service, &server.public_key, &secret, &answer)
            }
            Err(e) => Err(e),
        };
        match opened {
            Ok(opened) => match opened.into_iter().next() {
                Some((_, user_key)) => keys.push((*service, user_key)),
                None => failures.push(format!("{}: returned no key", server.url)),
            },
            Err(e) => failures.push(e.to_string()),
        }
    }
    if keys.len() < threshold {
        bail!(
            "{} of {} {} key servers released a key, {threshold} are needed: {}\n{}",
            keys.len(),
            approval.whose(),
            services.len(),
            failures.join("; "),
            approval.hint()
        );
    }
    let public_keys: Vec<PublicKey> = services
        .iter()
        .map(|(service, _)| {
            servers
                .iter()
                .find(|s| s.serves(service))
                .map(|s| s.public_key)
                .context("a key server of the object is unknown here")
        })
        .collect::<anyhow::Result<_>>()
        .unwrap_or_default();
    let complete = public_keys.len() == services.len();
    Ok((keys, complete.then_some(public_keys)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_threshold_is_two_thirds_rounded_up() {
        assert_eq!(
            (1..=7).map(default_threshold).collect::<Vec<_>>(),
            vec![1, 2, 2, 3, 4, 4, 5]
        );
    }
}
