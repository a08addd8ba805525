//! What the gateway reads from the chain: the committee and its nodes' clients (cached, renewed
//! when the epoch changes), `Blob` objects, and the registry of certified blobs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use floe_encoder::BlobId;
use floe_node::http_client::HttpNodeClient;
use floe_sdk::committee::Committee;
use floe_sdk::move_types::{self, blob::Blob, blob::CertifiedEntry, shared_blob::SharedBlob};
use floe_sdk::sui_crypto::ed25519::Ed25519PrivateKey;
use floe_sdk::{ClientError, Floe, FlowError, NetworkConfig};
use sui_sdk_types::{Address, TypeTag};
use tokio::sync::{Mutex, MutexGuard};

/// How long a committee view is used before the epoch is checked again: short enough that
/// reads move to the new committee within a moment of an epoch change, long enough that a
/// busy aggregator does not read the `System` object for every request.
const VIEW_TTL: Duration = Duration::from_secs(2);

/// The clients of the committee's nodes, by node ID.
pub type Directory = HashMap<Address, HttpNodeClient>;

/// One epoch's committee and the clients of its nodes.
pub struct View {
    pub committee: Committee,
    pub nodes: Arc<Directory>,
}

/// The `Blob` an object ID leads to.
pub struct BlobObject {
    /// The `Blob`'s own ID (its attributes hang off it), the wrapped one for a shared blob.
    pub blob_object_id: Address,
    pub blob: Blob,
}

/// A connection to the chain shared by a gateway's handlers.
pub struct Chain {
    floe: Mutex<Floe>,
    view: Mutex<Option<(Instant, Arc<View>)>>,
}

/// Why an object ID does not lead to a blob.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("no object {0} exists on this network")]
    NotFound(Address),
    #[error("object {id} is not a floe Blob or SharedBlob (it is a {found})")]
    NotABlob { id: Address, found: String },
    #[error(transparent)]
    Flow(#[from] FlowError),
}

impl Chain {
    /// Connects as `key` (the publisher pays with it; an aggregator signs nothing, so any key
    /// does).
    pub async fn connect(
        config: &NetworkConfig,
        key: Ed25519PrivateKey,
    ) -> Result<Self, FlowError> {
        Ok(Self {
            floe: Mutex::new(Floe::connect(config, key).await?),
            view: Mutex::new(None),
        })
    }

    /// A gateway's chain over a client made elsewhere (tests give one whose endpoint is down).
    pub fn from_floe(floe: Floe) -> Self {
        Self {
            floe: Mutex::new(floe),
            view: Mutex::new(None),
        }
    }

    /// A connection that signs nothing, for reads.
    pub async fn read_only(config: &NetworkConfig) -> Result<Self, FlowError> {
        Self::connect(config, Ed25519PrivateKey::new([7; 32])).await
    }

