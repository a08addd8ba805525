//! Why an object a request names could not be read: one error for every lookup the node
//! makes on a requester's behalf (a registering `Blob`, a license credential), so that
//! the API maps each cause to one answer.

use sui_sdk_types::Address;

/// Why an object a request names (a registering `Blob`, a license credential) could not be
/// read. `NotFound` and `WrongType` are the requester's doing (403), `Unavailable` the node's
/// chain connection (502, retry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error(
        "object {0} does not exist on-chain (never created, deleted or destroyed, or wrapped in \
         another object)"
    )]
    NotFound(Address),
    #[error("object {id} is not {expected}: {reason}")]
    WrongType {
        id: Address,
        /// What the request needed it to be ("a floe::blob::Blob", …).
        expected: &'static str,
        reason: String,
    },
    #[error("the chain could not be read: {0}")]
    Unavailable(String),
}

impl LookupError {
    /// A failed object read: a missing object is the requester's doing, the rest the chain's.
    pub fn read(e: floe_sdk::ClientError) -> Self {
        match e {
            floe_sdk::ClientError::ObjectNotFound(id) => Self::NotFound(id),
            e => Self::Unavailable(e.to_string()),
        }
    }
}
