//! Licensed reads: the slivers of a blob that belongs to a model are served only to the owner of
//! a credential for that model, named by the `x-floe-license` header:
//!
//! - an unlimited `floe::license::License`, unexpired;
//! - a `floe::license::UseReceipt`: one use of a use-limited license consumed on-chain
//!   (`license::consume`), owned by and consumed by the signer, before its `expires_at_ms` (a
//!   short read session). A use-limited `License` by itself is refused: its uses are counted
//!   on-chain only, so the reader consumes one first (`floe read` does it) and names the
//!   receipt;
//! - the model's `ModelCap` (its owner, who may always read their own model).
//!
//! # Request signature
//!
//! A reader sends four headers with each sliver request:
//!
//! | header | value |
//! |---|---|
//! | `x-floe-read-node` | the ID of the node the request is for (its staking pool, `0x…`) |
//! | `x-floe-license` | the `License` object ID (`0x…`) |
//! | `x-floe-timestamp` | the reader's clock, ms since the Unix epoch |
//! | `x-floe-signature` | base64 Sui `UserSignature` (ed25519) of the personal message below |
//!
//! The personal message (signed Sui-style: `PersonalMessage` intent, Blake2b digest, as wallets
//! sign) is the UTF-8 text
//!
//! ```text
//! floe-licensed-read:v2
//! node:<node ID>
//! blob:<blob ID base64url>
//! shard:<shard>
//! axis:<primary|secondary>
//! license:<license object ID>
//! timestamp_ms:<timestamp>
//! ```
//!
//! The node accepts it when the timestamp is within `max_skew_ms` of its clock, the signature
//! has not been seen before in that window (replay), the signer's address owns the credential
//! object, the credential is for the blob's model, and it is valid now: an unexpired, unlimited
//! license (`now < expires_at_ms`), or a receipt the signer consumed whose session is not over
//! (`now < expires_at_ms`, as `license::seal_approve_receipt`). Binding blob, shard and axis
//! means one signature reads one sliver; binding the node means it reads it from that node only:
//! a captured request replayed to another node (another holder of the shard, or its next
//! holder after an epoch change) is refused with 403 "Read signed for another node", before
//! any chain lookup. A node without a node ID (`node_id` unset) serves no licensed read.
//! (`license:` names whichever credential is sent.)

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use floe_encoder::{Axis, BlobId};
use futures::future::BoxFuture;
use sui_crypto::SuiVerifier as _;
use sui_crypto::ed25519::Ed25519Verifier;
use sui_sdk_types::{Address, PersonalMessage, SimpleSignature, UserSignature};

pub const LICENSE_HEADER: &str = "x-floe-license";
pub const TIMESTAMP_HEADER: &str = "x-floe-timestamp";
pub const SIGNATURE_HEADER: &str = "x-floe-signature";
/// The node a licensed read is signed for.
pub const READ_NODE_HEADER: &str = "x-floe-read-node";

/// A reader's proof that it may read one sliver, from one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAuth {
    /// The node the request is signed for.
    pub node_id: Address,
    pub license_id: Address,
    pub timestamp_ms: u64,
    pub signature: UserSignature,
}

/// What the node needs to know of a `License` object: its contents and who owns it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRecord {
    /// The address owning the object; `None` when it is shared, wrapped or object-owned.
    pub owner: Option<Address>,
    pub model_id: Address,
    pub expires_at_ms: u64,
    pub use_limited: bool,
    pub uses_left: u64,
}

/// What the node needs to know of a `UseReceipt` object: its contents and who owns it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// The address owning the object; `None` when it is shared, wrapped or object-owned.
    pub owner: Option<Address>,
    pub license_id: Address,
    pub model_id: Address,
    /// The account that consumed the use: the only one the receipt serves.
    pub consumer: Address,
    pub expires_at_ms: u64,
}

/// A credential the `x-floe-license` header may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A `License`, or a `ModelCap` (as an unlimited license that never expires).
    License(LicenseRecord),
    /// A `UseReceipt`: one use of a license, consumed on-chain.
    Receipt(ReceiptRecord),
}

