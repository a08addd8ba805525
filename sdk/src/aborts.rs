//! Move aborts of the `floe` package in user terms.
//!
//! A failed transaction reports only `(module, code)`; this table names the abort constant of
//! `move/floe/sources/<module>.move` and says what to do about it. A unit test parses the
//! `const E…` lines of the Move sources and checks the table against them, so a new or
//! renumbered constant fails the build's tests instead of producing a wrong message.

use sui_sdk_types::Address;

use crate::client::MoveAbortInfo;

/// One abort constant of a floe module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloeAbort {
    pub module: &'static str,
    pub code: u64,
    /// The Move constant, e.g. `EInsufficientPayment`.
    pub name: &'static str,
    /// What the user should do about it.
    pub hint: &'static str,
}

impl std::fmt::Display for FloeAbort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}: {}", self.module, self.name, self.hint)
    }
}

/// `(module, code, name, hint)` for every abort constant of the package.
pub const ABORTS: &[FloeAbort] = &[
    a(
        "blob",
        0,
        "EInvalidEpochsAhead",
        "choose between 1 and the system's max_epochs_ahead epochs",
    ),
    a(
        "blob",
        1,
        "EBlobTooLarge",
        "the blob is too large for this shard count; split it into smaller blobs",
    ),
    a(
        "blob",
        2,
        "EInsufficientPayment",
        "the WAL coin holds less than the price; use a coin with more WAL (merge coins or get more)",
    ),
    a(
        "blob",
        3,
        "EInvalidEncodingType",
        "only RS2 (encoding type 1) is supported; encode with floe-encoder",
    ),
    a(
        "blob",
        4,
        "EInvalidBlobId",
        "the blob ID does not match the size and root hash; pass the metadata floe-encoder computed",
    ),
    a(
        "blob",
        5,
        "EStorageTooSmall",
        "the storage is smaller than the blob's encoded size; reserve space for this blob's size",
    ),
    a(
        "blob",
        6,
        "EStorageNotCurrent",
        "the storage does not cover the current epoch; reserve new storage",
    ),
    a(
        "blob",
        7,
        "EAlreadyCertified",
        "the blob is already certified; nothing to do",
    ),
    a(
        "blob",
        8,
        "EBlobExpired",
        "the blob's storage has ended; register the blob again with new storage",
    ),
    a(
        "blob",
        9,
        "ENotDeletable",
        "the blob was registered as not deletable; it stays until its storage ends",
    ),
    a(
        "blob",
        10,
        "EBlobNotExpired",
        "the blob's storage has not ended yet; wait for its end epoch",
    ),
    a(
        "blob",
        11,
        "EInvalidSplitEpoch",
        "split at an epoch strictly inside the storage's epochs",
    ),
    a(
        "blob",
        12,
        "EInvalidSplitSize",
        "split at a size strictly between 0 and the storage's size",
    ),
    a(
        "blob",
        13,
        "EIncompatibleStorage",
        "only storage with the same epochs, or the same size and adjacent epochs, can be fused",
    ),
    a(
        "blob",
        14,
        "EExtensionNotContiguous",
        "the extension must start at the blob's end epoch",
    ),
    a(
        "blob",
        15,
        "EExtensionSizeMismatch",
        "the extension must have exactly the blob's storage size",
    ),
    a(
        "blob",
        16,
        "EPriceOverflow",
        "the price does not fit in a u64; reserve less size or fewer epochs",
    ),
    a(
        "blob",
        17,
        "ENotCertified",
        "no live certified blob has this ID; check the blob ID or certify the blob first",
    ),
    a(
        "blob",
        18,
        "EIndexOutOfRange",
        "the index is past the end of the registry; read certified_count first",
    ),
    a(
        "blob",
        19,
        "EInvalidShardCount",
        "the shard count must be at least 1",
    ),
    a(
        "blob",
        20,
        "ENothingToPrune",
        "none of this blob's references has expired; nothing to prune",
    ),
    a(
        "challenge",
        0,
        "EAlreadyIssued",
        "challenges were already issued this epoch; try again next epoch",
    ),
    a(
        "challenge",
        1,
        "ENoCertifiedBlob",
        "there is no certified blob to challenge yet",
    ),
    a(
        "challenge",
        2,
        "EChallengeNotFound",
        "no challenge has this ID; check the ID from the ChallengeIssued event",
    ),
    a(
        "challenge",
        3,
        "EChallengeResolved",
        "the challenge was already answered or slashed; nothing to do",
    ),
    a(
        "challenge",
        4,
        "ENotChallengedNode",
        "answer with the NodeCap of the challenged node",
    ),
    a(
        "challenge",
        5,
        "EDeadlinePassed",
        "the answer came after the deadline; the challenge can now only be slashed",
    ),
    a(
        "challenge",
        6,
        "EDeadlineNotPassed",
        "the node may still answer; call slash after the deadline",
    ),
    a(
        "challenge",
        7,
        "EWrongSymbolLength",
        "the symbol must be exactly the blob's symbol size; rebuild the answer with floe-encoder",
    ),
    a(
        "challenge",
        8,
        "EWrongPathLength",
        "each Merkle path must have ⌈log2 n⌉ entries; rebuild the answer with floe-encoder",
    ),
    a(
        "challenge",
        9,
        "EWrongHashLength",
        "every hash must be 32 bytes; rebuild the answer with floe-encoder",
    ),
    a(
        "challenge",
        10,
        "EInvalidProof",
        "the answer does not hash to the blob's root; check the stored sliver and retry before the deadline",
    ),
    a(
        "license",
        0,
        "EWrongCap",
        "use the ModelCap of the offer's model",
    ),
    a(
        "license",
        1,
        "EZeroWindowLength",
        "the window length must be more than 0 ms",
    ),
    a(
        "license",
        2,
        "EZeroMaxWindows",
        "max_windows must be at least 1",
    ),
    a(
        "license",
        3,
        "ELicenseTooLong",
        "max_windows × window_ms may not exceed 100 years; lower one of them",
    ),
    a(
        "license",
        4,
        "EPriceOverflow",
        "max_windows × price per window does not fit in a u64; lower one of them",
    ),
    a(
        "license",
        5,
        "EUsesOverflow",
        "max_windows × uses per window does not fit in a u64; lower one of them",
    ),
    a(
        "license",
        6,
        "EOfferPaused",
        "the offer is paused; wait until the seller resumes it",
    ),
    a(
        "license",
        7,
        "EOfferNotPaused",
        "the offer is not paused; nothing to resume",
    ),
    a(
        "license",
        8,
        "EOfferAlreadyPaused",
        "the offer is already paused",
    ),
    a(
        "license",
        9,
        "EWrongModel",
        "pass the Model the offer sells",
    ),
    a("license", 10, "EZeroWindows", "buy at least one window"),
    a(
        "license",
        11,
        "ETooManyWindows",
        "a license may cover at most the offer's max_windows windows ahead of now; buy fewer",
    ),
    a(
        "license",
        12,
        "EInsufficientPayment",
        "the WAL coin holds less than the price; use a coin with more WAL",
    ),
    a(
        "license",
        13,
        "EWrongOffer",
        "extend a license with the offer it was bought from",
    ),
    a(
        "license",
        14,
        "ELicenseExpired",
        "the license has expired; extend it or buy a new one",
    ),
    a(
        "license",
        15,
        "ENoUsesLeft",
        "the license has no uses left; extend it or buy a new one",
    ),
    a(
        "license",
        16,
        "EWrongId",
        "the identity must be the licensed model's 32 ID bytes",
    ),
    a(
        "license",
        17,
        "EPriceAboveMax",
        "the seller raised the price after your quote; check the offer's price and buy again if you agree",
    ),
    a(
        "license",
        18,
        "EUseLimitedNeedsReceipt",
        "a use-limited license opens a model only through a use consumed on-chain: consume a use first (`floe read` does it) and approve with its receipt",
    ),
    a(
        "license",
        19,
        "EReceiptExpired",
        "the use receipt's read session is over (receipts last 10 minutes); consume another use",
    ),
    a(
        "license",
        20,
        "ENotConsumer",
        "a use receipt serves only the account that consumed the use; sign as that account, or consume a use of your own license",
    ),
    a("model", 0, "EEmptyName", "give the model a name"),
    a(
        "model",
        1,
        "ENameTooLong",
        "the model name may be at most 128 bytes",
    ),
    a(
        "model",
        2,
        "EDescriptionTooLong",
        "the description may be at most 4096 bytes",
    ),
    a("model", 3, "EWrongCap", "use the ModelCap of this model"),
    a(
        "model",
        4,
        "EBlobNotCertified",
        "pass a Blob object you own that is certified: store the file first (floe store)",
    ),
    a(
        "model",
        5,
        "EArchitectureTooLong",
        "the architecture may be at most 128 bytes",
    ),
    a(
        "model",
        6,
        "EDatasetHashTooLong",
        "the data set hash may be at most 64 bytes",
    ),
    a(
        "model",
        7,
        "EMetricsLengthMismatch",
        "pass one value per metric name",
    ),
    a(
        "model",
        8,
        "ETooManyMetrics",
        "a version may have at most 32 metrics",
    ),
    a(
        "model",
        9,
        "EDuplicateMetric",
        "each metric name may appear only once",
    ),
    a(
        "model",
        10,
        "ENoRevenue",
        "the model has no revenue to withdraw yet",
    ),
    a(
        "model",
        11,
        "EVersionNotFound",
        "no version has this number; read version_count first",
    ),
    a(
        "model",
        12,
        "EBlobExpired",
        "the Blob's storage has ended: extend it or store the file again, then publish",
    ),
    a(
        "staking",
        0,
        "EInvalidCommission",
        "the commission may be at most 10 000 bps (100 %)",
    ),
    a(
        "staking",
        1,
        "EInvalidBlsKey",
        "the BLS public key must be 48 bytes (compressed G1, min_pk)",
    ),
    a(
        "staking",
        2,
        "EInvalidProofOfPossession",
        "sign bcs(sender) ‖ public key with the node's BLS key, as the registering sender",
    ),
    a(
        "staking",
        3,
        "EInvalidName",
        "the node name must be 1 to 128 bytes",
    ),
    a(
        "staking",
        4,
        "EInvalidNetworkAddress",
        "the network address must be 1 to 256 bytes",
    ),
    a("staking", 5, "EStakeTooSmall", "stake at least 1 WAL"),
    a(
        "staking",
        6,
        "EWithdrawAlreadyRequested",
        "a withdrawal was already requested; call withdraw from its withdraw epoch on",
    ),
    a(
        "staking",
        7,
        "EWithdrawNotRequested",
        "request the withdrawal first, then withdraw in a later epoch",
    ),
    a(
        "staking",
        8,
        "EWithdrawTooEarly",
        "wait until the epoch after the withdrawal request",
    ),
    a(
        "staking",
        9,
        "EInvalidVote",
        "price votes must be more than 0",
    ),
    a(
        "system",
        0,
        "ESystemAlreadyCreated",
        "the System exists already; use its ID",
    ),
    a(
        "system",
        1,
        "EInvalidShardCount",
        "the shard count must be at least 1",
    ),
    a(
        "system",
        2,
        "EInvalidEpochDuration",
        "the epoch duration must be at least 1 ms",
    ),
    a(
        "system",
        3,
        "EEpochNotOver",
        "the epoch has not lasted its duration yet; try again later",
    ),
    a(
        "system",
        4,
        "EParameterOutOfBounds",
        "the value is outside the parameter's documented bounds",
    ),
    a(
        "system",
        5,
        "ENodeNotFound",
        "no node is registered with this ID; check the node ID",
    ),
    a(
        "system",
        6,
        "ECapacityExceeded",
        "some epoch of this reservation has no free capacity for this size; store less or for \
         fewer epochs, or wait until stored data expires (capacity frees itself per epoch)",
    ),
    a(
        "system",
        7,
        "EInvalidEpochRange",
        "fees or capacity must cover a non-empty range of epochs from the current one, at most \
         max_epochs_ahead epochs ahead",
    ),
    a(
        "system",
        8,
        "EInvalidSigners",
        "signers must be committee indices in strictly increasing order",
    ),
    a(
        "system",
        9,
        "ENotEnoughShards",
        "collect confirmations from nodes holding at least 2f+1 shards",
    ),
    a(
        "system",
        10,
        "EInvalidSignature",
        "the aggregate signature does not verify; collect confirmations for the current epoch again",
    ),
    a(
        "system",
        11,
        "ECommitteeTooLarge",
        "the committee may not have more members than shards",
    ),
    a(
        "system",
        12,
        "EDuplicateBlsKey",
        "this BLS key is registered already; generate a new key for the node",
    ),
    a(
        "system",
        13,
        "ETooManyNodes",
        "the network has the maximum number of nodes",
    ),
    a(
        "system",
        14,
        "EWrongAdminCap",
        "use the AdminCap that created this System",
    ),
    a(
        "system",
        15,
        "ENotCommitteeMember",
        "only a member of the current committee can do this; check `floe status`",
    ),
    a(
        "system",
        16,
        "EWrongSyncEpoch",
        "signal sync for the current epoch only; read it from the System object",
    ),
    a(
        "system",
        17,
        "ENoPendingShards",
        "the node gained no shards this epoch or signalled sync already; nothing to do",
    ),
    a(
        "version",
        0,
        "EWrongVersion",
        "the object was last migrated by another version of the floe package: call the current package's functions, after `upgrade::migrate` (or `model::migrate` / `license::migrate_offer`) if an upgrade just landed",
    ),
    a(
        "version",
        1,
        "EAlreadyMigrated",
        "the object is already at this package's version; nothing to migrate",
    ),
    a(
        "wal",
        0,
        "EUnknownBurnSource",
        "the package burned with a source other than 0 to 4 (a bug in the floe package); report it",
    ),
];

