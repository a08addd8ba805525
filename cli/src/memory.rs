//! `floe memory`: agent memory (`floe::memory`), a user's append-only list of encrypted
//! entries that only the user and the agents it delegates to (revocably) can decrypt.
//!
//! - `create`: a memory owned by this account; prints its ID.
//! - `append`: encrypts a file to the key servers under the memory's current identity
//!   (`[package][memory ID][generation]`, Seal's scheme, the code encrypted models use), stores
//!   the ciphertext and appends the certified blob naming that generation; prints the entry's
//!   number. The owner and delegates granted write may append. If a revoke moved the
//!   generation meanwhile (`EStaleGeneration`) it encrypts, stores and appends once more.
//! - `read`: reads entries, asks the key servers for the key of each entry's identity (they
//!   release it only if `memory::seal_approve_memory` passes for this account: the owner or a
//!   current delegate) and decrypts into `--out`.
//! - `grant` / `revoke`: as the owner, delegate to an agent's address or take it back; a revoke
//!   moves the memory to a new generation, so entries appended after it use an identity the
//!   revoked agent never obtained a key for.
//! - `show`: the memory, its delegates and entries (JSON).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use floe_encoder::BlobId;
use floe_sdk::Floe;
use floe_sdk::agent_memory::{self, identity};
use floe_sdk::move_types::{self, memory::Entry};
use sui_sdk_types::Address;

use crate::commands::{explain, key_servers};
use crate::encrypted;
use crate::output::{Bar, out};
use crate::session::{Session, node_directory};

/// `floe memory …`.
#[derive(clap::Subcommand)]
pub enum MemoryCommand {
    /// Create a memory owned by this account; prints its ID.
    Create,
    /// Encrypt a file under the memory's current key generation, store it and append it;
    /// prints the entry's number. The owner and agents granted --write may append.
    Append {
        #[arg(value_parser = crate::object_id::parse)]
        memory_id: Address,
        file: PathBuf,
        /// Epochs to store the entry for.
        #[arg(long, default_value_t = 2)]
        epochs: u64,
        /// Key servers needed to decrypt (default: two thirds of them, rounded up).
        #[arg(long)]
        threshold: Option<usize>,
        /// For tests: encrypt the first attempt under this generation instead of the current
        /// one, as a writer that read it before a revoke landed does (exercises the retry).
        #[arg(long, hide = true)]
        read_generation: Option<u64>,
    },
    /// Decrypt entries into --out: with --entry N that entry into the file --out, else every
    /// entry into the directory --out (one file per entry, named by its number).
    Read {
        #[arg(value_parser = crate::object_id::parse)]
        memory_id: Address,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        entry: Option<u64>,
    },
    /// As the memory's owner, delegate to an agent's address: it may decrypt the memory and,
    /// with --write, append to it.
    Grant {
        #[arg(value_parser = crate::object_id::parse)]
        memory_id: Address,
        #[arg(value_parser = crate::object_id::parse)]
        agent: Address,
        #[arg(long)]
        write: bool,
    },
    /// As the memory's owner, take a delegation back: the agent gets no key from now on, and
    /// entries appended from now on use a new key generation.
    Revoke {
        #[arg(value_parser = crate::object_id::parse)]
        memory_id: Address,
        #[arg(value_parser = crate::object_id::parse)]
        agent: Address,
    },
    /// Show a memory: owner, generation, delegates and entries (JSON).
    Show {
        #[arg(value_parser = crate::object_id::parse)]
        memory_id: Address,
    },
}