/// Why a licensed read was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error(
        "blob {0} belongs to a model: send x-floe-read-node, x-floe-license, x-floe-timestamp and x-floe-signature"
    )]
    MissingAuth(BlobId),
    #[error(
        "this read is signed for node {signed_for}, and this is node {this}: a signed read is \
         good at the node it names only (a captured request cannot be replayed elsewhere); \
         sign each read for the node it is sent to"
    )]
    WrongNode { signed_for: Address, this: Address },
    #[error(
        "this node has no node ID (`node_id` in its config), so no licensed read can be bound \
         to it; read from a committee node"
    )]
    NoNodeId,
    #[error("malformed license headers: {0}")]
    Malformed(String),
    #[error(
        "the request timestamp {timestamp_ms} is more than {max_skew_ms} ms from the node's clock {now_ms}"
    )]
    Stale {
        timestamp_ms: u64,
        now_ms: u64,
        max_skew_ms: u64,
    },
    #[error("the signature does not verify for this request: {0}")]
    BadSignature(String),
    #[error("this signature was already used; sign each request afresh")]
    Replayed,
    #[error("license {license} is owned by {}, not by the signer {signer}", owner_text(.owner))]
    NotOwner {
        license: Address,
        owner: Option<Address>,
        signer: Address,
    },
    #[error(
        "license {license} is for model {license_model}, but the blob belongs to model {model}"
    )]
    WrongModel {
        license: Address,
        license_model: Address,
        model: Address,
    },
    #[error("license {license} expired at {expires_at_ms} ms (now {now_ms} ms)")]
    Expired {
        license: Address,
        expires_at_ms: u64,
        now_ms: u64,
    },
    #[error("license {0} has no uses left (ENoUsesLeft): extend it or buy a new one")]
    NoUsesLeft(Address),
    #[error(
        "license {0} is use-limited: a use must be consumed on-chain first, then the read names its receipt; consume a use first: `floe read` does it"
    )]
    UseLimitedNeedsReceipt(Address),
    #[error(
        "use receipt {receipt} was consumed by {consumer}, not by the signer {signer}; consume a use of your own"
    )]
    NotConsumer {
        receipt: Address,
        consumer: Address,
        signer: Address,
    },
    #[error(
        "use receipt {receipt} expired at {expires_at_ms} ms (now {now_ms} ms): its read session is over; consume another use"
    )]
    ReceiptExpired {
        receipt: Address,
        expires_at_ms: u64,
        now_ms: u64,
    },
    #[error("{0}; name a license (or model cap, or use receipt) the signer holds")]
    NoCredential(LookupError),
    #[error("license {license} could not be read from the chain: {message}")]
    Lookup { license: Address, message: String },
}

/// An object's owner in words: an address, or why there is none.
fn owner_text(owner: &Option<Address>) -> String {
    match owner {
        Some(address) => address.to_string(),
        None => "no address (the object is shared, wrapped or owned by an object)".to_owned(),
    }
}

/// One sliver read from one node: what a signature covers besides the license and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliverRead<'a> {
    /// The node the request is for.
    pub node_id: Address,
    pub blob_id: &'a BlobId,
    pub shard: u16,
    pub axis: Axis,
}

/// The personal message a reader signs (see the module docs).
pub fn read_message(read: SliverRead<'_>, license_id: &Address, timestamp_ms: u64) -> Vec<u8> {
    let SliverRead {
        node_id,
        blob_id,
        shard,
        axis,
    } = read;
    format!(
        "floe-licensed-read:v2\nnode:{node_id}\nblob:{blob_id}\nshard:{shard}\naxis:{}\nlicense:{license_id}\ntimestamp_ms:{timestamp_ms}",
        axis.name()
    )
    .into_bytes()
}