    /// The chain client, for flows; held for the whole flow so one wallet's transactions
    /// never race for the same gas coins.
    pub async fn floe(&self) -> MutexGuard<'_, Floe> {
        self.floe.lock().await
    }

    /// The current committee and clients of its nodes, renewed when the epoch has changed.
    pub async fn view(&self) -> Result<Arc<View>, FlowError> {
        let mut cached = self.view.lock().await;
        if let Some((at, view)) = cached.as_ref()
            && at.elapsed() < VIEW_TTL
        {
            return Ok(view.clone());
        }
        let mut floe = self.floe.lock().await;
        let committee = floe.committee().await?;
        if let Some((_, view)) = cached.as_ref()
            && view.committee == committee
        {
            let view = view.clone();
            *cached = Some((Instant::now(), view.clone()));
            return Ok(view);
        }
        let mut nodes = Directory::new();
        for (node_id, address) in floe.node_addresses().await? {
            let url = if address.contains("://") {
                address
            } else {
                format!("http://{address}")
            };
            nodes.insert(node_id, HttpNodeClient::new(url));
        }
        let view = Arc::new(View {
            committee,
            nodes: Arc::new(nodes),
        });
        tracing::info!(
            epoch = view.committee.epoch,
            nodes = view.nodes.len(),
            "committee view renewed"
        );
        *cached = Some((Instant::now(), view.clone()));
        Ok(view)
    }

    /// A client for one read, made under the lock and used without it. Object reads are
    /// requests of strangers (`/v1/blobs/by-object-id/…`): held under the lock, each kept the
    /// client from flows and from the committee view every read renews, so a flood of them (or
    /// one slow chain answer) stalled every read of the aggregator behind it.
    async fn reader(&self) -> Floe {
        let floe = self.floe.lock().await;
        Floe::new(
            floe.client.clone(),
            floe.objects,
            Ed25519PrivateKey::new([7; 32]),
        )
    }

    /// The attributes of blob object `id` (`floe set-attribute`), in the order they were set.
    pub async fn blob_attributes(&self, id: Address) -> Result<Vec<(String, String)>, FlowError> {
        self.reader().await.blob_attributes(id).await
    }

    /// The blob object `id` leads to: a `floe::blob::Blob`, or the `Blob` a
    /// `floe::shared_blob::SharedBlob` wraps (a shared blob is read by the shared object's ID:
    /// the wrapped `Blob` is no longer an object of its own).
    pub async fn blob_object(&self, id: Address) -> Result<BlobObject, ObjectError> {
        let mut floe = self.reader().await;
        let object = match floe.client.object(id).await {
            Ok(object) => object,
            Err(ClientError::ObjectNotFound(_) | ClientError::NotFound(_)) => {
                return Err(ObjectError::NotFound(id));
            }
            Err(e) => return Err(FlowError::from(e).into()),
        };
        let package = floe.objects.original_package;
        let Some(data) = object.as_struct() else {
            return Err(ObjectError::NotABlob {
                id,
                found: "package".to_owned(),
            });
        };
        let tag = data.object_type();
        let bad = |expected: &'static str, e: bcs::Error| -> ObjectError {
            FlowError::BadObject {
                id,
                expected,
                message: e.to_string(),
            }
            .into()
        };
        if *tag.address() == package {
            match (tag.module().as_str(), tag.name().as_str()) {
                ("blob", "Blob") => {
                    let blob: Blob =
                        bcs::from_bytes(data.contents()).map_err(|e| bad("blob::Blob", e))?;
                    return Ok(BlobObject {
                        blob_object_id: id,
                        blob,
                    });
                }
                ("shared_blob", "SharedBlob") => {
                    let shared: SharedBlob = bcs::from_bytes(data.contents())
                        .map_err(|e| bad("shared_blob::SharedBlob", e))?;
                    return Ok(BlobObject {
                        blob_object_id: move_types::address_of(&shared.blob.id.id),
                        blob: shared.blob,
                    });
                }
                _ => {}
            }
        }
        Err(ObjectError::NotABlob {
            id,
            found: tag.to_string(),
        })
    }

    /// The registry's entry for `blob_id` if a live certified blob has that ID: its latest end
    /// epoch is what an `alreadyCertified` answer reports.
    pub async fn certified_entry(
        &self,
        blob_id: &BlobId,
    ) -> Result<Option<CertifiedEntry>, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field<K, V> {
            _id: move_types::UID,
            _name: K,
            value: V,
        }
        let mut floe = self.reader().await;
        let registry_id = floe.objects.blob_registry.id;
        let registry: move_types::blob::BlobRegistry =
            floe.read_object(registry_id, "blob::BlobRegistry").await?;
        let index = move_types::address_of(&registry.index.id.id);
        let position_id = index.derive_dynamic_child_id(&TypeTag::U256, &blob_id.0);
        let position: Field<move_types::U256, u64> = match floe
            .read_object(position_id, "dynamic_field::Field<u256, u64>")
            .await
        {
            Ok(field) => field,
            Err(FlowError::Client(ClientError::ObjectNotFound(_) | ClientError::NotFound(_))) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let entries = move_types::address_of(&registry.entries.contents.id.id);
        let key = bcs::to_bytes(&position.value).expect("a u64 always serializes");
        let entry_id = entries.derive_dynamic_child_id(&TypeTag::U64, &key);
        let entry: Field<u64, CertifiedEntry> = floe
            .read_object(entry_id, "dynamic_field::Field<u64, CertifiedEntry>")
            .await?;
        Ok(Some(entry.value))
    }
}

/// The blob ID a `Blob` object holds (a `u256` read little-endian).
pub fn blob_id_of(blob: &Blob) -> BlobId {
    BlobId(blob.blob_id.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use floe_sdk::{FloeClient, FloeObjects, SharedObject};

    use super::*;

    /// A chain whose endpoint takes connections and never answers.
    fn silent_chain() -> (Chain, std::net::TcpListener) {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", silent.local_addr().unwrap());
        let shared = SharedObject::new(Address::ZERO, 1);
        let objects = FloeObjects {
            package: Address::ZERO,
            original_package: Address::ZERO,
            system: shared,
            treasury: shared,
            blob_registry: shared,
            challenge_board: shared,
        };
        let floe = Floe::new(
            FloeClient::connect(&url).unwrap(),
            objects,
            Ed25519PrivateKey::new([7; 32]),
        );
        (Chain::from_floe(floe), silent)
    }

    /// A stranger's object lookup that the chain is slow to answer used to hold the client,
    /// and with it the committee view every read renews: reads stalled behind lookups. Now a
    /// lookup in flight leaves the client free.
    #[tokio::test]
    async fn an_object_lookup_in_flight_does_not_hold_the_client() {
        let (chain, _silent) = silent_chain();
        let chain = Arc::new(chain);
        let mut lookups = Vec::new();
        for _ in 0..3 {
            let object = chain.clone();
            lookups.push(tokio::spawn(async move {
                let _ = object.blob_object(Address::from([1; 32])).await;
            }));
            let attributes = chain.clone();
            lookups.push(tokio::spawn(async move {
                let _ = attributes.blob_attributes(Address::from([1; 32])).await;
            }));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            lookups.iter().all(|l| !l.is_finished()),
            "the silent chain answered"
        );
        let free = tokio::time::timeout(Duration::from_millis(500), chain.floe()).await;
        assert!(free.is_ok(), "an object lookup in flight holds the client");
        for lookup in lookups {
            lookup.abort();
        }
    }
}