/// Runs a `floe memory` command.
pub async fn dispatch(session: &Session, command: MemoryCommand) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    match command {
        MemoryCommand::Create => {
            let memory = floe.create_memory().await.map_err(explain)?;
            out!("{memory}");
            eprintln!(
                "memory {memory} created; {} owns it (grant agents with `floe memory grant {memory} AGENT`)",
                floe.sender()
            );
        }
        MemoryCommand::Append {
            memory_id,
            file,
            epochs,
            threshold,
            read_generation,
        } => {
            append(
                session,
                &mut floe,
                memory_id,
                &file,
                (epochs, threshold),
                read_generation,
            )
            .await?
        }
        MemoryCommand::Read {
            memory_id,
            out,
            entry,
        } => read(session, &mut floe, memory_id, &out, entry).await?,
        MemoryCommand::Grant {
            memory_id,
            agent,
            write,
        } => {
            let granted = floe
                .grant_memory(memory_id, agent, write)
                .await
                .map_err(explain)?;
            out!("{}", granted.generation);
            eprintln!(
                "{agent} may now decrypt memory {memory_id}{}",
                if write { " and append to it" } else { "" }
            );
        }
        MemoryCommand::Revoke { memory_id, agent } => {
            let revoked = floe
                .revoke_memory(memory_id, agent)
                .await
                .map_err(explain)?;
            out!("{}", revoked.generation);
            eprintln!(
                "{agent} no longer gets keys of memory {memory_id}; entries appended from now on use key generation {}",
                revoked.generation
            );
        }
        MemoryCommand::Show { memory_id } => show(&mut floe, memory_id).await?,
    }
    Ok(())
}

/// Encrypts `file` under the memory's current identity, stores the ciphertext and appends it,
/// naming the generation it encrypted under. A revoke landing between the read of the
/// generation and the append makes the chain refuse it (`memory::EStaleGeneration`): the
/// ciphertext's key is one the revoked agent may hold. Then it reads the generation again,
/// encrypts and stores again and appends once more; a second refusal is reported.
/// `read_generation` (tests only) replaces the first read of the generation.
async fn append(
    session: &Session,
    floe: &mut Floe,
    memory_id: Address,
    file: &Path,
    (epochs, threshold): (u64, Option<usize>),
    mut read_generation: Option<u64>,
) -> anyhow::Result<()> {
    let servers = key_servers(session)?;
    let threshold = threshold.unwrap_or_else(|| encrypted::default_threshold(servers.len()));
    let nodes = node_directory(floe, None).await?;
    let mut retried = false;
    loop {
        let current = current_writable_generation(floe, memory_id).await?;
        let generation = read_generation.take().unwrap_or(current);
        let sealed = floe_sdk::stream::spill_dir()
            .context("cannot make a temporary directory for the ciphertext")?;
        let path = sealed.path().join("entry.sealed");
        let package = floe.objects.original_package;
        {
            let id = identity(memory_id, generation);
            let (servers, file, path) = (servers.clone(), file.to_owned(), path.clone());
            tokio::task::spawn_blocking(move || {
                encrypted::encrypt_file(package, &id, &servers, threshold, &file, &path)
            })
            .await
            .context("the encryption task failed")??;
        }
        let bar = Bar::new();
        let stored = floe
            .store_file(&nodes, &path, epochs, false, bar.clone())
            .await;
        bar.finish();
        let stored = stored.map_err(explain)?;
        drop(sealed);
        match floe
            .append_memory(memory_id, stored.blob_object, generation)
            .await
        {
            Ok(appended) => {
                out!("{}", appended.index);
                eprintln!(
                    "{} encrypted (key generation {generation}, {threshold} key servers needed), stored as blob {} and appended to memory {memory_id} as entry {}",
                    file.display(),
                    stored.blob_id,
                    appended.index
                );
                return Ok(());
            }
            Err(floe_sdk::FlowError::Client(floe_sdk::ClientError::ExecutionFailed(f)))
                if !retried
                    && f.floe_abort()
                        .is_some_and(|a| a.module == "memory" && a.name == "EStaleGeneration") =>
            {
                eprintln!(
                    "memory {memory_id} moved past key generation {generation} (a delegate was revoked) while {} was being stored as blob {}: encrypting it again under the current generation and appending again (blob {} is left unused until it expires)",
                    file.display(),
                    stored.blob_id,
                    stored.blob_id
                );
                retried = true;
            }
            Err(e) => return Err(explain(e)),
        }
    }
}