/// Signs a read request for the node `read` names: what a licensed reader's client does.
pub fn sign_read(
    key: &sui_crypto::ed25519::Ed25519PrivateKey,
    read: SliverRead<'_>,
    license_id: Address,
    timestamp_ms: u64,
) -> Result<ReadAuth, sui_crypto::SignatureError> {
    use sui_crypto::SuiSigner as _;
    let message = read_message(read, &license_id, timestamp_ms);
    let signature = key.sign_personal_message(&PersonalMessage(message.into()))?;
    Ok(ReadAuth {
        node_id: read.node_id,
        license_id,
        timestamp_ms,
        signature,
    })
}

/// The address that made `signature` over `message`, if it verifies (ed25519 only).
pub fn signer_of(message: &[u8], signature: &UserSignature) -> Result<Address, Denied> {
    let UserSignature::Simple(SimpleSignature::Ed25519 { public_key, .. }) = signature else {
        return Err(Denied::BadSignature(
            "only ed25519 signatures are accepted".to_owned(),
        ));
    };
    Ed25519Verifier::new()
        .verify_personal_message(&PersonalMessage(message.into()), signature)
        .map_err(|e| Denied::BadSignature(e.to_string()))?;
    Ok(public_key.derive_address())
}

/// The checks before any chain lookup: the request is for this node (`read.node_id`),
/// fresh, and signed. Returns the signer.
pub fn check_request(
    auth: &ReadAuth,
    read: SliverRead<'_>,
    now_ms: u64,
    max_skew_ms: u64,
) -> Result<Address, Denied> {
    if auth.node_id != read.node_id {
        return Err(Denied::WrongNode {
            signed_for: auth.node_id,
            this: read.node_id,
        });
    }
    if auth.timestamp_ms.abs_diff(now_ms) > max_skew_ms {
        return Err(Denied::Stale {
            timestamp_ms: auth.timestamp_ms,
            now_ms,
            max_skew_ms,
        });
    }
    let message = read_message(read, &auth.license_id, auth.timestamp_ms);
    signer_of(&message, &auth.signature)
}

/// The checks on the license object: the signer owns it, it is for `model`, it is unexpired at
/// `now_ms` and it is not use-limited (such a license reads only through a consumed use's
/// receipt: [`check_receipt`]).
pub fn check_license(
    license_id: Address,
    record: &LicenseRecord,
    signer: Address,
    model: Address,
    now_ms: u64,
) -> Result<(), Denied> {
    check_holder(license_id, record.owner, record.model_id, signer, model)?;
    if now_ms >= record.expires_at_ms {
        return Err(Denied::Expired {
            license: license_id,
            expires_at_ms: record.expires_at_ms,
            now_ms,
        });
    }
    if record.use_limited && record.uses_left == 0 {
        return Err(Denied::NoUsesLeft(license_id));
    }
    if record.use_limited {
        return Err(Denied::UseLimitedNeedsReceipt(license_id));
    }
    Ok(())
}

/// What every credential must be: owned by the signer and for the blob's model.
fn check_holder(
    id: Address,
    owner: Option<Address>,
    credential_model: Address,
    signer: Address,
    model: Address,
) -> Result<(), Denied> {
    if owner != Some(signer) {
        return Err(Denied::NotOwner {
            license: id,
            owner,
            signer,
        });
    }
    if credential_model != model {
        return Err(Denied::WrongModel {
            license: id,
            license_model: credential_model,
            model,
        });
    }
    Ok(())
}

/// The checks on a `UseReceipt`, as `license::seal_approve_receipt` makes them: the signer owns
/// it and consumed it, it is for `model`, and its session is not over at `now_ms`.
pub fn check_receipt(
    receipt_id: Address,
    record: &ReceiptRecord,
    signer: Address,
    model: Address,
    now_ms: u64,
) -> Result<(), Denied> {
    check_holder(receipt_id, record.owner, record.model_id, signer, model)?;
    if record.consumer != signer {
        return Err(Denied::NotConsumer {
            receipt: receipt_id,
            consumer: record.consumer,
            signer,
        });
    }
    if now_ms >= record.expires_at_ms {
        return Err(Denied::ReceiptExpired {
            receipt: receipt_id,
            expires_at_ms: record.expires_at_ms,
            now_ms,
        });
    }
    Ok(())
}