const fn a(module: &'static str, code: u64, name: &'static str, hint: &'static str) -> FloeAbort {
    FloeAbort {
        module,
        code,
        name,
        hint,
    }
}

/// The floe abort constant for `(module, code)`, if the module is one of the package's.
pub fn lookup(module: &str, code: u64) -> Option<&'static FloeAbort> {
    ABORTS.iter().find(|e| e.module == module && e.code == code)
}

/// Sui's framework packages (0x1, 0x2, 0x3, …) have modules with floe's names too
/// (`0x3::staking_pool`); their aborts must not be read as floe's.
fn is_framework(package: Address) -> bool {
    package.inner()[..31].iter().all(|b| *b == 0)
}

impl MoveAbortInfo {
    /// What this abort means, when it came from a floe module.
    pub fn floe_abort(&self) -> Option<&'static FloeAbort> {
        if is_framework(self.package) {
            return None;
        }
        lookup(&self.module, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::move_source;

    #[test]
    fn table_matches_the_move_constants() {
        let mut from_sources = Vec::new();
        for module in move_source::modules() {
            for (name, code) in move_source::abort_constants(&module) {
                from_sources.push((module.name.clone(), code, name));
            }
        }
        let table: Vec<(String, u64, String)> = ABORTS
            .iter()
            .map(|e| (e.module.to_owned(), e.code, e.name.to_owned()))
            .collect();
        assert!(
            from_sources.len() > 80,
            "parsed {} constants",
            from_sources.len()
        );
        for entry in &from_sources {
            assert!(table.contains(entry), "missing from ABORTS: {entry:?}");
        }
        for entry in &table {
            assert!(
                from_sources.contains(entry),
                "not in the Move sources: {entry:?}"
            );
        }
        assert!(ABORTS.iter().all(|e| !e.hint.is_empty()));
    }

    #[test]
    fn lookup_ignores_framework_modules() {
        let info = |package: Address, module: &str, code| MoveAbortInfo {
            package,
            module: module.to_owned(),
            function: None,
            code,
        };
        let floe = Address::new([0xf1; 32]);
        let found = info(floe, "blob", 2).floe_abort().unwrap();
        assert_eq!(found.name, "EInsufficientPayment");
        assert!(
            info(Address::THREE, "staking_pool", 2)
                .floe_abort()
                .is_none()
        );
        assert!(info(floe, "blob", 999).floe_abort().is_none());
    }
}