/// The memory's current key generation, after checking that this account may append (so
/// nothing is encrypted and stored for an append the chain would refuse with `ENotWriter`).
async fn current_writable_generation(floe: &mut Floe, memory_id: Address) -> anyhow::Result<u64> {
    let memory = floe
        .memory(memory_id)
        .await
        .map_err(explain)
        .with_context(|| format!("{memory_id} is not a memory"))?;
    let me = floe.sender();
    if !agent_memory::may_append(&memory, me) {
        bail!(
            "account {me} may not append to memory {memory_id}: only its owner and agents granted write append (memory::ENotWriter)\n\
             ask the owner to run `floe memory grant {memory_id} {me} --write`, or sign as the owner with --as"
        );
    }
    Ok(memory.generation)
}

/// Reads and decrypts entry `entry`, or every entry, into `out`.
async fn read(
    session: &Session,
    floe: &mut Floe,
    memory_id: Address,
    out: &Path,
    entry: Option<u64>,
) -> anyhow::Result<()> {
    let memory = floe
        .memory(memory_id)
        .await
        .map_err(explain)
        .with_context(|| format!("{memory_id} is not a memory"))?;
    let wanted: Vec<(u64, PathBuf)> = match entry {
        Some(index) => {
            if index >= memory.entry_count {
                bail!(
                    "memory {memory_id} has {} entries, numbered from 0: there is no entry {index}\n\
                     `floe memory show {memory_id}` lists them",
                    memory.entry_count
                );
            }
            vec![(index, out.to_owned())]
        }
        None => {
            std::fs::create_dir_all(out)
                .with_context(|| format!("cannot make the directory {}", out.display()))?;
            (0..memory.entry_count)
                .map(|i| (i, out.join(i.to_string())))
                .collect()
        }
    };
    let servers = key_servers(session)?;
    let key = session.key()?;
    let nodes = node_directory(floe, None).await?;
    let spill = floe_sdk::stream::spill_dir()
        .context("cannot make a temporary directory for the ciphertext")?;
    for (index, target) in wanted {
        let entry: Entry = floe.memory_entry(&memory, index).await.map_err(explain)?;
        let blob_id = BlobId(entry.blob_id.to_le_bytes());
        let ciphertext = floe
            .read_blob(&nodes, &blob_id)
            .await
            .map_err(explain)
            .with_context(|| format!("cannot read entry {index} (blob {blob_id})"))?;
        let sealed = spill.path().join(format!("entry-{index}.sealed"));
        std::fs::write(&sealed, &ciphertext)
            .with_context(|| format!("cannot write {}", sealed.display()))?;
        let expected = identity(memory_id, entry.generation);
        let header = encrypted::encrypted_file_header(&sealed, floe.objects.original_package)
            .filter(|header| header.id() == expected.as_slice())
            .with_context(|| {
                format!(
                    "entry {index} of memory {memory_id} (blob {blob_id}) is not encrypted under the memory's identity of generation {}\n\
                     whoever appended it did not use `floe memory append`; ask the memory's owner",
                    entry.generation
                )
            })?;
        let written = encrypted::decrypt_model_file(
            floe,
            &key,
            &header,
            &sealed,
            &target,
            &servers,
            encrypted::Approval::Memory(memory_id),
        )
        .await;
        let written = match written {
            Ok(written) => written,
            // The key servers ran the policy and it refused this account: say that in one
            // line, with what to do, instead of every server's refusal.
            Err(e) if format!("{e:#}").contains("memory::ENoAccess") => {
                let me = floe.sender();
                bail!(
                    "cannot decrypt entry {index} of memory {memory_id} (key generation {}): the key servers refused {me} (memory::ENoAccess: only the memory's owner and its current delegates get keys; {me} was never granted or was revoked)\n\
                     ask the owner to run `floe memory grant {memory_id} {me}`, or sign as the owner with --as",
                    entry.generation
                );
            }
            Err(e) => {
                return Err(e.context(format!(
                    "cannot decrypt entry {index} of memory {memory_id} (key generation {}) as {}",
                    entry.generation,
                    floe.sender()
                )));
            }
        };
        let _ = std::fs::remove_file(&sealed);
        out!("{}", target.display());
        eprintln!(
            "entry {index} (key generation {}): {written} bytes to {}",
            entry.generation,
            target.display()
        );
    }
    Ok(())
}

