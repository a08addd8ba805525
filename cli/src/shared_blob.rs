//! `floe share`, `floe fund-shared-blob` and `floe extend --shared`: shared, funded blobs
//! (`floe::shared_blob`), named as Walrus's CLI names them.
//!
//! Sharing wraps a certified permanent blob object for good: anyone may then add WAL to its
//! funds and anyone may extend it, paid out of those funds at the network's price; nobody,
//! its former owner included, can delete it, take it back or change its attributes.

use anyhow::{Context as _, bail};
use sui_sdk_types::Address;

use crate::amount::format_wal;
use crate::commands::{explain, my_blob, typed_object};
use crate::output::out;
use crate::session::Session;

const WHERE_FROM: &str = "`floe share` prints the shared blob's ID";

/// `floe share BLOB_OBJECT_ID [--amount WAL]`: prints the `SharedBlob`'s ID on stdout.
pub async fn share(session: &Session, blob_object: Address, amount: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    let blob = my_blob(session, &mut floe, blob_object).await?;
    let epoch = floe.system().await.map_err(explain)?.epoch;
    if blob.blob.deletable {
        bail!(
            "blob object {blob_object} is deletable; only permanent blobs can be shared, so \
             nobody can pull the data away from those who fund it\n\
             store the file again without --deletable and share that blob object"
        );
    }
    if !blob.is_certified() {
        bail!(
            "blob object {blob_object} is not certified, and once shared it never could be\n\
             finish the store (run `floe store` on the same file again), then share it"
        );
    }
    if blob.end_epoch() <= epoch {
        bail!(
            "blob object {blob_object} expired at epoch {} (now epoch {epoch})\n\
             store the file again and share the new blob object",
            blob.end_epoch()
        );
    }
    let created = floe
        .share_blob(blob_object, amount)
        .await
        .map_err(explain)
        .with_context(|| {
            format!(
                "sharing blob object {blob_object} with {} WAL of funds",
                format_wal(amount)
            )
        })?;
    out!("{}", created.shared_blob);
    eprintln!(
        "shared blob {} (blob {}): ends at epoch {}, {} WAL of funds; anyone may now fund it \
         (`floe fund-shared-blob {0} --amount WAL`) and extend it from its funds \
         (`floe extend --shared {0} --epochs N`)",
        created.shared_blob,
        created.blob_id,
        created.end_epoch,
        format_wal(created.funds)
    );
    Ok(())
}

/// `floe fund-shared-blob SHARED_BLOB_ID --amount WAL`: prints the funds after.
pub async fn fund(session: &Session, shared_blob: Address, amount: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    check_shared_blob(&mut floe, shared_blob).await?;
    if amount == 0 {
        bail!("--amount 0 adds nothing\npass the WAL to add, e.g. --amount 0.5");
    }
    let funded = floe
        .fund_shared_blob(shared_blob, amount)
        .await
        .map_err(explain)
        .with_context(|| {
            format!(
                "adding {} WAL to shared blob {shared_blob}",
                format_wal(amount)
            )
        })?;
    out!(
        "funds {} WAL (added {} WAL)",
        format_wal(funded.funds),
        format_wal(funded.amount)
    );
    Ok(())
}

/// `floe extend --shared SHARED_BLOB_ID --epochs N`: extended out of the shared blob's funds;
/// prints the new end epoch, the price and the funds left. Funds that do not pay for the
/// extension are the chain's to refuse (`EInsufficientFunds`), with the amounts said here.
pub async fn extend(session: &Session, shared_blob: Address, epochs: u64) -> anyhow::Result<()> {
    let mut floe = session.floe().await?;
    check_shared_blob(&mut floe, shared_blob).await?;
    let view = floe.shared_blob(shared_blob).await.map_err(explain)?;
    let system = floe.system().await.map_err(explain)?;
    let end = view.end_epoch();
    if end <= system.epoch {
        bail!(
            "shared blob {shared_blob} expired at epoch {end} (now epoch {}); it can no longer \
             be extended\nstore the file again and share the new blob object",
            system.epoch
        );
    }
    let room = system.max_epochs_ahead.saturating_sub(end - system.epoch);
    if epochs == 0 || epochs > room {
        bail!(
            "--epochs {epochs} is out of range: the shared blob ends at epoch {end} and this \
             network stores at most {} epochs ahead of the current one ({})\n\
             pass --epochs between 1 and {room}",
            system.max_epochs_ahead,
            system.epoch
        );
    }
    let price = view.extension_price(&system, epochs).map_err(explain)?;
    let extended = floe
        .extend_shared_blob(shared_blob, epochs)
        .await
        .map_err(explain)
        .with_context(|| {
            format!(
                "extending shared blob {shared_blob} by {epochs} epochs costs {} WAL; its funds \
                 hold {} WAL",
                format_wal(price),
                format_wal(view.funds())
            )
        })?;
    out!(
        "end epoch {} (was {}), paid {} WAL from the shared blob's funds, {} WAL left",
        extended.new_end_epoch,
        extended.old_end_epoch,
        format_wal(extended.price),
        format_wal(extended.funds)
    );
    Ok(())
}

/// Refuses, before any gas is spent, an ID that is not a `SharedBlob` (a blob object's ID
/// passed by mistake is named as such).
async fn check_shared_blob(floe: &mut floe_sdk::Floe, id: Address) -> anyhow::Result<()> {
    let _: floe_sdk::move_types::shared_blob::SharedBlob = typed_object(
        floe,
        id,
        ("shared_blob", "SharedBlob"),
        "shared blob",
        WHERE_FROM,
    )
    .await?;
    Ok(())
}