/// The checks on whichever credential the request names.
pub fn check_credential(
    id: Address,
    credential: &Credential,
    signer: Address,
    model: Address,
    now_ms: u64,
) -> Result<(), Denied> {
    match credential {
        Credential::License(record) => check_license(id, record, signer, model, now_ms),
        Credential::Receipt(record) => check_receipt(id, record, signer, model, now_ms),
    }
}

/// Why a credential could not be read: the lookup error `Blob` objects share
/// ([`crate::lookup::LookupError`]). `NotFound` and `WrongType` are the reader's doing (a
/// made-up, destroyed or wrong object: 403), `Unavailable` the node's (its chain connection:
/// 502, retry).
pub use crate::lookup::LookupError;

/// Reads credentials from the chain; a trait so the gate is testable without one.
pub trait LicenseLookup: Send + Sync {
    /// A `License` (or `ModelCap`) object.
    fn license(&self, id: Address) -> BoxFuture<'_, Result<LicenseRecord, LookupError>>;

    /// Any credential: a `License`, `ModelCap` or `UseReceipt`. Lookups that know only
    /// licenses keep this default.
    fn credential(&self, id: Address) -> BoxFuture<'_, Result<Credential, LookupError>> {
        let license = self.license(id);
        Box::pin(async move { license.await.map(Credential::License) })
    }
}

/// Signatures accepted within the skew window, so none is accepted twice.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    inner: Mutex<ReplayState>,
}

#[derive(Debug, Default)]
struct ReplayState {
    seen: HashMap<Vec<u8>, u64>,
    order: VecDeque<(u64, Vec<u8>)>,
}

impl ReplayGuard {
    /// Records `auth`'s signature; `Replayed` if it was already recorded. Entries older than
    /// `now − 2·skew` are dropped: their timestamps can no longer pass the freshness check.
    pub fn admit(&self, auth: &ReadAuth, now_ms: u64, max_skew_ms: u64) -> Result<(), Denied> {
        let key = auth.signature.to_bytes();
        let mut state = self
            .inner
            .lock()
            .expect("no holder panics while holding the replay guard");
        let horizon = now_ms.saturating_sub(2 * max_skew_ms);
        while let Some((at, _)) = state.order.front() {
            if *at >= horizon {
                break;
            }
            let (_, old) = state.order.pop_front().expect("front exists");
            state.seen.remove(&old);
        }
        if state.seen.contains_key(&key) {
            return Err(Denied::Replayed);
        }
        state.seen.insert(key.clone(), now_ms);
        state.order.push_back((now_ms, key));
        Ok(())
    }
}