/// The memory, its delegates and entries, as JSON.
async fn show(floe: &mut Floe, memory_id: Address) -> anyhow::Result<()> {
    let memory = floe
        .memory(memory_id)
        .await
        .map_err(explain)
        .with_context(|| format!("{memory_id} is not a memory"))?;
    let entries = floe.memory_entries(&memory).await.map_err(explain)?;
    let delegates: Vec<serde_json::Value> = agent_memory::delegates(&memory)
        .iter()
        .map(|d| {
            serde_json::json!({
                "agent": d.agent.to_string(),
                "can_write": d.can_write,
                "granted_generation": d.granted_generation,
            })
        })
        .collect();
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .enumerate()
        .map(|(index, e)| {
            serde_json::json!({
                "index": index,
                "blob_id": BlobId(e.blob_id.to_le_bytes()).to_string(),
                "blob_object_id": move_types::address_of(&e.blob_object_id).to_string(),
                "generation": e.generation,
                "appended_by": agent_memory::appended_by(e).to_string(),
            })
        })
        .collect();
    out!(
        "{}",
        serde_json::json!({
            "memory": memory_id.to_string(),
            "owner": agent_memory::owner(&memory).to_string(),
            "generation": memory.generation,
            "entry_count": memory.entry_count,
            "delegates": delegates,
            "entries": entries,
        })
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::fs::File;
    use std::io::BufReader;

    use floe_crypto::{MasterSecret, StreamHeader, UserSecretKey, derive_user_key, full_id};

    use super::*;
    use crate::encrypted::KeyServerInfo;

    /// A revoked agent that kept the keys it was given (generation 0) cannot open an entry the
    /// owner appended after the revoke (generation 1): the identities differ, so the keys do,
    /// and decryption fails; the keys of generation 1 open it (so the check can fail).
    #[test]
    fn keys_of_an_earlier_generation_do_not_open_a_later_entry() {
        let mut rng = rand::rngs::OsRng;
        let package = Address::new([0xf1; 32]);
        let memory = Address::new([0x3e; 32]);
        let masters: Vec<MasterSecret> = (0..3).map(|_| MasterSecret::generate(&mut rng)).collect();
        let servers: Vec<KeyServerInfo> = masters
            .iter()
            .enumerate()
            .map(|(i, master)| KeyServerInfo {
                service_id: [i as u8 + 1; 32],
                node_id: None,
                url: format!("http://key-server-{i}"),
                public_key: master.public_key(),
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("secret.txt");
        std::fs::write(&plain, b"appended after the revoke").unwrap();
        let sealed = dir.path().join("secret.sealed");
        encrypted::encrypt_file(package, &identity(memory, 1), &servers, 2, &plain, &sealed)
            .unwrap();
        let header = StreamHeader::read(&mut BufReader::new(File::open(&sealed).unwrap())).unwrap();
        assert_eq!(header.id(), identity(memory, 1).as_slice());

        let keys = |generation: u64| -> Vec<([u8; 32], UserSecretKey)> {
            let id = full_id(&package.into_inner(), &identity(memory, generation));
            servers
                .iter()
                .zip(&masters)
                .map(|(server, master)| (server.service_id, derive_user_key(master, &id)))
                .collect()
        };
        let open = |keys: &[([u8; 32], UserSecretKey)]| {
            let mut out = Vec::new();
            floe_crypto::decrypt_stream(
                &header,
                &mut BufReader::new(File::open(&sealed).unwrap()),
                &mut out,
                keys,
                None,
            )
            .map(|_| out)
        };
        assert!(open(&keys(0)).is_err(), "generation 0's keys opened it");
        assert_eq!(open(&keys(1)).unwrap(), b"appended after the revoke");
    }
}