/// The whole gate: request checks, then the license from the chain, which must be for one of
/// `models` (the models whose published copy of the blob the node gates; see
/// [`crate::store::Store::gate`]). `read.node_id` is this node's ID.
pub async fn authorize(
    lookup: &dyn LicenseLookup,
    replay: &ReplayGuard,
    auth: Option<&ReadAuth>,
    read: SliverRead<'_>,
    models: &[Address],
    now_ms: u64,
    max_skew_ms: u64,
) -> Result<Address, Denied> {
    let blob_id = read.blob_id;
    let auth = auth.ok_or(Denied::MissingAuth(*blob_id))?;
    let signer = check_request(auth, read, now_ms, max_skew_ms)?;
    let credential = lookup
        .credential(auth.license_id)
        .await
        .map_err(|e| match e {
            LookupError::Unavailable(message) => Denied::Lookup {
                license: auth.license_id,
                message,
            },
            e => Denied::NoCredential(e),
        })?;
    let credential_model = match &credential {
        Credential::License(record) => record.model_id,
        Credential::Receipt(record) => record.model_id,
    };
    // Checked against the credential's own model when it is one of them, else against the
    // first, so the refusal names a model the blob is gated for.
    let model = if models.contains(&credential_model) {
        credential_model
    } else {
        models
            .first()
            .copied()
            .ok_or(Denied::MissingAuth(*blob_id))?
    };
    check_credential(auth.license_id, &credential, signer, model, now_ms)?;
    replay.admit(auth, now_ms, max_skew_ms)?;
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use sui_crypto::ed25519::Ed25519PrivateKey;

    use super::*;

    fn key(seed: u8) -> Ed25519PrivateKey {
        Ed25519PrivateKey::new([seed; 32])
    }

    const MODEL: Address = Address::new([7; 32]);
    const LICENSE: Address = Address::new([8; 32]);
    const NOW: u64 = 1_800_000_000_000;

    const RECEIPT: Address = Address::new([9; 32]);
    /// The node the tests' reads are for.
    const NODE: Address = Address::new([0x0d; 32]);

    fn at(blob_id: &BlobId, shard: u16, axis: Axis) -> SliverRead<'_> {
        SliverRead {
            node_id: NODE,
            blob_id,
            shard,
            axis,
        }
    }

    fn record(owner: Address) -> LicenseRecord {
        LicenseRecord {
            owner: Some(owner),
            model_id: MODEL,
            expires_at_ms: NOW + 1000,
            use_limited: false,
            uses_left: 0,
        }
    }

    fn receipt(owner: Address) -> ReceiptRecord {
        ReceiptRecord {
            owner: Some(owner),
            license_id: LICENSE,
            model_id: MODEL,
            consumer: owner,
            expires_at_ms: NOW + 1000,
        }
    }

    #[test]
    fn request_checks() {
        let blob = BlobId([3; 32]);
        let reader = key(1);
        let address = floe_sdk::keystore::address_of(&reader);
        let auth = sign_read(&reader, at(&blob, 4, Axis::Primary), LICENSE, NOW).unwrap();
        assert_eq!(
            check_request(&auth, at(&blob, 4, Axis::Primary), NOW + 500, 60_000),
            Ok(address)
        );
        // Another sliver, another blob or another license: the signature does not cover it.
        for (b, s, a) in [
            (blob, 5, Axis::Primary),
            (blob, 4, Axis::Secondary),
            (BlobId([4; 32]), 4, Axis::Primary),
        ] {
            assert!(matches!(
                check_request(&auth, at(&b, s, a), NOW, 60_000),
                Err(Denied::BadSignature(_))
            ));
        }
        let mut other_license = auth.clone();
        other_license.license_id = MODEL;
        assert!(matches!(
            check_request(&other_license, at(&blob, 4, Axis::Primary), NOW, 60_000),
            Err(Denied::BadSignature(_))
        ));
        assert!(matches!(
            check_request(&auth, at(&blob, 4, Axis::Primary), NOW + 60_001, 60_000),
            Err(Denied::Stale { .. })
        ));
    }

    #[test]
    fn a_read_signed_for_one_node_is_refused_by_every_other() {
        let blob = BlobId([3; 32]);
        let reader = key(1);
        let other = Address::new([0x0e; 32]);
        // Captured on its way to NODE, replayed to another node (say the shard's next
        // holder): refused for naming another node, before any chain lookup.
        let captured = sign_read(&reader, at(&blob, 4, Axis::Primary), LICENSE, NOW).unwrap();
        let elsewhere = SliverRead {
            node_id: other,
            ..at(&blob, 4, Axis::Primary)
        };
        let refused = check_request(&captured, elsewhere, NOW, 60_000).unwrap_err();
        assert_eq!(
            refused,
            Denied::WrongNode {
                signed_for: NODE,
                this: other
            }
        );
        assert!(refused.to_string().contains("signed for node"), "{refused}");
        // Renaming the node in the header does not help: the signature covers it.
        let renamed = ReadAuth {
            node_id: other,
            ..captured.clone()
        };
        assert!(matches!(
            check_request(&renamed, elsewhere, NOW, 60_000),
            Err(Denied::BadSignature(_))
        ));
        // At the node it names it reads.
        assert!(check_request(&captured, at(&blob, 4, Axis::Primary), NOW, 60_000).is_ok());
    }

    #[test]
    fn license_checks_mirror_seal_approve() {
        let owner = Address::new([1; 32]);
        let ok = record(owner);
        assert_eq!(check_license(LICENSE, &ok, owner, MODEL, NOW), Ok(()));
        assert!(matches!(
            check_license(LICENSE, &ok, Address::new([2; 32]), MODEL, NOW),
            Err(Denied::NotOwner { .. })
        ));
        assert!(matches!(
            check_license(LICENSE, &ok, owner, Address::new([9; 32]), NOW),
            Err(Denied::WrongModel { .. })
        ));
        // Valid strictly before expiry.
        assert!(matches!(
            check_license(LICENSE, &ok, owner, MODEL, NOW + 1000),
            Err(Denied::Expired { .. })
        ));
        // A use-limited license never reads by itself, uses left or not: a use is consumed
        // on-chain first and the read names its receipt.
        let limited = LicenseRecord {
            use_limited: true,
            uses_left: 3,
            ..ok.clone()
        };
        let refused = check_license(LICENSE, &limited, owner, MODEL, NOW).unwrap_err();
        assert_eq!(refused, Denied::UseLimitedNeedsReceipt(LICENSE));
        assert!(
            refused
                .to_string()
                .contains("consume a use first: `floe read` does it"),
            "{refused}"
        );
        let used_up = LicenseRecord {
            uses_left: 0,
            ..limited
        };
        let refused = check_license(LICENSE, &used_up, owner, MODEL, NOW).unwrap_err();
        assert_eq!(refused, Denied::NoUsesLeft(LICENSE));
        assert!(refused.to_string().contains("ENoUsesLeft"), "{refused}");
        // Unlimited licenses ignore uses_left.
        let unlimited = LicenseRecord {
            use_limited: false,
            ..used_up
        };
        assert_eq!(
            check_license(LICENSE, &unlimited, owner, MODEL, NOW),
            Ok(())
        );
        let shared = LicenseRecord { owner: None, ..ok };
        assert!(matches!(
            check_license(LICENSE, &shared, owner, MODEL, NOW),
            Err(Denied::NotOwner { owner: None, .. })
        ));
    }

    #[test]
    fn receipt_checks_mirror_seal_approve_receipt() {
        let owner = Address::new([1; 32]);
        let other = Address::new([2; 32]);
        let ok = receipt(owner);
        let check = |record: &ReceiptRecord, signer, model, now| {
            check_credential(
                RECEIPT,
                &Credential::Receipt(record.clone()),
                signer,
                model,
                now,
            )
        };
        assert_eq!(check(&ok, owner, MODEL, NOW), Ok(()));
        // Valid strictly before its expiry.
        assert_eq!(check(&ok, owner, MODEL, NOW + 999), Ok(()));
        assert!(matches!(
            check(&ok, owner, MODEL, NOW + 1000),
            Err(Denied::ReceiptExpired { .. })
        ));
        // A receipt for model A does not read model B.
        assert!(matches!(
            check(&ok, owner, Address::new([0x55; 32]), NOW),
            Err(Denied::WrongModel { .. })
        ));
        // Someone else's receipt, signed by a stranger.
        assert!(matches!(
            check(&ok, other, MODEL, NOW),
            Err(Denied::NotOwner { .. })
        ));
        // A receipt handed over: its new owner did not consume the use.
        let handed = ReceiptRecord {
            owner: Some(other),
            ..ok.clone()
        };
        assert!(matches!(
            check(&handed, other, MODEL, NOW),
            Err(Denied::NotConsumer { .. })
        ));
        let wrapped = ReceiptRecord { owner: None, ..ok };
        assert!(matches!(
            check(&wrapped, owner, MODEL, NOW),
            Err(Denied::NotOwner { owner: None, .. })
        ));
    }

    /// The chain as the gate sees it: LICENSE is a license, RECEIPT a receipt.
    struct Credentials(LicenseRecord, Option<ReceiptRecord>);

    impl LicenseLookup for Credentials {
        fn license(&self, id: Address) -> BoxFuture<'_, Result<LicenseRecord, LookupError>> {
            let found = (id == LICENSE).then(|| self.0.clone());
            Box::pin(async move { found.ok_or(LookupError::NotFound(id)) })
        }

        fn credential(&self, id: Address) -> BoxFuture<'_, Result<Credential, LookupError>> {
            let found = match &self.1 {
                Some(receipt) if id == RECEIPT => Some(Credential::Receipt(receipt.clone())),
                _ => (id == LICENSE).then(|| Credential::License(self.0.clone())),
            };
            Box::pin(async move { found.ok_or(LookupError::NotFound(id)) })
        }
    }

    #[tokio::test]
    async fn a_use_limited_license_reads_only_through_its_receipt() {
        let blob = BlobId([3; 32]);
        let reader = key(1);
        let owner = floe_sdk::keystore::address_of(&reader);
        let limited = LicenseRecord {
            use_limited: true,
            uses_left: 1,
            ..record(owner)
        };
        let lookup = Credentials(limited, Some(receipt(owner)));
        let replay = ReplayGuard::default();
        let read = at(&blob, 0, Axis::Primary);
        let by_license = sign_read(&reader, at(&blob, 0, Axis::Primary), LICENSE, NOW).unwrap();
        assert_eq!(
            authorize(
                &lookup,
                &replay,
                Some(&by_license),
                read,
                &[MODEL],
                NOW,
                60_000
            )
            .await,
            Err(Denied::UseLimitedNeedsReceipt(LICENSE))
        );
        let by_receipt = sign_read(&reader, at(&blob, 0, Axis::Primary), RECEIPT, NOW).unwrap();
        assert_eq!(
            authorize(
                &lookup,
                &replay,
                Some(&by_receipt),
                read,
                &[MODEL],
                NOW,
                60_000
            )
            .await,
            Ok(owner)
        );
        // Once the session is over, the receipt reads nothing more.
        let late = sign_read(&reader, at(&blob, 1, Axis::Primary), RECEIPT, NOW + 1000).unwrap();
        assert!(matches!(
            authorize(
                &lookup,
                &replay,
                Some(&late),
                at(&blob, 1, Axis::Primary),
                &[MODEL],
                NOW + 1000,
                60_000
            )
            .await,
            Err(Denied::ReceiptExpired { .. })
        ));
    }

    #[tokio::test]
    async fn the_gate_refuses_replays_and_unknown_licenses() {
        let blob = BlobId([3; 32]);
        let reader = key(1);
        let owner = floe_sdk::keystore::address_of(&reader);
        let lookup = Credentials(record(owner), None);
        let replay = ReplayGuard::default();
        let read = at(&blob, 0, Axis::Primary);
        assert_eq!(
            authorize(&lookup, &replay, None, read, &[MODEL], NOW, 60_000).await,
            Err(Denied::MissingAuth(blob))
        );
        let auth = sign_read(&reader, at(&blob, 0, Axis::Primary), LICENSE, NOW).unwrap();
        assert_eq!(
            authorize(&lookup, &replay, Some(&auth), read, &[MODEL], NOW, 60_000).await,
            Ok(owner)
        );
        assert_eq!(
            authorize(&lookup, &replay, Some(&auth), read, &[MODEL], NOW, 60_000).await,
            Err(Denied::Replayed)
        );
        let unknown = sign_read(&reader, at(&blob, 0, Axis::Primary), MODEL, NOW).unwrap();
        assert!(matches!(
            authorize(
                &lookup,
                &replay,
                Some(&unknown),
                read,
                &[MODEL],
                NOW,
                60_000
            )
            .await,
            Err(Denied::NoCredential(LookupError::NotFound(_)))
        ));
    }
}
